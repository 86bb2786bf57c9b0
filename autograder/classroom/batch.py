"""Grading a whole class: ``autograder batch SUBMISSIONS --assignment hw1 --workers N``.

1. :func:`~autograder.classroom.discovery.discover` finds the hand-ins in a folder, and the student
   of each.
2. :func:`grade_class` grades what the gradebook does not hold yet (every hand-in with ``regrade``)
   on an executor: ``processes`` of this machine (:mod:`autograder.classroom.workers`), each with a
   Grader of its own, or one Ray task per hand-in on a cluster (:mod:`autograder.classroom.cluster`).
   It commits each result to the :class:`~autograder.classroom.gradebook.Gradebook` as it arrives,
   so a killed batch resumes where it stopped. A failure of the grader's side (an engine that
   cannot start a sandbox, a worker that dies) is retried up to ``retries`` times and then noted;
   a student's timeout or crash is part of their grade and never retried.
3. The terminal shows a progress bar (done, running, failed, time left) and then a summary with
   a histogram of the scores.
"""
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from tqdm import tqdm

from autograder.classroom.cluster import on_ray
from autograder.classroom.discovery import Submission
from autograder.classroom.gradebook import Gradebook
from autograder.classroom.workers import Failed, on_processes
from autograder.course.model import Assignment, Course
from autograder.grading.grader import Grader
from autograder.grading.results import GradingResult

EXECUTORS = ("processes", "ray")     # where a batch grades: worker processes here, or a Ray cluster


@dataclass
class Summary:
    """What a batch did: the scores it committed, what it skipped and what failed."""
    assignment: str
    max_score: float
    scores: dict[str, float] = field(default_factory=dict)   # student -> score, graded by this batch
    skipped: int = 0                                         # graded before, unchanged
    failed: dict[str, str] = field(default_factory=dict)     # student -> the infrastructure failure

    def histogram(self, bins: int = 10, width: int = 40) -> list[str]:
        """Lines of a text histogram of the scores, in ``bins`` bins of the maximum score."""
        if not self.scores:
            return []
        counts = Counter(min(int(score / self.max_score * bins), bins - 1) for score in self.scores.values())
        most = max(counts.values())
        step = self.max_score / bins
        return [f"{b * step:6.1f} – {(b + 1) * step:6.1f} | {'█' * round(counts[b] / most * width):<{width}} "
                f"{counts[b]}" for b in range(bins)]

    def render(self) -> str:
        """The terminal's summary."""
        lines = [f"{self.assignment}: {len(self.scores)} graded, {self.skipped} graded before and unchanged, "
                 f"{len(self.failed)} failed on the grader's side"]
        if self.scores:
            values = sorted(self.scores.values())
            mean, median = sum(values) / len(values), values[len(values) // 2]
            lines += [f"scores out of {self.max_score:g}: mean {mean:.1f}, median {median:g}, "
                      f"min {values[0]:g}, max {values[-1]:g}", *self.histogram()]
        lines += [f"  FAILED {student}: {message}" for student, message in sorted(self.failed.items())]
        return "\n".join(lines)


def grade_class(course: Course, assignment: Assignment, submissions: Sequence[Submission],
                gradebook: Gradebook, *, executor: str = "processes", engine: str = "local", workers: int = 1,
                gpus: bool = False, regrade: bool = False, retries: int = 2, progress: bool = True,
                address: str | None = None) -> Summary:
    """Grade ``submissions`` of ``assignment`` into ``gradebook`` and return the :class:`Summary`;
    see the module's docstring. The ``executor`` is ``processes`` (``workers`` of them on this
    machine) or ``ray`` (the cluster at ``address``); ``engine`` is the sandbox's on every worker."""
    graded = set() if regrade else gradebook.graded(assignment.name)
    pending = [s for s in submissions if (s.student, s.content) not in graded]
    summary = Summary(assignment.name, assignment.total_points, skipped=len(submissions) - len(pending))

    def noted(submission: Submission, message: str) -> None:
        gradebook.record_failure(assignment.name, submission.student, submission.content, message)

    if executor == "processes":
        Grader(course, assignment, engine=engine, gpus=gpus)     # a course or engine that cannot grade: now
        results = on_processes(course, assignment, pending, engine=engine, gpus=gpus, workers=workers,
                               retries=retries, noted=noted)
    elif executor == "ray":
        results = on_ray(course, assignment, pending, address=address, engine=engine, gpus=gpus,
                         retries=retries, noted=noted)
    else:
        raise ValueError(f"unknown executor {executor!r}: choose one of {', '.join(EXECUTORS)}")
    bar = _Progress(len(pending), progress, workers if executor == "processes" else None)
    for submission, outcome in results:
        if isinstance(outcome, Failed):
            summary.failed[submission.student] = str(outcome)
            bar.done(failed=True)
            continue
        result = GradingResult.from_dict(outcome)
        gradebook.record(assignment.name, submission.student, submission.content, result, regrade=regrade)
        summary.scores[submission.student] = result.score
        bar.done()
    bar.close()
    return summary


class _Progress:
    """A progress bar of the batch: done, running and failed submissions, and the time left.
    ``slots``: how many run at once (the workers; None on a cluster, where all are queued)."""

    def __init__(self, total: int, enabled: bool, slots: int | None) -> None:
        self.failed, self.slots = 0, slots
        self.bar = tqdm(total=total, unit="submission", disable=not enabled or not total)
        self._show()

    def _show(self) -> None:
        left = self.bar.total - self.bar.n
        running = left if self.slots is None else min(self.slots, left)
        self.bar.set_postfix(running=running, failed=self.failed)

    def done(self, failed: bool = False) -> None:
        self.failed += failed
        self.bar.update(1)
        self._show()

    def close(self) -> None:
        self.bar.close()
