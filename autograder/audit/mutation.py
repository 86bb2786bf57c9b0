"""Mutation analysis of an assignment's grading: ``autograder mutate hw1``.

Every :class:`~autograder.audit.mutants.Mutant` of the assignment's solution regions is graded with the
real grader, in parallel, and ends in one of four kinds:

    caught      its own task lost points: the grading works as it should
    elsewhere   only another task lost points: a bug costs the wrong task
    survived    no task lost a point: the grading misses this bug
    equivalent  no task lost a point, and a reviewer has waived it as the same program, with a
                one-line reason, in the assignment's ``hidden/equivalent_mutants.toml``::

                    [[equivalent]]
                    mutant = "mytorch/ops/arithmetic.py:unbroadcast: `return grad` → `pass`"
                    reason = "the general path returns grad unchanged when the shapes agree"

The **mutation score** is caught / (mutants − equivalent). A waiver that matches no mutant, or
whose mutant loses points, is reported as a problem: the code changed under it.

The assignment's correct alternatives (``hidden/alternatives``, :mod:`autograder.audit.variants`) are
graded beside the mutants: each must keep every point.

A mutant is graded in stages, each stopping at the first lost point: its own task's probes that
are judged against the reference (quick, under a time limit of ten times the reference's slowest
probe), then its own task's other probes (training, under the assignment's limits), then the other
tasks' probes. Only a mutant that survives its own task reaches the last stage.
"""
import concurrent.futures
import hashlib
import os
import tempfile
import time
import tomllib
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from autograder.audit import mutants, variants
from autograder.course.model import Assignment, Course, CourseError
from autograder.grading.grader import WITHOUT_REFERENCE, Grader
from autograder.sandbox.limits import Limits

WAIVERS = "equivalent_mutants.toml"     # in the assignment's hidden/ folder
KINDS = ("caught", "elsewhere", "survived", "equivalent")     # what becomes of a mutant
QUICK_FACTOR, QUICK_FLOOR = 10, 10.0    # a quick probe may take 10× the reference's slowest, at least 10 s
# A correct alternative as graded: it and {test name: output} of its tests that lost points (none: correct).
AlternativeOutcome = tuple[variants.Alternative, dict[str, str]]


@dataclass(frozen=True)
class Outcome:
    """What grading did to one mutant: its kind, the points each task lost, the first lost test's
    message, the waiver's reason (equivalent), and the seconds it took."""
    mutant: mutants.Mutant
    kind: str                                         # one of KINDS
    lost: dict[str, float] = field(default_factory=dict)
    message: str = ""
    reason: str = ""
    seconds: float = 0.0


@dataclass
class Analysis:
    """The outcomes of an assignment's mutants and alternatives, and the problems found on the way."""
    assignment: Assignment
    outcomes: list[Outcome]
    alternatives: list[AlternativeOutcome]
    problems: list[str]      # stale or wrong waivers, in words

    @property
    def counts(self) -> Counter[str]:
        return Counter(outcome.kind for outcome in self.outcomes)

    @property
    def score(self) -> float:
        """caught / (mutants − equivalent), in [0, 1]; 1 when nothing is left to catch."""
        counts = self.counts
        judged = len(self.outcomes) - counts["equivalent"]
        return counts["caught"] / judged if judged else 1.0

    def by_task(self) -> dict[str, Counter[str]]:
        """{task id: Counter of kinds} of the tasks with mutants, in the assignment's task order."""
        table = {task.id: Counter() for task in self.assignment.tasks}
        for outcome in self.outcomes:
            table[outcome.mutant.site.task][outcome.kind] += 1
        return {task: counts for task, counts in table.items() if counts}

    def losing_alternatives(self) -> list[AlternativeOutcome]:
        return [(alternative, lost) for alternative, lost in self.alternatives if lost]


def problems(analysis: Analysis) -> list[str]:
    """What fails the analysis, in words: a score below the assignment's declared ``[mutation] score``,
    a correct alternative that loses points, a task without an alternative, a stale or wrong waiver."""
    assignment = analysis.assignment
    found = []
    target = assignment.mutation.get("score")
    if target is not None and analysis.score < target:
        found.append(f"mutation score {100 * analysis.score:.1f} % is below the {100 * target:g} % "
                     f"that {assignment.name} declares")
    found += [f"the correct alternative {a.task} {a.title!r} loses points"
              for a, _ in analysis.losing_alternatives()]
    covered = {alternative.task for alternative in variants.alternatives(assignment)}
    found += [f"{task.id} has no correct alternative in hidden/{variants.ALTERNATIVES}"
              for task in assignment.tasks if task.id not in covered]
    return found + analysis.problems


def waivers(assignment: Assignment) -> dict[str, str]:
    """{mutant key: reason} of the assignment's reviewed equivalent mutants (none without the file)."""
    path = assignment.hidden_tests / WAIVERS
    if not path.is_file():
        return {}
    try:
        entries = tomllib.loads(path.read_text()).get("equivalent", [])
        found = {}
        for entry in entries:
            key, reason = entry["mutant"], entry["reason"].strip()
            if not reason or "\n" in reason:
                raise ValueError(f"the waiver of {key!r} needs a reason on one line")
            if key in found:
                raise ValueError(f"{key!r} is waived twice")
            found[key] = reason
        return found
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as error:
        raise CourseError(f"{path}: {error}") from None


def sample(found: Sequence[mutants.Mutant], size: int | None) -> list[mutants.Mutant]:
    """A fixed sample of ``size`` of the mutants ``found``: those whose keys hash lowest, so that the
    sample changes only where the code does. All of them when ``size`` is None."""
    if size is None or size >= len(found):
        return list(found)
    lowest = sorted(found, key=lambda mutant: hashlib.sha256(mutant.key.encode()).digest())[:size]
    return [mutant for mutant in found if mutant in lowest]


def analyse(course: Course, assignment: Assignment, size: int | None = None,
            tasks: Collection[str] | None = None, workers: int | None = None, engine: str = "local",
            progress: Callable[[int, int], None] | None = None) -> Analysis:
    """The :class:`Analysis` of ``assignment``: its mutants (a :func:`sample` of ``size``, or all) and
    its alternatives, of the task ids ``tasks`` only if given, graded on ``workers`` threads (default:
    the CPUs), each in a sandbox of ``engine``. ``progress(done, total)`` is called after each."""
    every = mutants.mutants(course, assignment)
    chosen = [m for m in sample(every, size) if tasks is None or m.site.task in tasks]
    waived = waivers(assignment)
    keys = {mutant.key for mutant in every}
    found = [f"the waiver of {key!r} matches no mutant: the code changed, review it"
             for key in waived if key not in keys]
    stages = _Stages(course, assignment, engine)
    jobs = [(stages.mutant, mutant, waived.get(mutant.key, "")) for mutant in chosen]
    jobs += [(stages.alternative, alternative, "") for alternative in variants.alternatives(assignment)
             if tasks is None or alternative.task in tasks]
    results = [None] * len(jobs)
    with concurrent.futures.ThreadPoolExecutor(workers or os.cpu_count()) as pool:
        futures = {pool.submit(job, item, reason): i for i, (job, item, reason) in enumerate(jobs)}
        for done, future in enumerate(concurrent.futures.as_completed(futures), start=1):
            results[futures[future]] = future.result()
            if progress:
                progress(done, len(jobs))
    outcomes = results[:len(chosen)]
    found += [f"the waiver of {o.mutant.key!r} is wrong: the mutant loses points ({o.message})"
              for o in outcomes if o.reason and o.kind in ("caught", "elsewhere")]
    return Analysis(assignment, outcomes, results[len(chosen):], found)


class _Stages:
    """The graders of one analysis, and the stages a mutant goes through (see the module's docstring)."""

    def __init__(self, course: Course, assignment: Assignment, engine: str) -> None:
        self.course = course
        self.full = Grader(course, assignment, engine=engine)
        expected = self.full.expected       # the reference's run, before any thread starts
        slowest = max((e.outcome.seconds for e in expected.values() if e.outcome is not None), default=1.0)
        limits = Limits.from_assignment(assignment)
        quick = Limits(probe_seconds=min(limits.probe_seconds, max(QUICK_FLOOR, QUICK_FACTOR * slowest)),
                       total_seconds=limits.total_seconds, memory_mb=limits.memory_mb)
        self.quick = self.full.with_limits(quick)     # the same reference run
        self.tasks = [task.id for task in assignment.tasks]
        self.judged = {name for name, e in expected.items() if e.check not in WITHOUT_REFERENCE}
        self.trained = set(expected) - self.judged

    def _stages(self, tasks: Collection[str]) -> list[tuple[Grader, set[str]]]:
        """[(grader, probe names)] of the stages that grade ``tasks``, the empty ones left out."""
        expected = self.full.expected
        stages = [(grader, {name for name in probes if expected[name].task.id in tasks})
                  for grader, probes in ((self.quick, self.judged), (self.full, self.trained))]
        return [(grader, probes) for grader, probes in stages if probes]

    def _lost(self, folder: Path, tasks: Collection[str]) -> tuple[dict[str, float], str]:
        """{task id: points lost} and the first lost test's message, grading ``tasks`` stage by stage."""
        for grader, probes in self._stages(tasks):
            tests = grader.grade(folder, tasks=tasks, probes=probes).tests
            lost = Counter()
            for test in (t for t in tests if t.score < t.max_score):
                lost[test.task] += test.max_score - test.score
            if lost:
                first = next(t for t in tests if t.score < t.max_score)
                message = first.output.splitlines()[0] if first.output else "failed"
                return dict(lost), f"{first.name}: {message}"
        return {}, ""

    def mutant(self, mutant: mutants.Mutant, reason: str) -> Outcome:
        start = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="mutant-") as folder:
            source = variants.write(self.course, Path(folder), {mutant.site: mutant.code})
            lost, message = self._lost(source, {mutant.site.task})
            kind = "caught"
            if not lost:
                others = set(self.tasks) - {mutant.site.task}
                lost, message = self._lost(source, others) if others else ({}, "")
                kind = "elsewhere" if lost else "equivalent" if reason else "survived"
        return Outcome(mutant, kind, lost, message, reason, time.perf_counter() - start)

    def alternative(self, alternative: variants.Alternative, _: str) -> AlternativeOutcome:
        """{test name: output} of the alternative's tests that lost points (none, for a correct one)."""
        with tempfile.TemporaryDirectory(prefix="alternative-") as folder:
            source = variants.write(self.course, Path(folder), alternative.replacements)
            lost = {}
            for grader, probes in self._stages({alternative.task}):
                result = grader.grade(source, tasks={alternative.task}, probes=probes)
                lost |= {t.name: t.output for t in result.tests if t.score < t.max_score}
        return alternative, lost


# ----- the terminal table -----------------------------------------------------------------------------------
def table(analysis: Analysis) -> str:
    """The analysis as text: a row per task, the mutation score, then what needs a reviewer."""
    titles = {task.id: task for task in analysis.assignment.tasks}
    lines = [f"{'task':<10} {'mutants':>7} {'caught':>7} {'elsewhere':>9} {'survived':>8} {'equivalent':>10} "
             f"{'score':>7}"]
    for task, counts in analysis.by_task().items():
        judged = sum(counts.values()) - counts["equivalent"]
        score = f"{100 * counts['caught'] / judged:.1f}%" if judged else "—"
        lines.append(f"{titles[task].number:<10} {sum(counts.values()):>7} {counts['caught']:>7} "
                     f"{counts['elsewhere']:>9} {counts['survived']:>8} {counts['equivalent']:>10} "
                     f"{score:>7}")
    counts = analysis.counts
    lines.append(f"{'all':<10} {len(analysis.outcomes):>7} {counts['caught']:>7} {counts['elsewhere']:>9} "
                 f"{counts['survived']:>8} {counts['equivalent']:>10} {100 * analysis.score:>6.1f}%")
    losing = analysis.losing_alternatives()
    lines.append(f"correct alternatives keeping every point: {len(analysis.alternatives) - len(losing)} "
                 f"of {len(analysis.alternatives)}")
    for outcome in (o for o in analysis.outcomes if o.kind in ("survived", "elsewhere")):
        where = f" (lost only in {', '.join(titles[t].number for t in outcome.lost)})" * bool(outcome.lost)
        lines.append(f"  {outcome.kind}{where}: {outcome.mutant.key}  [line {outcome.mutant.line}]")
    for alternative, lost in losing:
        lines.append(f"  alternative losing points: {alternative.task} {alternative.title}: "
                     f"{'; '.join(lost)}")
    lines += [f"  problem: {problem}" for problem in analysis.problems]
    return "\n".join(lines)
