"""The course as the tools see it: assignments and their tasks, read from
``assignments/<name>/assignment.toml`` beside the reference solution.

A task id ``task<N>_<k>`` belongs to assignment N; its label is "Task N.k".
"""
import re
import tomllib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

TASK_ID = re.compile(r"^task(?P<assignment>[1-9]\d*)_(?P<index>[1-9]\d*)$")


class CourseError(ValueError):
    """A course file that is missing, malformed or inconsistent; the message names it."""


@dataclass(frozen=True)
class Task:
    id: str
    title: str
    points: float

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
    submission: tuple      # the files students hand in, the only ones they may change
    limits: dict
    tolerances: dict

    @property
    def total_points(self):
        return sum(task.points for task in self.tasks)

    @classmethod
    def load(cls, folder):
        """Read and check ``folder/assignment.toml``."""
        path = Path(folder) / "assignment.toml"
        try:
            config = tomllib.loads(path.read_text())
            meta = config["assignment"]
            tasks = tuple(Task(t["id"], t["title"], t["points"]) for t in config["tasks"])
            assignment = cls(name=meta["name"], number=meta["number"], title=meta["title"],
                             folder=Path(folder), tasks=tasks,
                             submission=tuple(config["submission"]["files"]),
                             limits=config.get("limits", {}), tolerances=config.get("tolerances", {}))
        except FileNotFoundError:
            raise CourseError(f"{path}: no such file") from None
        except (tomllib.TOMLDecodeError, KeyError, TypeError) as error:
            raise CourseError(f"{path}: {type(error).__name__}: {error}") from None
        assignment._check(path)
        return assignment

    def _check(self, path):
        if self.folder.name != self.name:
            raise CourseError(f"{path}: name {self.name!r} differs from its folder {self.folder.name!r}")
        ids = [task.id for task in self.tasks]
        if len(set(ids)) != len(ids):
            raise CourseError(f"{path}: a task id appears twice in {ids}")
        for task in self.tasks:
            if not TASK_ID.match(task.id) or task.assignment_number != self.number:
                raise CourseError(f"{path}: task id {task.id!r} should look like task{self.number}_<k>")
            if not task.points > 0:
                raise CourseError(f"{path}: task {task.id} must be worth a positive number of points")


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
    def shared_tests(self):
        """The folder of course-wide test helpers that every assignment's tests/ receives."""
        return self.root / "assignments" / "common"

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
