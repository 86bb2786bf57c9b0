"""The public tests as probes, for ``autograder grade --public``: the tests students run locally,
graded through the same sandbox, verdicts and reports as the hidden probes.

Each public test file ``tests/test_task<N>_<k>_<topic>.py`` of the workspace becomes one probe of
task ``task<N>_<k>``, named after the file. It runs pytest on that file inside the sandbox and
returns how many of its tests passed, and the first lines of each failure; the grader credits the
fraction of the reference's passing tests that pass (:func:`autograder.grading.verdicts.public`).

Standalone (pytest and the standard library only): the grader copies it into the sandbox, where it
is imported as a probe module, with the workspace as the working directory.
"""
import re
from pathlib import Path

import pytest
from probing import probe

TESTS = Path("tests")
TEST_FILE = re.compile(r"test_(task\d+_\d+)_\w+\.py")
FAILURE_LINES = 6        # of each failure's report
FAILURE_TEXT = 4000      # characters of all failures together


class _Outcomes:
    """A pytest plugin that records the node ids of the tests that pass and fail."""

    def __init__(self):
        self.passed, self.failures = [], {}

    def pytest_runtest_logreport(self, report):
        if report.failed:
            crash = getattr(report.longrepr, "reprcrash", None)
            lines = (crash.message if crash else report.longreprtext).strip().splitlines()
            self.failures.setdefault(report.nodeid, "\n".join(lines[:FAILURE_LINES]))
        elif report.when == "call" and report.passed:
            self.passed.append(report.nodeid)


def _run(path):
    """Run pytest on ``path``; {"passed", "failed", "failures"}."""
    outcomes = _Outcomes()
    pytest.main([str(path), "-q", "-p", "no:cacheprovider", "--no-header"], plugins=[outcomes])
    passed = set(outcomes.passed) - set(outcomes.failures)
    failures = "\n\n".join(f"{node}\n{text}" for node, text in sorted(outcomes.failures.items()))
    return {"passed": len(passed), "failed": len(outcomes.failures), "failures": failures[:FAILURE_TEXT]}


def _register(path, task):
    def run_file():
        return _run(path)
    run_file.__name__ = path.stem
    probe(task, check="public")(run_file)


for _path in sorted(TESTS.glob("test_*.py")):
    if _match := TEST_FILE.fullmatch(_path.name):
        _register(_path, _match[1])
