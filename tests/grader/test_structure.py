"""The grader's code shows its pipeline: every module of ``autograder`` imports on its own, no two
modules import each other (directly or round a longer circle, late imports included), the
in-sandbox harness never imports ``autograder`` (it runs where the grader's files are hidden), and
no module is longer than MAX_LINES.
"""
import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "autograder"
HARNESS = PACKAGE / "sandbox" / "harness"
IN_SANDBOX_ONLY = {"autograder.sandbox.harness.public_tests"}    # imports `probing` as the sandbox names it
RUNS_ON_IMPORT = {"autograder.__main__"}                           # `python -m autograder`: the command line
MAX_LINES = 450


def module_name(path):
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imported(path):
    """The modules of ``autograder`` that the file at ``path`` imports, anywhere in it (a late import
    inside a function counts): ``from autograder.x import y`` names autograder.x.y when that is a
    module, else autograder.x."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.update(f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in MODULES
                         else node.module for alias in node.names)
    return {name for name in names if name in MODULES}


def test_no_module_imports_itself_round_a_circle():
    graph = {name: imported(path) - {name} for name, path in MODULES.items()}
    circles = []

    def visit(name, trail):
        if name in trail:
            circles.append(" → ".join([*trail[trail.index(name):], name]))
            return
        if name in done:
            return
        for other in sorted(graph[name]):
            visit(other, [*trail, name])
        done.add(name)

    done = set()
    for name in sorted(graph):
        visit(name, [])
    assert not circles, "import circles:\n" + "\n".join(circles)


def test_the_harness_imports_nothing_of_the_grader():
    for path in HARNESS.glob("*.py"):
        if path.name != "__init__.py":
            assert not imported(path), f"{path.name} imports {imported(path)}: it runs inside the sandbox"


@pytest.mark.slow       # an interpreter per module
@pytest.mark.parametrize("name", sorted(set(MODULES) - IN_SANDBOX_ONLY - RUNS_ON_IMPORT))
def test_every_module_imports_on_its_own(name):
    result = subprocess.run([sys.executable, "-c", f"import {name}"], capture_output=True, text=True,
                            cwd=PACKAGE.parent, env={**os.environ, "PYTHONPATH": str(PACKAGE.parent)})
    assert result.returncode == 0, result.stderr[-2000:]


def test_no_module_is_longer_than_the_limit():
    long = {name: count for name, path in MODULES.items()
            if (count := len(path.read_text().splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines (split them by concept): {long}"



def test_the_architecture_map_names_every_module():
    """docs/ARCHITECTURE.md's folder map holds a line for every module of the grader (reports/ is
    described as one module per format), so that the map cannot fall behind the tree."""
    text = (PACKAGE.parent / "docs" / "ARCHITECTURE.md").read_text()
    folders = {path.parent for path in MODULES.values()} - {PACKAGE / "reports"}
    unnamed = [str(path.relative_to(PACKAGE.parent)) for path in MODULES.values()
               if path.parent in folders and path.name not in ("__init__.py", "__main__.py")
               and f" {path.name} " not in text]
    unnamed += [f"{folder.relative_to(PACKAGE.parent)}/" for folder in folders | {PACKAGE / "reports"}
                if folder != PACKAGE and f" {folder.name}/ " not in text]
    assert not unnamed, f"docs/ARCHITECTURE.md's folder map does not name: {unnamed}"
