"""Grading whole submissions of hw3 end to end: submission → sandbox → probes → verdicts → result.

The reference scores every point, the untouched template none (without a crash), and a
submission with one broken optimizer loses exactly that task's points; grading twice gives the
same result.
"""
import shutil
import zipfile
from pathlib import Path

import pytest

from autograder.course import Course
from autograder.grade import Grader

COURSE = Course(Path(__file__).resolve().parents[2])
HW3 = COURSE.assignment("hw3")


@pytest.fixture(scope="module")
def grader():
    return Grader(COURSE, HW3)


def submission_of_reference(folder):
    """The reference's copies of hw3's submission files, as a student would hand them in."""
    for relative in HW3.submission:
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(COURSE.reference.parent / relative, target)
    return folder


def scores_by_task(result):
    return {task: round(score, 9) for task, (score, _) in result.by_task().items()}


def test_the_reference_scores_every_point(grader, tmp_path):
    result = grader.grade(submission_of_reference(tmp_path / "reference"))
    assert result.score == pytest.approx(HW3.total_points)
    assert all(test.status == "passed" for test in result.tests), [t.output for t in result.tests if t.output]


def test_the_untouched_template_scores_nothing_and_says_why(grader, tmp_path):
    folder = tmp_path / "template"
    for relative in HW3.submission:
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(HW3.folder / relative, folder / relative)
    result = grader.grade(folder)
    assert result.score == 0 and len(result.tests) == len(grader.expected)
    for test in result.tests:
        task = COURSE.tasks[test.task]
        assert f"NotImplementedError: {task.label}" in test.output, test.output


def test_a_broken_optimizer_costs_exactly_its_task(grader, tmp_path):
    folder = submission_of_reference(tmp_path / "partial")
    adagrad = folder / "mytorch/optim/adagrad.py"
    broken = adagrad.read_text().replace('std += group["eps"]', 'std += 10 * group["eps"] + 1e-3')
    adagrad.write_text(broken)
    result = grader.grade(folder)
    scores = scores_by_task(result)
    assert scores["task3_2"] == 0
    assert result.score == pytest.approx(HW3.total_points - COURSE.tasks["task3_2"].points)
    failed = [test for test in result.tests if test.status == "failed"]
    assert all("relative error" in test.output and "expected" not in test.output for test in failed), \
        "a hidden probe names the error, never the reference's values"


def test_grading_is_deterministic(grader, tmp_path):
    folder = submission_of_reference(tmp_path / "again")
    first, second = (grader.grade(folder).to_dict() for _ in range(2))
    first.pop("execution_time"), second.pop("execution_time")
    assert first == second


def test_an_archive_with_path_traversal_scores_nothing_with_a_message(grader, tmp_path):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("../../escape.py", "print('hi')\n")
    result = grader.grade(archive)
    assert result.score == 0 and "could not be graded" in result.output
