"""The release tool on a small course built in a temporary folder."""
import zipfile

import pytest

from autograder import cli, release
from autograder.course import Course, CourseError

REFERENCE = '''def first():
    ### BEGIN SOLUTION task1_1
    ### TODO Return 1.
    return 1
    ### END SOLUTION


def second():
    ### BEGIN SOLUTION task2_1
    return "secret two"
    ### END SOLUTION
'''


def write_assignment(root, number, name, submission=("mytorch/core.py",)):
    folder = root / "assignments" / name
    (folder / "tests").mkdir(parents=True)
    (folder / "hidden").mkdir()
    files = ", ".join(f'"{f}"' for f in submission)
    (folder / "assignment.toml").write_text(
        f'[assignment]\nname = "{name}"\nnumber = {number}\ntitle = "Homework {number}"\n'
        f'[submission]\nfiles = [{files}]\n'
        f'[[tasks]]\nid = "task{number}_1"\ntitle = "part one of hw{number}"\npoints = 10\n')
    (folder / "README.md").write_text(f"# Homework {number}\n")
    (folder / "tests" / f"test_task{number}_1.py").write_text("def test_public():\n    pass\n")
    (folder / "hidden" / f"test_task{number}_1.py").write_text("HIDDEN_EXPECTED = 42\n")
    return folder


@pytest.fixture
def course(tmp_path):
    (tmp_path / "reference" / "mytorch").mkdir(parents=True)
    (tmp_path / "reference" / "mytorch" / "core.py").write_text(REFERENCE)
    write_assignment(tmp_path, 1, "hw1_first")
    write_assignment(tmp_path, 2, "hw2_second")
    return Course(tmp_path)


def test_a_template_stubs_its_own_and_later_tasks_and_keeps_earlier_ones(course):
    hw1 = release.template(course, course.assignment("hw1"))["mytorch/core.py"]
    hw2 = release.template(course, course.assignment("hw2"))["mytorch/core.py"]
    assert "raise NotImplementedError('Task 1.1: part one of hw1')" in hw1
    assert "raise NotImplementedError('Task 2.1: part one of hw2')" in hw1 and "secret two" not in hw1
    assert "return 1" in hw2 and "raise NotImplementedError('Task 2.1" in hw2


def test_pytest_ini_registers_one_marker_per_task_with_its_points(course):
    toml = course.root / "assignments" / "hw2_second" / "assignment.toml"
    toml.write_text(toml.read_text()
                    + '[[tasks]]\nid = "task2_2"\ntitle = "extra"\npoints = 2.5\nbonus = true\n'
                    + '[[tasks]]\nid = "task2_3"\ntitle = "a detail"\npoints = 1\n')
    ini = release.template(course, course.assignment("hw2"))["pytest.ini"]
    assert "    task2_1: Task 2.1: part one of hw2 (10 points)\n" in ini and "--strict-markers" in ini
    assert "    task2_2: Task 2.2: extra (2.5 bonus points)\n" in ini
    assert "    task2_3: Task 2.3: a detail (1 point)\n" in ini


def test_write_then_check_is_in_sync_and_catches_hand_edits(course, capsys):
    assert cli.main(["--course", str(course.root), "release", "--all"]) == 0
    assert cli.main(["--course", str(course.root), "release", "--all", "--check"]) == 0
    edited = course.root / "assignments" / "hw1_first" / "mytorch" / "core.py"
    edited.write_text(edited.read_text() + "# a hand edit\n")
    (edited.parent / "stray.py").write_text("")
    assert cli.main(["--course", str(course.root), "release", "hw1", "--check"]) == 1
    out = capsys.readouterr().out
    assert "changed: mytorch/core.py" in out and "extra:   mytorch/stray.py" in out


def test_the_archive_ships_template_handout_and_public_tests_only(course, tmp_path):
    assert cli.main(["--course", str(course.root), "release", "hw1", "--zip", "--out", str(tmp_path / "dist")]) == 0
    with zipfile.ZipFile(tmp_path / "dist" / "hw1_first.zip") as archive:
        names = set(archive.namelist())
        text = "".join(archive.read(name).decode() for name in names)
    assert names == {"hw1_first/README.md", "hw1_first/pytest.ini", "hw1_first/mytorch/core.py",
                     "hw1_first/tests/test_task1_1.py", "hw1_first/tests/finite_differences.py"}
    assert "return 1" not in text and "secret two" not in text and "HIDDEN_EXPECTED" not in text


def test_a_region_of_an_undeclared_task_is_an_error(course):
    (course.reference / "extra.py").write_text("### BEGIN SOLUTION task9_9\nx = 1\n### END SOLUTION\n")
    with pytest.raises(CourseError, match="unknown task 'task9_9'"):
        release.template(course, course.assignment("hw1"))


def test_a_file_students_must_edit_has_to_be_in_the_submission(course):
    (course.reference / "other.py").write_text("### BEGIN SOLUTION task1_1\nx = 1\n### END SOLUTION\n")
    with pytest.raises(CourseError, match=r"must edit \['mytorch/other.py'\]"):
        release.template(course, course.assignment("hw1"))


def test_bad_course_files_give_clear_errors(course, capsys):
    toml = course.root / "assignments" / "hw2_second" / "assignment.toml"
    toml.write_text(toml.read_text().replace('id = "task2_1"', 'id = "task3_1"'))
    assert cli.main(["--course", str(course.root), "release", "hw1"]) == 2
    assert "task id 'task3_1' should look like task2_<k>" in capsys.readouterr().err


def test_an_unknown_assignment_name_lists_the_known_ones(course):
    with pytest.raises(CourseError, match="no assignment called 'hw7'; the course has: hw1_first, hw2_second"):
        course.assignment("hw7")


def test_course_wide_test_helpers_reach_every_template_and_stay_in_sync(course, capsys):
    (course.root / "assignments" / "common").mkdir()
    (course.root / "assignments" / "common" / "checks.py").write_text("TOLERANCE = 1e-6\n")
    for name in ("hw1", "hw2"):
        assert release.template(course, course.assignment(name))["tests/checks.py"] == "TOLERANCE = 1e-6\n"
    assert cli.main(["--course", str(course.root), "release", "--all"]) == 0
    copy = course.root / "assignments" / "hw2_second" / "tests" / "checks.py"
    copy.write_text("TOLERANCE = 1.0\n")
    assert cli.main(["--course", str(course.root), "release", "--all", "--check"]) == 1
    assert "changed: tests/checks.py" in capsys.readouterr().out
