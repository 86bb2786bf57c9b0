"""The rule that lets one implementation serve NumPy and CuPy: inside the
device-generic packages, every array operation goes through the array's own
namespace (``xp``), so none of them may import NumPy (or CuPy) directly."""
import ast
from pathlib import Path

import pytest

import mytorch

PACKAGE = Path(mytorch.__file__).parent
DEVICE_GENERIC = ["autodiff", "ops", "nn", "optim"]
FILES = sorted(p for d in DEVICE_GENERIC for p in (PACKAGE / d).rglob("*.py"))


def imported_modules(path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


def test_the_device_generic_packages_exist():
    assert {p.parent.name for p in FILES} >= set(DEVICE_GENERIC)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_direct_array_library_import(path):
    direct = [m for m in imported_modules(path) if m.split(".")[0] in {"numpy", "cupy", "torch"}]
    assert not direct, f"{path.name} imports {direct}; use the array's namespace (xp) instead"
