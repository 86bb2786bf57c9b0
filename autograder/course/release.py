"""Releasing an assignment: the student template generated from the reference.

For assignment N the template holds:
- ``mytorch/``: the reference package, in which every solution region of
  assignment N is replaced by its TODO stub, every region of assignments
  N+1, … by a bare raise that says it is not needed yet (so the template shows
  only its own tasks' TODOs), and regions of earlier assignments keep their
  solution (a student who missed hw1 can still do hw2);
- ``pytest.ini``: one marker per task, so that ``pytest -m task1_3`` runs one task, whose
  description gives the task's title and points (for the public tests' score table);
- ``tests/checks.py`` and ``tests/conftest.py`` (every ``.py`` file of
  ``assignments/common/``): the course-wide test helpers and the score table
  printed after each pytest run, one source for every assignment, since each
  handout must stand alone; and ``tests/finite_differences.py``, the
  numerical derivatives the grader's gradient checks use too;
- ``tests/recordings/<test module>.json``: what the reference's code answered, in each
  public test of a module that declares ``STAND_INS``, for the other tasks' code that the
  test stands in (:mod:`autograder.course.recording`);
- its nbgrader notebook, if it has one (``[notebook] file``): what
  ``nbgrader generate_assignment`` makes of ``reference/nbgrader_course/source/<name>/``
  (:mod:`autograder.course.notebooks`);
- the hand-in command at its root: ``collect_submission.py`` (from
  ``assignments/common/handin/``) and ``submission.toml``, what it reads: the files
  to hand in (assignment.toml's ``[submission]``) and the grader's intake limits
  (:mod:`autograder.grading.submission`), so that the script and the grader cannot drift apart
  (:mod:`autograder.course.handin`);
- the generated blocks of its handout, ``README.md``: the text between
  ``<!-- BEGIN GENERATED <name> -->`` and ``<!-- END GENERATED -->`` is rewritten
  from assignment.toml, the grader's limits, the notebook's points and
  ``assignments/course.toml`` (:mod:`autograder.course.handouts`); the rest of the handout
  is the instructor's.

The rest of the handout, the public ``tests/`` and ``assignment.toml`` are
written by the instructor beside it; ``hidden/`` holds the hidden tests,
which no release ever ships.
"""
import zipfile
from collections.abc import Mapping
from pathlib import Path

from autograder.course import handin, handouts, notebooks, recording, solutions
from autograder.course.model import Assignment, Course, CourseError, Task
from autograder.sandbox.harness import finite_differences

HANDOUT = handouts.HANDOUT


def template(course: Course, assignment: Assignment) -> dict[str, str]:
    """The generated files of ``assignment``: {path relative to its folder: text}."""
    tasks = course.tasks
    stripped = set()

    def task_to_strip(task_id: str) -> Task | None:
        if task_id not in tasks:
            raise CourseError(f"solution region of unknown task {task_id!r}: declare it in an "
                              "assignment.toml")
        task = tasks[task_id]
        return task if task.assignment_number >= assignment.number else None

    later = {other.number: other.name for other in course.assignments if other.number > assignment.number}

    def stub(region: solutions.Region, task: Task) -> str:
        """This assignment's task gets its TODO stub; a later assignment's only a raise that says so."""
        if task.assignment_number in later:
            return solutions.placeholder(region, f"part of {later[task.assignment_number]}: "
                                                 f"not needed in {assignment.name}")
        return solutions.stub(region, task)

    files = {}
    for path in sorted(course.reference.rglob("*")):
        if path.is_dir() or "__pycache__" in path.parts:
            continue
        relative = Path("mytorch") / path.relative_to(course.reference)
        text = path.read_text()
        if path.suffix == ".py":
            parts = solutions.parse(text, source=str(path))
            if any(tasks.get(r.task) in assignment.tasks for r in solutions.regions(parts)):
                stripped.add(relative.as_posix())
            text = solutions.render(parts, task_to_strip, stub)
        files[relative.as_posix()] = text
    missing = stripped - set(assignment.submission)
    if missing:
        raise CourseError(f"{assignment.folder / 'assignment.toml'}: students must edit {sorted(missing)}, "
                          "so [submission] files must list them")
    files["pytest.ini"] = pytest_ini(assignment)
    files.update(shared_tests(course, assignment))
    files.update(recording.recordings(course, assignment, files))
    if assignment.notebook is not None:
        files[assignment.notebook] = notebooks.generate(course, assignment)
    files.update(handin.handin_files(course, assignment))
    files[HANDOUT] = handouts.handout(course, assignment, files)
    return files


def shared_tests(course: Course, assignment: Assignment) -> dict[str, str]:
    """{<public tests>/<name>: text} for every course-wide test helper."""
    folder = assignment.public_tests.name
    paths = [*sorted(course.shared_tests.glob("*.py")), finite_differences.__file__]
    return {f"{folder}/{Path(path).name}": Path(path).read_text() for path in paths}


def pytest_ini(assignment: Assignment) -> str:
    """The template's pytest.ini: one marker per task, whose description gives the task's label
    and points, ``task1_3: Task 1.3: gradients under broadcasting (5 points)``, from which the
    public tests' score table (assignments/common/conftest.py) reads titles and points; and
    options for a student's eyes: short tracebacks, no header of versions and plugins."""
    markers = "".join(f"    {task.id}: {task.label} ({marker_points(task)})\n" for task in assignment.tasks)
    return ("# Generated by `autograder release` from assignment.toml; do not edit.\n"
            f"[pytest]\npythonpath = .\ntestpaths = {assignment.public_tests.name}\n"
            f"addopts = --strict-markers --tb=short --no-header\nmarkers =\n{markers}")


def marker_points(task: Task) -> str:
    """"5 points", "1 point", or "15 bonus points" for a bonus task."""
    kind = "bonus " if task.bonus else ""
    return f"{task.points:g} {kind}point{'' if task.points == 1 else 's'}"


def on_disk(course: Course, assignment: Assignment) -> dict[str, str]:
    """The generated files as they are now in the assignment's folder."""
    folder = assignment.folder
    paths = [p for p in (folder / "mytorch").rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    generated = ["pytest.ini", *shared_tests(course, assignment), *handin.handin_files(course, assignment),
                 HANDOUT]
    if assignment.notebook is not None:
        generated.append(assignment.notebook)
    paths += [folder / name for name in generated if (folder / name).exists()]
    paths += sorted((assignment.public_tests / recording.RECORDINGS).glob("*.json"))
    return {p.relative_to(folder).as_posix(): p.read_text() for p in paths}


def write(course: Course, assignment: Assignment, files: Mapping[str, str]) -> None:
    """Make the folder's generated files exactly ``files``, removing stale ones."""
    for stale in on_disk(course, assignment).keys() - files.keys():
        (assignment.folder / stale).unlink()
    for relative, text in files.items():
        path = assignment.folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text() != text:
            path.write_text(text)


def differences(course: Course, assignment: Assignment, files: Mapping[str, str]) -> list[str]:
    """Generated files that are missing, changed or extra on disk (empty when in sync)."""
    current = on_disk(course, assignment)
    return sorted([f"missing: {p}" for p in files.keys() - current.keys()]
                  + [f"extra:   {p}" for p in current.keys() - files.keys()]
                  + [f"changed: {p}" for p in files.keys() & current.keys() if files[p] != current[p]])


def archive(assignment: Assignment, files: Mapping[str, str], out_dir: str | Path) -> Path:
    """Write the student handout ``<out_dir>/<name>.zip``: the template (with the handout) and
    the public tests, inside a folder named after the assignment. Returns its path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    contents = dict(files)
    for path in sorted(p for p in assignment.public_tests.rglob("*") if p.is_file()):
        if "__pycache__" not in path.parts:
            contents[path.relative_to(assignment.folder).as_posix()] = path.read_text()
    path = out_dir / f"{assignment.name}.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive_file:
        for relative in sorted(contents):
            info = zipfile.ZipInfo(f"{assignment.name}/{relative}", date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive_file.writestr(info, contents[relative])
    return path
