"""The generated blocks of a handout (``README.md``): the text between
``<!-- BEGIN GENERATED <name> -->`` and ``<!-- END GENERATED -->`` is rewritten from assignment.toml,
the grader's limits, the notebook's points and ``assignments/course.toml`` (:data:`HANDOUT_BLOCKS`),
so that what every handout repeats cannot drift; the rest of the handout is the instructor's.
"""
import json
import re
import textwrap
from collections.abc import Callable, Mapping

from autograder.course.handin import submission_archive
from autograder.course.model import Assignment, Course, CourseError
from autograder.grading.submission import IntakeLimits
from autograder.sandbox.limits import Limits

HANDOUT = "README.md"
# What student code may import besides the standard library: the packages of the sandbox's
# environment (infra/docker/requirements.txt pins them; a test checks) that are not pytest's.
SANDBOX_PACKAGES = ("NumPy", "tqdm")
GENERATED_BLOCK = re.compile(r"<!-- BEGIN GENERATED (?P<name>[a-z-]+) -->\n.*?<!-- END GENERATED -->", re.S)
GENERATED_MARKER = re.compile(r"<!-- (?:BEGIN|END) GENERATED")
HANDOUT_WIDTH = 80                           # the generated blocks' lines, as the handouts are written
KEEP = "\u00a0"                              # a space that _wrap never breaks a line at ("600 s")


def handout(course: Course, assignment: Assignment, files: Mapping[str, str]) -> str:
    """The handout's text with each generated block rewritten: the text between
    ``<!-- BEGIN GENERATED <name> -->`` and ``<!-- END GENERATED -->`` becomes what
    ``HANDOUT_BLOCKS[name](course, assignment, files)`` writes (``files``: the template's, for the
    notebook)."""
    path = assignment.folder / HANDOUT
    if not path.is_file():
        raise CourseError(f"{path}: no such file; every assignment needs its handout")
    text = path.read_text()

    def block(match: re.Match[str]) -> str:
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


def hand_in_block(course: Course, assignment: Assignment, files: Mapping[str, str]) -> str:
    """The handout's first lines: how to hand in."""
    return _wrap(f"**To hand in**, run `python {course.handin_script.name}` in this folder. It checks "
                 "your files as the grader will read them and packs exactly the files that are graded "
                 f"into `{submission_archive(assignment)}`: hand in that zip. See "
                 f"[What{KEEP}to{KEEP}submit](#what-to-submit).", "> ", "> ")


def submit_block(course: Course, assignment: Assignment, files: Mapping[str, str],
                 limits: IntakeLimits = IntakeLimits()) -> str:
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


def grading_block(course: Course, assignment: Assignment, files: Mapping[str, str]) -> str:
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


def policy_block(course: Course, assignment: Assignment, files: Mapping[str, str]) -> str:
    """The course's collaboration policy (``assignments/course.toml``), rewrapped."""
    return _wrap(" ".join(course.collaboration_policy.split()))


HANDOUT_BLOCKS: dict[str, Callable[[Course, Assignment, Mapping[str, str]], str]] = {
    "hand-in": hand_in_block, "submit": submit_block, "grading": grading_block, "policy": policy_block}


def notebook_points(text: str) -> tuple[float, float]:
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


def _points(points: float) -> str:
    return f"{points:g}{KEEP}point{'' if points == 1 else 's'}"


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:g}{KEEP}MB"


def _wrap(text: str, first: str = "", rest: str = "") -> str:
    """``text`` as lines of the handout's width, the first starting with ``first``, the others with
    ``rest`` (a list item's "- " and "  ", a quote's "> "); never breaks a word, a path or a
    :data:`KEEP` space."""
    return textwrap.fill(text, width=HANDOUT_WIDTH, initial_indent=first, subsequent_indent=rest,
                         break_long_words=False, break_on_hyphens=False).replace(KEEP, " ") + "\n"
