"""The course as the tools see it: assignments and their tasks, read from
``assignments/<name>/assignment.toml`` beside the reference solution.

A task id ``task<N>_<k>`` belongs to assignment N; its label is "Task N.k".
A task may be a bonus (its points come on top of the total) and may be graded
by a test accuracy, with partial credit along a declared :class:`AccuracyCurve`.
What holds for the whole course (the collaboration policy every handout states) is read
from ``assignments/course.toml``.
"""
import re
import tomllib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path, PurePosixPath

import numpy

from autograder.errors import KitError

TASK_ID = re.compile(r"^task(?P<assignment>[1-9]\d*)_(?P<index>[1-9]\d*)$")

# The keys that each table of assignment.toml may hold, by table ("" is the top level, "tasks" each
# [[tasks]] entry), and what reads them. A key outside these would be read by nothing, a typo or a
# setting that no longer exists, so the loader refuses it (docs/AUTHORING.md says what each key does).
KEYS = {
    "": ("assignment", "submission", "tests", "notebook", "limits", "tolerances", "held_out", "mutation",
         "tasks"),
    "assignment": ("name", "number", "title"),
    "submission": ("files", "editable"),           # grading/submission.py, course/handin.py, release.py
    "tests": ("public", "hidden"),                  # the folders of the public tests and of the probes
    "notebook": ("file",),                          # course/notebooks.py, grading/submission.py
    "limits": ("seconds_per_test", "seconds_total", "memory_mb"),        # sandbox/limits.py
    # grading/grader.py: the "reference" check (reference_*); the "gradient" and "modes" checks (all four)
    "tolerances": ("reference_rtol", "reference_atol", "gradcheck", "rules_rtol"),
    "held_out": ("module",),                        # grading/heldout.py, the held-out test set's module
    "mutation": ("score",),                         # audit/mutation.py, the least mutation score
    "tasks": ("id", "title", "points", "bonus", "accuracy", "attack", "thresholds"),
    "tasks.accuracy": ("model", "epochs", "checkpoints_per_epoch", "curve", "suspicious_above"),  # the check
    "tasks.attack": ("epsilon", "max_accuracy"),        # the "attack" check, and the probe's settings
}
NUMBERS = ("limits", "tolerances")     # the tables whose every value is a positive number


class CourseError(KitError, ValueError):
    """A course file that is missing, malformed or inconsistent; the message names it."""


@dataclass(frozen=True)
class AccuracyCurve:
    """Credit for a test accuracy: linear between the points (accuracy, fraction of the
    task's points), none below the first point, the last point's credit above the last.

    ``[[0.75, 0.5], [0.85, 1.0]]``: half the points at 75 %, all of them from 85 %,
    nothing below 75 %.
    """
    points: tuple

    def __post_init__(self):
        accuracies = [a for a, _ in self.points]
        credits = [c for _, c in self.points]
        if not self.points or any(not 0 <= v <= 1 for v in accuracies + credits):
            raise ValueError(f"an accuracy curve is a list of [accuracy, credit] pairs in [0, 1], "
                             f"got {list(self.points)}")
        if accuracies != sorted(set(accuracies)) or credits != sorted(credits):
            raise ValueError(f"an accuracy curve's accuracies must increase and its credits must not "
                             f"decrease, got {list(self.points)}")

    def credit(self, accuracy):
        """The fraction of the points that ``accuracy`` earns, in [0, 1]."""
        if not accuracy >= self.points[0][0]:       # also NaN
            return 0.0
        accuracies, credits = zip(*self.points)
        return float(numpy.interp(accuracy, accuracies, credits))   # the last credit above the last point


@dataclass(frozen=True)
class Task:
    """One graded part of an assignment.

    bonus:    its points come on top of the assignment's total.
    accuracy: how a trained model is graded: {"model", "epochs", "checkpoints_per_epoch" (1 by default:
              how often the probe shows the grader its predictions, which stops the training once they
              earn full credit), "curve": AccuracyCurve}; else None.
    attack:   the adversarial-attack settings of an attack task; else None.
    thresholds: the bounds of its threshold probes' values, {value name: {"at_least" | "at_most": x}}.
    """
    id: str
    title: str
    points: float
    bonus: bool = False
    accuracy: dict = None
    attack: dict = None
    thresholds: dict = None

    @classmethod
    def from_config(cls, config):
        accuracy = config.get("accuracy")
        if accuracy is not None:
            accuracy = {"checkpoints_per_epoch": 1, **accuracy,
                        "curve": AccuracyCurve(tuple(tuple(p) for p in accuracy["curve"]))}
            every = accuracy["checkpoints_per_epoch"]
            if isinstance(every, bool) or not isinstance(every, int) or not 1 <= every <= 100:
                raise ValueError(f"checkpoints_per_epoch of task {config['id']} must be a whole number from "
                                 f"1 to 100, not {every!r}")
            suspicious = accuracy.get("suspicious_above")
            if suspicious is not None and not (isinstance(suspicious, float) and 0 < suspicious <= 1):
                raise ValueError(f"suspicious_above of task {config['id']} must be an accuracy in (0, 1], "
                                 f"e.g. 0.96, not {suspicious!r}")
        thresholds = config.get("thresholds", {})
        for name, bound in thresholds.items():
            numbers = isinstance(bound, dict) and all(isinstance(x, (int, float)) and not isinstance(x, bool)
                                                      for x in bound.values())
            if not numbers or not bound or not set(bound) <= {"at_least", "at_most"}:
                raise ValueError(f"the threshold of {name!r} in task {config['id']} must be a table of "
                                 f"at_least and/or at_most numbers, e.g. {{at_least = 0.95}}")
        return cls(config["id"], config["title"], config["points"], bool(config.get("bonus", False)),
                   accuracy, config.get("attack"), thresholds)

    @property
    def probe_settings(self):
        """What the grader tells the probes of this task (never a threshold or a curve):
        {"model", "epochs", "checkpoints_per_epoch"} of an accuracy, {"epsilon"} of an attack, or None."""
        if self.accuracy is not None:
            return {key: self.accuracy[key] for key in ("model", "epochs", "checkpoints_per_epoch")}
        if self.attack is not None:
            return {"epsilon": self.attack["epsilon"]}
        return None

    @property
    def assignment_number(self):
        return int(TASK_ID.match(self.id)["assignment"])

    @property
    def number(self):
        """"1.3" for task1_3."""
        match = TASK_ID.match(self.id)
        return f"{match['assignment']}.{match['index']}"

    @property
    def label(self):
        """"Task 1.3: backward of matmul", the text a student sees."""
        return f"Task {self.number}: {self.title}"


@dataclass(frozen=True)
class Assignment:
    name: str
    number: int
    title: str
    folder: Path
    tasks: tuple
    submission: tuple      # the files students must hand in
    editable: tuple        # glob patterns of further files students may change
    public_tests: Path     # the tests students receive and run with pytest
    hidden_tests: Path     # the tests only the grader has; never released
    notebook: str          # the nbgrader notebook students hand in, or None
    limits: dict
    tolerances: dict
    mutation: dict = None   # {"score": the least mutation score `autograder mutate` accepts}
    held_out: str = None    # the grader's module of the held-out test set ([held_out] module), if any

    @property
    def total_points(self):
        """The points of the non-bonus tasks: a score of 100 % reaches this."""
        return sum(task.points for task in self.tasks if not task.bonus)

    @property
    def needs_test_set(self):
        """Whether a task is graded on the held-out test set (an accuracy or an attack)."""
        return any(task.probe_settings is not None for task in self.tasks)

    def may_change(self, relative_path):
        """Whether students may change the file at ``relative_path`` (posix, from the folder)."""
        path = PurePosixPath(relative_path)
        return relative_path in self.submission or any(
            len(path.parts) == len(PurePosixPath(pattern).parts) and path.match(pattern)   # whole path
            for pattern in self.editable)

    @classmethod
    def load(cls, folder):
        """Read and check ``folder/assignment.toml``."""
        path = Path(folder) / "assignment.toml"
        try:
            config = tomllib.loads(path.read_text())
        except FileNotFoundError:
            raise CourseError(f"{path}: no such file") from None
        except tomllib.TOMLDecodeError as error:
            raise CourseError(f"{path}: TOMLDecodeError: {error}") from None
        _refuse_unknown_keys(path, config)
        try:
            meta = config["assignment"]
            tasks = tuple(Task.from_config(t) for t in config["tasks"])
            tests = config.get("tests", {})
            assignment = cls(name=meta["name"], number=meta["number"], title=meta["title"],
                             folder=Path(folder), tasks=tasks,
                             submission=tuple(config["submission"]["files"]),
                             editable=tuple(config["submission"].get("editable", ())),
                             public_tests=Path(folder) / tests.get("public", "tests"),
                             hidden_tests=Path(folder) / tests.get("hidden", "hidden"),
                             notebook=config.get("notebook", {}).get("file"),
                             limits=config.get("limits", {}), tolerances=config.get("tolerances", {}),
                             mutation=config.get("mutation", {}),
                             held_out=config.get("held_out", {}).get("module"))
        except (KeyError, TypeError, ValueError) as error:
            raise CourseError(f"{path}: {type(error).__name__}: {error}") from None
        assignment._check(path)
        return assignment

    def _check(self, path):
        if self.folder.name != self.name:
            raise CourseError(f"{path}: name {self.name!r} differs from its folder {self.folder.name!r}")
        if self.needs_test_set and self.held_out is None:
            raise CourseError(f"{path}: a task is graded on a held-out test set ([tasks.accuracy] or "
                              f"[tasks.attack]); name the grader's module of that set: [held_out] module = "
                              f'"hidden/held_out.py" (see autograder/grading/heldout.py)')
        ids = [task.id for task in self.tasks]
        if len(set(ids)) != len(ids):
            raise CourseError(f"{path}: a task id appears twice in {ids}")
        for task in self.tasks:
            if not TASK_ID.match(task.id) or task.assignment_number != self.number:
                raise CourseError(f"{path}: task id {task.id!r} should look like task{self.number}_<k>")
            if not task.points > 0:
                raise CourseError(f"{path}: task {task.id} must be worth a positive number of points")
        if self.notebook is not None and self.notebook not in self.submission:
            raise CourseError(f"{path}: the notebook {self.notebook!r} must be one of the [submission] files")


def _refuse_unknown_keys(path, config):
    """Raise CourseError, naming the file, the table and the keys it may hold, at the first key of
    ``config`` (the content of the assignment.toml at ``path``) that :data:`KEYS` does not know, at a
    table that is no table, and at a value of a :data:`NUMBERS` table that is no positive number."""
    tables = [("", config), *((name, table) for name, table in config.items() if name != "tasks")]
    tasks = config.get("tasks", [])
    if not isinstance(tasks, list):
        raise CourseError(f"{path}: tasks must be an array of tables, a [[tasks]] entry per task")
    for task in tasks:
        tables.append(("tasks", task))
        if isinstance(task, dict):
            tables += [(f"tasks.{name}", task[name]) for name in ("accuracy", "attack") if name in task]
    for name, table in tables:
        where = {"": "at the top level", "tasks": "in a [[tasks]] entry"}.get(name, f"in [{name}]")
        if not isinstance(table, dict):
            raise CourseError(f"{path}: {where.removeprefix('in ')} must be a table of keys, got {table!r}")
        unknown = [key for key in table if key not in KEYS[name]]
        if unknown:
            raise CourseError(f"{path}: unknown key {unknown[0]!r} {where}, which nothing reads: correct or "
                              f"remove it (the keys there: {', '.join(KEYS[name])})")
        if name in NUMBERS:
            for key, value in table.items():
                if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                    raise CourseError(f"{path}: {key} {where} must be a positive number, got {value!r}")


@dataclass(frozen=True)
class Course:
    """The repository: the reference package and the assignments built from it.

    The assignment files are read on first use and kept: a Course is one snapshot.
    """
    root: Path

    @property
    def reference(self):
        return self.root / "reference" / "mytorch"

    @property
    def nbgrader(self):
        """The nbgrader course directory: its config and the source notebooks, with solutions. Not
        called ``nbgrader``: on an import path that holds ``reference/`` (a notebook's kernel), a folder
        of that name would pass for the nbgrader package."""
        return self.root / "reference" / "nbgrader_course"

    @property
    def shared_probes(self):
        """The folder of the probe helpers every assignment's probes share; never released."""
        return self.shared_tests / "hidden"

    @property
    def shared_tests(self):
        """The folder of course-wide test helpers that every assignment's tests/ receives."""
        return self.root / "assignments" / "common"

    @property
    def handin_script(self):
        """The hand-in command, ``python collect_submission.py``, that every template's root receives."""
        return self.shared_tests / "handin" / "collect_submission.py"

    @property
    def settings_file(self):
        """``assignments/course.toml``: what holds for every assignment."""
        return self.root / "assignments" / "course.toml"

    @cached_property
    def settings(self):
        """The content of :attr:`settings_file`, as a dict."""
        try:
            return tomllib.loads(self.settings_file.read_text())
        except FileNotFoundError:
            raise CourseError(f"{self.settings_file}: no such file; it sets the course-wide texts of the "
                              "handouts") from None
        except tomllib.TOMLDecodeError as error:
            raise CourseError(f"{self.settings_file}: {error}") from None

    @property
    def collaboration_policy(self):
        """The collaboration policy every handout states, in Markdown (``[policy] collaboration``
        of ``assignments/course.toml``)."""
        table = self.settings.get("policy")
        policy = table.get("collaboration") if isinstance(table, dict) else None
        if not isinstance(policy, str) or not policy.strip():
            raise CourseError(f"{self.settings_file}: set [policy] collaboration, "
                              "the paragraph every handout states")
        return policy.strip()

    @cached_property
    def assignments(self):
        """Every assignment, by number; read once per Course (make a new Course to re-read)."""
        folders = sorted(p.parent for p in (self.root / "assignments").glob("*/assignment.toml"))
        return sorted((Assignment.load(folder) for folder in folders), key=lambda a: a.number)

    @cached_property
    def tasks(self):
        """Every task of the course, by id."""
        return {task.id: task for assignment in self.assignments for task in assignment.tasks}

    def assignment(self, name):
        """The assignment called ``name``, or whose name starts with ``name + "_"`` ("hw1")."""
        for assignment in self.assignments:
            if name in (assignment.name, assignment.name.split("_")[0]):
                return assignment
        known = ", ".join(a.name for a in self.assignments)
        raise CourseError(f"no assignment called {name!r}; the course has: {known}")
