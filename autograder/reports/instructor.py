"""The instructor's page in Markdown: the student's page and everything the student does not
see (:data:`VIEW`). First the instructor's notes (the results flagged for review, what the
sandbox detected, the sandbox's isolation: its engine, uid range, hidden paths and limits), then
the score table, every test with its full output (hidden tests included, nothing clipped or
filtered), the notes on the submission in full, and the plots.

It is built from :mod:`~autograder.reports.markdown`'s pieces, so the student's text is fenced
and escaped here as there. Never give this page to a student: it lists the grader's paths, and
a message in full may quote what the redactor withholds from them.
"""
from pathlib import Path

from autograder.grading.results import GradingResult
from autograder.reports.markdown import code_block, plot_links, section_of_test, title_and_scores
from autograder.reports.text import instructor_sections, printable

FILE_NAME = "instructor.md"
VIEW = "instructor"


def render(result: GradingResult, relative_to: str | Path | None = None) -> str:
    """The page as text; plot links are relative to the folder ``relative_to`` (default: as stored)."""
    result.validate()
    title, *scores = title_and_scores(result)
    sections = [title, "Instructor view: not for students."]
    for name, lines in instructor_sections(result):
        sections += [f"## {name}", code_block(printable("\n".join(lines)))]
    sections += [*scores, "## Tests"]
    sections += [section_of_test(test, test.output) for test in result.tests] or ["No test could be run."]
    if result.output:
        sections += ["## About the submission", code_block(printable(result.output))]
    sections += plot_links(result, relative_to)
    return "\n\n".join(sections) + "\n"


def write(result: GradingResult, path: str | Path) -> None:
    """Write the page at ``path``, its plot links relative to the page's folder."""
    path = Path(path)
    path.write_text(render(result, relative_to=path.parent), encoding="utf-8")
