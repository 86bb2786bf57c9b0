"""Code that does nothing earns nothing: for every task of every assignment, each trivial
implementation of ``autograder.audit.variants.TRIVIAL`` (every region of the task returns None, its first
argument, zeros like it, True or False) gets 0 of the task's points from the real grader.

A probe that credits accepting correct input must also check that wrong input is rejected, and a
probe of an update must check that something changed: otherwise one of these earns points.
"""
import pytest

from autograder.audit import variants

from submissions import COURSE

pytestmark = pytest.mark.slow     # grades every task's trivial code


def cases():
    """[pytest.param(assignment, task, form)] of every trivial implementation of every task."""
    return [pytest.param(assignment.name, task.id, form, id=f"{task.id}-{form.replace(' ', '_')}")
            for assignment in COURSE.assignments for task in assignment.tasks
            for form in variants.trivial(COURSE, task.id)]


@pytest.mark.parametrize("name, task, form", cases())
def test_a_trivial_implementation_earns_nothing(graders, name, task, form, tmp_path):
    """Graded on the task's own probes alone: a trivial network fails at once, without training."""
    replacements = variants.trivial(COURSE, task)[form]
    result = graders(name).grade(variants.write(COURSE, tmp_path, replacements), tasks={task})
    earned = {test.name: test.output for test in result.tests if test.score > 0}
    assert not earned, f"{task} {form}: earns points in {sorted(earned)}"
