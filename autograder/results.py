"""What grading a submission produces: a :class:`TestResult` per test and one :class:`GradingResult`.

The grader fills these in and calls :meth:`GradingResult.validate`; every writer in
:mod:`autograder.reports` calls it again before it writes. Scores are kept exactly as
computed; only the reports round them, for display.

A test's ``task`` is a task id (``task3_1``) or, for a check of the submission as a
whole, any other short id; the tests of a result are kept in task order (3.2 before
3.10), whole-submission checks last, then by name.

Hidden tests: a hidden test's outcome is shown (its name, status and score) but not its
output. The student-facing reports (Gradescope, Markdown, HTML) replace the output with
:func:`~autograder.reports.text.student_output`'s one-line message; the instructor-facing
ones (our JSON, JUnit) keep it.
"""
import math
import numbers
from dataclasses import dataclass, field
from pathlib import Path

from autograder.course import TASK_ID

STATUSES = ("passed", "failed")


def task_number(task):
    """"3.1" for the task id "task3_1"; any other id stays as it is."""
    match = TASK_ID.match(task)
    return f"{match['assignment']}.{match['index']}" if match else task


def task_order(task):
    """A sort key that puts task ids in course order (task3_2 before task3_10), other ids after them."""
    match = TASK_ID.match(task)
    if match:
        return (0, int(match["assignment"]), int(match["index"]), "")
    return (1, 0, 0, task)


def total(scores):
    """The sum of ``scores``, exactly rounded (math.fsum) and then to 9 decimals: a task's points
    shared by three probes add up to the points, not to 9.999999999999998."""
    return round(math.fsum(scores), 9)


def _is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _check_points(label, value, high):
    """Raise ValueError unless ``value`` is a finite number in [0, high]."""
    if not _is_number(value) or not math.isfinite(value):
        raise ValueError(f"{label} is {value!r}: a score must be a finite number")
    if not 0 <= value <= high:
        raise ValueError(f"{label} is {value!r}: a score must lie in [0, {high!r}]")


@dataclass(frozen=True)
class TestResult:
    """The outcome of one test.

    name:      what the student reads, e.g. "Task 3.1: SGD, momentum and Nesterov momentum — nesterov
               trajectory".
    task:      the task id ("task3_1") the test belongs to.
    score:     the points earned, in [0, max_score]; partial credit is allowed.
    max_score: the points the test is worth (0 for a check that only informs).
    status:    "passed" when score == max_score, "failed" when it is lower.
    output:    the feedback; the verdicts keep hidden expected values out of it.
    hidden:    a hidden test: reports show its name and outcome, not its output.
    """
    __test__ = False    # not a pytest test class, despite its name

    name: str
    task: str
    score: float
    max_score: float
    status: str
    output: str
    hidden: bool = False

    def validate(self):
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

    def to_dict(self):
        return {"name": self.name, "task": self.task, "score": float(self.score),
                "max_score": float(self.max_score), "status": self.status, "output": self.output,
                "hidden": bool(self.hidden)}

    @classmethod
    def from_dict(cls, data):
        return cls(name=data["name"], task=data["task"], score=data["score"], max_score=data["max_score"],
                   status=data["status"], output=data["output"], hidden=data["hidden"])


@dataclass(frozen=True)
class GradingResult:
    """The grade of one submission of one assignment.

    assignment:     the assignment's name, e.g. "hw3_optimizers".
    title:          its title.
    tests:          the TestResults; kept sorted by task order, then name, whatever order they came in.
    max_score:      the assignment's total points; bonus tasks come on top of it.
    bonus_points:   the points of the bonus tasks, so the score lies in [0, max_score + bonus_points].
    output:         messages about the submission as a whole: isolation notes, rejected files, errors.
    execution_time: seconds spent grading; it varies between runs, so no rendering for people shows it.
    artifacts:      {name: path} of plot files ("training_curve", "confusion_matrix"); may be empty.
    task_titles:    {task id: title} of the assignment's tasks, for the reports' per-task tables.
    """
    assignment: str
    title: str
    tests: tuple
    max_score: float
    bonus_points: float
    output: str
    execution_time: float
    artifacts: dict = field(default_factory=dict)
    task_titles: dict = field(default_factory=dict)

    def __post_init__(self):
        tests = tuple(sorted(self.tests, key=lambda test: (task_order(test.task), test.name)))
        object.__setattr__(self, "tests", tests)

    @property
    def score(self):
        """The points earned: the sum of the tests' scores (see :func:`total`)."""
        return total(test.score for test in self.tests)

    def validate(self):
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

    def by_task(self):
        """{task id: (score, max_score)} summed over each task's tests, in task order."""
        tests = {}
        for test in self.tests:
            tests.setdefault(test.task, []).append(test)
        return {task: (total(t.score for t in some), total(t.max_score for t in some))
                for task, some in tests.items()}

    def to_dict(self):
        """Plain JSON data: every field, artifacts as strings, plus the derived total ``score``."""
        return {"assignment": self.assignment, "title": self.title,
                "score": float(self.score), "max_score": float(self.max_score),
                "bonus_points": float(self.bonus_points), "output": self.output,
                "execution_time": float(self.execution_time),
                "tests": [test.to_dict() for test in self.tests],
                "artifacts": {name: str(path) for name, path in sorted(self.artifacts.items())},
                "task_titles": dict(sorted(self.task_titles.items(), key=lambda item: task_order(item[0])))}

    @classmethod
    def from_dict(cls, data):
        """The inverse of :meth:`to_dict`; the derived ``score`` is recomputed, not read."""
        return cls(assignment=data["assignment"], title=data["title"],
                   tests=tuple(TestResult.from_dict(test) for test in data["tests"]),
                   max_score=data["max_score"], bonus_points=data["bonus_points"], output=data["output"],
                   execution_time=data["execution_time"],
                   artifacts={name: Path(path) for name, path in data["artifacts"].items()},
                   task_titles=dict(data["task_titles"]))
