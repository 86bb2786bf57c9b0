"""The public tests' recorded stand-ins: what the reference's code answers, in each public test, for
the other tasks' code that the test's task runs on the way (assignments/common/recorded.py).

A public test module that declares ``STAND_INS`` replays, in every run of it, a file
``tests/recordings/<test module>.json`` (assignments/common/stand_in_plugin.py reads it). Those files
are part of the template that ``autograder release`` generates: :func:`recordings` runs the modules'
tests on the reference, with ``--record-stand-ins``, in a temporary workspace laid out as the
template. So ``autograder release --check`` fails when a test or the reference changed under them.

A file on disk whose values agree with the new recording within :data:`RTOL` of each array's scale
(by its dtype) is kept as it is: another machine's rounding (NumPy's vectorised sin and exp, BLAS)
changes the last bits of some answers, which neither churns the file nor fails the check; the tests
judge those answers with tolerances far larger.
"""
import ast
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from autograder.course.model import Assignment, Course, CourseError

RECORDINGS = "recordings"    # the folder beside the public tests that stand_in_plugin.RECORDINGS names
DECLARATION = "STAND_INS"    # the module-level name by which a test module declares its stand-ins
# How far a recorded float may move, relative to max(1, its array's largest |x|), by dtype: a few
# roundings of the dtype (float32's ε is 1.2e-7: a float32 sum taken in another order moves by that
# much times its terms' scale), far below the tolerances the tests judge with.
RTOL = {"float64": 1e-12, "float32": 1e-6, "float16": 1e-2}
TIMEOUT = 900                # seconds for the reference's run of the public tests


def declaring_modules(assignment: Assignment) -> list[Path]:
    """The public test modules of ``assignment`` that declare :data:`DECLARATION` at module level."""
    modules = []
    for path in sorted(assignment.public_tests.glob("test_*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        targets = [target for node in tree.body if isinstance(node, ast.Assign) for target in node.targets]
        if any(isinstance(target, ast.Name) and target.id == DECLARATION for target in targets):
            modules.append(path)
    return modules


def recordings(course: Course, assignment: Assignment, files: Mapping[str, str]) -> dict[str, str]:
    """{<public tests>/recordings/<test module>.json: text} of every public test module of
    ``assignment`` that declares stand-ins, recorded on the reference. ``files`` is the rest of the
    template ({path: text}), whose pytest.ini and shared test helpers the workspace gets; the public
    tests come from the assignment's folder. Raises CourseError when the reference fails a test."""
    modules = declaring_modules(assignment)
    if not modules:
        return {}
    tests = assignment.public_tests.name
    with tempfile.TemporaryDirectory(prefix="recording-") as folder:
        work, out = Path(folder) / "work", Path(folder) / "recorded"
        shutil.copytree(course.reference, work / "mytorch", ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copytree(assignment.public_tests, work / tests,
                        ignore=shutil.ignore_patterns("__pycache__", RECORDINGS))
        for relative, text in files.items():
            if relative == "pytest.ini" or relative.startswith(f"{tests}/"):
                (work / relative).write_text(text)
        out.mkdir()
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--record-stand-ins",
                   str(out), *(f"{tests}/{path.name}" for path in modules)]
        run = subprocess.run(command, cwd=work, capture_output=True, text=True, timeout=TIMEOUT)
        if run.returncode != 0:
            raise CourseError(f"{assignment.name}: the reference fails public tests while their stand-ins "
                              f"are recorded:\n{run.stdout[-3000:]}{run.stderr[-2000:]}")
        recorded = {f"{tests}/{RECORDINGS}/{path.name}": path.read_text()
                    for path in sorted(out.glob("*.json"))}
    return {relative: _kept(assignment.folder / relative, text) for relative, text in recorded.items()}


def _kept(path: Path, text: str) -> str:
    """The text of the file at ``path`` if it records the same answers as ``text`` (see :data:`RTOL`),
    else ``text``."""
    if path.is_file() and path.read_text() != text and agree(json.loads(path.read_text()), json.loads(text)):
        return path.read_text()
    return text


def agree(old: Mapping[str, Mapping[str, Any]], new: Mapping[str, Mapping[str, Any]]) -> bool:
    """Whether two recordings ({test: {entry: count or array as JSON}}) name the same tests, entries,
    counts, dtypes and shapes, and their floats agree within :data:`RTOL` of each array's scale, by its
    dtype (the other values exactly)."""
    if old.keys() != new.keys() or any(old[test].keys() != new[test].keys() for test in old):
        return False
    return all(_same(old[test][entry], new[test][entry]) for test in old for entry in old[test])


def _same(old: int | Mapping[str, Any], new: int | Mapping[str, Any]) -> bool:
    """Whether two recorded values (a count, or an array as {"dtype", "shape", "values"}) agree."""
    if isinstance(old, int) or isinstance(new, int):
        return old == new
    if (old["dtype"], old["shape"]) != (new["dtype"], new["shape"]):
        return False
    a, b = (np.array(value["values"], dtype=value["dtype"]) for value in (old, new))
    if a.dtype.kind not in "fc":
        return bool(np.array_equal(a, b))
    scale = max(1.0, float(np.max(np.abs(a), initial=0.0, where=np.isfinite(a))))
    rtol = RTOL.get(a.dtype.name, RTOL["float64"])
    return bool(np.allclose(b, a, rtol=rtol, atol=rtol * scale, equal_nan=True))
