"""The hand-in command, ``python collect_submission.py``, run as a student runs it: in the folder of
a released handout, beside a ``.venv/`` and the weights that training saved. The zip it writes holds
exactly the files to hand in, and the real grader gives it the score of the files inside; a missing
file, a syntax error, a binary, an import error, a file over the limits or a broken notebook stops it
with a message that says what to fix, and leaves no zip behind.
"""
import dataclasses
import shutil
import subprocess
import sys
import tomllib
import zipfile

import pytest

from autograder.course import handin, release
from autograder.grading.submission import WEIGHT_SUFFIXES, IntakeLimits

from submissions import COURSE

pytestmark = pytest.mark.slow     # grades the hand-in command's archives

HW1, HW4 = COURSE.assignment("hw1"), COURSE.assignment("hw4")


@pytest.fixture(scope="module")
def handouts(tmp_path_factory):
    """handouts(name): the assignment's handout zip, as `autograder release --zip` writes it, made
    on first use."""
    folder, made = tmp_path_factory.mktemp("handouts"), {}

    def handout(name):
        if name not in made:
            assignment = COURSE.assignment(name)
            made[name] = release.archive(assignment, release.template(COURSE, assignment), folder)
        return made[name]
    return handout


def unpacked(handouts, assignment, folder):
    """The student's folder: the assignment's handout unzipped into ``folder``, with a virtual
    environment and the weights of a training run lying beside the code."""
    with zipfile.ZipFile(handouts(assignment.name)) as archive:
        archive.extractall(folder)
    student = folder / assignment.name
    (student / ".venv" / "lib").mkdir(parents=True)
    (student / ".venv" / "lib" / "numpy.so").write_bytes(bytes(range(256)) * 64)
    (student / "runs").mkdir()
    (student / "runs" / "mlp.npz").write_bytes(b"PK\x03\x04 weights")
    return student


def collect(folder):
    """``python collect_submission.py`` in ``folder``; (exit status, what it printed)."""
    result = subprocess.run([sys.executable, "collect_submission.py"], cwd=folder, capture_output=True,
                            text=True, timeout=300)
    return result.returncode, result.stdout + result.stderr


def names_in(path):
    with zipfile.ZipFile(path) as archive:
        return sorted(archive.namelist())


def with_reference_files(folder, assignment):
    """``folder`` with the reference's version of every file the assignment hands in."""
    for relative in assignment.submission:
        shutil.copy(COURSE.reference.parent / relative, folder / relative)
    return folder


def test_the_zip_holds_exactly_the_hand_in_files_and_nothing_beside_them(handouts, tmp_path):
    student = unpacked(handouts, HW1, tmp_path)
    status, output = collect(student)
    archive = student / handin.submission_archive(HW1)
    assert status == 0, output
    assert names_in(archive) == sorted(HW1.submission)
    assert f"Wrote {archive}" in output and all(path in output for path in HW1.submission)


@pytest.mark.parametrize("name", ["hw1", "hw3"])
def test_the_grader_scores_the_zip_as_the_files_in_it(graders, handouts, tmp_path, name):
    assignment = COURSE.assignment(name)
    student = unpacked(handouts, assignment, tmp_path)
    archive = student / handin.submission_archive(assignment)
    assert collect(student)[0] == 0
    assert graders(name).grade(archive).score == 0
    assert collect(with_reference_files(student, assignment))[0] == 0
    result = graders(name).grade(archive)
    assert result.score == pytest.approx(assignment.total_points + result.bonus_points)


def break_syntax(folder):
    path = folder / "mytorch/ops/linalg.py"
    text = path.read_text() + "def broken(:\n"
    path.write_text(text)
    return f"mytorch/ops/linalg.py:{text.count(chr(10))}: "


def remove_a_file(folder):
    (folder / "mytorch/ops/shape.py").unlink()
    return "mytorch/ops/shape.py is missing"


def save_a_binary(folder):
    (folder / "mytorch/autodiff/gradcheck.py").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    return "mytorch/autodiff/gradcheck.py is not UTF-8 text (a NUL byte at offset 8)"


def import_what_is_not_there(folder):
    path = folder / "mytorch/ops/elementwise.py"
    path.write_text(path.read_text() + "\nimport torch_is_not_installed_here\n")
    return "ModuleNotFoundError: No module named 'torch_is_not_installed_here'"


@pytest.mark.parametrize("mistake", [break_syntax, remove_a_file, save_a_binary, import_what_is_not_there])
def test_a_mistake_is_reported_and_no_zip_is_left(handouts, tmp_path, mistake):
    student = unpacked(handouts, HW1, tmp_path)
    archive = student / handin.submission_archive(HW1)
    assert collect(student)[0] == 0 and archive.is_file()
    message = mistake(student)
    status, output = collect(student)
    assert status == 1 and message in output, output
    assert "No zip was written" in output and f"Removed the old {archive.name}" in output
    assert not archive.exists(), "a zip that no longer matches the files must not stay behind"


def hw4_folder(folder, assignment=HW4, limits=IntakeLimits()):
    """A student's hw4 folder: the reference's package, the template's notebook, and the hand-in
    script with its settings for ``assignment`` and ``limits`` (built without a release, which would
    run nbgrader)."""
    shutil.copytree(COURSE.reference, folder / "mytorch", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(HW4.folder / HW4.notebook, folder)
    shutil.copy(COURSE.handin_script, folder)
    (folder / handin.SUBMISSION_SETTINGS).write_text(handin.submission_settings(assignment, limits))
    return folder


def test_the_notebook_and_the_editable_layers_are_handed_in_too(tmp_path):
    student = hw4_folder(tmp_path)
    (student / "mytorch/nn/modules/my_layer.py").write_text("MINE = 1\n")
    (student / "mytorch/nn/modules/runs").mkdir()
    (student / "mytorch/nn/modules/runs/old.py").write_text("# a pattern matches whole paths\n")
    status, output = collect(student)
    assert status == 0, output
    layers = sorted(p.relative_to(student).as_posix() for p in (student / "mytorch/nn/modules").glob("*.py"))
    assert "mytorch/nn/modules/my_layer.py" in layers
    assert names_in(student / handin.submission_archive(HW4)) == sorted([*HW4.submission, *layers])


def test_a_notebook_that_is_not_json_is_reported(tmp_path):
    student = hw4_folder(tmp_path)
    (student / HW4.notebook).write_text('{"cells": [')
    status, output = collect(student)
    assert status == 1 and f"{HW4.notebook} is not valid JSON" in output, output


def test_the_zip_never_packs_itself(tmp_path):
    student = hw4_folder(tmp_path, dataclasses.replace(HW4, editable=("*",)))
    assert collect(student)[0] == 0
    status, output = collect(student)
    archive = handin.submission_archive(HW4)
    assert status == 0, output
    assert archive not in names_in(student / archive) and "submission.toml" in names_in(student / archive)


def test_a_weight_file_that_an_editable_pattern_matches_is_refused(tmp_path):
    student = hw4_folder(tmp_path, dataclasses.replace(HW4, editable=("mytorch/nn/modules/*",)))
    (student / "mytorch/nn/modules/weights.npz").write_bytes(b"PK\x03\x04")
    status, output = collect(student)
    assert status == 1 and "the grader refuses .npz files" in output, output


def test_files_over_the_graders_limits_are_reported(tmp_path):
    student = hw4_folder(tmp_path, limits=IntakeLimits(file_bytes=60_000, total_bytes=60_000))
    (student / "mytorch/models.py").write_text("#" * 60_001)
    status, output = collect(student)
    assert status == 1, output
    assert "mytorch/models.py is 60,001 bytes, more than the 60,000 bytes the grader accepts for one file" \
        in output
    assert "together, more than the 60,000 bytes the grader accepts" in output


@pytest.mark.parametrize("assignment", COURSE.assignments, ids=lambda a: a.name)
def test_the_settings_are_the_assignments_and_the_graders(assignment):
    settings = tomllib.loads(handin.submission_settings(assignment))
    limits = IntakeLimits()
    assert settings["files"] == list(assignment.submission)
    assert settings["editable"] == list(assignment.editable)
    assert (settings["file_bytes"], settings["total_bytes"]) == (limits.file_bytes, limits.total_bytes)
    assert set(settings["refused_suffixes"]) == WEIGHT_SUFFIXES
    assert settings["archive"] == f"{assignment.name}_submission.zip"
