"""The hw4 notebook through the real nbgrader, on a temporary copy of reference/nbgrader_course.

One course directory serves every test: nbgrader generates the student notebook, then
autogrades two submissions, alice's (the source notebook: every solution, and model answers
to the written questions) and bob's (the released notebook, untouched). Their notebooks
import mytorch from reference/ and train on Fashion-MNIST, as a student's would.
"""
import re
import shutil
from importlib.machinery import PathFinder
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from autograder.course import notebooks
from autograder.course.model import Course, CourseError

pytestmark = pytest.mark.slow     # runs nbgrader, whose notebook trains

COURSE = Course(Path(__file__).resolve().parents[2])
ASSIGNMENT = COURSE.assignment("hw4")
NAME, NOTEBOOK = ASSIGNMENT.name, ASSIGNMENT.notebook
SOURCE = COURSE.nbgrader / "source" / NAME / NOTEBOOK
AUTOGRADED_POINTS = {"test_confusion_matrix": 3, "test_per_class_accuracy": 2, "test_most_confused": 3}
WRITTEN_POINTS = {"answer_fit": 3, "answer_confusions": 3}
HIDDEN_REGION = re.compile(r"### BEGIN (SOLUTION|HIDDEN TESTS)\n(.*?)### END \1", re.DOTALL)


def released(course_dir):
    """The student notebook that generate_assignment wrote in ``course_dir``."""
    return course_dir / "release" / NAME / NOTEBOOK


def open_gradebook(course_dir):
    return Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}")


@pytest.fixture(scope="module")
def course_dir(tmp_path_factory):
    """A copy of reference/nbgrader_course after generate_assignment, with alice's and bob's
    submissions autograded."""
    course_dir = notebooks.copy_course(COURSE, tmp_path_factory.mktemp("nbgrader") / "course")
    notebooks.nbgrader(course_dir, "generate_assignment", NAME, "--force")
    submissions = {"alice": SOURCE, "bob": released(course_dir)}
    for student, notebook in submissions.items():
        folder = course_dir / "submitted" / student / NAME
        folder.mkdir(parents=True)
        shutil.copyfile(notebook, folder / NOTEBOOK)
        notebooks.nbgrader(course_dir, "db", "student", "add", student)
    notebooks.nbgrader(course_dir, "autograde", NAME, env={"PYTHONPATH": str(COURSE.root / "reference")})
    return course_dir


def cells(path):
    """{grade_id: cell} of the notebook at ``path``."""
    notebook = nbformat.read(path, as_version=nbformat.NO_CONVERT)
    return {cell.metadata["nbgrader"]["grade_id"]: cell for cell in notebook.cells}


def test_the_source_notebook_is_valid_and_has_no_outputs():
    notebook = nbformat.read(SOURCE, as_version=nbformat.NO_CONVERT)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code and all(cell.outputs == [] and cell.execution_count is None for cell in code)


def test_without_nbgrader_the_error_says_how_to_install_it(monkeypatch, tmp_path):
    find_spec = notebooks.importlib.util.find_spec
    monkeypatch.setattr(notebooks.importlib.util, "find_spec",
                        lambda name, *args: None if name == "nbgrader" else find_spec(name, *args))
    with pytest.raises(CourseError, match=r"pip install -e '\.\[notebooks\]'"):
        notebooks.nbgrader(tmp_path, "--version")


def test_the_course_directory_passes_for_no_package_where_reference_is_on_the_import_path():
    """The notebook's kernel imports mytorch from reference/ (PYTHONPATH above): a folder
    reference/nbgrader would be found there as a namespace package called nbgrader."""
    assert COURSE.nbgrader.parent == COURSE.reference.parent      # reference/, beside mytorch
    assert PathFinder.find_spec("nbgrader", [str(COURSE.reference.parent)]) is None


def test_a_folder_called_nbgrader_on_the_import_path_is_not_nbgrader(monkeypatch, tmp_path):
    (tmp_path / "nbgrader").mkdir()
    find_spec = notebooks.importlib.util.find_spec
    monkeypatch.setattr(notebooks.importlib.util, "find_spec",       # as if nbgrader were not installed
                        lambda name, *args: PathFinder.find_spec(name, [str(tmp_path)]) if name == "nbgrader"
                        else find_spec(name, *args))
    with pytest.raises(CourseError, match=r"pip install -e '\.\[notebooks\]'"):
        notebooks.nbgrader(tmp_path, "--version")


def test_the_committed_notebook_is_a_fresh_generation(course_dir):
    committed = ASSIGNMENT.folder / NOTEBOOK
    assert committed.read_text(encoding="utf-8") == released(course_dir).read_text(encoding="utf-8"), \
        "run `autograder release hw4` and commit the result"


def test_the_released_notebook_keeps_the_points_and_drops_the_solutions(course_dir):
    source, student = cells(SOURCE), cells(released(course_dir))
    assert source.keys() == student.keys()
    points = {grade_id: cell.metadata["nbgrader"]["points"] for grade_id, cell in student.items()
              if cell.metadata["nbgrader"]["grade"]}
    assert points == AUTOGRADED_POINTS | WRITTEN_POINTS
    text = "\n".join(cell.source for cell in student.values())
    assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
    for grade_id, cell in source.items():
        secrets = [body for _, body in HIDDEN_REGION.findall(cell.source)]
        if grade_id in WRITTEN_POINTS:
            secrets.append(cell.source)
        assert secrets or not cell.metadata["nbgrader"]["solution"], f"{grade_id}: a solution, but no region"
        assert not [secret for secret in secrets if secret.strip() in text], f"{grade_id} leaked"


def test_the_gradebook_holds_8_autograded_and_6_written_points(course_dir):
    with open_gradebook(course_dir) as gradebook:
        assignment = gradebook.find_assignment(NAME)
        assert (assignment.max_code_score, assignment.max_written_score) == (8, 6)


@pytest.fixture(scope="module")
def grades(course_dir):
    """{student: {grade_id: (auto score, manual score, needs a manual grade)}}, from the gradebook."""
    grades = {}
    with open_gradebook(course_dir) as gradebook:
        for student in ("alice", "bob"):
            notebook = gradebook.find_submission_notebook(Path(NOTEBOOK).stem, NAME, student)
            grades[student] = {grade.name: (grade.auto_score, grade.manual_score, grade.needs_manual_grade)
                               for grade in notebook.grades}
    return grades


def test_autograde_gives_the_correct_notebook_every_autograded_point(grades):
    assert {name: grades["alice"][name][0] for name in AUTOGRADED_POINTS} == AUTOGRADED_POINTS


def test_autograde_gives_the_blank_notebook_no_point(grades):
    assert {name: grades["bob"][name][0] for name in AUTOGRADED_POINTS} == dict.fromkeys(AUTOGRADED_POINTS, 0)


def test_written_answers_wait_for_a_grader_unless_blank(grades):
    """nbgrader scores an unchanged answer cell 0 by itself; any other answer needs a person."""
    for student, expected in {"alice": (None, None, True), "bob": (0, None, False)}.items():
        answers = {name: grades[student][name] for name in WRITTEN_POINTS}
        assert answers == dict.fromkeys(WRITTEN_POINTS, expected), student
