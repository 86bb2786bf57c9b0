"""The text that every report shares: points as people read them, the safe form of student
text, the per-task summary, the order in which the feedback pages show the tests (failures
first) and the instructor's notes by heading. What a student may read of a test is computed
once, by the grader: :func:`autograder.grading.results.student_feedback`."""
import re
from dataclasses import dataclass

from autograder.course.model import TASK_ID
from autograder.grading.results import GradingResult, TestResult, task_number

# Characters kept as they are: printable text, and tab and line breaks where lines are allowed.
# Everything else (C0/C1 control characters such as a terminal escape, lone surrogates, U+FFFE/FFFF)
# is invalid in XML 1.0, garbles a terminal or breaks an encoder, so it is written as an escape.
_UNPRINTABLE = re.compile("[^\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_UNPRINTABLE_IN_A_LINE = re.compile("[^\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def points(value: float) -> str:
    """A score for display: at most two decimals, no trailing zeros ("2.5", "10", "3.33")."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def printable(text: str, lines: bool = True) -> str:
    r"""``text`` with every unprintable character written as an escape ("\x1b", "\ud800").

    lines: keep tabs and line breaks; with False they become escapes too (for a table cell).
    """
    pattern = _UNPRINTABLE if lines else _UNPRINTABLE_IN_A_LINE
    return pattern.sub(lambda match: _escape(ord(match.group())), text)


def _escape(code: int) -> str:
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def instructor_sections(result: GradingResult, isolation: bool = True) -> list[tuple[str, list[str]]]:
    """[(heading, lines)] of the result's :class:`~autograder.grading.results.InstructorNotes`, the empty
    ones left out, in the order a reviewer reads them: the flags, the detections and, unless
    ``isolation`` is False (the same for every submission), the sandbox's isolation."""
    notes = result.instructor
    sections = (("For review", notes.flags), ("Detected in the sandbox", notes.detections),
                ("The sandbox", notes.isolation if isolation else ()))
    return [(heading, list(lines)) for heading, lines in sections if lines]


@dataclass(frozen=True)
class TaskSummary:
    """One task's line in a score table and its tests.

    task:      its id ("task1_3"), or the id of a check of the submission as a whole ("submission").
    title:     its title ("" where the result has none).
    score, max_score: summed over its tests (:meth:`~autograder.grading.results.GradingResult.by_task`).
    tests:     its TestResults, in the result's order.
    """
    task: str
    title: str
    score: float
    max_score: float
    tests: tuple[TestResult, ...]

    @property
    def number(self) -> str:
        """"1.3" for task1_3; any other id stays as it is."""
        return task_number(self.task)

    @property
    def label(self) -> str:
        """"Task 1.3: backward of matmul" ("Task 1.3" without a title); any other id stays as it is."""
        if not TASK_ID.match(self.task):
            return self.task
        return f"Task {self.number}: {self.title}" if self.title else f"Task {self.number}"

    @property
    def status(self) -> str:
        """"full" when every test passed, "zero" when none earned a point, else "partial": words,
        so that a page never tells them apart by colour alone."""
        if all(test.status == "passed" for test in self.tests):
            return "full"
        return "partial" if self.score > 0 else "zero"

    def with_status(self, status: str) -> tuple[TestResult, ...]:
        """Its tests of ``status`` ("passed" or "failed"), in the result's order."""
        return tuple(test for test in self.tests if test.status == status)

    def heading(self, status: str) -> str:
        """"Task 1.5: backward of exp, log and abs — 3 of 6 failed": its tests of ``status``, counted."""
        return f"{self.label} — {len(self.with_status(status))} of {len(self.tests)} {status}"


def task_summaries(result: GradingResult) -> list[TaskSummary]:
    """[TaskSummary] per task of ``result``, in task order."""
    tests = {}
    for test in result.tests:
        tests.setdefault(test.task, []).append(test)
    return [TaskSummary(task, result.task_titles.get(task, ""), score, max_score, tuple(tests[task]))
            for task, (score, max_score) in result.by_task().items()]


def task_rows(result: GradingResult) -> list[tuple[str, str, float, float]]:
    """[(number, title, score, max_score)] per task, in task order: the rows of a score table."""
    return [(task.number, task.title, task.score, task.max_score) for task in task_summaries(result)]


def failures_first(result: GradingResult) -> tuple[list[TaskSummary], list[TaskSummary]]:
    """The tasks in the order a feedback page shows their tests, the failures a student acts on
    first: ([TaskSummary] of the tasks with a failed test, [TaskSummary] of those with a passed
    test), each in task order; a task with both is in both."""
    summaries = task_summaries(result)
    return ([task for task in summaries if task.with_status("failed")],
            [task for task in summaries if task.with_status("passed")])


def outcome(test: TestResult) -> str:
    """"1.67 / 5 points" and, for a hidden test, " (hidden test)"."""
    kind = " (hidden test)" if test.hidden else ""
    return f"{points(test.score)} / {points(test.max_score)} points{kind}"


def shown_feedback(test: TestResult) -> str:
    """What a feedback page shows under ``test``: its feedback, or "" where that only repeats its
    status (a passed test's "passed")."""
    return "" if test.feedback == test.status else test.feedback


def total(result: GradingResult) -> str:
    """"42.5 / 50 points" and, when the assignment has bonus tasks, " (bonus: up to 10 more)"."""
    bonus = f" (bonus: up to {points(result.bonus_points)} more)" if result.bonus_points else ""
    return f"{points(result.score)} / {points(result.max_score)} points{bonus}"
