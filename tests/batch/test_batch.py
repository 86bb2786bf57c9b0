"""Grading a class: discovery of the submissions, the durable gradebook, resuming after a kill,
retries of the grader's own failures (a worker killed mid-batch), regrades with history."""
import os
import signal
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest

from autograder.classroom import batch, discovery
from autograder.classroom.gradebook import Gradebook, content_hash

from submissions import COURSE, copy_of

pytestmark = pytest.mark.slow     # grades classes on worker processes

HW1 = COURSE.assignment("hw1")
SOURCES = {"reference": COURSE.reference.parent, "template": HW1.folder,
           "partial": COURSE.root / "examples" / "hw1_partial"}
SCORES = {"reference": 100.0, "template": 0.0, "partial": 42.0}


def hand_in(folder, student, kind, name=None):
    """A zip of ``kind``'s hw1 files in ``folder``, named as an LMS bulk download names it."""
    files = copy_of(HW1, SOURCES[kind], folder.parent / f".files-{student}")
    path = folder / (name or f"{student}_{len(student)}_{ord(student[0])}_hw1.zip")
    with zipfile.ZipFile(path, "w") as archive:
        for file in sorted(files.rglob("*")):
            if file.is_file():
                archive.write(file, file.relative_to(files))
    return path


@pytest.fixture
def klass(tmp_path):
    """A class of six: two of each kind."""
    folder = tmp_path / "submissions"
    folder.mkdir()
    kinds = {}
    for number, kind in enumerate(["reference", "template", "partial"] * 2):
        student = f"student{number}"
        hand_in(folder, student, kind)
        kinds[student] = kind
    return folder, kinds


def test_discover_reads_the_student_from_the_name_or_a_gradescope_export(tmp_path):
    folder = tmp_path / "lms"
    folder.mkdir()
    hand_in(folder, "doejane", "template", "doejane_12345_67890_hw1.zip")
    hand_in(folder, "roe", "template", "roe.zip")
    (folder / "notes.txt").write_text("not a submission")
    assert [s.student for s in discovery.discover(folder)] == ["doejane", "roe"]
    with pytest.raises(ValueError, match=r"roe.zip: the student pattern .* does not match its name"):
        discovery.discover(folder, r"(?P<student>\w+?)_\d+_\d+_")     # Canvas's names only
    export = tmp_path / "gradescope"
    (export / "submission_111").mkdir(parents=True)
    copy_of(HW1, HW1.folder, export / "submission_111")
    (export / "submission_metadata.yml").write_text(
        ":submission_111:\n  :submitters:\n  - :name: Jane Doe\n    :email: jane@example.edu\n")
    [submission] = discovery.discover(export)
    assert submission.student == "Jane Doe" and submission.content == content_hash(export / "submission_111")


def test_a_class_is_graded_once_and_a_second_run_grades_nothing(klass, tmp_path):
    folder, kinds = klass
    gradebook = Gradebook(tmp_path / "grades.sqlite")
    submissions = discovery.discover(folder)
    summary = batch.grade_class(COURSE, HW1, submissions, gradebook, workers=2, progress=False)
    assert summary.scores == {student: SCORES[kind] for student, kind in kinds.items()} and not summary.failed
    assert {s: g.score for s, g in gradebook.latest(HW1.name).items()} == summary.scores
    again = batch.grade_class(COURSE, HW1, submissions, gradebook, workers=2, progress=False)
    assert again.scores == {} and again.skipped == len(kinds)
    assert len(gradebook.grades(HW1.name, history=True)) == len(kinds)


def test_a_regrade_keeps_the_history(klass, tmp_path):
    folder, kinds = klass
    gradebook = Gradebook(tmp_path / "grades.sqlite")
    submissions = discovery.discover(folder)[:2]
    batch.grade_class(COURSE, HW1, submissions, gradebook, progress=False)
    batch.grade_class(COURSE, HW1, submissions, gradebook, regrade=True, progress=False)
    history = gradebook.grades(HW1.name, history=True)
    assert len(history) == 4 and sum(grade.current for grade in history) == 2


def test_a_result_committed_twice_stays_one_grade(klass, tmp_path):
    folder, _ = klass
    gradebook = Gradebook(tmp_path / "grades.sqlite")
    [submission] = discovery.discover(folder)[:1]
    result = batch.grade_class(COURSE, HW1, [submission], gradebook, progress=False)
    grade = gradebook.latest(HW1.name)[submission.student]
    assert result.scores
    assert not gradebook.record(HW1.name, submission.student, submission.content, grade.result)
    assert len(gradebook.grades(HW1.name, history=True)) == 1


def test_a_killed_batch_resumes_with_what_is_missing_and_duplicates_nothing(klass, tmp_path):
    folder, kinds = klass
    database = tmp_path / "grades.sqlite"
    command = [sys.executable, "-m", "autograder", "batch", str(folder), "--assignment", "hw1",
               "--gradebook", str(database)]
    first = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
    gradebook = Gradebook(database)
    deadline = time.monotonic() + 120
    while len(gradebook.graded(HW1.name)) < 2 and time.monotonic() < deadline and first.poll() is None:
        time.sleep(0.05)
    os.killpg(first.pid, signal.SIGKILL)         # the batch and its workers, mid-way
    first.wait()
    done = gradebook.graded(HW1.name)
    assert 2 <= len(done) < len(kinds), "killed after some grades and before the last"
    assert subprocess.run(command, capture_output=True, text=True).returncode == 0
    grades = gradebook.grades(HW1.name, history=True)
    assert sorted(grade.student for grade in grades) == sorted(kinds), "each graded exactly once"
    assert all(grade.score == SCORES[kinds[grade.student]] for grade in grades)


def test_a_worker_killed_mid_batch_is_a_failure_of_the_graders_retried_until_all_are_graded(klass, tmp_path):
    folder, kinds = klass
    gradebook = Gradebook(tmp_path / "grades.sqlite")
    submissions = discovery.discover(folder)
    killed = threading.Event()

    def kill_a_worker():
        while not killed.is_set():
            workers = _children(os.getpid())
            if workers and gradebook.graded(HW1.name):
                os.kill(workers[0], signal.SIGKILL)
                killed.set()
            time.sleep(0.05)

    killer = threading.Thread(target=kill_a_worker, daemon=True)
    killer.start()
    summary = batch.grade_class(COURSE, HW1, submissions, gradebook, workers=2, progress=False)
    killed.set()
    assert not summary.failed
    assert {s: g.score for s, g in gradebook.latest(HW1.name).items()} == \
        {student: SCORES[kind] for student, kind in kinds.items()}
    assert len(gradebook.grades(HW1.name, history=True)) == len(kinds)
    assert any("BrokenProcessPool" in message for *_, message in gradebook.failures(HW1.name))


def _children(pid):
    """The pids of ``pid``'s child processes."""
    children = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children += map(int, (task / "children").read_text().split())
    return children


def test_the_summary_draws_a_histogram_of_the_scores():
    summary = batch.Summary("hw1_autodiff", 100, scores={"a": 100, "b": 95, "c": 42.5, "d": 0})
    lines = summary.render().splitlines()
    assert lines[0].startswith("hw1_autodiff: 4 graded, 0 graded before")
    assert "mean 59.4, median 95" in lines[1]
    assert lines[-1].endswith("█ 2") and lines[2].endswith(" 1")
