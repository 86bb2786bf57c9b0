"""Grading a class on a Ray cluster: ``autograder batch ... --executor ray --address ADDRESS``.

Each submission is one Ray task that declares what it needs: a CPU, the sandbox's memory plus the
grader's, and a GPU for a GPU assignment (``--gpus``). The task runs on whichever node has them,
grades with the node's sandbox engine (docker by default on a cluster: each node has the sandbox
image, see infra/ray/) and returns the result as plain data. The driver, on the machine that runs
``autograder batch``, commits each result to the gradebook as it arrives, exactly once per
submission and content, like the local batch.

What a node needs: the course checkout at the same path as the driver's (the reference and the
hidden tests, which stay on the grader's side), the kit's Python environment, and the sandbox
image. The submission travels inside the task, as bytes, so nodes need no shared file system.

Leases: Ray lends a worker to the driver for a task and, while more tasks wait, for the next ones,
but only until the lease is half a second old; then the worker goes back to its raylet and the
next task waits for a new lease, a round trip through the head (up to a tenth of a second on the
2-core machine of docs/BENCHMARKS.md, against grades of half a second). The batch's driver keeps
its leases for :data:`LEASE_MS` instead. It still hands a worker back as soon as no task waits,
and another job on the cluster waits at most that long, plus one grade, for a worker the batch
holds. A ``RAY_worker_lease_timeout_milliseconds`` in the environment wins.

Failures: a task whose worker or node dies is retried by Ray on another node (``max_retries``); a
task that raises an :class:`~autograder.sandbox.box.EngineError` (a sandbox that could not start) is
retried too (``retry_exceptions``). Past ``retries`` the submission is reported as failed on the
grader's side. A student's own timeout or crash is part of the result, never an exception, so it
is never retried.
"""
import io
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from autograder.classroom.discovery import Submission
from autograder.classroom.gradebook import folder_files
from autograder.classroom.workers import Failed, Graded, grader_for
from autograder.course.model import Assignment, Course
from autograder.sandbox.box import EngineError
from autograder.sandbox.limits import Limits

GRADER_MEMORY_MB = 1024      # the grader's own process on the node, besides the sandbox's limit
LEASE_MS = 60_000            # how long the driver keeps a worker between tasks (Ray's default: 500)


def packed(path: str | Path) -> tuple[str, bytes]:
    """(name, bytes) of the submission at ``path``: a file as it is; a folder's files zipped, the
    files its content hash covers."""
    path = Path(path)
    if path.is_file():
        return path.name, path.read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in folder_files(path):
            archive.write(file, file.relative_to(path))
    return f"{path.name}.zip", buffer.getvalue()


def grade_on_node(course_root: str, assignment: str, engine: str, gpus: bool, name: str,
                  data: bytes) -> dict[str, Any]:
    """The task: grade the submission ``data`` (named ``name``) on this node; the result as plain data."""
    grader = grader_for(course_root, assignment, engine, gpus)
    with tempfile.TemporaryDirectory(prefix="ray-submission-") as folder:
        source = Path(folder) / name
        source.write_bytes(data)
        return grader.grade(source).to_dict()


def on_ray(course: Course, assignment: Assignment, pending: Sequence[Submission], *, address: str | None,
           engine: str, gpus: bool, retries: int,
           noted: Callable[[Submission, str], None]) -> Iterator[Graded]:
    """Grade ``pending`` as Ray tasks on the cluster at ``address``; yield (submission, result as a
    dict or :class:`~autograder.classroom.workers.Failed`) as each ends. Failures Ray gave up on go
    to ``noted``."""
    import ray

    os.environ.setdefault("RAY_worker_lease_timeout_milliseconds", str(LEASE_MS))   # read by ray.init
    ray.init(address=address, ignore_reinit_error=True, log_to_driver=False)
    memory = (Limits.from_assignment(assignment).memory_mb + GRADER_MEMORY_MB) << 20
    task = ray.remote(grade_on_node).options(
        num_cpus=1, memory=memory, num_gpus=1 if gpus else 0, max_retries=retries,
        retry_exceptions=[EngineError])
    refs = {task.remote(str(course.root), assignment.name, engine, gpus, *packed(s.path)): s for s in pending}
    while refs:
        [done], _ = ray.wait(list(refs), num_returns=1)
        submission = refs.pop(done)
        try:
            yield submission, ray.get(done)
        except ray.exceptions.RayError as error:
            message = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
            noted(submission, message)
            yield submission, Failed(message)
