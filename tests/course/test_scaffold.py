"""`autograder new`: the folder of a new assignment, scaffolded in a small course of one homework, is
wired end to end once the reference holds its example task's solution region: it releases, the
reference earns every point and the untouched template none (as `autograder check-course` grades
them), its public test fails with the task's message until the task is written, and no solution
enters its sandbox. Names of another form or number, and existing folders, are refused."""
import shutil
import subprocess
import sys

import pytest

from autograder import cli
from autograder.audit.leaks import solution_leaks
from autograder.course import handouts, release
from autograder.course.model import Course, CourseError
from autograder.course.scaffold import scaffold
from autograder.grading.grader import Grader

NAME, TITLE = "hw2_doubled", "Doubled values"

HW1 = '''def first():
    ### BEGIN SOLUTION task1_1
    ### TODO Return 1.
    return 1
    ### END SOLUTION
'''

DOUBLED = '''import numpy as np


def doubled(x):
    """2 x, elementwise."""
    ### BEGIN SOLUTION task2_1
    ### TODO Return the array 2 x.
    return 2 * np.asarray(x)
    ### END SOLUTION
'''


def small_course(root):
    """A course of one homework, hw1_first, whose reference is reference/mytorch/core.py."""
    (root / "reference" / "mytorch").mkdir(parents=True)
    (root / "reference" / "mytorch" / "__init__.py").write_text("")
    (root / "reference" / "mytorch" / "core.py").write_text(HW1)
    folder = root / "assignments" / "hw1_first"
    (folder / "hidden").mkdir(parents=True)
    (folder / "assignment.toml").write_text(
        '[assignment]\nname = "hw1_first"\nnumber = 1\ntitle = "Homework 1"\n'
        '[submission]\nfiles = ["mytorch/core.py"]\n'
        '[[tasks]]\nid = "task1_1"\ntitle = "part one"\npoints = 10\n')
    (folder / "README.md").write_text("# Homework 1\n")
    (root / "assignments" / "course.toml").write_text('[policy]\ncollaboration = "Work alone."\n')
    return Course(root)


@pytest.fixture(scope="module")
def scaffolded(tmp_path_factory):
    """(the course with hw2_doubled scaffolded, its example task written in the reference and every
    assignment released; the next steps that scaffold returned)."""
    root = tmp_path_factory.mktemp("course")
    steps = scaffold(small_course(root), name=NAME, title=TITLE)
    (root / "reference" / "mytorch" / "doubled.py").write_text(DOUBLED)
    course = Course(root)
    for assignment in course.assignments:
        release.write(course, assignment, release.template(course, assignment))
    return course, steps


def test_the_new_assignment_follows_the_course_with_one_task(scaffolded):
    course, _ = scaffolded
    assignment = course.assignment("hw2")
    assert (assignment.name, assignment.number, assignment.title) == (NAME, 2, TITLE)
    assert [(task.id, task.title, task.points) for task in assignment.tasks] == [("task2_1", TITLE, 100)]
    assert assignment.submission == ("mytorch/doubled.py",)
    folder = assignment.folder
    assert (folder / "tests" / "test_task2_1_doubled.py").is_file()
    assert (folder / "hidden" / "alternatives" / "README.md").is_file()
    assert (folder / "hidden" / "equivalent_mutants.toml").read_text().startswith(
        "# The reviewed equivalent mutants of hw2_doubled:")


def test_the_next_steps_name_the_solution_region_and_the_commands(scaffolded):
    _, steps = scaffolded
    assert "reference/mytorch/doubled.py" in steps and "### BEGIN SOLUTION task2_1" in steps
    assert "autograder release --all" in steps and "autograder check-course hw2_doubled" in steps
    assert "hidden/probes.py" in steps and "docs/AUTHORING.md" in steps


def test_release_fills_every_generated_block_of_the_handout(scaffolded):
    course, _ = scaffolded
    text = (course.assignment("hw2").folder / "README.md").read_text()
    lines = text.splitlines()
    assert lines[0] == f"# Homework 2 — {TITLE}" and lines[2] == "<!-- BEGIN GENERATED hand-in -->"
    assert all(f"<!-- BEGIN GENERATED {name} -->" in text for name in handouts.HANDOUT_BLOCKS)
    assert "`hw2_doubled_submission.zip`" in text and "```\nmytorch/doubled.py\n```" in text
    assert "Work alone." in text and "Each hidden test may take 60 s" in text
    assignment = course.assignment("hw2")
    assert release.differences(course, assignment, release.template(course, assignment)) == []


def test_the_reference_earns_every_point_and_the_template_none(scaffolded):
    course, _ = scaffolded
    assignment = course.assignment("hw2")
    grader = Grader(course, assignment, engine="local")
    reference, template = grader.grade(course.reference.parent), grader.grade(assignment.folder)
    assert (reference.score, template.score) == (100, 0), [test.output for test in reference.tests]
    assert [test.status for test in template.tests] == ["failed"]
    assert "Task 2.1: Doubled values" in template.tests[0].output
    assert solution_leaks(course, assignment, grader) == []


def public_tests(folder):
    """The output of plain `pytest` in ``folder``, and whether every test passed."""
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=folder,
                         capture_output=True, text=True, timeout=120)
    return run.stdout + run.stderr, run.returncode == 0


def test_the_public_test_fails_with_the_tasks_message_until_the_task_is_written(scaffolded, tmp_path):
    course, _ = scaffolded
    template = course.assignment("hw2").folder
    output, passed = public_tests(template)
    assert not passed and "NotImplementedError: Task 2.1: Doubled values" in output, output
    solved = shutil.copytree(template, tmp_path / NAME, ignore=shutil.ignore_patterns("mytorch"))
    shutil.copytree(course.reference, solved / "mytorch")
    output, passed = public_tests(solved)
    assert passed and "1 passed" in output, output


@pytest.mark.parametrize("name, message", [
    ("hw2", "'hw2' is no assignment name: write hw2_<topic>"),
    ("hw2_Doubled", "'hw2_Doubled' is no assignment name"),
    ("homework2_doubled", "is no assignment name"),
    ("hw2_class", "'hw2_class' is no assignment name"),             # no module can be called class
    ("hw2_" + "x" * 33, "of at most 32 lower-case letters"),
    ("hw3_doubled", "hw3_doubled: the course's next assignment is number 2: call it hw2_doubled"),
    ("hw1_first", "the course's next assignment is number 2"),
])
def test_a_bad_name_is_refused_with_what_to_call_it(tmp_path, name, message):
    course = small_course(tmp_path)
    with pytest.raises(CourseError, match=message.replace("[", r"\[")):
        scaffold(course, name=name, title=TITLE)
    assert sorted(p.name for p in (tmp_path / "assignments").iterdir()) == ["course.toml", "hw1_first"]


def test_an_existing_folder_is_refused_and_kept(tmp_path):
    course = small_course(tmp_path)
    (tmp_path / "assignments" / NAME).mkdir()
    (tmp_path / "assignments" / NAME / "notes.md").write_text("mine\n")
    with pytest.raises(CourseError, match="exists already: choose another name, or remove that folder"):
        scaffold(course, name=NAME, title=TITLE)
    assert [p.name for p in (tmp_path / "assignments" / NAME).iterdir()] == ["notes.md"]


def test_a_topic_that_names_a_package_of_the_reference_is_refused(tmp_path):
    course = small_course(tmp_path)
    (course.reference / "nn").mkdir()
    with pytest.raises(CourseError, match="mytorch/nn/ is a package of the reference already"):
        scaffold(course, name="hw2_nn", title=TITLE)


@pytest.mark.parametrize("title", ["", "  ", "Two\nlines"])
def test_a_title_must_be_one_line(tmp_path, title):
    with pytest.raises(CourseError, match="a title of one line"):
        scaffold(small_course(tmp_path), name=NAME, title=title)


def test_the_command_line_scaffolds_and_prints_the_next_steps(tmp_path, capsys):
    small_course(tmp_path)
    assert cli.main(["--course", str(tmp_path), "new", NAME, "--title", TITLE]) == 0
    assert (tmp_path / "assignments" / NAME / "assignment.toml").is_file()
    assert "autograder check-course" in capsys.readouterr().out
    assert cli.main(["--course", str(tmp_path), "new", NAME, "--title", TITLE]) == 2
    assert "next assignment is number 3: call it hw3_doubled" in capsys.readouterr().err
