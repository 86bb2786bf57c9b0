"""Gradescope's ``results.json``, as its autograder specification describes it
(https://gradescope-autograders.readthedocs.io/en/latest/specs/, "Output format").

Our choices among the specification's fields:

- ``score`` (top level): the total, written although Gradescope could sum the tests,
  so that the file states the grade outright. Unrounded: Gradescope rounds for display.
- ``stdout_visibility: "hidden"``: what the grader prints (the sandbox's logs) stays
  with the instructors; everything meant for students is in an ``output`` field.
- ``output_format``, ``test_output_format``, ``test_name_format``: ``"text"``, so that
  nothing a student printed is ever rendered as HTML or Markdown by Gradescope.
- Per test: ``name``, ``score``, ``max_score``, ``status`` ("passed"/"failed"),
  ``output``, ``visibility`` and, for a test of a task, ``number`` ("3.1.2": the
  second test of Task 3.1, so that every test has a number of its own).
- ``visibility``: ``"visible"`` for a public test. A hidden test gets
  :data:`HIDDEN_VISIBILITY`, ``"after_published"``: its name, score and one-line
  outcome appear once the instructors publish the grades, never before. Shown at once,
  a hidden test would answer "pass or fail?" for every resubmission, and a student
  could tune code against the hidden checks; ``"after_due_date"`` would release them
  while students with an extension still submit. The specification adds that while a
  test is hidden the student does not see the total score either; instructors see
  everything at all times. The output of a hidden test is its outcome alone (see
  :func:`~autograder.grading.results.student_feedback`), also after publication.
- Every ``output`` is the student's view (:data:`VIEW`): each test's ``feedback`` and the result's,
  as the grader filtered them. The sandbox's isolation, its detections and the flags for review
  are the instructor's and never appear here, not even hidden; ``autograder grade`` prints the
  detections and flags on its stdout, which Gradescope shows to instructors only.

:func:`write` checks the result and writes UTF-8 JSON; ``gradescope.schema.json``
beside this module describes the file, and the tests validate every write against it.
"""
import json
from pathlib import Path
from typing import Any

from autograder.course.model import TASK_ID
from autograder.grading.results import GradingResult, task_number
from autograder.reports.text import printable

FILE_NAME = "results.json"
VIEW = "student"
SCHEMA = Path(__file__).with_name("gradescope.schema.json")
HIDDEN_VISIBILITY = "after_published"


def to_json_data(result: GradingResult) -> dict[str, Any]:
    """The results.json content as a dict."""
    tests, counts = [], {}
    for test in result.tests:
        entry = {"name": printable(test.name), "score": float(test.score), "max_score": float(test.max_score),
                 "status": test.status, "output": printable(test.feedback),
                 "visibility": HIDDEN_VISIBILITY if test.hidden else "visible"}
        if TASK_ID.match(test.task):
            counts[test.task] = counts.get(test.task, 0) + 1
            entry["number"] = f"{task_number(test.task)}.{counts[test.task]}"
        tests.append(entry)
    return {"score": float(result.score), "execution_time": float(result.execution_time),
            "output": printable(result.feedback), "output_format": "text", "test_output_format": "text",
            "test_name_format": "text", "stdout_visibility": "hidden", "tests": tests}


def render(result: GradingResult) -> str:
    """The results.json text (checks the result first)."""
    result.validate()
    return json.dumps(to_json_data(result), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def write(result: GradingResult, path: str | Path) -> None:
    """Write ``result`` as Gradescope's results.json at ``path``."""
    Path(path).write_text(render(result), encoding="utf-8")
