"""A student's feedback page in Markdown: the total, a score table by task (each task's status:
full, partial or zero), the notes on the submission as a whole, the failed tests grouped by
task with their outcome and feedback (a hidden test's first line), then the passed tests listed
per task (:func:`~autograder.reports.text.failures_first`), and the plots, linked relative to
the page. It shows the student's view alone (:data:`VIEW`); :mod:`~autograder.reports.instructor`
builds the instructor's page from the same pieces.

Student text (outputs, file names in the notes) only ever appears inside fenced code
blocks, whose fence is longer than any run of backticks in the text, so it can neither
close the block nor smuggle in markup or HTML. Names and titles are escaped as well.
"""
import os
import re
import textwrap
from pathlib import Path
from urllib.parse import quote

from autograder.grading.results import GradingResult, TestResult
from autograder.reports.text import (
    TaskSummary,
    failures_first,
    outcome,
    points,
    printable,
    shown_feedback,
    task_summaries,
    total,
)

FILE_NAME = "feedback.md"
VIEW = "student"
_MARKUP = re.compile(r"([\\`*_\[\]<>|~])")


def inline(text: str) -> str:
    """``text`` as literal Markdown on one line: markup characters are backslash-escaped."""
    return _MARKUP.sub(r"\\\1", printable(text, lines=False))


def code_block(text: str) -> str:
    """``text`` verbatim in a fenced block that nothing inside it can close."""
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def title_and_scores(result: GradingResult) -> list[str]:
    """The page's first sections: the title, the total and the score table by task."""
    lines = ["| Task | Title | Status | Score | Max |", "| --- | --- | --- | ---: | ---: |"]
    for task in task_summaries(result):
        lines.append(f"| {inline(task.number)} | {inline(task.title)} | {task.status} | {points(task.score)} "
                     f"| {points(task.max_score)} |")
    lines.append(f"| **Total** | | | **{points(result.score)}** | **{points(result.max_score)}** |")
    return [f"# {inline(result.assignment)}: {inline(result.title)}", f"**Score: {total(result)}**",
            "## Scores by task", "\n".join(lines)]


def section_of_test(test: TestResult, text: str, level: int = 3) -> str:
    """One test's section: its name as a heading of ``level``, its outcome and ``text``, what this
    page shows of its output."""
    parts = [f"{'#' * level} {inline(test.name)}", f"**{test.status}**: {outcome(test)}"]
    if text:
        parts.append(code_block(printable(text)))
    return "\n\n".join(parts)


def failed_tests(task: TaskSummary) -> str:
    """A task's failed tests under a heading that counts them, each with its outcome and feedback."""
    return "\n\n".join([f"### {inline(task.heading('failed'))}"]
                        + [section_of_test(test, shown_feedback(test), level=4)
                           for test in task.with_status("failed")])


def passed_tests(task: TaskSummary) -> str:
    """A task's passed tests, one list item each, under a heading that counts them."""
    items = []
    for test in task.with_status("passed"):
        text = shown_feedback(test)
        block = "\n\n" + textwrap.indent(code_block(printable(text)), "  ") if text else ""
        items.append(f"- {inline(test.name)}: {outcome(test)}{block}")
    return f"### {inline(task.heading('passed'))}\n\n" + "\n".join(items)


def plot_links(result: GradingResult, relative_to: str | Path | None) -> list[str]:
    """The plots' section, linked relative to the folder ``relative_to`` (None: as stored); [] without."""
    if not result.artifacts:
        return []
    return ["## Plots"] + [f"![{inline(name)}]({_link(path, relative_to)})"
                           for name, path in sorted(result.artifacts.items())]


def _link(path: str | Path, relative_to: str | Path | None) -> str:
    """A URL path to ``path``: relative to the folder ``relative_to`` when given, percent-encoded."""
    target = os.path.relpath(path, relative_to) if relative_to is not None else str(path)
    return quote(Path(target).as_posix())


def render(result: GradingResult, relative_to: str | Path | None = None) -> str:
    """The page as text; plot links are relative to the folder ``relative_to`` (default: as stored)."""
    result.validate()
    sections = title_and_scores(result)
    if result.feedback:
        sections += ["## About the submission", code_block(printable(result.feedback))]
    failed, passed = failures_first(result)
    if failed:
        sections += ["## Failed tests"] + [failed_tests(task) for task in failed]
    if passed:
        sections += ["## Passed tests"] + [passed_tests(task) for task in passed]
    if not result.tests:
        sections.append("No test could be run.")
    sections += plot_links(result, relative_to)
    return "\n\n".join(sections) + "\n"


def write(result: GradingResult, path: str | Path) -> None:
    """Write the page at ``path``, its plot links relative to the page's folder."""
    path = Path(path)
    path.write_text(render(result, relative_to=path.parent), encoding="utf-8")
