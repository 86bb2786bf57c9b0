"""Variants of the reference: its files with the code of some solution regions rewritten.

The kit judges its own grading with them (see docs/ARCHITECTURE.md, "How grading is judged"):

- a **trivial implementation** of a task does nothing useful in every region of the task (returns
  None, its first argument, zeros like it, True or False); it must earn none of the task's points;
- a **correct alternative** (``hidden/alternatives/<task>/<name>.toml`` in the assignment's folder,
  read by :func:`alternative`) rewrites a task's regions the way another student would, correctly; it must
  earn every point.

A region is found by where it stands, its :class:`Site`: the file, and the function that holds it
(``"MatMul.backward"``), since a region's code is a piece of that function's body. A variant's code
is written without indentation; it takes the region's.
"""
import ast
import shutil
import textwrap
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from autograder.course import solutions
from autograder.course.model import Assignment, Course, CourseError


@dataclass(frozen=True)
class Site:
    """Where a solution region stands.

    file: its path in a submission ("mytorch/ops/linalg.py"); function: the qualified name of the
    function that holds it ("MatMul.backward"), "" at a module's or a class's top level; task: its
    task id; parameters: the function's parameters, ``self`` and ``cls`` left out.
    """
    file: str
    function: str
    task: str
    parameters: tuple[str, ...] = field(default=(), compare=False)

    def __str__(self) -> str:
        return f"{self.file}:{self.function or '<top level>'}"


def regions(course: Course) -> dict[Site, solutions.Region]:
    """{:class:`Site`: :class:`~autograder.course.solutions.Region`} of every solution region of the
    reference, in file and line order.

    Raises CourseError when one function holds two regions of the same task, which could then
    not be told apart."""
    found = {}
    for path in sorted(course.reference.rglob("*.py")):
        text = path.read_text()
        parts = solutions.parse(text, source=str(path))
        if not solutions.regions(parts):
            continue
        functions = _functions(ast.parse(text, filename=str(path)))
        relative = (Path(course.reference.name) / path.relative_to(course.reference)).as_posix()
        for region in solutions.regions(parts):
            name, parameters = _innermost(functions, region.line)
            site = Site(relative, name, region.task, parameters)
            if site in found:
                raise CourseError(f"{path}:{region.line}: {name or 'the top level'} holds two regions of "
                                  f"{region.task}; a variant could not tell them apart")
            found[site] = region
    return found


def same_code(one: str, other: str) -> bool:
    """Whether two pieces of code are the same program: the same syntax tree once dedented, so that
    layout and comments do not count."""
    return ast.dump(ast.parse(textwrap.dedent(one))) == ast.dump(ast.parse(textwrap.dedent(other)))


_Function = tuple[int, int, str, tuple[str, ...]]     # first line, last line, qualified name, parameters


def _functions(tree: ast.AST) -> list[_Function]:
    """[(first line, last line, qualified name, parameters)] of every function in ``tree``."""
    found = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                arguments = child.args
                names = [a.arg for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]]
                names = [n for n in names if n not in ("self", "cls")]
                found.append((child.lineno, child.end_lineno, prefix + child.name, tuple(names)))
                visit(child, f"{prefix}{child.name}.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            else:
                visit(child, prefix)
    visit(tree, "")
    return found


def _innermost(functions: list[_Function], line: int) -> tuple[str, tuple[str, ...]]:
    """The qualified name and parameters of the innermost function spanning ``line``."""
    spanning = [(first, name, parameters) for first, last, name, parameters in functions
                if first <= line <= last]
    if not spanning:
        return "", ()
    _, name, parameters = max(spanning)
    return name, parameters


def write(course: Course, folder: Path, replacements: Mapping[Site, str]) -> Path:
    """Write the reference's package into ``folder`` (as ``folder/mytorch``) with the code of each
    region of ``replacements`` ({Site: code, unindented}) rewritten, and every region's markers
    removed. Returns ``folder``, which grades as a submission."""
    unknown = set(replacements) - set(regions(course))
    if unknown:
        raise CourseError(f"no solution region stands at {', '.join(map(str, unknown))}")
    package = folder / course.reference.name
    shutil.copytree(course.reference, package, ignore=shutil.ignore_patterns("__pycache__"))
    for path in sorted(package.rglob("*.py")):
        text = path.read_text()
        parts = solutions.parse(text, source=str(path))
        if not solutions.regions(parts):
            continue
        relative = (Path(package.name) / path.relative_to(package)).as_posix()
        functions = _functions(ast.parse(text))
        out = []
        for part in parts:
            if isinstance(part, solutions.Region):
                name, _ = _innermost(functions, part.line)
                code = replacements.get(Site(relative, name, part.task))
                out.append("".join(part.code) if code is None else _indented(code, part.indent))
            else:
                out.append(part)
        path.write_text("".join(out))
    return folder


def _indented(code: str, indent: str) -> str:
    lines = code.strip("\n").splitlines()
    return "".join(f"{indent}{line}\n" if line.strip() else "\n" for line in lines)


# ----- Trivial implementations ---------------------------------------------------------------------------
# name -> the body of every region of the task, from its function's parameters (None: the form needs an
# argument the function does not take)
TRIVIAL: dict[str, Callable[[tuple[str, ...]], str | None]] = {
    "returns None": lambda parameters: "return None",
    "returns its first argument": lambda parameters: f"return {parameters[0]}" if parameters else None,
    "returns zeros like its first argument":
        lambda parameters: f"return {parameters[0]} * 0" if parameters else None,
    "returns True": lambda parameters: "return True",
    "returns False": lambda parameters: "return False",
}


def trivial(course: Course, task: str) -> dict[str, dict[Site, str]]:
    """{name: replacements} of the trivial implementations of ``task``: each TRIVIAL form written into
    every region of the task that stands in a function (a form that needs an argument is left out
    where the function takes none)."""
    sites = [site for site in regions(course) if site.task == task and site.function]
    found = {}
    for name, body in TRIVIAL.items():
        replacements = {site: body(site.parameters) for site in sites}
        replacements = {site: code for site, code in replacements.items() if code is not None}
        if replacements:
            found[name] = replacements
    return found


# ----- Correct alternatives ---------------------------------------------------------------------------------
ALTERNATIVES = "alternatives"     # the library's folder in an assignment's hidden/ folder


@dataclass(frozen=True)
class Alternative:
    """A correct implementation of a task that differs from the reference's (an assignment's
    ``hidden/alternatives/<task>/<name>.toml``)."""
    task: str             # "task2_1"
    title: str            # what differs, in a sentence
    replacements: dict[Site, str]


def alternative(path: str | Path) -> Alternative:
    """The :class:`Alternative` of the TOML file at ``path``, ``<task>/<name>.toml``::

        title = "Y = XWᵀ + b by einsum"
        [[region]]
        in = "mytorch/ops/linalg.py:Linear.forward"
        code = '''...'''
    """
    path = Path(path)
    try:
        config = tomllib.loads(path.read_text())
        task = path.parent.name
        replacements = {}
        for region in config["region"]:
            file, _, function = region["in"].partition(":")
            replacements[Site(file, function, task)] = region["code"]
        return Alternative(task, config["title"], replacements)
    except (tomllib.TOMLDecodeError, KeyError, TypeError) as error:
        raise CourseError(f"{path}: {type(error).__name__}: {error}") from None


def alternatives(assignment: Assignment) -> list[Alternative]:
    """[:class:`Alternative`] of the assignment's library, in the order of their files."""
    paths = sorted(assignment.hidden_tests.glob(f"{ALTERNATIVES}/task*/*.toml"))
    return [alternative(path) for path in paths]

