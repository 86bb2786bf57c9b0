"""The kit's errors, as the command line shows them: every problem the user can act on is a KitError,
printed as one ``autograder: <message>`` line with exit status 2 and no traceback; what the chosen
options need (an optional module, an output folder) is checked before anything is graded; and one
hand-in that fails costs only its own result.
"""
import fcntl
import os
import re
import sys
import time
import tomllib

import pytest

from autograder import cli, errors, reports
from autograder.classroom.discovery import DiscoveryError
from autograder.classroom.exports import ExportError
from autograder.course.model import CourseError
from autograder.course.solutions import MarkerError
from autograder.errors import KitError, MissingDependency, PathError
from autograder.grading.archives import SubmissionError
from autograder.sandbox import uids
from autograder.sandbox.box import EngineError, Failure
from autograder.sandbox.images import ImageError

from submissions import COURSE, reference_copy

HW1_PARTIAL = COURSE.root / "examples" / "hw1_partial"


def test_every_error_the_user_can_act_on_is_a_kit_error_and_the_sandboxs_own_failure_is_not():
    for error in (CourseError, ExportError, MarkerError, DiscoveryError, SubmissionError, EngineError,
                  ImageError, MissingDependency, PathError):
        assert issubclass(error, KitError), error
    for error in (CourseError, MarkerError, DiscoveryError, SubmissionError):   # caught as ValueError too
        assert issubclass(error, ValueError), error
    assert not issubclass(Failure, KitError)


def test_each_optional_module_names_the_extra_of_pyproject_that_installs_it():
    extras = tomllib.loads((COURSE.root / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    for module, extra in errors.EXTRAS.items():
        names = [re.match(r"[A-Za-z0-9_.-]+", requirement)[0].lower() for requirement in extras[extra]]
        assert module in names, f"[project.optional-dependencies] {extra} does not install {module}"


def run(argv, capsys):
    """(exit status, stdout, stderr) of ``autograder <argv>``."""
    status = cli.main([str(arg) for arg in argv])
    out, err = capsys.readouterr()
    return status, out, err


def assert_one_line(status, err, message):
    """The command failed with 2 and one stderr line: autograder: <a message matching ``message``>."""
    assert status == 2, err
    assert re.fullmatch(rf"autograder: .*{message}.*\n", err), err


def test_a_course_that_cannot_be_read_is_named_without_a_traceback(tmp_path, capsys):
    status, _, err = run(["--course", tmp_path, "grade", tmp_path, "--assignment", "hw1"], capsys)
    assert_one_line(status, err, "not a course repository .*--course")
    folder = tmp_path / "assignments" / "hw1_autodiff"
    folder.mkdir(parents=True)
    (folder / "assignment.toml").write_text("[assignment\n")
    status, _, err = run(["--course", tmp_path, "grade", tmp_path, "--assignment", "hw1"], capsys)
    assert_one_line(status, err, re.escape(f"{folder / 'assignment.toml'}: "))


@pytest.mark.parametrize("argv, message", [
    (["grade", "{tmp}", "--assignment", "hw9"], "no assignment called 'hw9'; the course has: hw1_autodiff"),
    (["grade", "{tmp}/alice", "{tmp}/bob", "--assignment", "hw1"],
     "no such submission: {tmp}/alice, {tmp}/bob; name folders"),
    (["batch", "{tmp}/class", "--assignment", "hw1"], "{tmp}/class: no such folder; name the folder"),
    (["batch", "{tmp}", "--assignment", "hw1", "--student-pattern", "(?P<student>"],
     "is not a regular expression .*: fix --student-pattern"),
    (["similarity", "{tmp}", "--assignment", "hw1"], "{tmp}: no submissions"),
    (["export", "--assignment", "hw1", "--to", "csv", "--gradebook", "{tmp}/none.sqlite"],
     "{tmp}/none.sqlite: no gradebook there"),
])
def test_what_the_user_names_wrongly_is_one_line_that_says_what_to_do(tmp_path, capsys, argv, message):
    status, _, err = run([arg.format(tmp=tmp_path) for arg in argv], capsys)
    assert_one_line(status, err, message.format(tmp=re.escape(str(tmp_path))))


@pytest.mark.parametrize("module, argv, extra", [
    ("matplotlib", ["grade", "{tmp}", "--assignment", "hw4", "--format", "html", "--out", "{tmp}/out"],
     "plot"),
    ("ray", ["batch", "{tmp}", "--assignment", "hw1", "--executor", "ray", "--address", "localhost:6379"],
     "cluster"),
    ("nbgrader", ["release", "hw4", "--check"], "notebooks"),
])
def test_a_missing_optional_module_stops_the_command_before_any_work_with_the_pip_command(
        tmp_path, capsys, monkeypatch, module, argv, extra):
    monkeypatch.setitem(sys.modules, module, None)     # as where it is not installed: its import fails
    start = time.perf_counter()
    status, out, err = run([arg.format(tmp=tmp_path) for arg in argv], capsys)
    assert time.perf_counter() - start < 15, "the check comes before any sandbox or nbgrader runs"
    assert_one_line(status, err, rf"{module} is needed for .*, but it is not installed: install it with "
                                 rf"`pip install -e '\.\[{extra}\]'` in the course repository")
    assert out == "" and not (tmp_path / "out").exists()


def test_a_json_report_alone_draws_no_plot_and_so_needs_no_matplotlib(tmp_path, capsys, monkeypatch):
    """With matplotlib missing, hw4 with --format json passes the dependency check and stops at the next
    one, an --out that cannot be made (a file is in its way), still before grading."""
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    blocked = tmp_path / "out"
    blocked.write_text("a file where the reports' folder would go\n")
    status, _, err = run(["grade", tmp_path, "--assignment", "hw4", "--format", "json", "--out", blocked],
                         capsys)
    assert_one_line(status, err, re.escape(f"{blocked}: cannot make this folder for --out"))
    assert "json" not in reports.WITH_PLOTS


@pytest.mark.skipif(os.geteuid() != 0, reason="sandbox uids are leased only when the grader runs as root")
def test_running_out_of_sandbox_uids_says_so_without_a_traceback(tmp_path, capsys, monkeypatch):
    """Every uid of SANDBOX_UIDS held by another session (here, by this test's locks in a lock folder of
    its own, which no other grader on the machine uses): the reference's run cannot start a sandbox."""
    locks = tmp_path / "locks"
    locks.mkdir(mode=0o700)
    monkeypatch.setattr(uids, "UID_LOCKS", locks)
    held = [os.open(locks / f"{uid}.lock", os.O_RDWR | os.O_CREAT, 0o600) for uid in uids.SANDBOX_UIDS]
    try:
        for fd in held:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        status, _, err = run(["grade", HW1_PARTIAL, "--assignment", "hw1", "--out", tmp_path / "out"], capsys)
    finally:
        for fd in held:
            os.close(fd)
    assert_one_line(status, err, r"all 64 sandbox uids \(2000000000\.\.2000000063\) are in use, by other "
                                 r"grading sessions .*: wait for some to end")


def test_a_hand_in_whose_reports_cannot_be_written_costs_only_its_own(tmp_path, capsys):
    """alice's reports folder is blocked by a file: she is graded, her failure is one line naming her,
    and hw1_partial, after her, still gets its reports; the class table shows both, the status is 1."""
    hw1 = COURSE.assignment("hw1")
    alice = reference_copy(hw1, tmp_path / "alice")
    out = tmp_path / "out"
    out.mkdir()
    (out / "alice").write_text("in the way of alice's reports\n")
    status, printed, err = run(["grade", alice, HW1_PARTIAL, "--assignment", "hw1", "--format", "markdown",
                                "--format", "json", "--out", out], capsys)
    assert status == 1
    failure, summary = err.splitlines()
    assert failure.startswith(f"autograder: {alice}: writing its reports failed: FileExistsError: ")
    assert summary == f"autograder: 1 of 2 submissions failed: {alice}"
    assert (out / "hw1_partial" / "feedback.md").is_file() and (out / "hw1_partial" / "result.json").is_file()
    alice_row, partial_row = (row.split() for row in printed.strip().splitlines()[-2:])
    assert (alice_row[0], alice_row[-1]) == ("alice", f"{hw1.total_points:g}")
    assert partial_row[0] == "hw1_partial" and 0 < float(partial_row[-1]) < hw1.total_points
