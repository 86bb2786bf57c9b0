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
  test stands in (:mod:`autograder.recording`);
- its nbgrader notebook, if it has one (``[notebook] file``): what
  ``nbgrader generate_assignment`` makes of ``reference/nbgrader/source/<name>/``
  (:mod:`autograder.notebooks`);
- the hand-in command at its root: ``collect_submission.py`` (from
  ``assignments/common/handin/``) and ``submission.toml``, what it reads: the files
  to hand in (assignment.toml's ``[submission]``) and the grader's intake limits
  (:mod:`autograder.submission`), so that the script and the grader cannot drift apart;
- the generated blocks of its handout, ``README.md``: the text between
  ``<!-- BEGIN GENERATED <name> -->`` and ``<!-- END GENERATED -->`` is rewritten
  from assignment.toml, the grader's limits, the notebook's points and
  ``assignments/course.toml`` (:data:`HANDOUT_BLOCKS`); the rest of the handout
  is the instructor's.

The rest of the handout, the public ``tests/`` and ``assignment.toml`` are
written by the instructor beside it; ``hidden/`` holds the hidden tests,
which no release ever ships.
"""
import json
import re
import textwrap
import zipfile
from pathlib import Path

from autograder import finite_differences, notebooks, recording, solutions
from autograder.course import CourseError
from autograder.sandbox import Limits
from autograder.submission import WEIGHT_SUFFIXES, IntakeLimits

HANDOUT = "README.md"
SUBMISSION_SETTINGS = "submission.toml"      # beside collect_submission.py, which reads it
# What student code may import besides the standard library: the packages of the sandbox's
# environment (infra/docker/requirements.txt pins them; a test checks) that are not pytest's.
SANDBOX_PACKAGES = ("NumPy", "tqdm")
GENERATED_BLOCK = re.compile(r"<!-- BEGIN GENERATED (?P<name>[a-z-]+) -->\n.*?<!-- END GENERATED -->", re.S)
GENERATED_MARKER = re.compile(r"<!-- (?:BEGIN|END) GENERATED")
HANDOUT_WIDTH = 80                           # the generated blocks' lines, as the handouts are written
KEEP = "\u00a0"                              # a space that _wrap never breaks a line at ("600 s")


def template(course, assignment):
    """The generated files of ``assignment``: {path relative to its folder: text}."""
    tasks = course.tasks
    stripped = set()

    def task_to_strip(task_id):
        if task_id not in tasks:
            raise CourseError(f"solution region of unknown task {task_id!r}: declare it in an "
                              "assignment.toml")
        task = tasks[task_id]
        return task if task.assignment_number >= assignment.number else None

    later = {other.number: other.name for other in course.assignments if other.number > assignment.number}

    def stub(region, task):
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
    files.update(handin_files(course, assignment))
    files[HANDOUT] = handout(course, assignment, files)
    return files


def shared_tests(course, assignment):
    """{<public tests>/<name>: text} for every course-wide test helper."""
    folder = assignment.public_tests.name
    paths = [*sorted(course.shared_tests.glob("*.py")), finite_differences.__file__]
    return {f"{folder}/{Path(path).name}": Path(path).read_text() for path in paths}


def pytest_ini(assignment):
    """The template's pytest.ini: one marker per task, whose description gives the task's label
    and points, ``task1_3: Task 1.3: gradients under broadcasting (5 points)``, from which the
    public tests' score table (assignments/common/conftest.py) reads titles and points; and
    options for a student's eyes: short tracebacks, no header of versions and plugins."""
    markers = "".join(f"    {task.id}: {task.label} ({marker_points(task)})\n" for task in assignment.tasks)
    return ("# Generated by `autograder release` from assignment.toml; do not edit.\n"
            f"[pytest]\npythonpath = .\ntestpaths = {assignment.public_tests.name}\n"
            f"addopts = --strict-markers --tb=short --no-header\nmarkers =\n{markers}")


def marker_points(task):
    """"5 points", "1 point", or "15 bonus points" for a bonus task."""
    kind = "bonus " if task.bonus else ""
    return f"{task.points:g} {kind}point{'' if task.points == 1 else 's'}"


# ---------------------------------------------------------------------------------------------
# The hand-in command.

def handin_files(course, assignment):
    """{name: text} at the template's root: ``collect_submission.py`` and
    :data:`SUBMISSION_SETTINGS`; nothing when the course has no hand-in script."""
    script = course.handin_script
    if not script.is_file():
        return {}
    return {script.name: script.read_text(), SUBMISSION_SETTINGS: submission_settings(assignment)}


def submission_archive(assignment):
    """The zip that ``collect_submission.py`` writes: ``hw1_autodiff_submission.zip``."""
    return f"{assignment.name}_submission.zip"


def submission_settings(assignment, limits=IntakeLimits()):
    """The text of ``submission.toml``: the files to hand in (``files``; ``editable``, patterns of
    further files) and the grader's intake limits on them (bytes per file and together, the refused
    suffixes of weight files)."""
    settings = {"assignment": assignment.name, "archive": submission_archive(assignment),
                "files": list(assignment.submission), "editable": list(assignment.editable),
                "file_bytes": limits.file_bytes, "total_bytes": limits.total_bytes,
                "refused_suffixes": sorted(WEIGHT_SUFFIXES)}
    return ("# Generated by `autograder release` from assignment.toml and the grader's intake limits; "
            "do not edit.\n# `python collect_submission.py` reads it.\n"
            + "".join(f"{key} = {_toml(value)}\n" for key, value in settings.items()))


def _toml(value):
    """A str, an int or a list of str as TOML, whose strings and integers JSON writes alike."""
    if isinstance(value, list):
        items = "".join(f"\n    {json.dumps(item, ensure_ascii=False)}," for item in value)
        return f"[{items}\n]" if value else "[]"
    return json.dumps(value, ensure_ascii=False)


# ---------------------------------------------------------------------------------------------
# The handout's generated blocks.

def handout(course, assignment, files):
    """The handout's text with each generated block rewritten: the text between
    ``<!-- BEGIN GENERATED <name> -->`` and ``<!-- END GENERATED -->`` becomes what
    ``HANDOUT_BLOCKS[name](course, assignment, files)`` writes (``files``: the template's, for the
    notebook)."""
    path = assignment.folder / HANDOUT
    if not path.is_file():
        raise CourseError(f"{path}: no such file; every assignment needs its handout")
    text = path.read_text()

    def block(match):
        name = match["name"]
        if name not in HANDOUT_BLOCKS:
            raise CourseError(f"{path}: no generated block is called {name!r}; the blocks are "
                              f"{', '.join(HANDOUT_BLOCKS)}")
        return (f"<!-- BEGIN GENERATED {name} -->\n\n{HANDOUT_BLOCKS[name](course, assignment, files)}\n"
                "<!-- END GENERATED -->")

    rendered, blocks = GENERATED_BLOCK.subn(block, text)
    if len(GENERATED_MARKER.findall(text)) != 2 * blocks:
        raise CourseError(f"{path}: every `<!-- BEGIN GENERATED <name> -->` (a name of lower-case letters "
                          "and dashes) needs one `<!-- END GENERATED -->` after it, before the next block "
                          "begins")
    return rendered


def hand_in_block(course, assignment, files):
    """The handout's first lines: how to hand in."""
    return _wrap(f"**To hand in**, run `python {course.handin_script.name}` in this folder. It checks "
                 "your files as the grader will read them and packs exactly the files that are graded "
                 f"into `{submission_archive(assignment)}`: hand in that zip. See "
                 f"[What{KEEP}to{KEEP}submit](#what-to-submit).", "> ", "> ")


def submit_block(course, assignment, files, limits=IntakeLimits()):
    """What to hand in, and what the hand-in command checks before it packs it."""
    if assignment.editable:
        patterns = " and ".join(f"`{pattern}`" for pattern in assignment.editable)
        mine = (f"You may also change the files that match {patterns}, which are handed in too. Every "
                "other file is replaced by the template's copy before grading.")
    else:
        mine = ("They are the only files you may change: every other file is replaced by the template's "
                "copy before grading.")
    checks = ["each one is in this folder, at its path",
              "each is UTF-8 text (code and notebooks: no binaries, no weights), at most "
              f"{_megabytes(limits.file_bytes)}, and all of them together at most "
              f"{_megabytes(limits.total_bytes)}",
              "each `.py` file is valid Python, and a fresh Python imports each of your modules"]
    if assignment.notebook is not None:
        checks.append(f"`{assignment.notebook}` is valid JSON, as Jupyter saves it (nbformat 4)")
    items = "".join(_wrap(check + (";" if number < len(checks) else "."), "- ", "  ")
                    for number, check in enumerate(checks, start=1))
    paths = "\n".join(assignment.submission)
    return (f"These {len(assignment.submission)} files, with these paths:\n\n```\n{paths}\n```\n\n"
            f"{_wrap(mine)}\n"
            + _wrap(f"`python {course.handin_script.name}` packs exactly these files into "
                    f"`{submission_archive(assignment)}`, once it has checked that")
            + f"\n{items}\n"
            + _wrap("When a check fails, it says what to fix and writes no zip. The grader refuses files "
                    "that break these limits and grades only these files: hand in the zip that the "
                    "command writes rather than your whole folder."))


def grading_block(course, assignment, files):
    """How the grader runs: its limits, what code may import, public and hidden tests, each task
    on its own code, and the notebook's points."""
    limits = Limits.from_assignment(assignment)
    cpus = f"{limits.cpus:g}{KEEP}CPU{'' if limits.cpus == 1 else 's'}"
    bullets = [
        f"**Time and memory.** Each hidden test may take {limits.probe_seconds:g}{KEEP}s and the whole "
        f"grading {limits.total_seconds:g}{KEEP}s, in {limits.memory_mb}{KEEP}MB of memory, on {cpus} "
        "(NumPy runs one thread); a test that runs out of time or memory fails.",
        f"**Imports.** Your code runs with Python's standard library, {' and '.join(SANDBOX_PACKAGES)}: "
        "nothing else is installed where the grader runs it, and there is no network. Import anything "
        "else (matplotlib) only inside the functions that plot, as the template does: the grader never "
        "calls them.",
        "**Public and hidden tests.** The tests in `tests/` are public: run them as often as you like. "
        "Your grade comes from the grader's hidden tests, of the same kind on inputs of their own, so "
        "passing the public tests is a good sign, not a guarantee. The score table that pytest prints "
        "after every run is an estimate from the public tests only: for each task, how many of its "
        "tests passed and the share of its points that earns.",
        "**Each task is graded on its own code.** While a task's hidden tests run, the code of other "
        "tasks that they would call is replaced by the grader's stand-ins (what the instructor's solution "
        "answered, or data and layers of the grader's own), so a mistake costs points in its own task "
        "only; the bullets below say where.",
    ]
    if assignment.notebook is not None:
        automatic, manual = notebook_points(files[assignment.notebook])
        bullets.append(f"**The notebook** `{assignment.notebook}` is graded by nbgrader, apart from the "
                       f"tasks: {_points(automatic)} by its test cells, which check your functions (with "
                       f"hidden tests too), and {_points(manual)} for the written answers, graded by a "
                       "person.")
    return "".join(_wrap(bullet, "- ", "  ") for bullet in bullets)


def policy_block(course, assignment, files):
    """The course's collaboration policy (``assignments/course.toml``), rewrapped."""
    return _wrap(" ".join(course.collaboration_policy.split()))


HANDOUT_BLOCKS = {"hand-in": hand_in_block, "submit": submit_block, "grading": grading_block,
                  "policy": policy_block}


def notebook_points(text):
    """(automatic, manual) points of an nbgrader notebook's graded cells, from their metadata:
    test cells (``grade`` only) are graded automatically; answer cells (``grade`` and
    ``solution``) and tasks are graded by a person."""
    automatic = manual = 0
    for cell in json.loads(text)["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") or meta.get("task"):
            if meta.get("solution") or meta.get("task"):
                manual += meta.get("points", 0)
            else:
                automatic += meta.get("points", 0)
    return automatic, manual


def _points(points):
    return f"{points:g}{KEEP}point{'' if points == 1 else 's'}"


def _megabytes(size):
    return f"{size / 1_000_000:g}{KEEP}MB"


def _wrap(text, first="", rest=""):
    """``text`` as lines of the handout's width, the first starting with ``first``, the others with
    ``rest`` (a list item's "- " and "  ", a quote's "> "); never breaks a word, a path or a
    :data:`KEEP` space."""
    return textwrap.fill(text, width=HANDOUT_WIDTH, initial_indent=first, subsequent_indent=rest,
                         break_long_words=False, break_on_hyphens=False).replace(KEEP, " ") + "\n"


def on_disk(course, assignment):
    """The generated files as they are now in the assignment's folder."""
    folder = assignment.folder
    paths = [p for p in (folder / "mytorch").rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    generated = ["pytest.ini", *shared_tests(course, assignment), *handin_files(course, assignment), HANDOUT]
    if assignment.notebook is not None:
        generated.append(assignment.notebook)
    paths += [folder / name for name in generated if (folder / name).exists()]
    paths += sorted((assignment.public_tests / recording.RECORDINGS).glob("*.json"))
    return {p.relative_to(folder).as_posix(): p.read_text() for p in paths}


def write(course, assignment, files):
    """Make the folder's generated files exactly ``files``, removing stale ones."""
    for stale in on_disk(course, assignment).keys() - files.keys():
        (assignment.folder / stale).unlink()
    for relative, text in files.items():
        path = assignment.folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text() != text:
            path.write_text(text)


def differences(course, assignment, files):
    """Generated files that are missing, changed or extra on disk (empty when in sync)."""
    current = on_disk(course, assignment)
    return sorted([f"missing: {p}" for p in files.keys() - current.keys()]
                  + [f"extra:   {p}" for p in current.keys() - files.keys()]
                  + [f"changed: {p}" for p in files.keys() & current.keys() if files[p] != current[p]])


def archive(assignment, files, out_dir):
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
