"""The solution-region grammar: parsing, stubbing, keeping, and malformed markers."""
import pytest

from autograder.course import solutions
from autograder.course.model import Task

SOURCE = '''def f(x):
    """Double x."""
    ### BEGIN SOLUTION task1_2
    ### TODO Return 2x.
    ### TODO Use one multiplication.
    y = x * 2
    return y
    ### END SOLUTION


def g():  # untouched
    return 1
'''
TASK = Task("task1_2", "doubling", 5)


def test_a_stripped_region_becomes_its_todo_and_a_raise_naming_the_task():
    text = solutions.render(solutions.parse(SOURCE), lambda task_id: TASK)
    assert text == '''def f(x):
    """Double x."""
    # TODO Task 1.2 (doubling): Return 2x.
    #   Use one multiplication.
    raise NotImplementedError('Task 1.2: doubling')


def g():  # untouched
    return 1
'''
    namespace = {}
    exec(text, namespace)
    with pytest.raises(NotImplementedError, match="Task 1.2: doubling"):
        namespace["f"](3)


def test_a_region_can_become_a_bare_raise_without_its_todo():
    def later(region, task):
        return solutions.placeholder(region, "part of hw2: not needed in hw1")

    text = solutions.render(solutions.parse(SOURCE), lambda task_id: TASK, later)
    assert text == '''def f(x):
    """Double x."""
    raise NotImplementedError('part of hw2: not needed in hw1')


def g():  # untouched
    return 1
'''


def test_a_kept_region_loses_only_its_markers():
    text = solutions.render(solutions.parse(SOURCE), lambda task_id: None)
    assert "###" not in text and "    y = x * 2\n    return y\n" in text
    namespace = {}
    exec(text, namespace)
    assert namespace["f"](3) == 6


def test_lines_outside_regions_are_byte_identical():
    source = "a = 1\r\n\tb = 2  \n\n### BEGIN SOLUTION task1_2\nc = 3\n### END SOLUTION\nlast"
    text = solutions.render(solutions.parse(source), lambda task_id: None)
    assert text == "a = 1\r\n\tb = 2  \n\nc = 3\nlast"


def test_regions_report_task_todo_and_line():
    region, = solutions.regions(solutions.parse(SOURCE))
    assert (region.task, region.todo, region.line) == ("task1_2", ("Return 2x.", "Use one multiplication."), 3)


@pytest.mark.parametrize("source,problem", [
    ("### BEGIN SOLUTION task1_1\nx = 1\n", "never closed"),
    ("x = 1\n### END SOLUTION\n", "without a BEGIN"),
    ("### BEGIN SOLUTION task1_1\n### BEGIN SOLUTION task1_2\n### END SOLUTION\n", "inside the region"),
    ("### TODO stray\n", "outside any solution region"),
    ("### BEGIN SOLUTION task1_1\nx = 1\n### TODO late\n### END SOLUTION\n", "right after BEGIN"),
])
def test_malformed_markers_name_file_and_line(source, problem):
    with pytest.raises(solutions.MarkerError, match=rf"^engine\.py:\d+: .*{problem}"):
        solutions.parse(source, source="engine.py")
