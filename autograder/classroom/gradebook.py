"""The gradebook: every grade of a class, durable, once per submission's content.

A SQLite file (by default ``gradebook.sqlite`` in the course folder) in WAL mode. Each row of
``grades`` is one grading of one submission: the assignment, the student, the SHA-256 of what they
handed in (:func:`content_hash`), the score, the whole :class:`~autograder.grading.results.GradingResult`
as JSON, and when. The result is stored with both its views: the student's feedback, and the
instructor's (full messages, the sandbox's isolation, what it detected, the flags for review),
so the gradebook is the staff's, never a student's.

Exactly one row per (assignment, student, content) is *current*: a partial unique index enforces
it, so that a result committed twice (a batch killed after grading and before noting it, a
retried task that did finish) stays one grade. A deliberate regrade marks the
current row as superseded and adds the new one in a single transaction: the history stays.

``failures`` records what went wrong on the grader's side (an engine that could not start a
sandbox, a lost worker), never a student's own timeout or crash, which is a grade like any other.

Every write is its own transaction, committed before :meth:`Gradebook.record` returns: a crash
loses at most the submission being graded.
"""
import hashlib
import json
import sqlite3
import time
from contextlib import closing
from pathlib import Path
from typing import NamedTuple

from autograder.grading.results import GradingResult

FILE = "gradebook.sqlite"
SCHEMA = """
CREATE TABLE IF NOT EXISTS grades (
    id           INTEGER PRIMARY KEY,
    assignment   TEXT NOT NULL,
    student      TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    score        REAL NOT NULL,
    max_score    REAL NOT NULL,
    result       TEXT NOT NULL,            -- GradingResult.to_dict() as JSON: both views
    graded_at    REAL NOT NULL,            -- seconds since the epoch
    current      INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX IF NOT EXISTS one_current_grade
    ON grades (assignment, student, content_hash) WHERE current = 1;
CREATE TABLE IF NOT EXISTS failures (
    id           INTEGER PRIMARY KEY,
    assignment   TEXT NOT NULL,
    student      TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    message      TEXT NOT NULL,
    failed_at    REAL NOT NULL
);
"""


def folder_files(folder: str | Path) -> list[Path]:
    """The files of a handed-in folder, sorted, links left out: what its content hash covers, and
    what a Ray task carries (:func:`autograder.classroom.cluster.packed`)."""
    return sorted(path for path in Path(folder).rglob("*") if path.is_file() and not path.is_symlink())


def content_hash(path: str | Path) -> str:
    """SHA-256 (hex) of a submission: a file's bytes, or a folder's files (:func:`folder_files`),
    each by its relative path."""
    path = Path(path)
    digest = hashlib.sha256()
    if path.is_file():
        digest.update(path.read_bytes())
        return digest.hexdigest()
    for file in folder_files(path):
        digest.update(str(file.relative_to(path)).encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


class Grade(NamedTuple):
    """One row of the gradebook."""
    assignment: str
    student: str
    content_hash: str
    score: float
    max_score: float
    result: GradingResult
    graded_at: float
    current: bool


class Gradebook:
    """The grades of a course, in the SQLite file ``path`` (created with its tables if new)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as connection:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.executescript(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        connection.execute("PRAGMA synchronous=FULL")
        return connection

    def record(self, assignment: str, student: str, content: str, result: GradingResult,
               regrade: bool = False) -> bool:
        """Commit ``result`` (a GradingResult) as the grade of ``student``'s submission whose content
        hash is ``content``. Returns whether it was added: a current grade of the same content stays,
        and this one is dropped, unless ``regrade``, which supersedes it and keeps it in the history."""
        row = (assignment, student, content, float(result.score), float(result.max_score),
               json.dumps(result.to_dict()), time.time())
        with closing(self._connect()) as connection:
            connection.execute("BEGIN IMMEDIATE")
            try:
                if regrade:
                    connection.execute("UPDATE grades SET current = 0 WHERE assignment = ? AND student = ? "
                                       "AND content_hash = ? AND current = 1", row[:3])
                connection.execute("INSERT INTO grades (assignment, student, content_hash, score, max_score, "
                                   "result, graded_at) VALUES (?, ?, ?, ?, ?, ?, ?)", row)
                connection.execute("COMMIT")
                return True
            except sqlite3.IntegrityError:     # graded already: exactly once
                connection.execute("ROLLBACK")
                return False

    def record_failure(self, assignment: str, student: str, content: str, message: str) -> None:
        """Note an infrastructure failure while grading that submission (it stays ungraded)."""
        with closing(self._connect()) as connection:
            connection.execute("INSERT INTO failures (assignment, student, content_hash, message, failed_at) "
                               "VALUES (?, ?, ?, ?, ?)", (assignment, student, content, message, time.time()))

    def graded(self, assignment: str) -> set[tuple[str, str]]:
        """{(student, content hash)} of the submissions of ``assignment`` that have a current grade."""
        with closing(self._connect()) as connection:
            rows = connection.execute("SELECT student, content_hash FROM grades WHERE assignment = ? "
                                      "AND current = 1", (assignment,)).fetchall()
        return set(rows)

    def grades(self, assignment: str, history: bool = False) -> list[Grade]:
        """The :class:`Grade` rows of ``assignment``, oldest first: the current ones, or every one
        with ``history``."""
        query = ("SELECT assignment, student, content_hash, score, max_score, result, graded_at, current "
                 "FROM grades WHERE assignment = ?" + ("" if history else " AND current = 1")
                 + " ORDER BY id")
        with closing(self._connect()) as connection:
            rows = connection.execute(query, (assignment,)).fetchall()
        return [Grade(*row[:5], GradingResult.from_dict(json.loads(row[5])), row[6], bool(row[7]))
                for row in rows]

    def latest(self, assignment: str) -> dict[str, Grade]:
        """{student: Grade}: each student's most recent current grade of ``assignment`` (a student
        who handed in twice is graded on the last hand-in graded)."""
        return {grade.student: grade for grade in self.grades(assignment)}

    def failures(self, assignment: str) -> list[tuple[str, str, str]]:
        """[(student, content hash, message)] of the infrastructure failures noted for ``assignment``."""
        with closing(self._connect()) as connection:
            return connection.execute("SELECT student, content_hash, message FROM failures "
                                      "WHERE assignment = ? ORDER BY id", (assignment,)).fetchall()
