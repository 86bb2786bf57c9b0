"""The public tests' session: tests run task by task, arrays print short, and a score estimate
closes every pytest run: which tasks' public tests pass, and the points that would earn if the
hidden tests agreed (one source: assignments/common/conftest.py, copied into each assignment's
tests/ by `autograder release`; do not edit the copies).

Each test belongs to the task of its ``task1_3`` marker; each task's title and points come from
that marker's description in pytest.ini, ``task1_3: Task 1.3: gradients under broadcasting
(5 points)``. A task earns its points times the fraction of its tests that passed. The table
goes to the terminal, and, when ``$GITHUB_STEP_SUMMARY`` names a file (in GitHub Actions), it
is appended there as Markdown, so that the run's page shows it. Your grade comes from the
hidden tests; this table only estimates it.

Tests and table follow the tasks' numeric order, 1.1, 1.2, …, 1.10 (file names alone would put
test_task1_10 before test_task1_2). A failure stays a few lines long: an array of more than
PRINT_OPTIONS["threshold"] elements prints as its first and last few entries along each axis, and
a task not done yet (NotImplementedError) shows just the line that raised it.
"""
import math
import os
import re
from dataclasses import dataclass

import numpy as np
import pytest

MARKER = re.compile(r"(?P<id>task\d+_\d+):\s*(?:Task [\d.]+:\s*)?(?P<title>.*?)\s*"
                    r"\((?P<points>\d+(?:\.\d+)?) (?P<bonus>bonus )?points?\)\s*")
TEST_FILE = re.compile(r"test_(task\d+_\d+)_\w*\.py")
NOTE = "An estimate from the public tests: the hidden tests decide the grade."
PRINT_OPTIONS = {"threshold": 20, "edgeitems": 3}    # np.set_printoptions during the tests


@dataclass
class Task:
    """One task's line of the table: its marker's title and points, and its tests' outcomes."""
    id: str
    title: str
    points: float
    bonus: bool
    passed: int = 0
    run: int = 0
    broken: bool = False    # a test file of this task could not be imported

    @property
    def order(self):
        """(assignment, index) of the id, task1_10 → (1, 10): the tasks' numeric order."""
        assignment, index = self.id.removeprefix("task").split("_")
        return int(assignment), int(index)

    @property
    def earned(self):
        """The points times the fraction of tests passed; none if nothing ran or a file broke."""
        return self.points * self.passed / self.run if self.run and not self.broken else 0.0

    @property
    def passed_cell(self):
        """The "Passed" cell: tests passed / tests run."""
        if self.broken:
            return "error"
        return f"{self.passed}/{self.run}" if self.run else "not run"

    @property
    def points_cell(self):
        """The "Points" cell: what the passed fraction earns, of the task's points."""
        earned = _points(self.earned) if self.run or self.broken else "-"
        return f"{earned} / {_points(self.points)}" + (" bonus" if self.bonus else "")


def _points(value):
    """At most two decimals, no trailing zeros, as the grader writes points ("2.5", "10")."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def tasks_of(config):
    """{task id: Task} of every marker in pytest.ini whose description gives its points."""
    tasks = {}
    for line in config.getini("markers"):
        if match := MARKER.fullmatch(line):
            tasks[match["id"]] = Task(match["id"], match["title"], float(match["points"]),
                                      bool(match["bonus"]))
    return tasks


def task_of(keywords, tasks):
    """The Task (of ``tasks``, by id) whose marker is among a test's ``keywords``, or None."""
    return next((tasks[name] for name in keywords if name in tasks), None)


def outcomes(stats):
    """{node id: "passed" | "failed" | "skipped"} of every test that ran, from the terminal
    reporter's reports: a failure in setup, call or teardown fails the test."""
    states = {}
    for reports in stats.values():
        for report in reports:
            if not isinstance(report, pytest.TestReport):
                continue
            if report.failed:
                states[report.nodeid] = "failed"
            elif report.when == "call" or report.skipped:
                states.setdefault(report.nodeid, "passed" if report.passed else "skipped")
    return states


def tally(terminalreporter, tasks):
    """Count each task's tests from the run's reports; True if any test or test file counted."""
    keywords, counted = {}, False
    for reports in terminalreporter.stats.values():
        for report in reports:
            if isinstance(report, pytest.TestReport):
                keywords[report.nodeid] = report.keywords
            elif isinstance(report, pytest.CollectReport) and report.failed:
                match = TEST_FILE.fullmatch(os.path.basename(report.nodeid))
                if match and match[1] in tasks:
                    tasks[match[1]].broken = counted = True
    for nodeid, state in outcomes(terminalreporter.stats).items():
        task = task_of(keywords[nodeid], tasks)
        if task is not None and state != "skipped":
            task.run += 1
            task.passed += state == "passed"
            counted = True
    return counted


def totals(tasks):
    """[(label, passed, run, earned, points)]: the regular tasks, then the bonus tasks if any."""
    rows = []
    for label, bonus in (("Total", False), ("Bonus", True)):
        chosen = [task for task in tasks if task.bonus == bonus]
        if chosen:
            rows.append((label, sum(t.passed for t in chosen), sum(t.run for t in chosen),
                         sum(t.earned for t in chosen), sum(t.points for t in chosen)))
    return rows


def text_table(tasks):
    """The table for the terminal: aligned columns, a rule above the totals, the note below."""
    rows = [("Task", "Title", "Passed", "Points")]
    rows += [(task.id, task.title, task.passed_cell, task.points_cell) for task in tasks]
    rows += [("", label, f"{passed}/{run}", f"{_points(earned)} / {_points(points)}")
             for label, passed, run, earned, points in totals(tasks)]
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    lines = [f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c:>{widths[2]}}  {d:>{widths[3]}}" for a, b, c, d in rows]
    rule = "-" * max(map(len, lines))
    footer = len(totals(tasks))
    return [lines[0], rule, *lines[1:-footer], rule, *lines[-footer:], "", NOTE]


def markdown_table(tasks):
    """The same table in GitHub-flavoured Markdown, for the job summary."""
    def cell(text):
        return text.replace("|", "\\|")

    lines = ["### Public tests: score estimate", "", "| Task | Title | Passed | Points |",
             "|---|---|---:|---:|"]
    lines += [f"| `{task.id}` | {cell(task.title)} | {task.passed_cell} | {task.points_cell} |"
              for task in tasks]
    lines += [f"| | **{label}** | **{passed}/{run}** | **{_points(earned)} / {_points(points)}** |"
              for label, passed, run, earned, points in totals(tasks)]
    return [*lines, "", f"_{NOTE}_", ""]


@pytest.fixture(scope="session", autouse=True)
def short_arrays():
    """NumPy prints arrays in short (PRINT_OPTIONS) while the tests run, and as before after."""
    with np.printoptions(**PRINT_OPTIONS):
        yield


def pytest_collection_modifyitems(config, items):
    """Run the tests in their tasks' numeric order, each task's in the order collected; tests of
    no task come last."""
    tasks = tasks_of(config)

    def order(item):
        task = task_of(item.keywords, tasks)
        return task.order if task is not None else (math.inf,)

    items.sort(key=order)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """With --tb=short (pytest.ini's), a test stopped by a NotImplementedError, a task not done
    yet, shows only the line that raised it and its message, not every call that led there."""
    report = (yield).get_result()
    if report.failed and call.excinfo is not None and call.excinfo.errisinstance(NotImplementedError) \
            and item.config.getoption("tbstyle") == "short":
        report.longrepr = call.excinfo.getrepr(style="short", tbfilter=lambda info: info.traceback[-1:])


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter, config):
    """Print the score table last, after pytest's own summaries (a wrapper around them, so below
    the list of failed tests), unless nothing ran (--collect-only); append it to
    $GITHUB_STEP_SUMMARY when that is set."""
    yield
    tasks = tasks_of(config)
    if not tasks or not tally(terminalreporter, tasks):
        return
    rows = sorted(tasks.values(), key=lambda task: task.order)
    terminalreporter.write_sep("=", "score estimate from the public tests")
    for line in text_table(rows):
        terminalreporter.write_line(line)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        try:
            with open(summary, "a", encoding="utf-8") as file:
                file.write("\n".join(markdown_table(rows)) + "\n")
        except OSError as error:
            terminalreporter.write_line(f"could not write the table to $GITHUB_STEP_SUMMARY: {error}")


pytest_plugins = ["stand_in_plugin"]   # the STAND_INS of the test modules: stand_in_plugin.py
