"""What assignment.toml declares: tasks, bonus points, accuracy curves, the files students
may change, and the errors a malformed file gets; and what assignments/course.toml sets for the
whole course."""
import inspect
import math
import re

import pytest

from autograder.course.model import KEYS, AccuracyCurve, Assignment, Course, CourseError
from autograder.grading import grader

MINIMAL = '''
[assignment]
name = "hw4_data"
number = 4
title = "Data"

[submission]
files = ["mytorch/models.py", "experiments.ipynb"]
editable = ["mytorch/nn/modules/*.py"]

[notebook]
file = "experiments.ipynb"

[held_out]
module = "hidden/held_out.py"

[limits]
seconds_per_test = 30
memory_mb = 1024

[tolerances]
reference_rtol = 1e-6
gradcheck = 1e-5

[[tasks]]
id = "task4_1"
title = "a model"
points = 30
[tasks.accuracy]
model = "mlp"
epochs = 10
curve = [[0.75, 0.5], [0.85, 1.0]]

[[tasks]]
id = "task4_2"
title = "bonus: an attack"
points = 10
bonus = true
[tasks.attack]
epsilon = 0.1
'''


def load(tmp_path, text):
    folder = tmp_path / "hw4_data"
    folder.mkdir(exist_ok=True)
    (folder / "assignment.toml").write_text(text)
    return Assignment.load(folder)


def test_tasks_bonus_points_and_grading_settings(tmp_path):
    assignment = load(tmp_path, MINIMAL)
    model, attack = assignment.tasks
    assert assignment.total_points == 30, "bonus points come on top of the total"
    assert not model.bonus and attack.bonus
    assert model.accuracy["model"] == "mlp" and model.accuracy["epochs"] == 10
    assert model.accuracy["curve"] == AccuracyCurve(((0.75, 0.5), (0.85, 1.0)))
    assert attack.attack == {"epsilon": 0.1} and attack.accuracy is None
    assert assignment.notebook == "experiments.ipynb"
    assert assignment.limits == {"seconds_per_test": 30, "memory_mb": 1024}
    assert assignment.tolerances == {"reference_rtol": 1e-6, "gradcheck": 1e-5}
    assert assignment.public_tests == tmp_path / "hw4_data" / "tests"
    assert assignment.hidden_tests == tmp_path / "hw4_data" / "hidden"


def test_students_may_change_their_submission_and_the_editable_patterns_only(tmp_path):
    assignment = load(tmp_path, MINIMAL)
    assert assignment.may_change("mytorch/models.py")
    assert assignment.may_change("mytorch/nn/modules/linear.py")
    assert not assignment.may_change("mytorch/nn/functional.py")
    assert not assignment.may_change("tests/test_task4_1_model.py")
    assert not assignment.may_change("old/mytorch/nn/modules/linear.py"), "patterns match whole paths"


@pytest.mark.parametrize("accuracy, credit", [
    (0.0, 0.0), (0.7499, 0.0), (0.75, 0.5), (0.80, 0.75), (0.85, 1.0), (0.99, 1.0), (math.nan, 0.0),
])
def test_the_accuracy_curve_is_linear_between_its_points(accuracy, credit):
    curve = AccuracyCurve(((0.75, 0.5), (0.85, 1.0)))
    assert curve.credit(accuracy) == pytest.approx(credit)


def test_an_accuracy_curve_with_several_pieces():
    curve = AccuracyCurve(((0.5, 0.0), (0.6, 0.2), (0.9, 0.8)))
    assert curve.credit(0.55) == pytest.approx(0.1)
    assert curve.credit(0.75) == pytest.approx(0.5)
    assert curve.credit(0.95) == pytest.approx(0.8)


@pytest.mark.parametrize("bad, message", [
    ("curve = [[0.85, 1.0], [0.75, 0.5]]", "accuracies must increase"),
    ("curve = [[0.75, 1.0], [0.85, 0.5]]", "credits must not decrease"),
    ("curve = [[0.75, 1.5]]", "pairs in [0, 1]"),
    ("curve = []", "pairs in [0, 1]"),
])
def test_a_malformed_accuracy_curve_is_a_course_error(tmp_path, bad, message):
    text = MINIMAL.replace("curve = [[0.75, 0.5], [0.85, 1.0]]", bad)
    with pytest.raises(CourseError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load(tmp_path, text)


def test_the_notebook_must_be_handed_in(tmp_path):
    text = MINIMAL.replace('files = ["mytorch/models.py", "experiments.ipynb"]',
                           'files = ["mytorch/models.py"]')
    with pytest.raises(CourseError, match="notebook 'experiments.ipynb' must be one of the"):
        load(tmp_path, text)


def test_a_tasks_thresholds_bound_its_threshold_probes_values(tmp_path):
    thresholds = "thresholds = {final_loss = {at_most = 0.1}, accuracy = {at_least = 0.9, at_most = 1}}"
    text = MINIMAL.replace('title = "a model"', f'title = "a model"\n{thresholds}')
    model, attack = load(tmp_path, text).tasks
    assert model.thresholds == {"final_loss": {"at_most": 0.1}, "accuracy": {"at_least": 0.9, "at_most": 1}}
    assert attack.thresholds == {}


@pytest.mark.parametrize("bound", ["{below = 0.1}", "{}", '{at_most = "0.1"}', "{at_least = true}", "0.1"])
def test_a_malformed_threshold_is_a_course_error(tmp_path, bound):
    text = MINIMAL.replace('title = "a model"', f'title = "a model"\nthresholds = {{final_loss = {bound}}}')
    with pytest.raises(CourseError, match="threshold of 'final_loss' in task task4_1 must be a table"):
        load(tmp_path, text)


@pytest.mark.parametrize("old, new, key, table", [
    ("gradcheck = 1e-5", "toy_accuracy = 0.95", "'toy_accuracy' in [tolerances]", "tolerances"),
    ("gradcheck = 1e-5", "reference_tol = 1e-7", "'reference_tol' in [tolerances]", "tolerances"),
    ("memory_mb = 1024", "memory = 1024", "'memory' in [limits]", "limits"),
    ("[tolerances]", "[tolerance]", "'tolerance' at the top level", ""),
    ("bonus = true", "bonsu = true", "'bonsu' in a [[tasks]] entry", "tasks"),
    ("epochs = 10", "epoch = 10", "'epoch' in [tasks.accuracy]", "tasks.accuracy"),
    ('file = "experiments.ipynb"', 'notebook = "experiments.ipynb"', "'notebook' in [notebook]", "notebook"),
])
def test_a_key_that_nothing_reads_is_refused_with_the_keys_that_are_read(tmp_path, old, new, key, table):
    with pytest.raises(CourseError) as error:
        load(tmp_path, MINIMAL.replace(old, new))
    message = str(error.value)
    assert message.startswith(f"{tmp_path / 'hw4_data' / 'assignment.toml'}: unknown key {key}")
    assert f"(the keys there: {', '.join(KEYS[table])})" in message


def test_the_known_tolerances_are_those_the_grader_reads():
    read = set(re.findall(r"tolerances(?:\.get\(|\[)\"(\w+)\"", inspect.getsource(grader)))
    assert read == set(KEYS["tolerances"]), "the grader reads a [tolerances] key that the loader refuses, " \
                                            "or the loader knows one that nothing reads"


@pytest.mark.parametrize("old, new, message", [
    ("gradcheck = 1e-5", 'gradcheck = "1e-5"',
     "gradcheck in [tolerances] must be a positive number, got '1e-5'"),
    ("gradcheck = 1e-5", "gradcheck = 0", "gradcheck in [tolerances] must be a positive number, got 0"),
    ("memory_mb = 1024", "memory_mb = true", "memory_mb in [limits] must be a positive number, got True"),
    ("\n[assignment]", "mutation = 0.97\n[assignment]", "[mutation] must be a table of keys, got 0.97"),
])
def test_a_tolerance_or_a_limit_must_be_a_positive_number_and_a_table_a_table(tmp_path, old, new, message):
    assert old in MINIMAL
    with pytest.raises(CourseError, match=re.escape(message)):
        load(tmp_path, MINIMAL.replace(old, new))


def course_with_settings(tmp_path, text):
    (tmp_path / "assignments").mkdir()
    if text is not None:
        (tmp_path / "assignments" / "course.toml").write_text(text)
    return Course(tmp_path)


def test_the_collaboration_policy_is_set_once_for_the_course(tmp_path):
    course = course_with_settings(tmp_path, '[policy]\ncollaboration = """\nWork alone.\n"""\n')
    assert course.collaboration_policy == "Work alone."


@pytest.mark.parametrize("text, message", [
    (None, "course.toml: no such file"),
    ("[policy\n", "course.toml: Expected ']'"),
    ('[policy]\ncollaboration = "  "\n', "course.toml: set [policy] collaboration"),
    ('policy = "Work alone."\n', "course.toml: set [policy] collaboration"),
])
def test_a_missing_or_malformed_policy_is_a_course_error(tmp_path, text, message):
    with pytest.raises(CourseError, match=re.escape(message)):
        course_with_settings(tmp_path, text).collaboration_policy


def test_a_suspicious_accuracy_must_be_an_accuracy(tmp_path):
    text = MINIMAL.replace("curve = ", 'suspicious_above = "high"\ncurve = ')
    with pytest.raises(CourseError, match="suspicious_above of task .* must be an accuracy in"):
        load(tmp_path, text)


@pytest.mark.parametrize("every", ["0", "1.5", "true", "101"])
def test_checkpoints_per_epoch_must_be_a_whole_number_from_1_to_100(tmp_path, every):
    text = MINIMAL.replace("curve = ", f"checkpoints_per_epoch = {every}\ncurve = ")
    with pytest.raises(CourseError, match="checkpoints_per_epoch of task .* must be a whole number from 1"):
        load(tmp_path, text)
    four = MINIMAL.replace("curve = ", "checkpoints_per_epoch = 4\ncurve = ")
    assert load(tmp_path, four).tasks[0].accuracy["checkpoints_per_epoch"] == 4
    assert load(tmp_path, MINIMAL).tasks[0].accuracy["checkpoints_per_epoch"] == 1, "one an epoch by default"
