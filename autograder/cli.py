"""``autograder``: the course's command line.

    autograder release hw1 [hw2 ...] | --all   [--check] [--zip] [--out DIR]
    autograder grade SUBMISSION --assignment hw3 [--format gradescope|junit|json|markdown|html ...]
                     [--out DIR]
"""
import argparse
import sys
from pathlib import Path

from autograder import release, reports
from autograder.reports import table
from autograder.course import Course, CourseError
from autograder.solutions import MarkerError

REPOSITORY = Path(__file__).resolve().parent.parent


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


def grade_command(course, submission, assignment_name, formats, out_dir):
    """Grade one submission, print its score table and write the chosen reports to ``out_dir``."""
    from autograder.grade import Grader     # the sandbox and its dependencies, only when grading

    assignment = course.assignment(assignment_name)
    result = Grader(course, assignment).grade(submission)
    print(table.render(result))
    for fmt, path in reports.write_all(result, out_dir, formats).items():
        print(f"{fmt}: {path}")
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
    grade_parser = commands.add_parser("grade", help="grade one submission")
    grade_parser.add_argument("submission", type=Path, help="a folder, a .zip, a .tar.gz or a notebook")
    grade_parser.add_argument("--assignment", required=True, help="e.g. hw3 or hw3_optimizers")
    grade_parser.add_argument("--format", dest="formats", action="append", choices=sorted(reports.FORMATS),
                              help="a report to write (repeatable); the score table is always printed")
    grade_parser.add_argument("--out", type=Path, default=Path("results"), help="folder for the reports")
    args = parser.parse_args(argv)

    try:
        course = Course(args.course)
        if args.command == "grade":
            return grade_command(course, args.submission, args.assignment, args.formats or [], args.out)
        if not args.all and not args.assignments:
            release_parser.error("name an assignment (e.g. hw1) or pass --all")
        return release_command(course, None if args.all else args.assignments,
                               check=args.check, zip_out=args.out if args.zip else None)
    except (CourseError, MarkerError) as error:
        print(f"autograder: {error}", file=sys.stderr)
        return 2
