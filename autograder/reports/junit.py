"""JUnit XML for continuous integration: one ``<testsuite>`` for the assignment, one
``<testcase>`` per test.

A testcase's ``classname`` is its task id and its ``name`` the test's name; its
``<properties>`` hold the exact score, max_score and whether it is hidden, and a failed
test (partial credit included) carries ``<failure message="1.5 of 3 points">`` with the
full output. This report is for instructors' CI (:data:`VIEW`), so hidden tests keep their
output too. The suite's properties hold the total, the maximum and the bonus points; the notes
on the submission as a whole and the instructor's notes (flags for review, detections, the
sandbox's isolation) go to ``<system-out>``.

Student text can hold anything, including characters that XML 1.0 forbids (a terminal
escape, a NUL byte): :func:`~autograder.reports.text.printable` writes those as escapes,
and ElementTree escapes markup, so the file always parses.
"""
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path

from autograder.grading.results import GradingResult
from autograder.reports.text import instructor_sections, points, printable

FILE_NAME = "junit.xml"
VIEW = "instructor"


def _properties(parent: ET.Element, values: Iterable[tuple[str, str]]) -> None:
    """A ``<properties>`` element under ``parent`` with one ``<property>`` per (name, value)."""
    properties = ET.SubElement(parent, "properties")
    for name, value in values:
        ET.SubElement(properties, "property", name=name, value=value)


def _system_out(result: GradingResult) -> str:
    """The notes on the submission, then each of the instructor's notes under its heading."""
    parts = [result.output] if result.output else []
    parts += [f"{heading}:\n" + "\n".join(f"  {line}" for line in lines)
              for heading, lines in instructor_sections(result)]
    return printable("\n".join(parts))


def to_element(result: GradingResult) -> ET.Element:
    """The ``<testsuites>`` element of ``result``."""
    failures = sum(test.status == "failed" for test in result.tests)
    counts = {"tests": str(len(result.tests)), "failures": str(failures), "errors": "0", "skipped": "0",
              "time": repr(float(result.execution_time))}
    suites = ET.Element("testsuites", name=result.assignment, **counts)
    suite = ET.SubElement(suites, "testsuite", name=result.assignment, **counts)
    _properties(suite, [("title", printable(result.title)), ("score", repr(float(result.score))),
                        ("max_score", repr(float(result.max_score))),
                        ("bonus_points", repr(float(result.bonus_points)))])
    for test in result.tests:
        case = ET.SubElement(suite, "testcase", classname=test.task, name=printable(test.name))
        _properties(case, [("score", repr(float(test.score))), ("max_score", repr(float(test.max_score))),
                           ("hidden", str(bool(test.hidden)).lower())])
        if test.status == "failed":
            failure = ET.SubElement(case, "failure", type="failed",
                                    message=f"{points(test.score)} of {points(test.max_score)} points")
            failure.text = printable(test.output)
    ET.SubElement(suite, "system-out").text = _system_out(result)
    ET.indent(suites)
    return suites


def render(result: GradingResult) -> str:
    """The XML text, with its declaration (checks the result first)."""
    result.validate()
    xml = ET.tostring(to_element(result), encoding="unicode")
    return f'<?xml version="1.0" encoding="utf-8"?>\n{xml}\n'


def write(result: GradingResult, path: str | Path) -> None:
    """Write ``result`` as JUnit XML at ``path``."""
    Path(path).write_text(render(result), encoding="utf-8")
