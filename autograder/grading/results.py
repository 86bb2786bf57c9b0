"""What grading a submission produces: a :class:`TestResult` per test and one :class:`GradingResult`.

The grader fills these in and calls :meth:`GradingResult.validate`; every writer in
:mod:`autograder.reports` calls it again before it writes. Scores are kept exactly as
computed; only the reports round them, for display.

A test's ``task`` is a task id (``task3_1``) or, for a check of the submission as a
whole, any other short id; the tests of a result are kept in task order (3.2 before
3.10), whole-submission checks last, then by name.

Two views of one result. A result holds what the course staff read and, apart from it, what
the student reads, so that no writer has to choose:

- the student's view: names, scores, statuses, each test's ``feedback`` and the result's
  ``feedback``. :func:`student_feedback` computes every such text, in this one place: a hidden
  test's first line only, and everything filtered by the course's redactor
  (:mod:`autograder.grading.redaction`), which the grader passes, so that writers need no course;
- the instructor's view: all of the above, plus each test's full ``output``, the result's full
  ``output`` and its :class:`InstructorNotes` (the sandbox's isolation, what it detected, the
  results flagged for review).

The student's reports (Gradescope, Markdown, HTML) read the student's view only; the others
(the instructor page, our JSON, JUnit) read both. Each format declares its view
(:data:`autograder.reports.FORMATS`).
"""
import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from autograder.course.model import TASK_ID
from autograder.sandbox.harness.runner import clip

if TYPE_CHECKING:
    from autograder.grading.redaction import Redactor

STATUSES = ("passed", "failed")
HIDDEN_FEEDBACK_CHARS = 400
WITHHELD = " [hidden test: more detail withheld]"


def task_number(task: str) -> str:
    """"3.1" for the task id "task3_1"; any other id stays as it is."""
    match = TASK_ID.match(task)
    return f"{match['assignment']}.{match['index']}" if match else task


def task_order(task: str) -> tuple[int, int, int, str]:
    """A sort key that puts task ids in course order (task3_2 before task3_10), other ids after them."""
    match = TASK_ID.match(task)
    if match:
        return (0, int(match["assignment"]), int(match["index"]), "")
    return (1, 0, 0, task)


def total(scores: Iterable[float]) -> float:
    """The sum of ``scores``, exactly rounded (math.fsum) and then to 9 decimals: a task's points
    shared by three probes add up to the points, not to 9.999999999999998."""
    return round(math.fsum(scores), 9)


def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _check_points(label: str, value: float, high: float) -> None:
    """Raise ValueError unless ``value`` is a finite number in [0, high]."""
    if not _is_number(value) or not math.isfinite(value):
        raise ValueError(f"{label} is {value!r}: a score must be a finite number")
    if not 0 <= value <= high:
        raise ValueError(f"{label} is {value!r}: a score must lie in [0, {high!r}]")


def student_feedback(output: str, hidden: bool = False, redactor: "Redactor | None" = None) -> str:
    """What a student may read of ``output``: all of it for a public test or a note on the whole
    submission; for a hidden test, its first line, at most HIDDEN_FEEDBACK_CHARS long, cut between
    words, and a note that the rest was withheld. ``redactor`` (a
    :class:`~autograder.grading.redaction.Redactor`, or None for text that never came from a sandbox)
    then filters what is shown.

    A verdict's first line names what went wrong (the value, the worst index, the size of the
    error, or the exception) and never a hidden expected value; the lines after it, and the rest
    of a long line (an exception message is the student's own text), stay with instructors. The
    redactor sees the whole text shown, the grader's words around the sandbox's included, since
    a value name or an exception message inside them is the student's code speaking.
    """
    shown, withheld = output, False
    if hidden:
        lines = output.splitlines() or [""]
        shown = clip(lines[0], HIDDEN_FEEDBACK_CHARS)
        withheld = len(lines) > 1 or shown != lines[0]
    if redactor is not None:
        shown = redactor.redact(shown)
    return shown + WITHHELD * withheld


@dataclass(frozen=True)
class TestResult:
    """The outcome of one test.

    name:      what the student reads, e.g. "Task 3.1: SGD, momentum and Nesterov momentum — nesterov
               trajectory".
    task:      the task id ("task3_1") the test belongs to.
    score:     the points earned, in [0, max_score]; partial credit is allowed.
    max_score: the points the test is worth (0 for a check that only informs).
    status:    "passed" when score == max_score, "failed" when it is lower.
    output:    the verdict's whole message, for instructors; the verdicts keep hidden expected
               values out of it, but it may quote anything the student's code said.
    hidden:    a hidden test: the student sees its name, outcome and the first line of its output.
    feedback:  what the student reads of ``output``: :func:`student_feedback`'s text, which the
               grader computes with the course's redactor; by default, of ``output`` unfiltered
               (a result made by hand holds no text from a sandbox).
    """
    __test__ = False    # not a pytest test class, despite its name

    name: str
    task: str
    score: float
    max_score: float
    status: str
    output: str
    hidden: bool = False
    feedback: str | None = None

    def __post_init__(self) -> None:
        if self.feedback is None:
            object.__setattr__(self, "feedback", student_feedback(self.output, self.hidden))

    def validate(self) -> None:
        """Raise ValueError, naming the test, unless its points and status are consistent."""
        label = f"test {self.name!r}"
        if not _is_number(self.max_score) or not math.isfinite(self.max_score) or self.max_score < 0:
            raise ValueError(f"{label}: max_score is {self.max_score!r}: it must be a finite number >= 0")
        _check_points(f"{label}: score", self.score, self.max_score)
        if self.status not in STATUSES:
            raise ValueError(f"{label}: status is {self.status!r}: it must be one of {STATUSES}")
        if self.status == "passed" and self.score != self.max_score:
            raise ValueError(f"{label}: status 'passed' with {self.score!r} of {self.max_score!r} points; "
                             f"a test passes with full marks only")
        if self.status == "failed" and self.score == self.max_score and self.max_score > 0:
            raise ValueError(f"{label}: status 'failed' with full marks ({self.score!r} points)")

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "task": self.task, "score": float(self.score),
                "max_score": float(self.max_score), "status": self.status, "output": self.output,
                "hidden": bool(self.hidden), "feedback": self.feedback}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """The inverse of :meth:`to_dict`; a test stored before results had a ``feedback`` gets the
        default one."""
        return cls(name=data["name"], task=data["task"], score=data["score"], max_score=data["max_score"],
                   status=data["status"], output=data["output"], hidden=data["hidden"],
                   feedback=data.get("feedback"))


@dataclass(frozen=True)
class InstructorNotes:
    """What only the course staff read about one grading, never shown to the student.

    isolation:  the sandbox's isolation in force, one note per aspect: the engine, the user (a uid
                range), the paths it hides, its limits (Box.isolation).
    detections: what the sandbox's audit hook saw the student's code do, as sentences: "network
                access attempted (socket.connect, 3 times)".
    flags:      results to review by hand, each "<test name>: <why>": an accuracy that suggests
                answers looked up rather than learnt.
    """
    isolation: Sequence[str] = ()
    detections: Sequence[str] = ()
    flags: Sequence[str] = ()

    def __post_init__(self) -> None:
        for note in fields(self):         # any sequence of strings is kept as a tuple
            object.__setattr__(self, note.name, tuple(getattr(self, note.name)))

    def to_dict(self) -> dict[str, list[str]]:
        return {note.name: list(getattr(self, note.name)) for note in fields(self)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Sequence[str]]) -> Self:
        """The inverse of :meth:`to_dict`; a kind of note missing from ``data`` is empty."""
        return cls(**{note.name: data.get(note.name, ()) for note in fields(cls)})


@dataclass(frozen=True)
class GradingResult:
    """The grade of one submission of one assignment.

    assignment:     the assignment's name, e.g. "hw3_optimizers".
    title:          its title.
    tests:          the TestResults; kept sorted by task order, then name, whatever order they came in.
    max_score:      the assignment's total points; bonus tasks come on top of it.
    bonus_points:   the points of the bonus tasks, so the score lies in [0, max_score + bonus_points].
    output:         notes on the submission as a whole, in full: files ignored or missing, why it
                    could not be graded.
    execution_time: seconds spent grading; it varies between runs, so no rendering for people shows it.
    artifacts:      {name: path} of plot files ("training_curve", "confusion_matrix"); may be empty.
    task_titles:    {task id: title} of the assignment's tasks, for the reports' per-task tables.
    feedback:       what the student reads of ``output`` (:func:`student_feedback`, with the course's
                    redactor when the grader made it; by default ``output`` unfiltered).
    instructor:     the :class:`InstructorNotes`: isolation, detections, flags.
    """
    assignment: str
    title: str
    tests: tuple[TestResult, ...]
    max_score: float
    bonus_points: float
    output: str
    execution_time: float
    artifacts: dict[str, Path] = field(default_factory=dict)
    task_titles: dict[str, str] = field(default_factory=dict)
    feedback: str | None = None
    instructor: InstructorNotes = InstructorNotes()

    def __post_init__(self) -> None:
        tests = tuple(sorted(self.tests, key=lambda test: (task_order(test.task), test.name)))
        object.__setattr__(self, "tests", tests)
        if self.feedback is None:
            object.__setattr__(self, "feedback", student_feedback(self.output))

    @property
    def score(self) -> float:
        """The points earned: the sum of the tests' scores (see :func:`total`)."""
        return total(test.score for test in self.tests)

    def validate(self) -> None:
        """Raise ValueError, with a message naming the culprit, unless every number is sound.

        Every test's score must be finite and within [0, its max_score]; the total within
        [0, max_score + bonus_points], up to the rounding of the sum (a relative 1e-9).
        """
        where = f"{self.assignment}: "
        for label, value in (("max_score", self.max_score), ("bonus_points", self.bonus_points),
                             ("execution_time", self.execution_time)):
            if not _is_number(value) or not math.isfinite(value) or value < 0:
                raise ValueError(f"{where}{label} is {value!r}: it must be a finite number >= 0")
        names = set()
        for test in self.tests:
            try:
                test.validate()
            except ValueError as error:
                raise ValueError(f"{where}{error}") from None
            if test.name in names:
                raise ValueError(f"{where}two tests are called {test.name!r}")
            names.add(test.name)
        limit = self.max_score + self.bonus_points
        score = self.score
        if score > limit and math.isclose(score, limit, rel_tol=1e-9):
            score = limit
        _check_points(f"{where}the total score", score, limit)

    def by_task(self) -> dict[str, tuple[float, float]]:
        """{task id: (score, max_score)} summed over each task's tests, in task order."""
        tests = {}
        for test in self.tests:
            tests.setdefault(test.task, []).append(test)
        return {task: (total(t.score for t in some), total(t.max_score for t in some))
                for task, some in tests.items()}

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data: every field (both views), artifacts as strings, plus the derived total
        ``score``."""
        return {"assignment": self.assignment, "title": self.title,
                "score": float(self.score), "max_score": float(self.max_score),
                "bonus_points": float(self.bonus_points), "output": self.output, "feedback": self.feedback,
                "instructor": self.instructor.to_dict(), "execution_time": float(self.execution_time),
                "tests": [test.to_dict() for test in self.tests],
                "artifacts": {name: str(path) for name, path in sorted(self.artifacts.items())},
                "task_titles": dict(sorted(self.task_titles.items(), key=lambda item: task_order(item[0])))}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """The inverse of :meth:`to_dict`; the derived ``score`` is recomputed, not read. A result
        stored before results had two views (an older gradebook's row) gets the default
        ``feedback`` and empty InstructorNotes."""
        return cls(assignment=data["assignment"], title=data["title"],
                   tests=tuple(TestResult.from_dict(test) for test in data["tests"]),
                   max_score=data["max_score"], bonus_points=data["bonus_points"], output=data["output"],
                   execution_time=data["execution_time"],
                   artifacts={name: Path(path) for name, path in data["artifacts"].items()},
                   task_titles=dict(data["task_titles"]), feedback=data.get("feedback"),
                   instructor=InstructorNotes.from_dict(data.get("instructor", {})))
