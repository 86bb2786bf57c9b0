"""The release tool on a small course built in a temporary folder, and what it releases of this
course: each template's TODOs, and what plain `pytest` shows a student in a template."""
import re
import shutil
import subprocess
import sys
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from autograder import cli
from autograder.course import release, solutions
from autograder.course.model import Course, CourseError

COURSE = Course(Path(__file__).resolve().parents[2])

REFERENCE = '''def first():
    ### BEGIN SOLUTION task1_1
    ### TODO Return 1.
    return 1
    ### END SOLUTION


def second():
    ### BEGIN SOLUTION task2_1
    ### TODO Return the secret.
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


def test_a_template_stubs_its_own_tasks_and_keeps_earlier_ones(course):
    hw1 = release.template(course, course.assignment("hw1"))["mytorch/core.py"]
    hw2 = release.template(course, course.assignment("hw2"))["mytorch/core.py"]
    assert ("    # TODO Task 1.1 (part one of hw1): Return 1.\n"
            "    raise NotImplementedError('Task 1.1: part one of hw1')\n") in hw1
    assert "return 1" in hw2 and "raise NotImplementedError('Task 1.1" not in hw2
    assert ("    # TODO Task 2.1 (part one of hw2): Return the secret.\n"
            "    raise NotImplementedError('Task 2.1: part one of hw2')\n") in hw2


def test_a_later_assignments_region_only_raises_that_it_is_not_needed_yet(course):
    hw1 = release.template(course, course.assignment("hw1"))["mytorch/core.py"]
    assert "    raise NotImplementedError('part of hw2_second: not needed in hw1_first')\n" in hw1
    assert "Task 2.1" not in hw1 and "Return the secret" not in hw1 and "secret two" not in hw1
    namespace = {}
    exec(hw1, namespace)
    with pytest.raises(NotImplementedError, match="^part of hw2_second: not needed in hw1_first$"):
        namespace["second"]()


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


# ----- this course's templates ---------------------------------------------------------------------

def regions_per_task():
    """Counter {task id: how many solution regions of the reference belong to it}."""
    return Counter(region.task for path in COURSE.reference.rglob("*.py")
                   for region in solutions.regions(solutions.parse(path.read_text(), str(path))))


@pytest.mark.parametrize("assignment", COURSE.assignments, ids=lambda a: a.name)
def test_a_template_shows_the_todos_of_its_own_tasks_only(assignment):
    """Counted in the committed template, which tests/course/test_assignments.py proves in sync."""
    code = "".join(path.read_text() for path in sorted((assignment.folder / "mytorch").rglob("*.py")))
    regions = regions_per_task()
    own = Counter({task.number: regions[task.id] for task in assignment.tasks})
    later = Counter({(other.name, assignment.name): sum(regions[task.id] for task in other.tasks)
                     for other in COURSE.assignments if other.number > assignment.number})
    assert Counter(re.findall(r"# TODO Task (\d+\.\d+) \(", code)) == own
    assert Counter(re.findall(r"raise NotImplementedError\('Task (\d+\.\d+): ", code)) == own
    assert code.count("TODO") == own.total(), "a TODO that is not a stub of this assignment's tasks"
    assert set(re.findall(r"Task (\d+)\.\d+", code)) == {str(assignment.number)}
    placeholders = re.findall(r"raise NotImplementedError\('part of (\w+): not needed in (\w+)'\)", code)
    assert Counter(placeholders) == later


ARRAY_TEST = """import numpy as np
import pytest

from checks import assert_close

pytestmark = pytest.mark.task1_2


def test_a_large_array_with_one_wrong_value():
    expected = np.arange(900.0).reshape(30, 30)
    actual = expected.copy()
    actual[4, 7] += 1
    assert_close(actual, expected, "the array")
"""


def failure_sections(output):
    """[(test name, the lines under its header)] of the FAILURES part of pytest's output."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if " FAILURES " in line)
    end = next(i for i, line in enumerate(lines) if " short test summary info " in line)
    sections = []
    for line in lines[start + 1:end]:
        if header := re.fullmatch(r"_+ (.+?) _+", line):
            sections.append((header[1], []))
        else:
            sections[-1][1].append(line)
    return sections


def test_plain_pytest_in_a_template_runs_the_tasks_in_order_with_short_failures(tmp_path):
    hw1 = COURSE.assignment("hw1")
    folder = tmp_path / hw1.name
    shutil.copytree(hw1.folder, folder, ignore=shutil.ignore_patterns("__pycache__", "hidden"))
    (folder / hw1.public_tests.name / "test_task1_2_arrays.py").write_text(ARRAY_TEST)
    result = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider"], cwd=folder,
                            capture_output=True, text=True, timeout=600)
    output = result.stdout
    files = [(int(a), int(k)) for a, k in re.findall(r"^tests/test_task(\d+)_(\d+)_\w+\.py ", output, re.M)]
    assert files == sorted(files) and (1, 10) in files, output[:3000]
    table = output.split("score estimate from the public tests")[1]
    assert re.findall(r"^(task\d+_\d+) ", table, re.M) == [task.id for task in hw1.tasks]

    sections = failure_sections(output)
    assert len(sections) == int(re.search(r"(\d+) failed", output)[1])
    wrong = [lines for name, lines in sections if name == "test_a_large_array_with_one_wrong_value"]
    assert wrong == [["tests/test_task1_2_arrays.py:13: in test_a_large_array_with_one_wrong_value",
                      '    assert_close(actual, expected, "the array")',
                      "E   AssertionError: the array: 1 of 900 values wrong (shape (30, 30)); the worst at "
                      "index (4, 7): 128, expected 127 (allowed error 0.00013)"]]
    unfinished = [lines for name, lines in sections if name != "test_a_large_array_with_one_wrong_value"]
    for lines in unfinished:      # where the task's NotImplementedError was raised, and its message
        assert len(lines) == 3 and re.fullmatch(r"E   NotImplementedError: Task 1\.\d+: .+", lines[-1]), lines
