"""autograder export: the gradebook's current grades as a CSV, an nbgrader gradebook and a CSV for
Gradescope, each read back as its consumer reads it (the csv module, nbgrader's own API).

The gradebooks hold GradingResults built here, with partial credit and bonus tasks, as the grader
builds them: exporting never grades, so no sandbox is needed."""
import csv
import dataclasses
import shutil
from datetime import datetime

import pytest
from nbgrader.api import Grade
from nbgrader.api import Gradebook as NbgraderGradebook

from autograder import cli
from autograder.classroom import exports
from autograder.classroom.gradebook import Gradebook
from autograder.course import notebooks
from autograder.course.model import Task
from autograder.grading.results import GradingResult, TestResult

from submissions import COURSE

HW1, HW4 = COURSE.assignment("hw1"), COURSE.assignment("hw4")


def result(assignment, credit):
    """A valid GradingResult of ``assignment``: two tests per task, each earning ``credit(task id)``
    (a fraction) of its half of the task's points."""
    tests = [TestResult(name=f"{task.label} — probe {k}", task=task.id, max_score=task.points / 2,
                        score=task.points / 2 * credit(task.id), output="", hidden=True,
                        status="passed" if credit(task.id) == 1 else "failed")
             for task in assignment.tasks for k in (1, 2)]
    graded = GradingResult(assignment=assignment.name, title=assignment.title, tests=tuple(tests),
                           max_score=assignment.total_points,
                           bonus_points=sum(task.points for task in assignment.tasks if task.bonus),
                           output="", execution_time=1.0,
                           task_titles={task.id: task.title for task in assignment.tasks})
    graded.validate()
    return graded


def fill(path, assignment, credits):
    """A gradebook at ``path`` with one grade of ``assignment`` per {student: credit function}."""
    gradebook = Gradebook(path)
    for student, credit in credits.items():
        gradebook.record(assignment.name, student, f"hash-of-{student}", result(assignment, credit))
    return gradebook


CLASS = {"carol": lambda task: 0.0, "alice": lambda task: 1.0,
         "bob": lambda task: 0.5 if task in ("task1_2", "task1_3") else 1 / 3}
HW4_CLASS = {"dan": lambda task: 1.0, "erin": lambda task: 0.25}


@pytest.fixture
def gradebook(tmp_path):
    return fill(tmp_path / "grades.sqlite", HW1, CLASS)


def read_csv(path):
    with open(path, newline="") as file:
        return list(csv.DictReader(file))


def test_csv_has_a_row_per_student_and_task_columns_that_sum_to_the_total(gradebook, tmp_path):
    path = tmp_path / "out" / "hw1.csv"
    assert exports.to_csv(gradebook, HW1, path) == 3
    tasks = [task.id for task in HW1.tasks]
    with open(path, newline="") as file:
        assert next(csv.reader(file)) == ["student", *tasks, "total", "max_score", "bonus", "content_hash",
                                          "graded_at"]
    rows = read_csv(path)
    assert [row["student"] for row in rows] == ["alice", "bob", "carol"]
    latest = gradebook.latest(HW1.name)
    for row in rows:
        grade = latest[row["student"]]
        assert sum(float(row[task]) for task in tasks) == pytest.approx(float(row["total"]), abs=1e-5)
        assert float(row["total"]) == pytest.approx(grade.score, abs=1e-6)
        assert float(row["max_score"]) == HW1.total_points and row["bonus"] == "0"
        assert row["content_hash"] == f"hash-of-{row['student']}"
        assert datetime.fromisoformat(row["graded_at"]).timestamp() == pytest.approx(grade.graded_at, abs=1)
        assert row["graded_at"].endswith("+00:00")
    assert rows[0]["total"] == "100" and rows[2]["total"] == "0"
    assert rows[1]["task1_3"] == "2.5" and rows[1]["task1_1"] == "1.666667"


def test_csv_shows_only_the_current_grade_after_a_regrade(gradebook, tmp_path):
    gradebook.record(HW1.name, "carol", "hash-of-carol", result(HW1, lambda task: 1.0), regrade=True)
    exports.to_csv(gradebook, HW1, tmp_path / "hw1.csv")
    rows = read_csv(tmp_path / "hw1.csv")
    assert [row["student"] for row in rows] == ["alice", "bob", "carol"]
    assert rows[2]["total"] == "100"
    assert len(gradebook.grades(HW1.name, history=True)) == 4      # the old grade stays in the history


def test_csv_counts_bonus_points_in_the_total_and_apart(tmp_path):
    gradebook = fill(tmp_path / "grades.sqlite", HW4, HW4_CLASS)
    exports.to_csv(gradebook, HW4, tmp_path / "hw4.csv")
    bonus = [task for task in HW4.tasks if task.bonus]
    dan, erin = read_csv(tmp_path / "hw4.csv")
    assert float(dan["bonus"]) == sum(task.points for task in bonus)
    assert float(dan["total"]) == HW4.total_points + float(dan["bonus"])
    assert float(erin["total"]) == pytest.approx(float(dan["total"]) / 4, abs=1e-5)


def test_nothing_to_export_and_tasks_the_assignment_lost_are_refused(gradebook, tmp_path):
    with pytest.raises(exports.ExportError, match="no grades of hw4_fashion_mnist"):
        exports.to_csv(gradebook, HW4, tmp_path / "hw4.csv")
    fewer = dataclasses.replace(HW1, tasks=HW1.tasks[:-1])
    with pytest.raises(exports.ExportError, match=rf"alice's grade .*\({HW1.tasks[-1].id}\): regrade"):
        exports.to_csv(gradebook, fewer, tmp_path / "hw1.csv")
    assert not (tmp_path / "hw1.csv").exists() and not (tmp_path / "hw4.csv").exists()


@pytest.fixture(scope="module")
def empty_nbgrader(tmp_path_factory):
    """An empty nbgrader gradebook: nbgrader takes seconds to create one (it runs alembic), so the
    tests copy this one; the command line's test has nbgrader create its own."""
    path = tmp_path_factory.mktemp("nbgrader") / "gradebook.db"
    with notebooks.scripts_on_path(), NbgraderGradebook(f"sqlite:///{path}"):
        pass
    return path


def nbgrader_counts(path):
    """(students, submissions, grade cells, grades) in the nbgrader gradebook at ``path``."""
    with NbgraderGradebook(f"sqlite:///{path}") as nbgrader:
        return (len(nbgrader.students), sum(len(a.submissions) for a in nbgrader.assignments),
                sum(len(n.grade_cells) for a in nbgrader.assignments for n in a.notebooks),
                nbgrader.db.query(Grade).count())


def test_nbgrader_gradebook_holds_every_score_and_a_second_export_updates_it(gradebook, empty_nbgrader,
                                                                            tmp_path):
    path = shutil.copy(empty_nbgrader, tmp_path / "gradebook.db")
    assert exports.to_nbgrader(gradebook, HW1, path, "mytorch") == 3
    counts = nbgrader_counts(path)
    assert counts == (3, 3, len(HW1.tasks), 3 * len(HW1.tasks))
    latest = gradebook.latest(HW1.name)
    with NbgraderGradebook(f"sqlite:///{path}", course_id="mytorch") as nbgrader:
        assignment = nbgrader.find_assignment(HW1.name)
        assert assignment.course_id == "mytorch"
        assert {cell.name for cell in nbgrader.find_notebook(exports.NOTEBOOK, HW1.name).grade_cells} \
            == {task.id for task in HW1.tasks}
        for student, grade in latest.items():
            submission = nbgrader.find_submission(HW1.name, student)
            assert submission.score == pytest.approx(grade.score)
            assert submission.max_score == HW1.total_points and not submission.needs_manual_grade
            for task_id, (score, points) in grade.result.by_task().items():
                cell = nbgrader.find_grade(task_id, exports.NOTEBOOK, HW1.name, student)
                assert (cell.auto_score, cell.max_score) == (pytest.approx(score), points)

    gradebook.record(HW1.name, "carol", "hash-of-carol", result(HW1, lambda task: 1.0), regrade=True)
    gradebook.record(HW1.name, "dave", "hash-of-dave", result(HW1, lambda task: 0.5))
    exports.to_nbgrader(gradebook, HW1, path, "mytorch")
    exports.to_nbgrader(gradebook, HW1, path, "mytorch")
    assert nbgrader_counts(path) == (4, 4, len(HW1.tasks), 4 * len(HW1.tasks))
    with NbgraderGradebook(f"sqlite:///{path}") as nbgrader:
        assert nbgrader.find_submission(HW1.name, "carol").score == pytest.approx(100)
        assert nbgrader.find_submission(HW1.name, "dave").score == pytest.approx(50)


def test_nbgrader_bonus_tasks_are_extra_credit_and_a_manual_score_stays(empty_nbgrader, tmp_path):
    gradebook = fill(tmp_path / "grades.sqlite", HW4, HW4_CLASS)
    path = shutil.copy(empty_nbgrader, tmp_path / "gradebook.db")
    exports.to_nbgrader(gradebook, HW4, path)
    bonus = [task for task in HW4.tasks if task.bonus]
    regular = next(task for task in HW4.tasks if not task.bonus)
    with NbgraderGradebook(f"sqlite:///{path}") as nbgrader:
        dan = nbgrader.find_submission(HW4.name, "dan")
        assert dan.max_score == HW4.total_points
        assert dan.score == pytest.approx(HW4.total_points + sum(task.points for task in bonus))
        for task in bonus:
            cell = nbgrader.find_grade(task.id, exports.NOTEBOOK, HW4.name, "erin")
            assert (cell.max_score, cell.auto_score, cell.extra_credit) == (0, 0, task.points / 4)
        nbgrader.find_grade(regular.id, exports.NOTEBOOK, HW4.name, "erin").manual_score = 0.0
        nbgrader.db.commit()
    exports.to_nbgrader(gradebook, HW4, path)
    with NbgraderGradebook(f"sqlite:///{path}") as nbgrader:
        cell = nbgrader.find_grade(regular.id, exports.NOTEBOOK, HW4.name, "erin")
        assert (cell.manual_score, cell.auto_score, cell.needs_manual_grade) == (0, regular.points / 4, True)


def test_nbgrader_refuses_to_change_the_cells_of_an_assignment_with_submissions(gradebook, empty_nbgrader,
                                                                               tmp_path):
    path = shutil.copy(empty_nbgrader, tmp_path / "gradebook.db")
    exports.to_nbgrader(gradebook, HW1, path)
    more = dataclasses.replace(HW1, tasks=(*HW1.tasks, Task("task1_99", "one more", 1)))
    with pytest.raises(exports.ExportError, match="cannot change cells once there are submissions"):
        exports.to_nbgrader(gradebook, more, path)
    assert nbgrader_counts(path) == (3, 3, len(HW1.tasks), 3 * len(HW1.tasks))


def write_roster(path, rows):
    with open(path, "w", newline="") as file:
        csv.writer(file).writerows(rows)
    return path


def test_gradescope_csv_takes_emails_and_sids_from_the_roster(gradebook, tmp_path):
    roster = write_roster(tmp_path / "roster.csv", [
        ["student", "email", "sid"], ["alice", "alice@example.edu", "1001"],
        ["bob", "bob@example.edu", ""], ["carol", "carol@example.edu", "1003"]])
    assert exports.to_gradescope_csv(gradebook, HW1, tmp_path / "gs.csv", roster) == 3
    bob_score = gradebook.latest(HW1.name)["bob"].score
    with open(tmp_path / "gs.csv", newline="") as file:
        assert list(csv.reader(file)) == [
            ["Name", "SID", "Email", "Total Score", "Max Points"],
            ["alice", "1001", "alice@example.edu", "100", "100"],
            ["bob", "", "bob@example.edu", f"{bob_score:.6f}".rstrip("0"), "100"],
            ["carol", "1003", "carol@example.edu", "0", "100"]]


def test_gradescope_csv_refuses_students_without_an_email(gradebook, tmp_path):
    roster = write_roster(tmp_path / "roster.csv", [["student", "email"], ["alice", "alice@example.edu"],
                                                    ["bob", ""]])
    with pytest.raises(exports.ExportError, match=r"no email address for bob, carol: .*\(--roster"):
        exports.to_gradescope_csv(gradebook, HW1, tmp_path / "gs.csv", roster)
    with pytest.raises(exports.ExportError, match="no email address for alice, bob, carol"):
        exports.to_gradescope_csv(gradebook, HW1, tmp_path / "gs.csv")
    with pytest.raises(exports.ExportError, match="lacks email"):
        exports.to_gradescope_csv(gradebook, HW1, tmp_path / "gs.csv",
                                  write_roster(tmp_path / "bad.csv", [["student", "mail"]]))
    assert not (tmp_path / "gs.csv").exists()


def test_gradescope_csv_needs_no_roster_when_students_are_emails(tmp_path):
    gradebook = fill(tmp_path / "grades.sqlite", HW1, {"ann@example.edu": lambda task: 1.0})
    exports.to_gradescope_csv(gradebook, HW1, tmp_path / "gs.csv")
    assert read_csv(tmp_path / "gs.csv") == [{"Name": "ann@example.edu", "SID": "",
                                              "Email": "ann@example.edu", "Total Score": "100",
                                              "Max Points": "100"}]


def test_the_command_line_exports_each_format(gradebook, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    base = ["export", "--assignment", "hw1", "--gradebook", str(gradebook.path)]
    assert cli.main([*base, "--to", "csv"]) == 0
    assert "the current grades of 3 students written to exports/hw1_autodiff.csv" in capsys.readouterr().out
    assert len(read_csv(tmp_path / "exports" / "hw1_autodiff.csv")) == 3

    assert cli.main([*base, "--to", "nbgrader"]) == 0
    assert "3 students written to exports/gradebook.db (nbgrader)" in capsys.readouterr().out
    with NbgraderGradebook(f"sqlite:///{tmp_path / 'exports' / 'gradebook.db'}") as nbgrader:
        assert nbgrader.find_assignment(HW1.name).course_id == "mytorch"    # reference/nbgrader_course's config
        assert nbgrader.find_submission(HW1.name, "alice").score == pytest.approx(100)

    roster = write_roster(tmp_path / "roster.csv", [["student", "email"], *([s, f"{s}@example.edu"]
                                                                          for s in CLASS)])
    out = tmp_path / "gradescope.csv"
    assert cli.main([*base, "--to", "gradescope-csv", "--roster", str(roster), "--out", str(out)]) == 0
    assert f"3 students written to {out} (gradescope-csv)" in capsys.readouterr().out
    assert [row["Email"] for row in read_csv(out)] == ["alice@example.edu", "bob@example.edu",
                                                       "carol@example.edu"]


def test_the_command_line_refuses_with_a_clear_message(gradebook, tmp_path, capsys):
    book, nowhere = str(gradebook.path), str(tmp_path / "none.sqlite")
    cases = {("--assignment", "hw2", "--gradebook", book): "no grades of hw2_backprop",
             ("--assignment", "hw1", "--gradebook", nowhere): "none.sqlite: no gradebook",
             ("--assignment", "hw1", "--gradebook", book, "--roster", "r.csv"): "is for gradescope"}
    for arguments, message in cases.items():
        assert cli.main(["export", "--to", "csv", "--out", str(tmp_path / "x.csv"), *arguments]) == 2
        assert message in capsys.readouterr().err
    assert not (tmp_path / "none.sqlite").exists() and not (tmp_path / "x.csv").exists()
    assert cli.main(["export", "--to", "gradescope-csv", "--assignment", "hw1", "--gradebook",
                     str(gradebook.path), "--out", str(tmp_path / "x.csv")]) == 2
    assert "no email address for alice, bob, carol" in capsys.readouterr().err
