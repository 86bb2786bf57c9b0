"""A new student, end to end: the handout zip as `autograder release --zip` writes it, unpacked in a
temporary folder; a fresh virtual environment with only what the handout's Setup section installs; the
public tests, which all fail on the untouched template; one task solved by a known-correct patch (a
correct alternative from the assignment's library, written where the template's TODO stands); its
public tests, which now pass on their own although the task it builds on is still a TODO; the hand-in
command; and the real grader, which gives the archive exactly that task's points, as it gives the whole
folder zipped with its ``.venv`` inside.

It installs what the handout names from PyPI (pip's cache serves it when it holds the wheels).
"""
import re
import subprocess
import sys
import zipfile

import pytest

from autograder.audit import variants
from autograder.course import handin, release

from submissions import COURSE

ASSIGNMENT = COURSE.assignment("hw1")
TASK = "task1_2"                        # the backward pass, which runs Task 1.1's topological order
PATCH = ASSIGNMENT.hidden_tests / "alternatives" / TASK / "pending_dict_with_get.toml"
SETUP = re.compile(r"^## Setup\n.*?```bash\n(?P<commands>.*?)```", re.S | re.M)


def setup_commands(handout):
    """The commands of the handout's Setup section, comments dropped: ["python3 -m venv .venv", ...]."""
    found = SETUP.search(handout)
    assert found, "the handout has no ```bash block under ## Setup"
    lines = (line.split("#")[0].strip() for line in found["commands"].splitlines())
    return [line for line in lines if line]


def fresh_environment(folder, commands):
    """The Python of a virtual environment in ``folder`` made as ``commands`` say: the venv command,
    then each `pip install`; `source …/activate` is what a shell does, and is left out."""
    assert commands[0] == "python3 -m venv .venv", commands
    subprocess.run([sys.executable, "-m", "venv", ".venv"], cwd=folder, check=True)
    python = folder / ".venv" / "bin" / "python"
    installs = [command.split()[2:] for command in commands[1:] if command.startswith("pip install ")]
    assert installs, f"the handout's Setup installs nothing: {commands}"
    for packages in installs:
        done = subprocess.run([python, "-m", "pip", "install", "-q", *packages], cwd=folder,
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, f"pip install {' '.join(packages)}:\n{done.stdout}{done.stderr}"
    return python


def run(python, *arguments, folder):
    """``python arguments…`` in ``folder``: (exit status, what it printed)."""
    done = subprocess.run([python, *arguments], cwd=folder, capture_output=True, text=True, timeout=600)
    return done.returncode, done.stdout + done.stderr


def apply(alternative, folder):
    """Write each region of ``alternative`` where the template's stub of its task stands: the lines
    from ``# TODO Task N.k`` to ``raise NotImplementedError('Task N.k: …')``, once in its file."""
    label = COURSE.tasks[alternative.task].number
    stub = re.compile(rf"^(?P<indent>[ \t]*)# TODO Task {re.escape(label)} .*?"
                      rf"^(?P=indent)raise NotImplementedError\('Task {re.escape(label)}: [^\n]*\n",
                      re.S | re.M)
    for site, code in alternative.replacements.items():
        path = folder / site.file
        text = path.read_text()
        found = list(stub.finditer(text))
        assert len(found) == 1, f"{site.file}: {len(found)} stubs of Task {label}"
        indented = "".join(f"{found[0]['indent']}{line}\n" if line.strip() else "\n"
                           for line in code.strip("\n").splitlines())
        path.write_text(text[:found[0].start()] + indented + text[found[0].end():])


def zipped(folder, path):
    """``folder`` zipped whole into ``path``, as a student zips it by hand, inside its own name."""
    with zipfile.ZipFile(path, "w") as archive:
        for file in sorted(folder.rglob("*")):
            if file.is_file() and not file.is_symlink():
                archive.write(file, file.relative_to(folder.parent))
    return path


@pytest.mark.slow
def test_a_new_student_follows_the_handout_solves_a_task_and_hands_it_in(graders, tmp_path):
    handout = release.archive(ASSIGNMENT, release.template(COURSE, ASSIGNMENT), tmp_path / "released")
    with zipfile.ZipFile(handout) as archive:
        archive.extractall(tmp_path / "student")
    folder = tmp_path / "student" / ASSIGNMENT.name
    python = fresh_environment(folder, setup_commands((folder / release.HANDOUT).read_text()))

    status, output = run(python, "-m", "pytest", folder=folder)
    assert status == 1 and "score estimate from the public tests" in output, output
    assert re.search(r"Total\s.*\b0 / 100\b", output), output

    alternative = variants.alternative(PATCH)
    apply(alternative, folder)
    status, output = run(python, "-m", "pytest", "-m", TASK, folder=folder)
    assert status == 0, output

    status, output = run(python, "collect_submission.py", folder=folder)
    archive = folder / handin.submission_archive(ASSIGNMENT)
    assert status == 0 and archive.is_file(), output

    points = COURSE.tasks[TASK].points
    for handed_in in (archive, zipped(folder, tmp_path / "whole_folder.zip")):
        result = graders("hw1").grade(handed_in)
        assert result.score == points, (handed_in.name, result.by_task())
        assert result.by_task()[TASK] == (points, points)
