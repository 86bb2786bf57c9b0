"""The whole path for a class of 100: graded on two workers, killed half-way, resumed, exported in
all three formats. Every student ends with exactly one grade, the one their hand-in earns."""
import csv
import os
import signal
import subprocess
import sys
import time
import zipfile

import pytest

from autograder.classroom.gradebook import Gradebook

from test_batch import HW1, SCORES, SOURCES

pytestmark = pytest.mark.slow     # grades a class of 100

STUDENTS = 100


def a_class(folder):
    """STUDENTS zips of hw1, the three kinds in turn, each with a comment of its own (so that no
    two hand-ins have the same content); {student: kind}."""
    kinds = {}
    for number in range(STUDENTS):
        student, kind = f"student{number:03d}", list(SOURCES)[number % len(SOURCES)]
        with zipfile.ZipFile(folder / f"{student}_{number}_hw1.zip", "w") as archive:
            for relative in HW1.submission:
                if (SOURCES[kind] / relative).is_file():
                    archive.writestr(relative, (SOURCES[kind] / relative).read_text() + f"\n# {student}\n")
        kinds[student] = kind
    return kinds


def test_a_class_of_100_grades_resumes_after_a_kill_and_exports_in_every_format(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    kinds = a_class(folder)
    database = tmp_path / "grades.sqlite"
    batch = [sys.executable, "-m", "autograder", "batch", str(folder), "--assignment", "hw1",
             "--workers", "2", "--gradebook", str(database)]
    first = subprocess.Popen(batch, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
    gradebook = Gradebook(database)
    deadline = time.monotonic() + 300
    while len(gradebook.graded(HW1.name)) < STUDENTS // 3 and first.poll() is None \
            and time.monotonic() < deadline:
        time.sleep(0.1)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    assert STUDENTS // 3 <= len(gradebook.graded(HW1.name)) < STUDENTS
    resumed = subprocess.run(batch, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "graded before and unchanged" in resumed.stdout
    grades = gradebook.grades(HW1.name, history=True)
    assert len(grades) == STUDENTS and {g.student: g.score for g in grades} == \
        {student: SCORES[kind] for student, kind in kinds.items()}

    roster = tmp_path / "roster.csv"
    roster.write_text("student,email\n" + "".join(f"{s},{s}@example.edu\n" for s in sorted(kinds)))
    formats = [("csv", "grades.csv", []), ("gradescope-csv", "gradescope.csv", ["--roster", str(roster)]),
               ("nbgrader", "gradebook.db", [])]
    for fmt, out, extra in formats:
        exported = subprocess.run([sys.executable, "-m", "autograder", "export", "--assignment", "hw1",
                                   "--to", fmt, "--gradebook", str(database), "--out", str(tmp_path / out),
                                   *extra], capture_output=True, text=True)
        assert exported.returncode == 0, exported.stderr[-2000:]
        assert f"of {STUDENTS} students" in exported.stdout
    rows = list(csv.DictReader((tmp_path / "grades.csv").open()))
    assert len(rows) == STUDENTS and sum(float(row["total"]) for row in rows) == \
        sum(SCORES[kind] for kind in kinds.values())
    assert len(list(csv.DictReader((tmp_path / "gradescope.csv").open()))) == STUDENTS
    from nbgrader.api import Gradebook as NbgraderGradebook
    with NbgraderGradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as nbgrader:
        assert len(nbgrader.students) == STUDENTS
        assert nbgrader.find_submission(HW1.name, "student000").score == SCORES[kinds["student000"]]
