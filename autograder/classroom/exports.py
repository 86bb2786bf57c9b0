"""Exports of the gradebook: ``autograder export --assignment hw1 --to csv|nbgrader|gradescope-csv``.

Every format reads the *current* grade of each student of one assignment (:func:`current`, through
:meth:`~autograder.classroom.gradebook.Gradebook.latest`: a regrade replaces the grade it supersedes, a later
hand-in wins) and never grades anything. A task's score is the sum of its tests' scores
(:meth:`~autograder.grading.results.GradingResult.by_task`); a task without a test in a result scores 0.
The total is the sum of the tasks', bonus tasks included, so it may exceed ``max_score`` (the points of
the non-bonus tasks), as in every report of the grader.

``csv`` (:func:`to_csv`), one row per student, sorted by student, with the columns:
    ``student``; one per task, in assignment.toml's order, headed by the task's id
    (``task1_3``: stable where a title may be reworded; assignment.toml gives its title and points);
    ``total``; ``max_score``; ``bonus`` (the part of ``total`` earned on bonus tasks);
    ``content_hash`` (the SHA-256 of the hand-in graded); ``graded_at`` (ISO 8601, UTC).

``nbgrader`` (:func:`to_nbgrader`): a real nbgrader gradebook (an SQLite file), written through
nbgrader's own API, as its ``autograde`` writes one. The assignment, named as in the course
(``hw1_autodiff``), gets a notebook :data:`NOTEBOOK` (a name no notebook of ``reference/nbgrader_course``
has) with one autograded code cell per task, named by its id, whose ``max_score`` is the task's
points. A bonus task's cell is worth 0 and its points go into the grade's ``extra_credit``, nbgrader's
own notion of points on top of the maximum: nbgrader's maximum is then the assignment's
``max_score`` and its score our total, bonus included. Each student of the gradebook becomes an
nbgrader student with a submission whose grades hold the task scores as ``auto_score``. Exporting
again updates the same rows; a manual score a grader gave in nbgrader stays, and takes precedence
there, as after nbgrader's own autograde.

``gradescope-csv`` (:func:`to_gradescope_csv`): one row per student, with the columns ``Name`` (the
gradebook's student), ``SID``, ``Email``, ``Total Score`` (bonus included) and ``Max Points``, named
as in the score CSV that Gradescope itself exports for an assignment, and keyed as Gradescope keys
the members of a course: by a unique email address, with an optional student ID (its roster guide,
https://guides.gradescope.com/hc/en-us/articles/21926598776333-Adding-Students-and-Staff). A
student's email and SID come from a roster (:func:`read_roster`: a CSV with the columns
``student,email[,sid]``), or the student's own name in the gradebook where it is an email address;
without an email for every student, nothing is written.

Numbers in the CSV files are rounded to 6 decimals; the nbgrader gradebook keeps them exact.
"""
import csv
import re
import warnings
from datetime import datetime, timezone
from pathlib import Path

from autograder.course import notebooks
from autograder.course.model import CourseError

NOTEBOOK = "autograder"
# {format: its file in exports/ without --out, {} the assignment's name}
FORMATS = {"csv": "{}.csv", "nbgrader": "gradebook.db", "gradescope-csv": "{}.gradescope.csv"}
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
GRADESCOPE_COLUMNS = ("Name", "SID", "Email", "Total Score", "Max Points")


class ExportError(CourseError):
    """Grades that cannot be exported as asked; the message says why (the command line prints it and
    exits with 2, as for any :class:`~autograder.errors.KitError`)."""


def default_path(fmt, assignment):
    """Where ``autograder export`` writes ``fmt`` without ``--out``: ``exports/hw1_autodiff.csv``,
    ``exports/hw1_autodiff.gradescope.csv`` or ``exports/gradebook.db`` (one nbgrader gradebook holds
    every assignment), under the current folder."""
    return Path("exports") / FORMATS[fmt].format(assignment.name)


def export(fmt, course, assignment, gradebook, path, roster=None):
    """Write ``assignment``'s current grades in ``gradebook`` to ``path`` as ``fmt`` (a key of
    :data:`FORMATS`); ``roster`` is the roster's path, for gradescope-csv only. Returns the number of
    students written."""
    if roster is not None and fmt != "gradescope-csv":
        raise ExportError(f"a roster maps students to Gradescope's email addresses: it is for "
                          f"gradescope-csv, not {fmt}")
    if fmt == "csv":
        return to_csv(gradebook, assignment, path)
    if fmt == "nbgrader":
        return to_nbgrader(gradebook, assignment, path, notebooks.course_id(course))
    return to_gradescope_csv(gradebook, assignment, path, roster)


def current(gradebook, assignment):
    """{student: Grade}, sorted by student: each student's current grade of ``assignment``. Raises
    ExportError when there is none, or when a grade has a task the assignment no longer has (its
    scores would no longer add up: regrade)."""
    grades = dict(sorted(gradebook.latest(assignment.name).items()))
    if not grades:
        raise ExportError(f"{gradebook.path}: no grades of {assignment.name} in this gradebook "
                          f"(`autograder batch` records them)")
    known = {task.id for task in assignment.tasks}
    for student, grade in grades.items():
        unknown = sorted(set(grade.result.by_task()) - known)
        if unknown:
            raise ExportError(f"{student}'s grade of {assignment.name} has tasks that the assignment no "
                              f"longer has ({', '.join(unknown)}): regrade it (autograder batch --regrade)")
    return grades


def task_scores(assignment, result):
    """{task id: points earned} of every task of ``assignment``, in course order, from ``result``."""
    scores = result.by_task()
    return {task.id: scores.get(task.id, (0.0, 0.0))[0] for task in assignment.tasks}


def to_csv(gradebook, assignment, path):
    """Write the current grades of ``assignment`` as ``csv`` (see the module's docstring) to ``path``;
    returns the number of students."""
    grades = current(gradebook, assignment)
    bonus = {task.id for task in assignment.tasks if task.bonus}
    rows = []
    for student, grade in grades.items():
        scores = task_scores(assignment, grade.result)
        graded_at = datetime.fromtimestamp(grade.graded_at, timezone.utc).isoformat(timespec="seconds")
        rows.append([student, *map(_number, scores.values()), _number(grade.result.score),
                     _number(grade.result.max_score), _number(sum(scores[t] for t in bonus)),
                     grade.content_hash, graded_at])
    header = ["student", *(task.id for task in assignment.tasks), "total", "max_score", "bonus",
              "content_hash", "graded_at"]
    _write_csv(path, header, rows)
    return len(rows)


def to_nbgrader(gradebook, assignment, path, course_id="default_course"):
    """Write the current grades of ``assignment`` into the nbgrader gradebook at ``path`` (created if
    new) of the nbgrader course ``course_id`` (see the module's docstring); returns the number of
    students."""
    grades = current(gradebook, assignment)
    notebooks.require_nbgrader()
    from nbgrader.api import Gradebook as NbgraderGradebook
    from sqlalchemy.exc import SAWarning

    path = Path(path).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    bonus = {task.id for task in assignment.tasks if task.bonus}
    with notebooks.scripts_on_path(), \
            NbgraderGradebook(f"sqlite:///{path}", course_id=course_id) as nbgrader:
        _nbgrader_notebook(nbgrader, assignment, path)
        for student, grade in grades.items():
            nbgrader.update_or_create_student(student)
            # nbgrader links a new submission's notebook and grades to it before adding it to the
            # session; SQLAlchemy warns of each, and the cascade adds them all the same.
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", "Object of type .* not in session", SAWarning)
                nbgrader.update_or_create_submission(assignment.name, student)
            cells = {cell.name: cell for cell in
                     nbgrader.find_submission_notebook(NOTEBOOK, assignment.name, student).grades}
            for task_id, score in task_scores(assignment, grade.result).items():
                cell = cells[task_id]
                if task_id in bonus:
                    cell.auto_score, cell.extra_credit = 0.0, score
                else:
                    cell.auto_score = score
                cell.needs_manual_grade = cell.manual_score is not None    # as nbgrader's autograde
            nbgrader.db.commit()
    return len(grades)


def _nbgrader_notebook(nbgrader, assignment, path):
    """Make ``assignment`` in the nbgrader gradebook hold the notebook :data:`NOTEBOOK` with one grade
    cell per task. nbgrader copies a notebook's cells into each submission as it creates it, so the
    cells of an assignment with submissions cannot change: that raises ExportError, as nbgrader's
    own generate_assignment refuses to."""
    from nbgrader.api import MissingEntry

    nbgrader.update_or_create_assignment(assignment.name)
    points = {task.id: 0.0 if task.bonus else float(task.points) for task in assignment.tasks}
    try:
        cells = {cell.name for cell in nbgrader.find_notebook(NOTEBOOK, assignment.name).grade_cells}
    except MissingEntry:
        cells = None
    if cells != set(points):
        if nbgrader.assignment_submissions(assignment.name):
            raise ExportError(f"{path}: {assignment.name} has submissions there, and its notebook "
                              f"{NOTEBOOK!r} lacks the cells of its tasks ({', '.join(points)}); nbgrader "
                              f"cannot change cells once there are submissions: export to another file")
        if cells is not None:
            nbgrader.remove_notebook(NOTEBOOK, assignment.name)
        nbgrader.add_notebook(NOTEBOOK, assignment.name)
    for task_id, max_score in points.items():
        nbgrader.update_or_create_grade_cell(task_id, NOTEBOOK, assignment.name, max_score=max_score,
                                             cell_type="code")


def read_roster(path):
    """{student: (email, sid)} from the roster CSV at ``path``: a header with the columns ``student``
    and ``email``, and optionally ``sid``; an empty cell is "". Raises ExportError for a missing
    column, a student listed twice, or a file that cannot be read as CSV text."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as file:     # utf-8-sig: a spreadsheet's BOM
            reader = csv.DictReader(file)
            missing = sorted({"student", "email"} - set(reader.fieldnames or ()))
            if missing:
                raise ExportError(f"{path}: a roster has the columns student,email[,sid]; this one lacks "
                                  f"{', '.join(missing)}")
            roster = {}
            for row in reader:
                student = (row["student"] or "").strip()
                if student in roster:
                    raise ExportError(f"{path}: {student!r} is listed twice")
                roster[student] = ((row["email"] or "").strip(), (row.get("sid") or "").strip())
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
        raise ExportError(f"{path}: the roster cannot be read ({reason}): name a CSV file with the columns "
                          f"student,email[,sid] (--roster)") from None
    return roster


def to_gradescope_csv(gradebook, assignment, path, roster=None):
    """Write the current grades of ``assignment`` as ``gradescope-csv`` (see the module's docstring)
    to ``path``, with the emails and SIDs of the roster CSV at ``roster``; returns the number of
    students. Raises ExportError, naming them, when students have no email address."""
    grades = current(gradebook, assignment)
    people = read_roster(roster) if roster is not None else {}
    rows, unknown = [], []
    for student, grade in grades.items():
        email, sid = people.get(student, ("", ""))
        email = email or student
        if not EMAIL.fullmatch(email):
            unknown.append(student)
        rows.append([student, sid, email, _number(grade.result.score), _number(grade.result.max_score)])
    if unknown:
        raise ExportError(f"no email address for {', '.join(unknown)}: Gradescope matches scores to "
                          f"students by email; give each of them one in the roster (--roster, a CSV "
                          f"with the columns student,email[,sid])")
    _write_csv(path, GRADESCOPE_COLUMNS, rows)
    return len(rows)


def _number(value):
    """A score as a CSV cell: rounded to 6 decimals, without trailing zeros ("42.5", "100")."""
    return format(round(value, 6), ".15g")


def _write_csv(path, header, rows):
    """Write ``header`` and ``rows`` to the CSV file ``path``, creating its folder."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)
