"""Grading a whole class: ``autograder batch SUBMISSIONS --assignment hw1 --workers N``.

1. :func:`discover` finds the submissions in a folder: each archive, notebook or folder in it is
   one, and the student is read from its name by a pattern (an LMS bulk download names files
   ``doejane_12345_67890_hw1.zip``; a Gradescope export has folders ``submission_<id>`` and a
   ``submission_metadata.yml`` that names their submitters).
2. :func:`grade_class` grades what the gradebook does not hold yet (every submission with
   ``regrade``) on ``workers`` processes, each with a Grader of its own, and commits each result to
   the :class:`~autograder.gradebook.Gradebook` as it arrives, so a killed batch resumes where it
   stopped. A failure of the grader's side (an engine that cannot start a sandbox, a worker that
   dies) is retried up to ``retries`` times and then noted; a student's timeout or crash is part
   of their grade and never retried.
3. The terminal shows a progress bar (done, running, failed, time left) and then a summary with
   a histogram of the scores.
"""
import concurrent.futures
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from autograder.gradebook import content_hash

DEFAULT_PATTERN = r"(?P<student>[^_.]+)"     # the name up to its first underscore or dot
SUFFIXES = (".zip", ".tar.gz", ".tgz", ".ipynb")
GRADESCOPE_METADATA = "submission_metadata.yml"


@dataclass(frozen=True)
class Submission:
    """One hand-in: who, where, and the SHA-256 of its content."""
    student: str
    path: Path
    content: str


def discover(folder, pattern=DEFAULT_PATTERN):
    """The submissions in ``folder``, sorted by student: every archive, notebook or folder in it,
    its student the ``student`` group of ``pattern`` (a regular expression) matched at the start of
    its name, or named by a Gradescope export's metadata. Raises ValueError for a name the pattern
    does not match, and for a folder without submissions."""
    folder = Path(folder)
    regex = re.compile(pattern)
    if "student" not in regex.groupindex:
        raise ValueError(f"the student pattern {pattern!r} has no group named 'student'")
    named = _gradescope_submitters(folder)
    submissions = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith(".") or entry.name == GRADESCOPE_METADATA:
            continue
        if not (entry.is_dir() or entry.name.endswith(SUFFIXES)):
            continue
        student = named.get(entry.name)
        if student is None:
            match = regex.match(entry.name)
            if match is None or not match["student"]:
                raise ValueError(f"{entry}: the student pattern {pattern!r} does not match its name")
            student = match["student"]
        submissions.append(Submission(student, entry, content_hash(entry)))
    if not submissions:
        raise ValueError(f"{folder}: no submissions (archives, notebooks or folders) in it")
    return sorted(submissions, key=lambda s: (s.student, s.path.name))


def _gradescope_submitters(folder):
    """{folder name: submitters' names joined by ", "} from a Gradescope export's metadata, or {}."""
    metadata = folder / GRADESCOPE_METADATA
    if not metadata.is_file():
        return {}
    import yaml

    entries = yaml.safe_load(metadata.read_text()) or {}
    named = {}
    for key, entry in entries.items():
        submitters = (entry or {}).get(":submitters") or (entry or {}).get("submitters") or []
        names = [person.get(":name") or person.get("name") for person in submitters]
        if names and all(names):
            named[str(key).lstrip(":")] = ", ".join(names)
    return named


@dataclass
class Summary:
    """What a batch did: the scores it committed, what it skipped and what failed."""
    assignment: str
    max_score: float
    scores: dict = field(default_factory=dict)       # student -> score, graded by this batch
    skipped: int = 0                                 # graded before, unchanged
    failed: dict = field(default_factory=dict)       # student -> the infrastructure failure

    def histogram(self, bins=10, width=40):
        """Lines of a text histogram of the scores, in ``bins`` bins of the maximum score."""
        if not self.scores:
            return []
        counts = Counter(min(int(score / self.max_score * bins), bins - 1) for score in self.scores.values())
        most = max(counts.values())
        step = self.max_score / bins
        return [f"{b * step:6.1f} – {(b + 1) * step:6.1f} | {'█' * round(counts[b] / most * width):<{width}} "
                f"{counts[b]}" for b in range(bins)]

    def render(self):
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


# ----- the workers ----------------------------------------------------------------------------------
class Failed(str):
    """The last message of a submission whose grading failed on the grader's side, after retries."""


_GRADERS = {}      # each worker process's Graders, made on first use: the reference runs once


def grader_for(course_root, assignment, engine, gpus):
    """This process's Grader of ``assignment`` in the course at ``course_root``."""
    from autograder.course import Course
    from autograder.grade import Grader

    key = (str(course_root), assignment, engine, gpus)
    if key not in _GRADERS:
        course = Course(Path(course_root))
        _GRADERS[key] = Grader(course, course.assignment(assignment), engine=engine, gpus=gpus)
    return _GRADERS[key]


def _grade(course_root, assignment, engine, gpus, path):
    """A worker's grade of the submission at ``path``, as plain data."""
    return grader_for(course_root, assignment, engine, gpus).grade(path).to_dict()


def on_processes(course, assignment, pending, *, engine, gpus, workers, retries, noted):
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


def grade_class(course, assignment, submissions, gradebook, *, engine="local", workers=1, gpus=False,
                regrade=False, retries=2, progress=True, address=None):
    """Grade ``submissions`` of ``assignment`` into ``gradebook`` and return the :class:`Summary`;
    see the module's docstring. On ``workers`` processes of this machine, or, with the ``address``
    of a Ray cluster, one Ray task per submission (:mod:`autograder.cluster`); ``engine`` is the
    sandbox's on every worker."""
    from autograder.grade import Grader
    from autograder.results import GradingResult

    graded = set() if regrade else gradebook.graded(assignment.name)
    pending = [s for s in submissions if (s.student, s.content) not in graded]
    summary = Summary(assignment.name, assignment.total_points, skipped=len(submissions) - len(pending))

    def noted(submission, message):
        gradebook.record_failure(assignment.name, submission.student, submission.content, message)

    if address is None:
        Grader(course, assignment, engine=engine, gpus=gpus)     # a course or engine that cannot grade: now
        results = on_processes(course, assignment, pending, engine=engine, gpus=gpus, workers=workers,
                               retries=retries, noted=noted)
    else:
        from autograder import cluster
        results = cluster.on_ray(course, assignment, pending, address=address, engine=engine, gpus=gpus,
                                 retries=retries, noted=noted)
    bar = _Progress(len(pending), progress, workers if address is None else None)
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

    def __init__(self, total, enabled, slots):
        from tqdm import tqdm

        self.failed, self.slots = 0, slots
        self.bar = tqdm(total=total, unit="submission", disable=not enabled or not total)
        self._show()

    def _show(self):
        left = self.bar.total - self.bar.n
        running = left if self.slots is None else min(self.slots, left)
        self.bar.set_postfix(running=running, failed=self.failed)

    def done(self, failed=False):
        self.failed += failed
        self.bar.update(1)
        self._show()

    def close(self):
        self.bar.close()
