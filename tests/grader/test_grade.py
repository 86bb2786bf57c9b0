"""Grading whole submissions end to end: submission → sandbox → probes → verdicts → result.

For every assignment the reference scores every point (bonus too), the untouched template none
(without a crash), and a submission with one plausible bug loses exactly that task's points;
grading twice gives the same result. hw4 is graded on the held-out test set, whose labels the
sandbox cannot read; ``--public`` grades with the public tests instead. The docker engine grades
the same: every point for the reference, none for the templates. The result's two views: what
the student's code said reaches instructors whole and students filtered, and the sandbox's
isolation, its detections and the flags for review reach instructors only.
"""
import dataclasses
import html
import json
import re
import sys
import time
import zipfile

import numpy
import pytest

from autograder import cli, reports
from autograder.course import solutions
from autograder.course.model import AccuracyCurve, Course, CourseError
from autograder.grading import redaction, verdicts
from autograder.grading.grader import Grader
from autograder.sandbox import docker as docker_sandbox
from autograder.sandbox.engines import make_sandbox
from autograder.sandbox.limits import Limits
from autograder.sandbox.replies import ProbeOutcome

from submissions import COURSE, reference_copy, replace, template_copy

pytestmark = pytest.mark.slow     # grades every assignment, hw4 by training

FAST = ["hw1", "hw2", "hw3"]        # hw4 trains networks: its reference is graded once, as slow
BUGS = {    # a plausible bug per assignment: (file, old text, new text, the task it must cost)
    "hw1": ("mytorch/ops/arithmetic.py", "return grad.sum(axis=tuple(range(leading)) + stretched",
            "return grad.mean(axis=tuple(range(leading)) + stretched", "task1_3"),
    "hw2": ("mytorch/playground.py", "param.data -= lr * param.grad.data",
            "param.data += lr * param.grad.data", "task2_6"),
    "hw3": ("mytorch/optim/adagrad.py", 'std += group["eps"]', 'std += 10 * group["eps"] + 1e-3', "task3_2"),
}


@pytest.fixture(scope="module")
def docker_graders(sandbox_image):
    """One Grader per assignment on the docker engine, made on first use."""
    made = {}

    def grader(name):
        if name not in made:
            made[name] = Grader(COURSE, COURSE.assignment(name), engine="docker")
        return made[name]
    return grader


def scores_by_task(result):
    return {task: round(score, 9) for task, (score, _) in result.by_task().items()}


@pytest.mark.parametrize("name", FAST)
def test_the_reference_scores_every_point(graders, name, tmp_path):
    assignment = COURSE.assignment(name)
    result = graders(name).grade(reference_copy(assignment, tmp_path))
    assert result.score == pytest.approx(assignment.total_points + result.bonus_points)
    assert all(test.status == "passed" for test in result.tests), [t.output for t in result.tests if t.output]


@pytest.mark.parametrize("name", [*FAST, "hw4"])
def test_the_untouched_template_scores_nothing_and_says_why(graders, name, tmp_path):
    grader = graders(name)
    result = grader.grade(template_copy(grader.assignment, tmp_path))
    assert result.score == 0 and len(result.tests) == len(grader.expected)
    for test in result.tests:
        assert f"NotImplementedError: {COURSE.tasks[test.task].label}" in test.output, test.output


@pytest.mark.parametrize("name", sorted(BUGS))
def test_a_plausible_bug_costs_exactly_its_task(graders, name, tmp_path):
    relative, old, new, task = BUGS[name]
    assignment = COURSE.assignment(name)
    result = graders(name).grade(replace(reference_copy(assignment, tmp_path), relative, old, new))
    assert scores_by_task(result)[task] == 0
    assert result.score == pytest.approx(assignment.total_points - COURSE.tasks[task].points)
    failed = [test for test in result.tests if test.status == "failed"]
    assert all("expected" not in test.output for test in failed), \
        "a hidden probe names the error, never the reference's values"


def test_a_gradient_of_the_wrong_shape_is_named_with_the_shapes_of_the_students_arrays(graders, tmp_path):
    hw1 = COURSE.assignment("hw1")
    folder = replace(reference_copy(hw1, tmp_path), "mytorch/ops/elementwise.py", "        return grad * y\n",
                     "        return (grad * y).reshape(-1)\n")
    result = graders("hw1").grade(folder)
    messages = [test.feedback for test in result.tests if test.task == "task1_5" and test.status == "failed"]
    assert messages and any(re.search(r"the gradient of input 0 has shape \(\d+,\), but that input has shape "
                                      r"\((\d+(, \d+)*)?\)", message) for message in messages), messages


WEIGHED = """
import numpy as np
import mytorch
from mytorch.optim import SGD
from probing import probe


def step():
    w = mytorch.tensor(np.arange(3.0), requires_grad=True)
    (w * w).sum().backward()
    SGD([w], lr=0.25).step()
    return w.data


@probe("task3_1", weight=3)
def one_sgd_step():
    return {"w": step()}


@probe("task3_1", check="threshold")
def how_far_it_moved():
    return {"moved": float(np.abs(step() - np.arange(3.0)).sum())}
"""


def weighed(bound, tmp_path):
    """A grader of hw3 whose probes are WEIGHED, Task 3.1's ``moved`` held to ``bound``."""
    course = Course(COURSE.root)
    course.tasks["task3_1"] = dataclasses.replace(course.tasks["task3_1"], thresholds={"moved": bound})
    grader = Grader(course, course.assignment("hw3"))
    grader.probes = tmp_path / "probes.py"
    grader.probes.write_text(WEIGHED)
    return grader


def test_probe_weights_split_a_tasks_points_and_a_threshold_judges_the_value(tmp_path):
    grader = weighed({"at_least": 1.0}, tmp_path)     # the reference moves w by 0.5 · (0 + 1 + 2) = 1.5
    points = COURSE.tasks["task3_1"].points
    reference = grader.grade(reference_copy(grader.assignment, tmp_path / "reference"))
    assert {t.name.split(" — ")[1]: t.max_score for t in reference.tests} == {
        "one sgd step": points * 3 / 4, "how far it moved": points / 4}
    assert reference.score == pytest.approx(points)
    half_step = replace(reference_copy(grader.assignment, tmp_path / "bug"), "mytorch/optim/sgd.py",
                        'param -= group["lr"] * grad', 'param -= 0.5 * group["lr"] * grad')
    tests = {t.name.split(" — ")[1]: t for t in grader.grade(half_step).tests}
    assert tests["how far it moved"].score == 0
    assert tests["how far it moved"].output == "moved is 0.75, less than the 1 required"


def test_a_reference_that_misses_its_own_threshold_stops_the_grader(tmp_path):
    with pytest.raises(CourseError, match="the reference fails probes of hw3_optimizers: .*how_far_it_moved.*"
                                          "moved is 1.5, less than the 2 required"):
        weighed({"at_least": 2.0}, tmp_path).expected


def test_grading_is_deterministic(graders, tmp_path):
    folder = reference_copy(COURSE.assignment("hw3"), tmp_path)
    first, second = (graders("hw3").grade(folder).to_dict() for _ in range(2))
    first.pop("execution_time"), second.pop("execution_time")
    assert first == second


def test_an_archive_with_path_traversal_scores_nothing_with_a_message(graders, tmp_path):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("../../escape.py", "print('hi')\n")
    result = graders("hw3").grade(archive)
    assert result.score == 0 and "could not be graded" in result.output


def test_the_sample_of_make_demo_scores_what_its_readme_says(graders):
    result = graders("hw1").grade(COURSE.root / "examples" / "hw1_partial")
    scores, tasks = scores_by_task(result), COURSE.tasks
    done = ("task1_1", "task1_2", "task1_3", "task1_4", "task1_6")
    assert all(scores[task] == tasks[task].points for task in done)
    assert 0 < scores["task1_5"] < tasks["task1_5"].points
    log = next(test for test in result.tests if test.name.endswith("log backward"))
    assert "disagrees with numerical" in log.output and "Hint:" in log.output
    for test in (test for test in result.tests if test.task in {f"task1_{k}" for k in range(7, 12)}):
        assert test.score == 0 and f"NotImplementedError: {tasks[test.task].label}" in test.output


# ----- the public tests ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def public_grader():
    return Grader(COURSE, COURSE.assignment("hw3"), public=True)


def test_public_grading_runs_one_visible_test_per_public_test_file(public_grader, tmp_path):
    hw3 = public_grader.assignment
    files = sorted(path.name for path in hw3.public_tests.glob("test_task*.py"))
    result = public_grader.grade(reference_copy(hw3, tmp_path))
    assert [test.name.split(" — ")[1] for test in sorted(result.tests, key=lambda t: t.name)] == files
    assert result.score == pytest.approx(hw3.total_points) and not any(test.hidden for test in result.tests)


def test_public_grading_credits_the_fraction_of_tests_that_pass(public_grader, tmp_path):
    hw3 = public_grader.assignment
    folder = replace(reference_copy(hw3, tmp_path), *BUGS["hw3"][:3])
    adagrad = next(test for test in public_grader.grade(folder).tests if test.task == "task3_2")
    assert 0 < adagrad.score < adagrad.max_score and "public tests passed" in adagrad.output
    assert "tests/test_task3_2_adagrad.py::" in adagrad.output


def test_public_grading_of_the_template_names_each_task(public_grader, tmp_path):
    result = public_grader.grade(template_copy(public_grader.assignment, tmp_path))
    assert result.score == 0
    for test in result.tests:
        assert f"NotImplementedError: {COURSE.tasks[test.task].label}" in test.output, test.output


# ----- hw4: the held-out test set -----------------------------------------------------------------
CHEATING_TRAIN = '''
def train(*args, **kwargs):
    """Return a "model" that answers the test labels, if any can be read."""
    import gzip, pathlib
    import numpy
    for folder in ("/usr/share/datasets/fashion-mnist", "grader_data", "grader_data/fashion-mnist"):
        for name in ("t10k-labels-idx1-ubyte", "t10k-labels-idx1-ubyte.gz"):
            path = pathlib.Path(folder) / name
            if path.exists():
                data = gzip.decompress(path.read_bytes()) if name.endswith(".gz") else path.read_bytes()
                labels = numpy.frombuffer(data, numpy.uint8, offset=8).astype(numpy.int64)
                return Memorised(labels), History()
    raise FileNotFoundError("no test labels to read")


class Memorised:
    def __init__(self, labels):
        self.labels = labels
'''


@pytest.mark.parametrize("engine, error", [("local", "FileNotFoundError: no test labels to read"),
                                           ("docker", "PermissionError: [Errno 13] Permission denied")])
def test_the_sandbox_cannot_read_the_test_labels(request, engine, error, tmp_path):
    """A train() that looks for the test labels where the data set lives, and in what the grader
    gives the sandbox, finds none (locally) or cannot read them (the image's copy is root's): the
    accuracy probe fails with the student's own error."""
    hw4 = COURSE.assignment("hw4")
    folder = reference_copy(hw4, tmp_path)
    (folder / "mytorch/train.py").write_text((folder / "mytorch/train.py").read_text() + CHEATING_TRAIN)
    graders = request.getfixturevalue({"local": "graders", "docker": "docker_graders"}[engine])
    result = graders("hw4").grade(folder)
    accuracy = next(test for test in result.tests if test.name.endswith("mlp on the test set"))
    assert accuracy.score == 0 and error in accuracy.output


@pytest.mark.slow
def test_hw4_reference_earns_every_point_with_plots_of_its_training(graders, tmp_path):
    hw4 = COURSE.assignment("hw4")
    result = graders("hw4").grade(reference_copy(hw4, tmp_path / "submission"), plots=tmp_path / "plots")
    assert result.score == pytest.approx(hw4.total_points + result.bonus_points), \
        [test.output for test in result.tests if test.status != "passed"]
    assert sorted(result.artifacts) == ["cnn_on_the_test_set confusion matrix",
                                        "cnn_on_the_test_set training curve",
                                        "mlp_on_the_test_set confusion matrix",
                                        "mlp_on_the_test_set training curve"]
    accuracy = {test.name.split(" — ")[1]: test.output for test in result.tests if "test set" in test.name}
    assert accuracy["mlp on the test set"].startswith("after epoch 2 of 10, test accuracy"), \
        "the grader stops the MLP once it earns full credit"
    assert "stopped at its 5th checkpoint" in accuracy["cnn on the test set"], "after 1¼ of its 2 epochs"
    assert all(path.read_bytes().startswith(b"\x89PNG") for path in result.artifacts.values())
    attack = next(test for test in result.tests if test.task == "task4_4" and "fools" in test.name)
    assert "on the adversarial ones (ε = 0.1)" in attack.output


# ----- the docker engine --------------------------------------------------------------------------
@pytest.mark.parametrize("name", FAST)
def test_in_docker_the_reference_scores_every_point_and_the_template_none(docker_graders, name, tmp_path):
    grader = docker_graders(name)
    reference = grader.grade(reference_copy(grader.assignment, tmp_path / "reference"))
    template = grader.grade(template_copy(grader.assignment, tmp_path / "template"))
    assert reference.score == pytest.approx(grader.assignment.total_points + reference.bonus_points), \
        [test.output for test in reference.tests if test.status != "passed"]
    assert template.score == 0
    assert "engine: docker, image mytorch-sandbox:cpu" in template.instructor.isolation[0]
    assert "engine: docker" not in template.feedback
    for test in template.tests:
        assert f"NotImplementedError: {COURSE.tasks[test.task].label}" in test.output, test.output


@pytest.mark.slow
def test_in_docker_the_hw4_reference_earns_every_point(docker_graders, tmp_path):
    hw4 = COURSE.assignment("hw4")
    result = docker_graders("hw4").grade(reference_copy(hw4, tmp_path))
    assert result.score == pytest.approx(hw4.total_points + result.bonus_points), \
        [test.output for test in result.tests if test.status != "passed"]


# ----- the command line ---------------------------------------------------------------------------
def test_grading_several_submissions_prints_a_class_table_and_writes_reports_per_submission(tmp_path, capsys):
    hw3 = COURSE.assignment("hw3")
    submissions = [reference_copy(hw3, tmp_path / "alice"), template_copy(hw3, tmp_path / "bob")]
    out = tmp_path / "out"
    assert cli.main(["grade", *map(str, submissions), "--assignment", "hw3", "--format", "html",
                     "--format", "instructor", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    alice, bob = printed.strip().splitlines()[-2:]
    assert alice.split() == ["alice", "20", "12", "12", "16", "20", "20", "100"]
    assert bob.split() == ["bob", *["0"] * 7]
    assert (out / "alice" / "feedback.html").is_file() and (out / "bob" / "feedback.html").is_file()
    assert f"html: {out / 'bob' / 'feedback.html'} (student view)" in printed
    assert f"instructor: {out / 'bob' / 'instructor.md'} (instructor view)" in printed


def test_grade_help_names_the_view_of_each_format(capsys):
    with pytest.raises(SystemExit):
        cli.main(["grade", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "For students (scores, filtered feedback): gradescope, markdown, html." in help_text
    assert "For instructors only" in help_text and "instructor, json, junit" in help_text


def test_check_course_passes_for_an_assignment_whose_reference_and_template_are_right(capsys):
    assert cli.main(["check-course", "hw3"]) == 0
    assert "hw3_optimizers: ok (reference 100/100" in capsys.readouterr().out


def test_the_command_line_grades_in_docker(sandbox_image, tmp_path, capsys):
    hw1 = COURSE.assignment("hw1")
    out = tmp_path / "out"
    assert cli.main(["grade", str(reference_copy(hw1, tmp_path / "alice")), "--assignment", "hw1",
                     "--engine", "docker", "--format", "gradescope", "--format", "instructor",
                     "--out", str(out)]) == 0
    results = json.loads((out / "results.json").read_text())
    assert results["score"] == 100 and "engine: docker" not in json.dumps(results)
    assert "engine: docker, image mytorch-sandbox:cpu" in (out / "instructor.md").read_text()


def test_an_engine_that_cannot_run_says_so(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-such.sock")
    docker_sandbox._client.cache_clear()
    try:
        assert cli.main(["grade", str(tmp_path), "--assignment", "hw1", "--engine", "docker"]) == 2
    finally:
        docker_sandbox._client.cache_clear()
    assert "autograder: the Docker engine is not reachable" in capsys.readouterr().err


def test_a_sandbox_interpreter_is_for_the_local_engine_alone(tmp_path, capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main(["grade", str(tmp_path), "--assignment", "hw1", "--engine", "docker",
                  "--sandbox-python", sys.executable])
    assert exited.value.code == 2 and "--sandbox-python is for the local engine" in capsys.readouterr().err
    with pytest.raises(ValueError, match="a sandbox interpreter is for the local engine only"):
        make_sandbox("docker", Limits(), python=sys.executable)


def test_a_grader_with_other_limits_shares_the_reference_run(graders):
    grader = graders("hw3")
    expected = grader.expected          # the reference's run, made before the copy
    quick = grader.with_limits(Limits(probe_seconds=5))
    assert quick.expected is expected, "the reference is not run again"
    assert quick.sandbox.limits.probe_seconds == 5
    assert grader.sandbox.limits == Limits.from_assignment(grader.assignment)


# ----- the two views ------------------------------------------------------------------------------
def solution_of(task, relative):
    """The reference's solution of ``task`` in its file ``relative``, its layout collapsed to one line
    (as the redactor compares text), as a student's code that read it could raise it."""
    text = (COURSE.reference / relative).read_text()
    [region] = [r for r in solutions.regions(solutions.parse(text)) if r.task == task]
    return " ".join("".join(region.code).split())


LEAKS_AND_CONNECTS = """
    import socket
    try:
        socket.create_connection(("192.0.2.1", 9), timeout=0.1)
    except OSError:
        pass
    raise RuntimeError({leak!r})
"""


def test_what_the_sandbox_says_and_sees_reaches_instructors_whole_and_students_filtered(graders, tmp_path):
    """The untouched template, whose topological sort tries the network and raises the reference's
    solution: the instructor's reports hold that message whole, the detection and the sandbox's
    isolation; the student's hold none of them."""
    leak = solution_of("task1_1", "autodiff/engine.py")
    hw1 = COURSE.assignment("hw1")
    folder = replace(template_copy(hw1, tmp_path / "submission"), "mytorch/autodiff/engine.py",
                     "    raise NotImplementedError('Task 1.1: topological sort')\n",
                     LEAKS_AND_CONNECTS.format(leak=leak))
    result = graders("hw1").grade(folder)
    sorts = [test for test in result.tests if test.task == "task1_1"]
    assert sorts and all(f"RuntimeError: {leak}" in test.output for test in sorts)
    assert all(test.feedback.startswith(f"RuntimeError: {redaction.MARKER}") for test in sorts)
    assert any("network access attempted" in note for note in result.instructor.detections)
    assert result.instructor.isolation and result.score == 0
    paths = reports.write_all(result, tmp_path / "out")
    pieces = {leak[at:at + redaction.MIN_RUN] for at in range(len(leak) - redaction.MIN_RUN + 1)}
    for name, path in paths.items():
        page = html.unescape(path.read_text(encoding="utf-8"))
        if name == "json":
            page = json.dumps(json.loads(page), ensure_ascii=False)
        instructors = [leak, "network access attempted", *result.instructor.isolation]
        if reports.view(name) == "instructor":
            assert all(text in page for text in instructors), name
        else:
            assert not [text for text in instructors if text in page], name
            assert not [piece for piece in pieces if piece in page], name
            assert str(COURSE.root) not in page, name


def test_a_suspicious_accuracy_is_for_the_staff_to_review_and_left_out_of_the_students_view(graders,
                                                                                           monkeypatch):
    grader = graders("hw3")
    name = next(iter(grader.expected))
    labels = numpy.arange(100) % 10
    monkeypatch.setattr(grader, "_verdict", lambda expected, values: verdicts.accuracy(
        labels, labels, AccuracyCurve(((0.5, 1.0),)), suspicious_above=0.96))
    test, flag = grader._judge(name, ProbeOutcome(name, "ok"))
    result = grader._result([(test, flag)], "", time.perf_counter())
    shown = "test accuracy 100.00%: 100% of the points (credit from 50%, full credit from 50%)"
    assert test.feedback == shown and test.output == f"{shown}. {flag}"
    assert result.instructor.flags == (f"{test.name}: SUSPICIOUS: above 96%, beyond what networks trained "
                                       f"within this course's budgets reach",)
