"""The commands of ``autograder`` (autograder/cli.py parses the command line and calls them): each
takes the :class:`~autograder.course.model.Course` and the command's options, prints what it did,
and returns the exit status. What a whole command needs (an optional module, an output folder) is
checked before any work; a user's mistake raises a :class:`~autograder.errors.KitError`, which the
command line prints without a traceback.
"""
import math
import sqlite3
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from autograder import reports
from autograder.classroom import batch, exports, similarity
from autograder.classroom.discovery import discover
from autograder.classroom.gradebook import FILE as GRADEBOOK_FILE
from autograder.classroom.gradebook import Gradebook
from autograder.course import release
from autograder.course.model import Course
from autograder.course.scaffold import scaffold
from autograder.errors import KitError, PathError, require
from autograder.reports import table
from autograder.reports.text import instructor_sections, printable


def release_command(course: Course, names: Sequence[str] | None, check: bool = False,
                    zip_out: Path | None = None) -> int:
    """Generate (or, with ``check``, compare) the templates of the named assignments; nbgrader, which
    makes an assignment's notebook, and the folder ``zip_out`` are checked before anything is made."""
    assignments = course.assignments if names is None else [course.assignment(n) for n in names]
    with_notebooks = [assignment.name for assignment in assignments if assignment.notebook is not None]
    if with_notebooks:
        require("nbgrader", f"the notebook of {', '.join(with_notebooks)}, which nbgrader makes")
    if zip_out is not None:
        _output_folder(zip_out, "--out")
    out_of_sync = []
    for assignment in assignments:
        files = release.template(course, assignment)
        if check:
            problems = release.differences(course, assignment, files)
            out_of_sync += problems
            state = "in sync" if not problems else f"OUT OF SYNC ({len(problems)} files)"
            print(f"{assignment.name}: {state}")
            for problem in problems:
                print(f"  {problem}")
        else:
            release.write(course, assignment, files)
            print(f"{assignment.name}: template written to {assignment.folder}")
        if zip_out is not None:
            print(f"{assignment.name}: handout archive {release.archive(assignment, files, zip_out)}")
    if out_of_sync:
        print("run `autograder release --all` to regenerate the templates from reference/", file=sys.stderr)
    return 1 if out_of_sync else 0


def grade_command(course: Course, submissions: Sequence[Path], assignment_name: str, formats: Sequence[str],
                  out_dir: Path, public: bool = False, engine: str = "local", gpus: bool = False,
                  sandbox_python: str | None = None) -> int:
    """Grade submissions in sandboxes of ``engine``, print each one's score table and what the
    instructor must review (flags, detections), and write the chosen reports to ``out_dir`` (to
    ``out_dir/<submission name>`` for several, then print the class table), each with the view it
    holds, and the plots when a chosen report shows them (matplotlib is needed then only).

    What the whole run needs is checked before the first hand-in, and stops it with a KitError: the
    assignment, the submissions' paths, matplotlib where plots are drawn, ``out_dir``, the sandbox's
    engine and the reference's run. Past that, a failure while grading or reporting one hand-in is
    that hand-in's alone: a line on stderr names both, and the others are still graded and reported.
    Each hand-in's reports are written as soon as it is graded. 0 when every hand-in was graded and
    reported, 1 otherwise.
    """
    from autograder.grading.grader import Grader, draws_plots  # the sandbox's dependencies: when grading

    assignment = course.assignment(assignment_name)
    missing = [str(path) for path in submissions if not path.exists()]
    if missing:
        raise PathError(f"no such submission: {', '.join(missing)}; name folders, .zip or .tar.gz archives, "
                        f"or notebooks")
    plotted = [fmt for fmt in formats if fmt in reports.WITH_PLOTS]
    if plotted and draws_plots(assignment, public):
        require("matplotlib", f"the plots of {assignment.name}'s reports (--format {', '.join(plotted)})")
    _output_folder(out_dir, "--out")
    grader = Grader(course, assignment, public=public, engine=engine, gpus=gpus,
                    sandbox_python=sandbox_python)
    grader.expected     # the reference's run, made once: a course or engine that cannot grade stops here
    results, failed = {}, []
    for submission in submissions:
        folder = out_dir if len(submissions) == 1 else out_dir / submission.name.split(".")[0]
        stage = "grading"
        try:
            result = grader.grade(submission, plots=folder / "plots" if plotted else None)
            results[submission.name] = result
            print(f"{submission}:\n{table.render(result)}")
            for heading, lines in instructor_sections(result, isolation=False):
                print("\n".join(f"{heading}: {printable(line, lines=False)}" for line in lines))
            stage = "writing its reports"
            for fmt, path in reports.write_all(result, folder, formats).items():
                print(f"{fmt}: {path} ({reports.view(fmt)} view)")
        except Exception as error:     # this hand-in's alone (KitError included): the others go on
            failed.append(submission)
            reason = str(error) if isinstance(error, KitError) else f"{type(error).__name__}: {error}"
            print(f"autograder: {submission}: {stage} failed: {reason}", file=sys.stderr, flush=True)
    if len(submissions) > 1:
        print(table.class_table(results))
    if failed:
        print(f"autograder: {len(failed)} of {len(submissions)} submissions failed: "
              f"{', '.join(map(str, failed))}", file=sys.stderr)
    return 1 if failed else 0


def _output_folder(folder: Path, option: str) -> None:
    """Make ``folder`` (and its parents) for the output of ``option``, before any work: raises
    PathError, naming the option, where it cannot be made (a file in its way, no permission)."""
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise PathError(f"{folder}: cannot make this folder for {option} ({error.strerror}): choose "
                        f"another {option}") from None


def batch_command(course: Course, folder: Path, assignment_name: str, *, executor: str, engine: str,
                  workers: int, gpus: bool, gradebook_path: Path | None, pattern: str, regrade: bool,
                  retries: int, address: str | None = None) -> int:
    """Grade a class's submissions in ``folder`` into the gradebook, on ``executor`` ("processes" or
    "ray"), each in a sandbox of ``engine``; print the summary. 0 when every submission has a grade,
    1 when some failed on the grader's side."""
    assignment = course.assignment(assignment_name)
    if executor == "ray":
        require("ray", "--executor ray")
    submissions = discover(folder, pattern)
    gradebook = _gradebook(gradebook_path or course.root / GRADEBOOK_FILE)
    print(f"{len(submissions)} submissions of {assignment.name} in {folder}; gradebook {gradebook.path}")
    summary = batch.grade_class(course, assignment, submissions, gradebook, executor=executor, engine=engine,
                                workers=workers, gpus=gpus, regrade=regrade, retries=retries, address=address)
    print(summary.render())
    return 1 if summary.failed else 0


def _gradebook(path: Path) -> Gradebook:
    """The :class:`Gradebook` at ``path`` (made there if new); raises PathError where that file is not a
    gradebook or cannot be made."""
    try:
        return Gradebook(path)
    except sqlite3.DatabaseError as error:
        raise PathError(f"{path}: not a gradebook that can be opened ({error}): name the SQLite file that "
                        f"`autograder batch` writes (--gradebook)") from None


def check_course_command(course: Course, names: Sequence[str], engine: str = "local") -> int:
    """Grade the reference (every point, bonus too) and the untouched template (no point) of each
    assignment with probes, in sandboxes of ``engine``, and check that no file sent into its sandbox
    copies a solution or a hidden file (:func:`autograder.audit.leaks.solution_leaks`); 0 when all hold,
    1 otherwise."""
    from autograder.audit.leaks import solution_leaks
    from autograder.grading.grader import Grader

    failures = 0
    for assignment in course.assignments if not names else [course.assignment(n) for n in names]:
        grader = Grader(course, assignment, engine=engine)
        reference = grader.grade(course.reference.parent)
        template = grader.grade(assignment.folder)
        full = assignment.total_points + reference.bonus_points
        problems = [f"the reference scores {reference.score:g} of {full:g}"] * (
            not math.isclose(reference.score, full))
        problems += [f"the untouched template scores {template.score:g}"] * (template.score != 0)
        for test in (t for t in reference.tests if t.status != "passed"):
            problems.append(f"  {test.name}: {test.output}")
        for test in (t for t in template.tests if t.score > 0):    # a probe that rewards code doing nothing
            problems.append(f"  {test.name} gives the untouched template {test.score:g} of {test.max_score:g}"
                            + (f": {test.output}" if test.status != "passed" else ""))
        problems += [f"solution code in the sandbox: {leak}"
                     for leak in solution_leaks(course, assignment, grader)]
        failures += bool(problems)
        state = "ok" if not problems else "FAILED"
        print(f"{assignment.name}: {state} (reference {reference.score:g}/{full:g} in "
              f"{reference.execution_time:.1f} s, template {template.score:g} in "
              f"{template.execution_time:.1f} s)")
        for problem in problems:
            print(f"  {problem}")
    return 1 if failures else 0


def new_command(course: Course, name: str, title: str) -> int:
    """Scaffold the folder of the new assignment ``name`` (:mod:`autograder.course.scaffold`) and print
    the next steps: the reference's solution region, `release --all`, `check-course`."""
    print(scaffold(course, name=name, title=title))
    return 0


def mutate_command(course: Course, names: Sequence[str] | None, size: int | None, tasks: Sequence[str] | None,
                   workers: int, out: Path) -> int:
    """Mutation analysis of the named assignments (:mod:`autograder.audit.mutation`): print each one's table
    and write its HTML report to ``out``. 0 when every assignment reaches its declared mutation score,
    keeps every correct alternative's points and has no stale waiver; 1 otherwise."""
    from autograder.audit import mutation
    from autograder.reports import mutation_html

    assignments = course.assignments if names is None else [course.assignment(n) for n in names]
    _output_folder(out, "--out")
    failures = 0
    for assignment in assignments:
        what = f"a sample of {size}" if size else "all"
        print(f"{assignment.name}: grading {what} of its mutants and its correct alternatives", flush=True)
        start = time.perf_counter()
        analysis = mutation.analyse(course, assignment, size=size, tasks=tasks, workers=workers,
                                    progress=_every_tenth)
        seconds = time.perf_counter() - start
        print(mutation.table(analysis))
        path = out / f"{assignment.name}-{mutation_html.FILE_NAME}"
        mutation_html.write(analysis, path)
        verdict = mutation.problems(analysis)
        failures += bool(verdict)
        print(f"{assignment.name}: {'FAILED: ' + '; '.join(verdict) if verdict else 'ok'} in {seconds:.0f} s "
              f"(report: {path})")
    return 1 if failures else 0


def _every_tenth(done: int, total: int) -> None:
    """Progress of a long run: a line at each tenth of it."""
    if done == total or done % max(1, total // 10) == 0:
        print(f"  {done} of {total} graded", flush=True)


def gradescope_command(course: Course, name: str, out: Path | None, python: str) -> int:
    """Write the Gradescope autograder archive of the assignment ``name`` to ``out`` (default
    ``dist/<assignment>_autograder.zip``) and print its path and size."""
    from autograder.classroom import gradescope  # Docker's SDK and pip, only when packaging

    assignment = course.assignment(name)
    out = out or Path("dist") / f"{assignment.name}_autograder.zip"
    _output_folder(out.parent, "-o")
    path = gradescope.build(course, assignment, out, python)
    print(f"{assignment.name}: Gradescope autograder {path} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


def export_command(course: Course, assignment_name: str, fmt: str, out: Path | None,
                   gradebook_path: Path | None, roster: Path | None) -> int:
    """Write the current grades of an assignment in the gradebook (never grading) as ``fmt`` to ``out``
    (default: :func:`exports.default_path`) and print what was written."""
    assignment = course.assignment(assignment_name)
    if fmt == "nbgrader":
        require("nbgrader", "an nbgrader gradebook (--to nbgrader)")
    path = Path(gradebook_path or course.root / GRADEBOOK_FILE)
    if not path.is_file():     # Gradebook() would create an empty one
        raise PathError(f"{path}: no gradebook there (`autograder batch` writes it; --gradebook names "
                        f"another)")
    out = out or exports.default_path(fmt, assignment)
    _output_folder(out.parent, "--out")
    count = exports.export(fmt, course, assignment, _gradebook(path), out, roster)
    print(f"{assignment.name}: the current grades of {count} students written to {out} ({fmt})")
    return 0


def similarity_command(course: Course, folder: Path, assignment_name: str, out: Path, top: int,
                       pattern: str) -> int:
    """Rank the pairs of a class's submissions in ``folder`` by their code's similarity beyond the
    template (:mod:`autograder.classroom.similarity`); print the first ``top`` and write the HTML report to
    ``out``. A submission that cannot be read is skipped, and the report says why."""
    assignment = course.assignment(assignment_name)
    _output_folder(out.parent, "--out")
    documents, skipped = similarity.read_class(folder, assignment, pattern)
    print(f"{len(documents)} submissions of {assignment.name} in {folder} compared, {len(skipped)} skipped")
    for name, reason in sorted(skipped.items()):
        print(f"  skipped {name}: {reason}")
    pairs = similarity.compare(documents, similarity.template(assignment))
    print(similarity.table(pairs, top), end="")
    similarity.write_report(pairs, out, assignment=assignment.name, submissions=documents, skipped=skipped,
                            top=top)
    print(f"report: {out}")
    return 0
