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


def cases():
    """One case per alternative; those of a task graded by training a network are slow (minutes)."""
    for path in ALTERNATIVES:
        task = COURSE.tasks[path.parent.name]
        marks = [pytest.mark.slow] if task.accuracy or task.attack else []
        yield pytest.param(path, marks=marks, id=path.relative_to(LIBRARY).as_posix())


def test_the_library_has_an_alternative_for_every_task():
    covered = {path.parent.name for path in ALTERNATIVES}
    assert set(COURSE.tasks) <= covered, f"tasks without a correct alternative: {sorted(set(COURSE.tasks) - covered)}"


@pytest.mark.parametrize("path", cases())
def test_a_correct_alternative_earns_every_point(graders, path, tmp_path):
    """Graded on its task's probes: the alternative changes that task's code alone, and the other
    tasks' probes replace it with stand-ins."""
    alternative = variants.alternative(path)
    reference = variants.regions(COURSE)
    for site, code in alternative.replacements.items():
        assert site in reference, f"{path.name}: no region of {alternative.task} stands at {site}"
        assert not variants.same_code(code, "".join(reference[site].code)), \
            f"{path.name}: the code at {site} is the reference's own"
    grader = graders(alternative.assignment)
    result = grader.grade(variants.write(COURSE, tmp_path, alternative.replacements), tasks={alternative.task})
    assert result.tests, f"{alternative.task} has no probe"
    lost = {test.name: test.output for test in result.tests if test.score < test.max_score}
    assert not lost, f"{alternative.title}: a correct alternative loses points: {lost}"
