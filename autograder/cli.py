"""``autograder``: the course's command line.

    autograder release hw1 [hw2 ...] | --all   [--check] [--zip] [--out DIR]
    autograder grade SUBMISSION [SUBMISSION ...] --assignment hw3 [--public]
                     [--engine local|docker] [--gpus] [--sandbox-python PATH]
                     [--format gradescope|markdown|html|instructor|json|junit ...] [--out DIR]
    autograder check-course [ASSIGNMENT ...] [--engine local|docker]
    autograder mutate ASSIGNMENT [ASSIGNMENT ...] | --all  [--sample N] [--task ID ...] [--workers N]
                      [--out DIR]
    autograder batch SUBMISSIONS --assignment hw1 [--executor processes|ray] [--workers N]
                     [--address HOST:PORT] [--engine local|docker] [--gpus]
                     [--gradebook PATH] [--student-pattern REGEX] [--regrade] [--retries N]
    autograder gradescope ASSIGNMENT [-o PATH] [--python 3.11]
    autograder export --assignment hw1 --to csv|nbgrader|gradescope-csv [--out PATH] [--gradebook PATH]
                      [--roster PATH]
    autograder similarity SUBMISSIONS --assignment hw1 [--out similarity.html] [--top N]
                          [--student-pattern REGEX]
"""
import argparse
import math
import sys
import time
from pathlib import Path

from autograder import reports
from autograder.classroom import batch, exports, similarity
from autograder.classroom.discovery import DEFAULT_PATTERN, discover
from autograder.classroom.gradebook import FILE as GRADEBOOK_FILE
from autograder.classroom.gradebook import Gradebook
from autograder.course import release
from autograder.course.model import Course, CourseError
from autograder.course.solutions import MarkerError
from autograder.reports import table
from autograder.reports.text import instructor_sections, printable
from autograder.sandbox.box import EngineError
from autograder.sandbox.engines import ENGINES

REPOSITORY = Path(__file__).resolve().parent.parent
DEFAULT_GRADESCOPE_PYTHON = "3.11"     # python3 of Debian bookworm, the base the tests stand in with


def release_command(course, names, check=False, zip_out=None):
    """Generate (or, with ``check``, compare) the templates of the named assignments."""
    assignments = course.assignments if names is None else [course.assignment(n) for n in names]
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


def grade_command(course, submissions, assignment_name, formats, out_dir, public=False, engine="local",
                  gpus=False, sandbox_python=None):
    """Grade submissions in sandboxes of ``engine``, print each one's score table and what the
    instructor must review (flags, detections), and write the chosen reports to ``out_dir`` (to
    ``out_dir/<submission name>`` for several, then print the class table), each with the view it
    holds, and the plots when a chosen report shows them (matplotlib is needed then only)."""
    from autograder.grading.grader import Grader  # the sandbox and its dependencies, only when grading

    grader = Grader(course, course.assignment(assignment_name), public=public, engine=engine, gpus=gpus,
                    sandbox_python=sandbox_python)
    plotted = set(formats) & set(reports.WITH_PLOTS)
    results = {}
    for submission in submissions:
        folder = out_dir if len(submissions) == 1 else out_dir / submission.name.split(".")[0]
        plots = folder / "plots" if plotted else None
        results[submission.name] = result = grader.grade(submission, plots=plots)
        print(f"{submission}:\n{table.render(result)}")
        for heading, lines in instructor_sections(result, isolation=False):
            print("\n".join(f"{heading}: {printable(line, lines=False)}" for line in lines))
        for fmt, path in reports.write_all(result, folder, formats).items():
            print(f"{fmt}: {path} ({reports.view(fmt)} view)")
    if len(submissions) > 1:
        print(table.class_table(results))
    return 0


def batch_command(course, folder, assignment_name, *, executor, engine, workers, gpus, gradebook_path,
                  pattern, regrade, retries, address=None):
    """Grade a class's submissions in ``folder`` into the gradebook, on ``executor`` ("processes" or
    "ray"), each in a sandbox of ``engine``; print the summary. 0 when every submission has a grade,
    1 when some failed on the grader's side."""
    assignment = course.assignment(assignment_name)
    try:
        submissions = discover(folder, pattern)
    except (OSError, ValueError) as error:
        raise CourseError(str(error)) from None
    gradebook = Gradebook(gradebook_path or course.root / GRADEBOOK_FILE)
    print(f"{len(submissions)} submissions of {assignment.name} in {folder}; gradebook {gradebook.path}")
    summary = batch.grade_class(course, assignment, submissions, gradebook, executor=executor, engine=engine,
                                workers=workers, gpus=gpus, regrade=regrade, retries=retries, address=address)
    print(summary.render())
    return 1 if summary.failed else 0


def check_course_command(course, names, engine="local"):
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


def mutate_command(course, names, size, tasks, workers, out):
    """Mutation analysis of the named assignments (:mod:`autograder.audit.mutation`): print each one's table
    and write its HTML report to ``out``. 0 when every assignment reaches its declared mutation score,
    keeps every correct alternative's points and has no stale waiver; 1 otherwise."""
    from autograder.audit import mutation
    from autograder.reports import mutation_html

    failures = 0
    for assignment in course.assignments if names is None else [course.assignment(n) for n in names]:
        what = f"a sample of {size}" if size else "all"
        print(f"{assignment.name}: grading {what} of its mutants and its correct alternatives", flush=True)
        start = time.perf_counter()
        analysis = mutation.analyse(course, assignment, size=size, tasks=tasks, workers=workers,
                                    progress=_every_tenth)
        seconds = time.perf_counter() - start
        print(mutation.table(analysis))
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"{assignment.name}-{mutation_html.FILE_NAME}"
        mutation_html.write(analysis, path)
        verdict = mutation.problems(analysis)
        failures += bool(verdict)
        print(f"{assignment.name}: {'FAILED: ' + '; '.join(verdict) if verdict else 'ok'} in {seconds:.0f} s "
              f"(report: {path})")
    return 1 if failures else 0


def _every_tenth(done, total):
    """Progress of a long run: a line at each tenth of it."""
    if done == total or done % max(1, total // 10) == 0:
        print(f"  {done} of {total} graded", flush=True)


def gradescope_command(course, name, out, python):
    """Write the Gradescope autograder archive of the assignment ``name`` to ``out`` (default
    ``dist/<assignment>_autograder.zip``) and print its path and size."""
    from autograder.classroom import gradescope
    from autograder.sandbox import images  # Docker's SDK and pip, only when packaging

    assignment = course.assignment(name)
    try:
        path = gradescope.build(course, assignment, out or Path("dist") / f"{assignment.name}_autograder.zip",
                                python)
    except images.ImageError as error:     # pip or the data set: the message says what to do
        print(f"autograder: {error}", file=sys.stderr)
        return 2
    print(f"{assignment.name}: Gradescope autograder {path} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


def export_command(course, assignment_name, fmt, out, gradebook_path, roster):
    """Write the current grades of an assignment in the gradebook (never grading) as ``fmt`` to ``out``
    (default: :func:`exports.default_path`) and print what was written."""
    assignment = course.assignment(assignment_name)
    path = Path(gradebook_path or course.root / GRADEBOOK_FILE)
    if not path.is_file():     # Gradebook() would create an empty one
        raise CourseError(f"{path}: no gradebook there (`autograder batch` writes it)")
    out = out or exports.default_path(fmt, assignment)
    count = exports.export(fmt, course, assignment, Gradebook(path), out, roster)
    print(f"{assignment.name}: the current grades of {count} students written to {out} ({fmt})")
    return 0


def similarity_command(course, folder, assignment_name, out, top, pattern):
    """Rank the pairs of a class's submissions in ``folder`` by their code's similarity beyond the
    template (:mod:`autograder.classroom.similarity`); print the first ``top`` and write the HTML report to
    ``out``. A submission that cannot be read is skipped, and the report says why."""
    assignment = course.assignment(assignment_name)
    try:
        documents, skipped = similarity.read_class(folder, assignment, pattern)
    except (OSError, ValueError) as error:
        raise CourseError(str(error)) from None
    print(f"{len(documents)} submissions of {assignment.name} in {folder} compared, {len(skipped)} skipped")
    for name, reason in sorted(skipped.items()):
        print(f"  skipped {name}: {reason}")
    pairs = similarity.compare(documents, similarity.template(assignment))
    print(similarity.table(pairs, top), end="")
    similarity.write_report(pairs, out, assignment=assignment.name, submissions=documents, skipped=skipped,
                            top=top)
    print(f"report: {out}")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="autograder",
                                     description="Release and grade the course's assignments.")
    parser.add_argument("--course", type=Path, default=REPOSITORY,
                        help="the course repository (default: this one)")
    commands = parser.add_subparsers(dest="command", required=True)
    release_parser = commands.add_parser("release", help="generate student templates from the reference")
    release_parser.add_argument("assignments", nargs="*", metavar="ASSIGNMENT",
                                help="e.g. hw1 or hw1_autodiff")
    release_parser.add_argument("--all", action="store_true", help="every assignment of the course")
    release_parser.add_argument("--check", action="store_true",
                                help="only compare the committed templates with a fresh generation")
    release_parser.add_argument("--zip", action="store_true", help="also write the student handout archive")
    release_parser.add_argument("--out", type=Path, default=Path("dist"),
                                help="folder for --zip (default: dist)")
    grade_parser = commands.add_parser("grade", help="grade submissions one by one")
    grade_parser.add_argument("submissions", type=Path, nargs="+", metavar="SUBMISSION",
                              help="a folder, a .zip, a .tar.gz or a notebook")
    grade_parser.add_argument("--public", action="store_true",
                              help="run the public tests only, as students do locally")
    grade_parser.add_argument("--assignment", required=True, help="e.g. hw3 or hw3_optimizers")
    grade_parser.add_argument("--format", dest="formats", action="append", choices=list(reports.FORMATS),
                              help="a report to write (repeatable); the score table is always printed. "
                                   "For students (scores, filtered feedback): "
                                   f"{', '.join(reports.formats_of('student'))}. For instructors only (also "
                                   "full messages, the sandbox's isolation, detections, suspicious "
                                   f"results): {', '.join(reports.formats_of('instructor'))}")
    grade_parser.add_argument("--out", type=Path, default=Path("results"), help="folder for the reports")
    grade_parser.add_argument("--gpus", action="store_true",
                              help="give the sandbox the machine's GPUs (docker engine, GPU image)")
    grade_parser.add_argument("--sandbox-python", type=Path, metavar="PATH",
                              help="the interpreter that runs student code (local engine; default: the "
                                   "grader's own), e.g. a venv with only the sandbox's packages")
    check_parser = commands.add_parser("check-course", help="the reference scores every point, the "
                                                            "templates none, no solution enters a sandbox")
    check_parser.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="default: all")
    mutate_parser = commands.add_parser(
        "mutate", help="mutation analysis: does grading catch plausible bugs, each in its own task?",
        description="Plant one plausible bug at a time in the reference's solution regions (operators, "
                    "signs, constants, axes, deleted statements, copies, indices), grade each mutant "
                    "with the real grader, and report per task how many were caught by their own task, "
                    "only elsewhere, or survived; the assignment's correct alternatives must keep every "
                    "point. Fails below the assignment's [mutation] score.")
    mutate_parser.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="e.g. hw1")
    mutate_parser.add_argument("--all", action="store_true", help="every assignment of the course")
    mutate_parser.add_argument("--sample", type=int, metavar="N",
                               help="a fixed sample of N mutants per assignment (default: all of them)")
    mutate_parser.add_argument("--task", dest="tasks", action="append", metavar="ID",
                               help="only the mutants and alternatives of this task, e.g. task1_3 "
                                    "(repeatable; the score is then of those tasks)")
    mutate_parser.add_argument("--workers", type=int, help="mutants graded at once (default: the CPUs)")
    mutate_parser.add_argument("--out", type=Path, default=Path("runs/mutation"),
                               help="folder of the HTML reports (default: runs/mutation)")
    gradescope_parser = commands.add_parser(
        "gradescope", help="package an assignment's grader as a Gradescope autograder archive",
        description="Write the archive to upload as an assignment's Gradescope autograder: setup.sh, "
                    "run_autograder, the course files that grading needs and wheels for the target "
                    "Python (see infra/README.md).")
    gradescope_parser.add_argument("assignment", metavar="ASSIGNMENT", help="e.g. hw1 or hw1_autodiff")
    gradescope_parser.add_argument("-o", "--out", type=Path, metavar="PATH",
                                   help="the archive (default: dist/<assignment>_autograder.zip)")
    gradescope_parser.add_argument("--python", default=DEFAULT_GRADESCOPE_PYTHON, metavar="X.Y",
                                   help="the python3 of the Gradescope base image, for which the wheels "
                                        f"are bundled (default: {DEFAULT_GRADESCOPE_PYTHON}, as Debian "
                                        "bookworm). Gradescope's Ubuntu 22.04 base has 3.10, too old for "
                                        "the kit; its Ubuntu 24.04 base has 3.12: pass --python 3.12")
    export_parser = commands.add_parser(
        "export", help="write an assignment's grades from the gradebook as CSV, nbgrader or Gradescope CSV",
        description="Write the current grades of one assignment in the gradebook (no grading): a CSV "
                    "with a column per task, an nbgrader gradebook, or a CSV for Gradescope "
                    "(autograder/classroom/exports.py documents each format).")
    export_parser.add_argument("--assignment", required=True, help="e.g. hw1 or hw1_autodiff")
    export_parser.add_argument("--to", required=True, choices=list(exports.FORMATS), help="the format")
    export_parser.add_argument("--out", type=Path, metavar="PATH",
                               help="the file (default: exports/<assignment>.csv, "
                                    "exports/<assignment>.gradescope.csv or exports/gradebook.db)")
    export_parser.add_argument("--gradebook", type=Path, metavar="PATH",
                               help="the SQLite gradebook (default: gradebook.sqlite in the course folder)")
    export_parser.add_argument("--roster", type=Path, metavar="PATH",
                               help="gradescope-csv: a CSV with the columns student,email[,sid] that gives "
                                    "each student of the gradebook an email address")
    batch_parser = commands.add_parser("batch", help="grade a whole class into the gradebook")
    batch_parser.add_argument("submissions", type=Path, metavar="SUBMISSIONS",
                              help="a folder of archives, notebooks or folders, one per student (an LMS "
                                   "bulk download or a Gradescope export)")
    batch_parser.add_argument("--assignment", required=True, help="e.g. hw4 or hw4_fashion_mnist")
    batch_parser.add_argument("--workers", type=int, default=1, help="grading processes (default: 1)")
    batch_parser.add_argument("--gpus", action="store_true", help="the docker engine's GPU image and GPUs")
    batch_parser.add_argument("--gradebook", type=Path, metavar="PATH",
                              help="the SQLite gradebook (default: gradebook.sqlite in the course folder)")
    batch_parser.add_argument("--student-pattern", default=DEFAULT_PATTERN, metavar="REGEX",
                              help="a regular expression with a group 'student', matched at the start of "
                                   "each submission's name (default: the name up to its first _ or .)")
    batch_parser.add_argument("--regrade", action="store_true",
                              help="grade every submission again; the gradebook keeps the earlier grades")
    batch_parser.add_argument("--retries", type=int, default=2,
                              help="retries of a failure on the grader's side (never of a student's own "
                                   "timeout or crash; default: 2)")
    batch_parser.add_argument("--executor", choices=batch.EXECUTORS, default="processes",
                              help="processes: --workers processes on this machine (the default); "
                                   "ray: one Ray task per submission on the cluster at --address")
    batch_parser.add_argument("--engine", choices=ENGINES,
                              help="where student code runs on each worker (default: local for processes, "
                                   "docker on a Ray cluster, whose nodes hold the sandbox's image)")
    batch_parser.add_argument("--address", metavar="ADDRESS",
                              help="the Ray cluster's address (host:port of its head), with --executor ray")
    similarity_parser = commands.add_parser(
        "similarity", help="rank pairs of a class's submissions by code similarity (MOSS-style)",
        description="Fingerprint each submission's code by winnowing, leave out what the template holds, "
                    "and rank the pairs by the fingerprints they share; the HTML report shows the matched "
                    "regions side by side. A high score is a reason to look, not a verdict.")
    similarity_parser.add_argument("submissions", type=Path, metavar="SUBMISSIONS",
                                   help="a folder of archives, notebooks or folders, one per student")
    similarity_parser.add_argument("--assignment", required=True, help="e.g. hw1 or hw1_autodiff")
    similarity_parser.add_argument("--out", type=Path, default=Path("similarity.html"),
                                   help="the HTML report (default: similarity.html)")
    similarity_parser.add_argument("--top", type=int, default=similarity.TOP, metavar="N",
                                   help=f"pairs printed and shown side by side (default: {similarity.TOP})")
    similarity_parser.add_argument("--student-pattern", default=DEFAULT_PATTERN, metavar="REGEX",
                                   help="as for batch: a regular expression with a group 'student'")
    for sub in (grade_parser, check_parser):
        sub.add_argument("--engine", choices=ENGINES, default="local",
                         help="where student code runs: a process on this machine (local, the default) or a "
                              "container of the sandbox image (docker; `make images` builds it)")
    args = parser.parse_args(argv)
    if args.command == "grade" and args.sandbox_python and args.engine != "local":
        grade_parser.error("--sandbox-python is for the local engine; the docker engine runs its image's "
                           "own Python")

    try:
        course = Course(args.course)
        if args.command == "grade":
            return grade_command(course, args.submissions, args.assignment, args.formats or [], args.out,
                                 args.public, args.engine, args.gpus, args.sandbox_python)
        if args.command == "check-course":
            return check_course_command(course, args.assignments, args.engine)
        if args.command == "batch":
            if (args.executor == "ray") != (args.address is not None):
                batch_parser.error("--executor ray and --address go together")
            engine = args.engine or ("docker" if args.executor == "ray" else "local")
            return batch_command(course, args.submissions, args.assignment, executor=args.executor,
                                 engine=engine, workers=args.workers, gpus=args.gpus, gradebook_path=args.gradebook,
                                 pattern=args.student_pattern, regrade=args.regrade, retries=args.retries,
                                 address=args.address)
        if args.command == "mutate":
            if not args.all and not args.assignments:
                mutate_parser.error("name an assignment (e.g. hw1) or pass --all")
            return mutate_command(course, None if args.all else args.assignments, args.sample, args.tasks,
                                  args.workers, args.out)
        if args.command == "gradescope":
            return gradescope_command(course, args.assignment, args.out, args.python)
        if args.command == "export":
            return export_command(course, args.assignment, args.to, args.out, args.gradebook, args.roster)
        if args.command == "similarity":
            return similarity_command(course, args.submissions, args.assignment, args.out, args.top,
                                      args.student_pattern)
        if not args.all and not args.assignments:
            release_parser.error("name an assignment (e.g. hw1) or pass --all")
        return release_command(course, None if args.all else args.assignments,
                               check=args.check, zip_out=args.out if args.zip else None)
    except (CourseError, MarkerError, EngineError) as error:
        print(f"autograder: {error}", file=sys.stderr)
        return 2
