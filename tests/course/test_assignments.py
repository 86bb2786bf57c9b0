"""Checks on the course itself, for every assignment in assignments/.

- its committed template equals a fresh generation from the reference;
- the reference solution passes every public test;
- the untouched template imports, and each task's public tests fail with that
  task's own NotImplementedError ("Task 1.3: ..."), not with an unrelated error;
- ``pytest -m task1_3`` selects exactly that task's tests;
- the handout archive holds no solution text and no hidden test.

The tests run in a separate interpreter, in the assignment's folder, as a student runs them.
The hidden tests are the probes, which grade: tests/grader/test_grade.py proves the same of them
(the reference earns every point; on the template each probe fails with its own task's message).
"""
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
import zipfile
from functools import cache
from pathlib import Path

import pytest

from autograder.course import release, solutions
from autograder.course.model import Course

pytestmark = pytest.mark.slow     # runs every assignment's public tests

COURSE = Course(Path(__file__).resolve().parents[2])
ASSIGNMENTS = COURSE.assignments
by_name = pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=lambda a: a.name)


def run_pytest(assignment, *args, against_reference=False):
    """pytest in the assignment's folder; its pytest.ini puts the template first on the path,
    unless ``against_reference`` points the path at reference/ instead."""
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args]
    if against_reference:
        command += ["-o", f"pythonpath={COURSE.root / 'reference'}"]
    return subprocess.run(command, cwd=assignment.folder, capture_output=True, text=True, timeout=900)


def template(assignment):
    """The assignment's freshly generated template, made once per test run (hw4's runs nbgrader)."""
    return _template(assignment.name)


@cache
def _template(name):
    return release.template(COURSE, COURSE.assignment(name))


def task_of(test_file, assignment):
    """The task a test file belongs to, from its name: tests/test_task1_3_<topic>.py; None for the
    tests of no task (hw4's end-to-end training)."""
    return next((task for task in assignment.tasks if Path(test_file).name.startswith(f"test_{task.id}_")),
                None)


@by_name
def test_template_is_in_sync_with_the_reference(assignment):
    assert release.differences(COURSE, assignment, template(assignment)) == [], \
        "run `autograder release --all` and commit the result"


@by_name
def test_the_reference_passes_every_public_test(assignment):
    result = run_pytest(assignment, assignment.public_tests.name, against_reference=True)
    assert result.returncode == 0, result.stdout[-4000:]


@by_name
def test_the_untouched_template_imports_cleanly(assignment):
    result = subprocess.run([sys.executable, "-c", "import mytorch, mytorch.nn, mytorch.optim, mytorch.data; "
                             "print(mytorch.__file__)"], cwd=assignment.folder, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert Path(result.stdout.strip()).is_relative_to(assignment.folder)


@by_name
def test_each_tasks_public_tests_fail_with_that_tasks_message(assignment, tmp_path):
    report = tmp_path / "junit.xml"
    run_pytest(assignment, assignment.public_tests.name, f"--junitxml={report}")
    cases = ElementTree.parse(report).getroot().iter("testcase")
    seen = set()
    for case in cases:
        task = task_of(case.get("file") or case.get("classname").replace(".", "/") + ".py", assignment)
        failure = case.find("failure") if case.find("failure") is not None else case.find("error")
        assert failure is not None, f"{case.get('name')} passes on the untouched template"
        labels = [task.label] if task else [task.label for task in assignment.tasks]
        message = failure.get("message", "")
        assert any(f"NotImplementedError: {label}" in message for label in labels), \
            f"{case.get('classname')}::{case.get('name')} fails with {message!r}, " \
            f"not with a NotImplementedError of {' or '.join(labels)}"
        seen.add(task.id if task else None)
    assert seen - {None} == {task.id for task in assignment.tasks}, "every task needs public tests"


@by_name
def test_a_task_marker_selects_exactly_that_tasks_tests(assignment):
    def collected(*args):
        lines = run_pytest(assignment, "tests", "--collect-only", *args, against_reference=True).stdout.splitlines()
        return {line for line in lines if "::" in line}

    every_test = collected()
    for task in assignment.tasks:
        selected = collected("-m", task.id)
        expected = {t for t in every_test if task_of(t.split("::")[0], assignment) == task}
        assert selected == expected and selected, task.id


@by_name
def test_the_archive_holds_no_solution_and_no_hidden_test(assignment, tmp_path):
    path = release.archive(assignment, template(assignment), tmp_path)
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        shipped = {name: archive.read(name).decode() for name in names}
    assert not [n for n in names if "/hidden/" in n or n.endswith("assignment.toml")]
    everything = "\n".join(shipped.values())
    assert "BEGIN SOLUTION" not in everything
    hidden = [p.read_text() for folder in (assignment.hidden_tests, COURSE.shared_probes)
              for p in folder.rglob("*.py")]
    assert hidden and not any(text in everything for text in hidden)
    for source in COURSE.reference.rglob("*.py"):
        for region in solutions.regions(solutions.parse(source.read_text(), str(source))):
            if COURSE.tasks[region.task].assignment_number >= assignment.number:
                assert "".join(region.code) not in everything, f"{source}:{region.line} ({region.task}) leaked"
