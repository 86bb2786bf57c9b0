"""The public tests' stand-ins: a pytest plugin (``pytest_plugins = ["stand_in_plugin"]`` in
conftest.py; one source: assignments/common/stand_in_plugin.py, copied into each assignment's tests/
by `autograder release`; do not edit the copies).

A test module whose tests run another task's code declares its stand-ins (recorded.py)::

    from stand_ins import STAND_IN_UNBROADCAST
    STAND_INS = (STAND_IN_UNBROADCAST,)

and during each of its tests they are in place, answering from that test's table of the module's
recorded file, ``tests/recordings/<test module>.json``: what the reference's code answered there.
So each test depends on its own task's code alone, as the grade does. The file is written by
``autograder release``, which runs the tests on the reference with ``--record-stand-ins FOLDER``:
the real functions run and their answers go to ``FOLDER/<test module>.json``.

The file is text: JSON, {test name: {entry name: value}}, one line per entry, where a value is the
count of an entry's arrays or an array written as {"dtype", "shape", "values"}, its floats exact
(Python's shortest repr, and NaN and Infinity as Python's json writes them).
"""
import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

RECORDINGS = "recordings"    # the folder of the recorded files, beside the test modules
OPTION = "--record-stand-ins"
TABLE_PREFIX = "stand_in_"   # the start of every entry's name in a test's table
BOOKS = pytest.StashKey()    # config.stash: {test module path: its _Book}


def pytest_addoption(parser):
    parser.addoption(OPTION, metavar="FOLDER", default=None,
                     help="run the real functions that the test modules' STAND_INS replace (autograder "
                          "release runs this on the reference) and write their answers to "
                          "FOLDER/<test module>.json")


@pytest.fixture(autouse=True)
def recorded_stand_ins(request):
    """The test module's ``STAND_INS`` in place while each of its tests runs, answering from the
    test's table in the module's recorded file, or recording it (``--record-stand-ins``)."""
    declared = getattr(request.module, "STAND_INS", ())
    if not declared:
        yield
        return
    import recorded    # only here: it imports mytorch, which must not break every test when it is broken

    book = _Book.of(request.config, request.path)
    test = request.node.nodeid.split("::", 1)[-1]
    source = SimpleNamespace(RECORDING=book.recording, TABLES=book.tables.get(test, {}), RECORDED={},
                             TABLE_PREFIX=TABLE_PREFIX)
    recorded.read_from(source)
    with recorded.stand_ins(*declared):
        yield
    if book.recording:
        book.tables[test] = source.RECORDED


def pytest_sessionfinish(session):
    """In a recording run, write each test module's tables to FOLDER/<test module>.json."""
    folder = session.config.getoption(OPTION)
    if folder is not None:
        for path, book in session.config.stash.get(BOOKS, {}).items():
            (Path(folder) / f"{path.stem}.json").write_text(book.text())


class _Book:
    """The tables of one test module's tests, {test name: {entry name: value}}: read from its recorded
    file, or recorded in this run (``recording``)."""

    def __init__(self, recording, tables):
        self.recording, self.tables = recording, tables

    @classmethod
    def of(cls, config, path):
        """The book of the test module at ``path``, read or started once per run."""
        books = config.stash.setdefault(BOOKS, {})
        if path not in books:
            recording = config.getoption(OPTION) is not None
            books[path] = cls(recording, {} if recording else read_book(path))
        return books[path]

    def text(self):
        """The book as JSON text, one line per entry, tests and entries sorted; a test that recorded
        nothing is left out."""
        tests = []
        for test, entries in sorted((test, entries) for test, entries in self.tables.items() if entries):
            lines = [f"  {json.dumps(name)}: {json.dumps(encoded(value))}"
                     for name, value in sorted(entries.items())]
            tests.append(f" {json.dumps(test)}: {{\n" + ",\n".join(lines) + "\n }")
        return "{\n" + ",\n".join(tests) + "\n}\n"


def read_book(path):
    """{test name: {entry name: value}} of the test module at ``path``, from its recorded file, which
    ``autograder release`` writes for every module with STAND_INS; a missing file fails the test."""
    file = Path(path).parent / RECORDINGS / f"{Path(path).stem}.json"
    if not file.is_file():
        pytest.fail(f"{file} is missing: it holds what the other tasks' code answered in the tests of "
                    f"{Path(path).name}; `autograder release` records it")
    return {test: {name: decoded(value) for name, value in entries.items()}
            for test, entries in json.loads(file.read_text()).items()}


def encoded(value):
    """A table's value as JSON: a count as it is, an array as {"dtype", "shape", "values"}."""
    if isinstance(value, int):
        return value
    array = np.asarray(value)
    return {"dtype": array.dtype.name, "shape": list(array.shape), "values": array.reshape(-1).tolist()}


def decoded(value):
    """The count or array that :func:`encoded` wrote."""
    if isinstance(value, int):
        return value
    return np.array(value["values"], dtype=value["dtype"]).reshape(value["shape"])
