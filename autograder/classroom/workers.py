"""Grading hand-ins on worker processes of this machine (``autograder batch --executor processes``):
each process keeps one Grader per assignment, made on first use, so the reference runs once per
process. The Ray executor (:mod:`autograder.classroom.cluster`) makes its graders the same way, on
each node."""
import concurrent.futures
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from autograder.classroom.discovery import Submission
from autograder.course.model import Assignment, Course
from autograder.grading.grader import Grader


class Failed(str):
    """The last message of a submission whose grading failed on the grader's side, after retries."""


Graded = tuple[Submission, dict[str, Any] | Failed]    # a submission and its result as plain data, or Failed


# Each worker process's Graders, by (course root, assignment, engine, gpus), made on first use: the
# reference runs once.
_GRADERS: dict[tuple[str, str, str, bool], Grader] = {}


def grader_for(course_root: str | Path, assignment: str, engine: str, gpus: bool) -> Grader:
    """This process's Grader of ``assignment`` in the course at ``course_root``."""
    key = (str(course_root), assignment, engine, gpus)
    if key not in _GRADERS:
        course = Course(Path(course_root))
        _GRADERS[key] = Grader(course, course.assignment(assignment), engine=engine, gpus=gpus)
    return _GRADERS[key]


def _grade(course_root: str, assignment: str, engine: str, gpus: bool, path: str) -> dict[str, Any]:
    """A worker's grade of the submission at ``path``, as plain data."""
    return grader_for(course_root, assignment, engine, gpus).grade(path).to_dict()


def on_processes(course: Course, assignment: Assignment, pending: Sequence[Submission], *, engine: str,
                 gpus: bool, workers: int, retries: int,
                 noted: Callable[[Submission, str], None]) -> Iterator[Graded]:
    """Grade ``pending`` on ``workers`` processes of this machine; yield (submission, result as a dict
    or :class:`Failed`) as each ends. A failure of the grader's side (a raised exception, a worker
    that died) is passed to ``noted`` and retried up to ``retries`` times, on a fresh pool."""
    attempts = Counter()
    while pending:
        retry = []
        with concurrent.futures.ProcessPoolExecutor(workers) as pool:
            futures = {pool.submit(_grade, str(course.root), assignment.name, engine, gpus, str(s.path)): s
                       for s in pending}
            for future in concurrent.futures.as_completed(futures):
                submission = futures[future]
                try:
                    yield submission, future.result()
                except Exception as error:       # the grader's side failed: the engine, a worker
                    message = f"{type(error).__name__}: {error}"
                    noted(submission, message)
                    attempts[submission] += 1
                    if attempts[submission] <= retries:
                        retry.append(submission)
                    else:
                        yield submission, Failed(message)
        pending = retry
