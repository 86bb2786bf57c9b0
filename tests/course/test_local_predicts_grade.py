"""The public tests predict the grade, task by task: on every hand-in below, each task's local result
(its public tests, run through the grader's sandbox: ``Grader(public=True)``) is full, zero or
partial exactly when its grade (the hidden probes) is.

Both sides grade each task on its own code: where a task's code runs another task's, that code
answers what the reference's answered (assignments/common/recorded.py). The hand-ins are those on
which a test that leaned on another task's code would disagree with the grade: the demo hand-in
(examples/hw1_partial), the reference, the untouched template, and, for every task T, the reference
with only T solved and with every task but T solved, the other tasks' regions raising
NotImplementedError as in the template.

The recorded answers themselves: a test replays them whether the other task is done or not, and a
call the reference never made fails with a message that says so; a recording that another machine's
rounding moves keeps the file on disk (``autograder release --check`` stays quiet), any other change
replaces it.
"""
import concurrent.futures
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from autograder.audit import variants
from autograder.course import recording
from autograder.grading.grader import Grader

from submissions import COURSE, reference_copy, template_copy

pytestmark = pytest.mark.slow     # grades partly done hand-ins both ways

ASSIGNMENTS = ["hw1", "hw2", "hw3", "hw4"]
DEMO = {"hw1": COURSE.root / "examples" / "hw1_partial"}


def partly_done(assignment, solved, folder):
    """The reference's package in ``folder``, with every region of ``assignment``'s tasks that are not
    in ``solved`` raising NotImplementedError with the task's label, as the template's do."""
    unsolved = {task.id for task in assignment.tasks} - set(solved)
    stubs = {site: f"raise NotImplementedError({COURSE.tasks[site.task].label!r})"
             for site in variants.regions(COURSE) if site.task in unsolved}
    return variants.write(COURSE, folder, stubs)


def hand_ins(name, folder):
    """{label: the folder of a hand-in} of the assignment ``name`` (see the module's docstring)."""
    assignment = COURSE.assignment(name)
    folders = {"the reference": reference_copy(assignment, folder / "reference"),
               "the template": template_copy(assignment, folder / "template")}
    if name in DEMO:
        folders["the demo hand-in"] = DEMO[name]
    tasks = [task.id for task in assignment.tasks]
    for task in tasks:
        folders[f"only {task} solved"] = partly_done(assignment, {task}, folder / f"only_{task}")
        folders[f"all but {task} solved"] = partly_done(assignment, set(tasks) - {task}, folder / f"but_{task}")
    return folders


def kind(score, points):
    """"full", "zero" or "partial": how much of a task's ``points`` its ``score`` is."""
    return "full" if score == pytest.approx(points) else "zero" if score == 0 else "partial"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_each_tasks_local_result_is_full_zero_or_partial_as_its_grade_is(graders, name, tmp_path):
    hidden = graders(name)
    public = Grader(COURSE, hidden.assignment, public=True, redactor=hidden.redactor)
    folders = hand_ins(name, tmp_path)

    def kinds(grader, folder):
        return {task: kind(*scores) for task, scores in grader.grade(folder).by_task().items()}

    with concurrent.futures.ThreadPoolExecutor(os.cpu_count()) as pool:   # grade() may run on threads
        futures = {(label, side): pool.submit(kinds, grader, folder) for label, folder in folders.items()
                   for side, grader in (("graded", hidden), ("local", public))}
        results = {key: future.result() for key, future in futures.items()}
    disagreements = [f"{label}: {task} is {graded} graded but {results[label, 'local'][task]} locally"
                     for label in folders for task, graded in results[label, "graded"].items()
                     if results[label, "local"][task] != graded]
    assert not disagreements, "\n".join(disagreements)


# ----- the public tests' recorded answers ----------------------------------------------------------------
OTHER_TASK = "def double(x):\n    return 2 * x\n"
USES_IT = '''import other
from recorded import StandIn

STAND_INS = (StandIn(other, "double", "double (Task 0.1)", key=lambda x: f"x = {x!r}"),)


def test_calls_it_as_the_reference_did():
    assert other.double(3) == 6
'''


def run_tests(folder, *options):
    """pytest in ``folder``, whose tests/ load the stand-in plugin; the completed process."""
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests", *options],
                          cwd=folder, capture_output=True, text=True, timeout=300)


def test_a_test_replays_the_other_tasks_recorded_answers_and_names_a_call_never_recorded(tmp_path):
    tests = tmp_path / "tests"
    tests.mkdir()
    for name in ("recorded.py", "stand_in_plugin.py"):
        shutil.copy(COURSE.shared_tests / name, tests / name)
    (tests / "conftest.py").write_text('pytest_plugins = ["stand_in_plugin"]\n')
    (tests / "other.py").write_text(OTHER_TASK)
    (tests / "test_uses_it.py").write_text(USES_IT)
    (tmp_path / "pytest.ini").write_text("[pytest]\npythonpath = .\n")
    recordings = tests / recording.RECORDINGS
    recordings.mkdir()
    assert run_tests(tmp_path, "--record-stand-ins", str(recordings)).returncode == 0
    (tests / "other.py").write_text("def double(x):\n    raise NotImplementedError('Task 0.1')\n")
    assert run_tests(tmp_path).returncode == 0, "the recorded answer stands in for the unfinished task"
    (tests / "test_uses_it.py").write_text(USES_IT + "\n\ndef test_calls_it_otherwise():\n"
                                                      "    assert other.double(4) == 8\n")
    run = run_tests(tmp_path)
    assert "1 failed, 1 passed" in run.stdout, run.stdout
    assert "NotRecorded: double (Task 0.1) is another task's code" in run.stdout
    assert "asked for x = 4" in run.stdout and "differently from the handout's description" in run.stdout


def recorded_file(value, dtype="float64"):
    """The text of a recorded file that holds one array of ``dtype``, ``value``."""
    return json.dumps({"test": {"stand_in_a": 1, "stand_in_a_0": {"dtype": dtype, "shape": [2],
                                                                  "values": value}}})


def test_a_recording_that_moves_by_rounding_keeps_the_file_on_disk_and_one_that_changes_replaces_it():
    old = [0.1, 3.0]
    rounded = [float(np.nextafter(0.1, 1.0)), 3.0]            # another machine's last bit
    assert recording.agree(json.loads(recorded_file(old)), json.loads(recorded_file(rounded)))
    assert not recording.agree(json.loads(recorded_file(old)), json.loads(recorded_file([0.1, 3.000001])))
    renamed = json.loads(recorded_file(old).replace('"test"', '"test_renamed"'))
    assert not recording.agree(json.loads(recorded_file(old)), renamed)


def test_a_float32_recording_may_move_by_a_few_of_its_own_roundings():
    moved = float(np.float32(3.0) + 4 * np.spacing(np.float32(3.0)))    # a float32 sum in another order
    old, rounded, changed = (json.loads(recorded_file(value, "float32"))
                             for value in ([0.1, 3.0], [0.1, moved], [0.1, 3.0001]))
    assert recording.agree(old, rounded) and not recording.agree(old, changed)
    old, rounded = (json.loads(recorded_file(value)) for value in ([0.1, 3.0], [0.1, moved]))
    assert not recording.agree(old, rounded), "float64 keeps its own, tighter bound"
