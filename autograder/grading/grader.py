"""Grading one submission, the grader's one path:

    submission → sandbox → probes → verdicts → result (→ reports)

1. :func:`~autograder.grading.submission.read_submission` takes the files the student
   may change from a folder, an archive or a notebook, and refuses what cannot
   be graded safely; :func:`~autograder.grading.submission.build_workspace` lays them
   over the template.
2. The assignment's probes (``hidden/probes.py``, or the public tests with
   ``public=True``) run in the sandbox against that workspace, each returning
   plain values; hw4's workspace also gets the held-out test images, without
   labels (:mod:`autograder.grading.heldout`).
3. The same probes run against the reference solution, in the same kind of
   sandbox, which gives the expected values; they never enter the student's
   sandbox. Probes judged without them (accuracy, attack) do not run there.
   That run also records, per probe, what the reference's code answered where
   a probe stands other tasks' code in (probing.TABLES): the student's run of
   the probe gets this table as data, so that each task is graded on its own
   code and no solution code enters the student's sandbox.
4. A verdict per probe, chosen by the check it declares (:data:`CHECKS`),
   judges on the grader's side (:mod:`autograder.grading.verdicts`). A task's points
   are shared by its probes in proportion to their declared weights.
5. The result holds two views (:mod:`autograder.grading.results`): the student's
   feedback, every text of it filtered once here by the course's
   :class:`~autograder.grading.redaction.Redactor`, and the instructor's notes (the
   sandbox's isolation, its detections, the results flagged for review).
"""
import copy
import dataclasses
import shutil
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

import numpy

from autograder.course.model import CourseError
from autograder.errors import require
from autograder.grading import verdicts
from autograder.grading.heldout import load_held_out
from autograder.grading.redaction import Redactor
from autograder.grading.results import GradingResult, InstructorNotes, TestResult, student_feedback
from autograder.grading.submission import SubmissionError, build_workspace, read_submission
from autograder.sandbox.engines import make_sandbox
from autograder.sandbox.harness import PUBLIC_TESTS, finite_differences, probing
from autograder.sandbox.limits import Limits
from autograder.sandbox.session import Tables, encode_tables

PROBES = "probes.py"              # the probes, in the assignment's hidden/ folder
HELPERS = "hidden_helpers.py"     # which they may import, as they may import finite_differences
SHARED_HELPERS = "probe_helpers.py"   # and the helpers of every assignment's probes (Course.shared_probes)
STAND_INS = ("recorded.py", "stand_ins.py")   # and, from the public tests, the stand-ins they share with them


@dataclass(frozen=True)
class Check:
    """How the probes of one check (``@probe(task, check=...)``, described in probing.CHECKS) are
    judged: whether the reference runs them first (its values are then the expected ones, or must meet
    the same verdict), and the verdict, ``judge(grader, expected, values)``.

    A check that judges a probe's checkpoints as they come (``probing.checkpoint``) also has
    ``checkpoints(expected)``, how many of them it judges at most, and ``enough(grader, expected,
    values)``: whether a checkpoint settles the verdict, so that the probe can stop there.
    """
    reference_runs: bool
    judge: object
    checkpoints: object = None
    enough: object = None


def _matches(grader, values, reference):
    tolerances = grader.assignment.tolerances
    return verdicts.same_as_reference(values, reference, rtol=tolerances.get("reference_rtol", 1e-7),
                                      atol=tolerances.get("reference_atol", 1e-10))


def _same(grader, expected, values):
    return _matches(grader, values, expected.outcome.values)


def _consistent(grader, expected, values):
    """The student's analytic values against their own numerical ones (verdicts.PAIRS), then the
    values made by rules against the reference's."""
    tolerances, reference = grader.assignment.tolerances, expected.outcome.values
    verdict = verdicts.consistent(values, expected.check, tolerances.get("gradcheck", 1e-6))
    if verdict.passed and "rules_rtol" in tolerances:
        verdict = verdicts.exact_rules(values, reference, tolerances["rules_rtol"])
    return _matches(grader, values, verdicts.made_by_rules(reference)) if verdict.passed else verdict


def _accuracy(grader, expected, values):
    """The accuracy verdict of the predictions in ``values``, after the epoch they name if any."""
    accuracy, epoch = expected.task.accuracy, values.get("epoch")
    verdict = verdicts.accuracy(values.get("predictions"), grader.heldout.labels, accuracy["curve"],
                                scored=grader.heldout.scored,
                                suspicious_above=accuracy.get("suspicious_above"))
    if type(epoch) in (int, float) and verdict.message.startswith("test accuracy"):
        verdict = dataclasses.replace(verdict, message=f"after epoch {epoch:g} of {accuracy['epochs']}, "
                                                       f"{verdict.message}")
    return verdict


CHECKS = {
    "reference": Check(True, _same),
    "gradient": Check(True, _consistent),
    "modes": Check(True, _consistent),
    "threshold": Check(True, lambda grader, expected, values: verdicts.threshold(values, expected.task.thresholds)),
    "public": Check(True, lambda grader, expected, values: verdicts.public(values, expected.outcome.values)),
    "accuracy": Check(False, _accuracy, checkpoints=lambda expected: expected.task.accuracy["epochs"]
                      * expected.task.accuracy["checkpoints_per_epoch"],
                      enough=lambda grader, expected, values: _accuracy(grader, expected, values).passed),
    "attack": Check(False, lambda grader, expected, values: verdicts.attack(
        values, grader.heldout, **expected.task.attack)),
}
WITHOUT_REFERENCE = tuple(name for name, check in CHECKS.items() if not check.reference_runs)


class Expected(NamedTuple):
    """What the reference's run says about one probe: its task, its check, its weight, the
    reference's :class:`~autograder.sandbox.replies.ProbeOutcome` (None for a check the reference does
    not run) and the table its stand-ins recorded (see probing.TABLES), encoded once for every
    hand-in's run of the probe (:class:`~autograder.sandbox.session.Tables`)."""
    task: object
    check: str
    weight: float
    outcome: object
    tables: Tables


def _split_tables(outcome):
    """(the outcome without the values named probing.TABLE_PREFIX…, {those values})."""
    tables = {name: value for name, value in outcome.values.items() if name.startswith(probing.TABLE_PREFIX)}
    values = {name: value for name, value in outcome.values.items() if name not in tables}
    return dataclasses.replace(outcome, values=values), tables


def draws_plots(assignment, public=False):
    """Whether grading ``assignment`` draws plots where :meth:`Grader.grade` is asked for them (and
    matplotlib is needed then): for the tasks graded on the held-out test set, which public grading
    does not grade (their training curves and confusion matrices, :meth:`Grader._plots`)."""
    return assignment.needs_test_set and not public


class Grader:
    """Grades submissions of one assignment; the reference's values are computed once and reused.

    By default the probes of the assignment's ``hidden/probes.py`` grade; an assignment with a task
    graded on the test set (:attr:`Assignment.needs_test_set`) then gets the
    held-out images (:mod:`autograder.grading.heldout`) in every workspace, and the sandbox must hide the
    data set's own folder, as the default sandbox does. With ``public=True`` the public tests grade
    instead, one probe per test file (autograder/sandbox/harness/public_tests.py).

    The sandbox is ``sandbox``, or the one of ``engine`` ("local": a process on this machine, run by
    ``sandbox_python`` if given, else by the grader's interpreter; "docker": a container, ``gpus``
    gives it the machine's GPUs) with the assignment's limits.

    Every text of the student's view passes ``redactor``; by default the assignment's
    :meth:`Redactor.for_course`, built once here (it reads the whole course: about 2 s), for which
    the template students hold, earlier assignments' solutions included, is public.
    """

    def __init__(self, course, assignment, sandbox=None, public=False, engine="local", gpus=False,
                 sandbox_python=None, redactor=None):
        self.course, self.assignment, self.public = course, assignment, public
        self.redactor = Redactor.for_course(course, assignment) if redactor is None else redactor
        self.heldout = load_held_out(assignment) if assignment.needs_test_set and not public else None
        hidden = list(self.heldout.hidden) if self.heldout else []
        self.sandbox = sandbox or make_sandbox(engine, Limits.from_assignment(assignment),
                                               course_root=course.root, hide=hidden, gpus=gpus,
                                               python=sandbox_python)
        if not all(self.sandbox.hides(folder) for folder in hidden):
            raise CourseError(f"the sandbox for {assignment.name} must hide the data set at {hidden[0]}")
        if public:
            self.probes, self.support = PUBLIC_TESTS, []
            return
        self.probes = assignment.hidden_tests / PROBES
        if not self.probes.is_file():
            raise CourseError(f"{self.probes}: {assignment.name} has no probes to grade with yet")
        helpers = [course.shared_probes / SHARED_HELPERS, assignment.hidden_tests / HELPERS,
                   *(assignment.public_tests / name for name in STAND_INS)]
        self.support = [Path(finite_differences.__file__), *(path for path in helpers if path.is_file())]

    @cached_property
    def expected(self):
        """{probe name: :class:`Expected`} from the reference solution's run, computed once.

        The probe names, tasks and checks come from this run, never from the student's sandbox.
        """
        with tempfile.TemporaryDirectory(prefix="reference-") as folder:
            workspace = Path(folder) / "work"
            shutil.copytree(self.course.reference, workspace / "mytorch",
                            ignore=shutil.ignore_patterns("__pycache__"))
            self._prepare(workspace)
            with self.sandbox.session(workspace, [self.probes], self.support) as session:
                registered = session.names()
                if not registered:
                    raise CourseError(f"{self.probes}: the reference's sandbox registered no probe: "
                                      f"{session.problem() or 'the module defines none'}")
                unknown = {r.task for r in registered.values()} - {t.id for t in self.assignment.tasks}
                if unknown:
                    raise CourseError(f"{self.assignment.name}'s probes name tasks it does not have: "
                                      f"{sorted(unknown)}")
                expected = {}
                for name, (task, check, weight) in registered.items():
                    outcome, tables = None, {}
                    if CHECKS[check].reference_runs:
                        outcome, tables = _split_tables(session.run(name, record=True))
                    expected[name] = Expected(self.course.tasks[task], check, weight, outcome,
                                              encode_tables(tables))
        failed = {name: e.outcome.message for name, e in expected.items()
                  if e.outcome is not None and e.outcome.status != "ok"}
        failed |= {name: verdict.message for name, e in expected.items() if e.check == "threshold"
                   and name not in failed and not (verdict := self._verdict(e, e.outcome.values)).passed}
        if failed:
            raise CourseError(f"the reference fails probes of {self.assignment.name}: {failed}")
        return expected

    def with_limits(self, limits):
        """This grader with its sandbox's ``limits`` replaced; the reference's run, once made, is
        shared with it rather than made again."""
        other = copy.copy(self)
        other.sandbox = copy.copy(self.sandbox)
        other.sandbox.limits = limits
        return other

    @cached_property
    def _weights(self):
        """{task id: the sum of its probes' weights}, which share its points."""
        total = defaultdict(float)
        for e in self.expected.values():
            total[e.task.id] += e.weight
        return total

    def grade(self, source, plots=None, tasks=None, probes=None):
        """The :class:`GradingResult` of the submission at ``source`` (folder, archive or notebook).

        plots: a folder for the plots of the feedback (training curves, confusion matrices), or
        None for none; their paths become the result's artifacts.
        tasks, probes: the ids of the tasks to grade and the names of the probes to run, all by
        default; the others do not run, and the result holds no test of theirs (the kit's own
        checks of its grading use this, :mod:`autograder.audit.mutation` for one).
        """
        start = time.perf_counter()
        expected = {name: e for name, e in self.expected.items()
                    if (tasks is None or e.task.id in tasks) and (probes is None or name in probes)}
        try:
            submission = read_submission(source, self.assignment)
        except SubmissionError as error:
            return self._result([self._judge(name, None, error=str(error)) for name in expected],
                                f"The submission could not be graded: {error}", start)
        with tempfile.TemporaryDirectory(prefix="submission-") as folder:
            workspace = build_workspace(submission, self.assignment, Path(folder) / "work")
            self._prepare(workspace)
            with self.sandbox.session(workspace, [self.probes], self.support) as session:
                outcomes = {name: _split_tables(session.run(name, expected[name].tables,
                                                            enough=self._enough(expected[name])))[0]
                            for name in expected}     # a table among the student's values is forged
                detected = session.detected()
        judged = [self._judge(name, outcomes[name]) for name in expected]
        artifacts = self._plots(outcomes, Path(plots)) if plots is not None and self.heldout else {}
        return self._result(judged, "\n".join(submission.notes), start, artifacts, detected)

    def _prepare(self, workspace):
        """Add what the probes need to a workspace: the public tests, or the held-out test set."""
        if self.public:
            shutil.copytree(self.assignment.public_tests, workspace / "tests",
                            ignore=shutil.ignore_patterns("__pycache__"))
            shutil.copyfile(self.assignment.folder / "pytest.ini", workspace / "pytest.ini")
        elif self.heldout is not None:
            settings = {task.id: task.probe_settings for task in self.assignment.tasks if task.probe_settings}
            self.heldout.install(workspace, settings)

    def _enough(self, expected):
        """The session's ``enough`` for a probe of ``expected``: its check's, for at most its check's
        number of checkpoints (the later ones go unjudged); None for a check that judges none."""
        check = CHECKS[expected.check]
        if check.enough is None:
            return None
        judged = iter(range(check.checkpoints(expected)))
        return lambda values: next(judged, None) is not None and check.enough(self, expected, values)

    def _judge(self, name, outcome, error=None):
        """One probe's TestResult: the reference's task decides the points, the verdict the credit.
        Its output is the verdict's whole message, with the verdict's flag for the staff; its feedback,
        the student's view of it, is the message without the flag, filtered by the redactor. Returns
        (the TestResult, the flag or "")."""
        task = self.expected[name].task
        share = task.points * self.expected[name].weight / self._weights[task.id]
        if error is not None:
            verdict = verdicts.Verdict(0.0, error)
        elif outcome.status != "ok":
            verdict = verdicts.Verdict(0.0, outcome.message)
        else:
            verdict = self._verdict(self.expected[name], outcome.values)
            if outcome.progress:
                verdict = self._with_checkpoints(verdict, self.expected[name], outcome)
        title = f"{name}.py" if self.public else name.replace("_", " ")
        hidden = not self.public
        test = TestResult(name=f"{task.label} — {title}", task=task.id, score=share * verdict.credit,
                          max_score=share, status="passed" if verdict.passed else "failed",
                          output=". ".join(filter(None, [verdict.message, verdict.flag])), hidden=hidden,
                          feedback=student_feedback(verdict.message, hidden, self.redactor))
        return test, verdict.flag

    @staticmethod
    def _with_checkpoints(verdict, expected, outcome):
        """``verdict`` saying where the probe's checkpoints ended it (``outcome.message``), and flagged
        when the probe sent more checkpoints than its check judges: only student code sends those."""
        limit = CHECKS[expected.check].checkpoints
        message = ". ".join(filter(None, [verdict.message, outcome.message]))
        flag = verdict.flag
        if limit is not None and len(outcome.progress) > (judged := limit(expected)):
            flag = "; ".join(filter(None, [flag, f"SUSPICIOUS: {len(outcome.progress)} checkpoints where the "
                                                 f"probe sends {judged}: student code sent its own"]))
        return dataclasses.replace(verdict, message=message, flag=flag)

    def _verdict(self, expected, values):
        """The verdict of the probe's check on the student's ``values``."""
        return CHECKS[expected.check].judge(self, expected, values)

    def _plots(self, outcomes, folder):
        """{name: PNG path}: the training curve (its loss, and the test accuracy of each checkpoint) and
        the confusion matrix of every accuracy probe whose values can be drawn. Raises
        MissingDependency without matplotlib (the command line checks it before grading:
        :func:`draws_plots`)."""
        require("matplotlib", f"the plots of {self.assignment.name}'s reports")
        from autograder.reports import plots  # matplotlib, only when plots are asked for

        folder.mkdir(parents=True, exist_ok=True)
        held, artifacts = self.heldout, {}
        for name in (name for name in outcomes if self.expected[name].check == "accuracy"):
            values = outcomes[name].values
            predictions, losses = values.get("predictions"), values.get("train_loss")
            history = {}
            if isinstance(losses, numpy.ndarray) and losses.ndim == 1 and losses.dtype.kind == "f":
                history["train_loss"] = losses.tolist()
            history |= self._accuracy_by_epoch(outcomes[name].progress)
            if history:
                artifacts[f"{name} training curve"] = path = folder / f"{name}-training-curve.png"
                plots.training_curve(history, path)
            if verdicts.predictions_problem(predictions, held.labels) is None:     # the scored images,
                names = held.class_names
                matrix = numpy.zeros((len(names), len(names)), dtype=numpy.int64)   # public classes
                scored = held.scored
                numpy.add.at(matrix, (held.public_classes(held.labels[scored]),
                                      held.public_classes(predictions[scored])), 1)
                artifacts[f"{name} confusion matrix"] = path = folder / f"{name}-confusion-matrix.png"
                plots.confusion_matrix(matrix, names, path)
        return artifacts

    def _accuracy_by_epoch(self, progress):
        """{"test_accuracy": [...], "accuracy_epochs": [...]} of an accuracy probe's checkpoints, each
        scored on the held-out set as its verdict would be; {} when there are none, or when one of them
        cannot be scored or names no epoch."""
        held = self.heldout
        if not progress or any(verdicts.predictions_problem(c.get("predictions"), held.labels) is not None
                               or type(c.get("epoch")) not in (int, float) for c in progress):
            return {}
        return {"test_accuracy": [float((c["predictions"] == held.labels)[held.scored].mean())
                                  for c in progress],
                "accuracy_epochs": [c["epoch"] for c in progress]}

    def _result(self, judged, output, start, artifacts=None, detected=()):
        """The validated GradingResult of ``judged``, the (test, flag) pairs of :meth:`_judge`:
        ``output``, the notes on the submission, goes to the student filtered; the sandbox's
        isolation, what it ``detected`` and the tests' flags go to the instructor only."""
        bonus = sum(task.points for task in self.assignment.tasks if task.bonus)
        tests = [test for test, _ in judged]
        flags = [f"{test.name}: {flag}" for test, flag in judged if flag]
        result = GradingResult(assignment=self.assignment.name, title=self.assignment.title,
                               tests=tuple(tests),
                               max_score=self.assignment.total_points, bonus_points=bonus, output=output,
                               execution_time=time.perf_counter() - start, artifacts=artifacts or {},
                               task_titles={task.id: task.title for task in self.assignment.tasks},
                               feedback=student_feedback(output, redactor=self.redactor),
                               instructor=InstructorNotes(isolation=self.sandbox.isolation(),
                                                          detections=detected, flags=flags))
        result.validate()
        return result
