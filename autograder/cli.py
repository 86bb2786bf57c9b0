"""``autograder``: the course's command line.

    autograder release hw1 [hw2 ...] | --all   [--check] [--zip] [--out DIR]
    autograder grade SUBMISSION [SUBMISSION ...] --assignment hw3 [--public]
                     [--engine local|docker] [--gpus] [--sandbox-python PATH]
                     [--format gradescope|markdown|html|instructor|json|junit ...] [--out DIR]
    autograder check-course [ASSIGNMENT ...] [--engine local|docker]
    autograder new hw<N>_<topic> --title TITLE
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
import sys
from collections.abc import Sequence
from pathlib import Path

from autograder import reports
from autograder.classroom import batch, exports, similarity
from autograder.classroom.discovery import DEFAULT_PATTERN
from autograder.commands import (
    batch_command,
    check_course_command,
    export_command,
    grade_command,
    gradescope_command,
    mutate_command,
    new_command,
    release_command,
    similarity_command,
)
from autograder.course.model import Course
from autograder.errors import KitError, PathError
from autograder.sandbox.engines import ENGINES

REPOSITORY = Path(__file__).resolve().parent.parent
DEFAULT_GRADESCOPE_PYTHON = "3.11"     # python3 of Debian bookworm, the base the tests stand in with


def main(argv: Sequence[str] | None = None) -> int:
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
    new_parser = commands.add_parser(
        "new", help="scaffold the folder of a new assignment",
        description="Write assignments/<NAME>/ for a new assignment whose number follows the course's: "
                    "assignment.toml, a handout skeleton, a public test, a probe and the hidden folder's "
                    "files, with one example task; print the next steps (docs/AUTHORING.md).")
    new_parser.add_argument("name", metavar="NAME",
                            help="hw<N>_<topic>, N the course's next number, e.g. hw5_attention")
    new_parser.add_argument("--title", required=True,
                            help="the assignment's title, as its handout's heading shows it")
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
        if not (args.course / "assignments").is_dir():
            raise PathError(f"{args.course}: not a course repository (it has no assignments/ folder); name "
                            f"one with --course")
        course = Course(args.course)
        if args.command == "grade":
            return grade_command(course, args.submissions, args.assignment, args.formats or [], args.out,
                                 args.public, args.engine, args.gpus, args.sandbox_python)
        if args.command == "new":
            return new_command(course, args.name, args.title)
        if args.command == "check-course":
            return check_course_command(course, args.assignments, args.engine)
        if args.command == "batch":
            if (args.executor == "ray") != (args.address is not None):
                batch_parser.error("--executor ray and --address go together")
            engine = args.engine or ("docker" if args.executor == "ray" else "local")
            return batch_command(course, args.submissions, args.assignment, executor=args.executor,
                                 engine=engine, workers=args.workers, gpus=args.gpus,
                                 gradebook_path=args.gradebook, pattern=args.student_pattern,
                                 regrade=args.regrade, retries=args.retries, address=args.address)
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
    except KitError as error:     # the user's to act on: its message, never a traceback
        print(f"autograder: {error}", file=sys.stderr)
        return 2
