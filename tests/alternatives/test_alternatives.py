"""The library of correct alternatives (see README.md): every one earns every point.

Each alternative rewrites the solution regions of one task the way another student would,
correctly; the real grader grades the reference with those regions rewritten. A point lost here
is a false fail: the grader, not the code, is wrong.
"""
from pathlib import Path

import pytest

from autograder import variants
from submissions import COURSE

LIBRARY = Path(__file__).resolve().parent
ALTERNATIVES = sorted(LIBRARY.glob("hw*/task*/*.toml"))


def test_the_library_has_an_alternative_for_every_task_of_hw1_to_hw3():
    covered = {path.parent.name for path in ALTERNATIVES}
    tasks = {task.id for name in ("hw1", "hw2", "hw3") for task in COURSE.assignment(name).tasks}
    assert tasks <= covered, f"tasks without a correct alternative: {sorted(tasks - covered)}"


@pytest.mark.parametrize("path", ALTERNATIVES, ids=lambda path: path.relative_to(LIBRARY).as_posix())
def test_a_correct_alternative_earns_every_point(graders, path, tmp_path):
    alternative = variants.alternative(path)
    reference = variants.regions(COURSE)
    for site, code in alternative.replacements.items():
        assert site in reference, f"{path.name}: no region of {alternative.task} stands at {site}"
        assert not variants.same_code(code, "".join(reference[site].code)), \
            f"{path.name}: the code at {site} is the reference's own"
    grader = graders(alternative.assignment)
    result = grader.grade(variants.write(COURSE, tmp_path, alternative.replacements))
    lost = {test.name: test.output for test in result.tests if test.score < test.max_score}
    assert not lost, f"{alternative.title}: a correct alternative loses points: {lost}"
