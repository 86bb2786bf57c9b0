"""Grading one submission, the grader's one path:

    submission → sandbox → probes → verdicts → result (→ reports)

1. :func:`~autograder.submission.read_submission` takes the files the student
   may change from a folder, an archive or a notebook, and refuses what cannot
   be graded safely; :func:`~autograder.submission.build_workspace` lays them
   over the template.
2. The assignment's probes (``hidden/probes.py``) run in the sandbox against
   that workspace, each returning plain values.
3. The same probes run against the reference solution, in the same kind of
   sandbox, which gives the expected values; they never enter the student's
   sandbox.
4. A verdict per probe compares the two on the grader's side. A task's points
   are shared equally by its probes; a task graded by accuracy scores the
   predictions along its curve.
"""
import shutil
import tempfile
import time
from collections import Counter
from functools import cached_property
from pathlib import Path

from autograder import verdicts
from autograder.course import CourseError
from autograder.results import GradingResult, TestResult
from autograder.sandbox import Limits, LocalSandbox
from autograder.submission import SubmissionError, build_workspace, read_submission

PROBES = "probes.py"


class Grader:
    """Grades submissions of one assignment; the reference's values are computed once and reused."""

    def __init__(self, course, assignment, sandbox=None):
        self.course, self.assignment = course, assignment
        self.sandbox = sandbox or LocalSandbox(Limits.from_assignment(assignment), course_root=course.root)
        self.probes = assignment.hidden_tests / PROBES
        if not self.probes.is_file():
            raise CourseError(f"{self.probes}: {assignment.name} has no probes to grade with yet")

    @cached_property
    def expected(self):
        """{probe name: (task, ProbeOutcome)} of the reference solution, computed once.

        The probe names and their tasks come from this run, never from the student's sandbox.
        """
        with tempfile.TemporaryDirectory(prefix="reference-") as folder:
            workspace = Path(folder) / "work"
            shutil.copytree(self.course.reference, workspace / "mytorch",
                            ignore=shutil.ignore_patterns("__pycache__"))
            with self.sandbox.session(workspace, [self.probes]) as session:
                expected = {name: (self.course.tasks[task], session.run(name))
                            for name, task in session.names().items()}
        failed = {name: outcome.message for name, (_, outcome) in expected.items() if outcome.status != "ok"}
        if failed:
            raise CourseError(f"the reference fails probes of {self.assignment.name}: {failed}")
        return expected

    @cached_property
    def _probes_per_task(self):
        """{task id: how many probes share its points}."""
        return Counter(task.id for task, _ in self.expected.values())

    def grade(self, source):
        """The :class:`GradingResult` of the submission at ``source`` (folder, archive or notebook)."""
        start = time.perf_counter()
        expected = self.expected
        try:
            submission = read_submission(source, self.assignment)
        except SubmissionError as error:
            return self._result([self._judge(name, None, error=str(error)) for name in expected],
                                f"The submission could not be graded: {error}", start)
        with tempfile.TemporaryDirectory(prefix="submission-") as folder:
            workspace = build_workspace(submission, self.assignment, Path(folder) / "work")
            with self.sandbox.session(workspace, [self.probes]) as session:
                outcomes = {name: session.run(name) for name in expected}
        tests = [self._judge(name, outcomes[name]) for name in expected]
        return self._result(tests, "\n".join(submission.notes), start)

    def _judge(self, name, outcome, error=None):
        """One probe's TestResult: the reference's task decides the points, the verdict the credit."""
        task, reference = self.expected[name]
        share = task.points / self._probes_per_task[task.id]
        if error is not None:
            verdict = verdicts.Verdict(0.0, error)
        elif outcome.status != "ok":
            verdict = verdicts.Verdict(0.0, outcome.message)
        else:
            tolerances = self.assignment.tolerances
            verdict = verdicts.same_as_reference(outcome.values, reference.values,
                                                 rtol=tolerances.get("reference_rtol", 1e-7),
                                                 atol=tolerances.get("reference_atol", 1e-10))
        return TestResult(name=f"{task.label} — {name.replace('_', ' ')}", task=task.id,
                          score=share * verdict.credit, max_score=share,
                          status="passed" if verdict.passed else "failed", output=verdict.message,
                          hidden=True)

    def _result(self, tests, output, start):
        bonus = sum(task.points for task in self.assignment.tasks if task.bonus)
        result = GradingResult(assignment=self.assignment.name, title=self.assignment.title,
                               tests=tuple(tests),
                               max_score=self.assignment.total_points, bonus_points=bonus,
                               output="\n".join(filter(None, [output, *self.sandbox.isolation()])),
                               execution_time=time.perf_counter() - start, artifacts={},
                               task_titles={task.id: task.title for task in self.assignment.tasks})
        result.validate()
        return result
