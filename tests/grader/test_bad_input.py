"""Bad input, end to end: whatever a student hands in, ``Grader.grade`` returns a report.

Each test grades a submission of hw3 that is the reference but for one thing: a module that
cannot be imported, an update that computes nonsense, hangs, crashes or exhausts a resource, an
unsafe archive, a stray notebook, a whole working folder zipped. For each, the three promises hold:

1. a clear message: every test the breakage costs says what went wrong, in words a student can
   act on (the exception, the limit that was hit, the entry that was refused);
2. a score for every other test: the report holds one test per probe, and a breakage inside one
   optimizer's update costs exactly that task's points. A module that cannot be imported, or a
   submission refused as a whole, costs every point and says so on every test;
3. a grader that carries on: the same Grader then grades the reference with full marks.

``grade`` validates every result before it returns it, so each result here is also consistent.
test_sandbox.py and test_submission.py test the sandbox and the intake on their own; this file
puts the same kinds of bad input through the whole grader.
"""
import io
import os
import random
import tarfile
import zipfile

import numpy as np
import pytest

from autograder.course.model import CourseError
from autograder.grading.grader import Grader
from autograder.grading.submission import IntakeLimits
from autograder.sandbox.limits import Limits
from autograder.sandbox.local import LocalSandbox

from submissions import COURSE, reference_copy, replace

pytestmark = pytest.mark.slow     # grades bad hand-ins end to end

HW3 = COURSE.assignment("hw3")
SGD, ADAGRAD = "mytorch/optim/sgd.py", "mytorch/optim/adagrad.py"
TASK_OF = {SGD: "task3_1", ADAGRAD: "task3_2"}
FIRST_LINE_OF_UPDATE = {SGD: '        momentum = group["momentum"]\n', ADAGRAD: "        if not state:\n"}
ADAGRAD_CLASS = "class Adagrad(Optimizer):"
UPDATE = "def update(self, param, grad, state, group):"
ADAGRADS_STEP = "addcdiv_(param, grad, std, -clr)"       # w ← w − η_t g / (√G_t + ε), in place
TIMED_OUT = "the probe did not finish within its time limit of 1 s"

SANDBOX = LocalSandbox()
sandboxed = pytest.mark.skipif(not SANDBOX.fully_isolated,
                               reason="needs namespaces (a private, size-limited /tmp); the grader's machine "
                                      "has them")
as_root = pytest.mark.skipif(os.geteuid() != 0 or not SANDBOX.fully_isolated,
                             reason="needs root and namespaces (a uid per session caps the processes); the "
                                    "grader's machine has both")


def grader_with(limits):
    return Grader(COURSE, HW3, sandbox=LocalSandbox(limits, course_root=COURSE.root))


@pytest.fixture(scope="module")
def grader():
    return Grader(COURSE, HW3)


@pytest.fixture(scope="module")
def impatient_grader():
    """A grader whose probes time out after 1 s instead of hw3's 30 s."""
    return grader_with(Limits(probe_seconds=1, total_seconds=30))


def broken_reference(tmp_path, relative, old, new):
    """The reference's submission with ``old`` replaced by ``new`` in its file ``relative``."""
    return replace(reference_copy(HW3, tmp_path / "broken"), relative, old, new)


def in_adagrad(old, new):
    """The breakage (relative, old, new) that replaces ``old`` by ``new`` in adagrad.py."""
    return ADAGRAD, old, new


def first_in_update(relative, *lines):
    """The breakage (relative, old, new) that runs ``lines`` (unindented lines of a method's body) first
    in every call of the ``update`` of ``relative``'s optimizer."""
    first = FIRST_LINE_OF_UPDATE[relative]
    return relative, first, "".join(f"        {line}\n" for line in lines) + first


def assert_costs_its_task_alone(grader, result, relative, message):
    """Every test of ``relative``'s task scores nothing and says ``message``; every other test passes."""
    task = TASK_OF[relative]
    assert len(result.tests) == len(grader.expected)
    for test in result.tests:
        if test.task == task:
            assert test.score == 0 and message in test.output, (test.name, test.output)
        else:
            assert test.status == "passed", (test.name, test.output)
    assert result.score == pytest.approx(HW3.total_points - COURSE.tasks[task].points)


def assert_nothing_scores(grader, result, message):
    """Every test scores nothing and says ``message``."""
    assert len(result.tests) == len(grader.expected)
    assert result.score == 0
    for test in result.tests:
        assert message in test.output, (test.name, test.output)


def assert_grader_still_works(grader, tmp_path):
    """The grader, after whatever it graded last, still gives the reference full marks."""
    result = grader.grade(reference_copy(HW3, tmp_path / "afterwards"))
    assert result.score == pytest.approx(HW3.total_points), [test.output for test in result.tests]


# --- code that cannot be imported ----------------------------------------------------------------

@pytest.mark.parametrize("breakage, message", [
    pytest.param(in_adagrad(UPDATE, UPDATE.removesuffix(":")),
                 "SyntaxError: expected ':' (adagrad.py, line", id="syntax error"),
    pytest.param(in_adagrad(ADAGRAD_CLASS, f'raise RuntimeError("boom at import")\n\n\n{ADAGRAD_CLASS}'),
                 "RuntimeError: boom at import", id="exception at import"),
    pytest.param(in_adagrad(ADAGRAD_CLASS, ADAGRAD_CLASS.replace("Adagrad", "AdaGrad")),
                 "ImportError: cannot import name 'Adagrad' from 'mytorch.optim.adagrad'",
                 id="renamed class"),
])
def test_a_module_that_cannot_be_imported_fails_every_test_with_its_error(grader, tmp_path, breakage,
                                                                          message):
    # mytorch/__init__.py imports every optimizer, so no probe of any task can run
    result = grader.grade(broken_reference(tmp_path, *breakage))
    assert_nothing_scores(grader, result, message)
    assert_grader_still_works(grader, tmp_path)


# --- code that runs, wrongly ---------------------------------------------------------------------

@pytest.mark.parametrize("breakage, message", [
    pytest.param(in_adagrad(UPDATE, UPDATE.replace("update", "updates")),
                 "TypeError: Can't instantiate abstract class Adagrad with abstract method update",
                 id="missing update"),
    pytest.param(in_adagrad(UPDATE, UPDATE.replace(", group", "")),
                 "TypeError: Adagrad.update() takes 4 positional arguments but 5 were given",
                 id="wrong signature"),
    pytest.param(in_adagrad(ADAGRADS_STEP, 'param[...] = float("nan")'), "nan at index", id="NaN"),
    pytest.param(in_adagrad(ADAGRADS_STEP, 'param[...] = float("inf")'), "inf at index", id="inf"),
    pytest.param(in_adagrad(ADAGRADS_STEP, f'{ADAGRADS_STEP}\n        param[...] = param.astype("int64")'),
                 "differs from the reference", id="weights cast to integers"),
    pytest.param(in_adagrad(ADAGRADS_STEP, ADAGRADS_STEP.replace("std", "std[:, None]")),
                 "ValueError: non-broadcastable output operand with shape (3,) doesn't match the broadcast "
                 "shape (3,3)", id="wrong shape"),
    pytest.param(first_in_update(ADAGRAD, "self.update(param, grad, state, group)"),
                 "RecursionError: maximum recursion depth exceeded", id="endless recursion"),
])
def test_a_broken_update_costs_its_task_alone_and_says_why(grader, tmp_path, breakage, message):
    result = grader.grade(broken_reference(tmp_path, *breakage))
    assert_costs_its_task_alone(grader, result, ADAGRAD, message)
    assert_grader_still_works(grader, tmp_path)


# --- code that hangs or crashes the sandbox ------------------------------------------------------

@pytest.mark.parametrize("breakage", [
    pytest.param(first_in_update(SGD, "while True:", "    pass"), id="infinite loop in the first task"),
    pytest.param(first_in_update(ADAGRAD, "import time", "time.sleep(10**6)"), id="sleep past the deadline"),
])
def test_a_probe_past_its_deadline_costs_its_task_alone(impatient_grader, tmp_path, breakage):
    result = impatient_grader.grade(broken_reference(tmp_path, *breakage))
    assert_costs_its_task_alone(impatient_grader, result, breakage[0], TIMED_OUT)
    assert_grader_still_works(impatient_grader, tmp_path)


def test_hw3s_limits_leave_half_the_session_after_every_probe_of_a_task_times_out(grader, tmp_path):
    tasks = [test.task for test in grader.grade(reference_copy(HW3, tmp_path / "reference")).tests]
    most = max(tasks.count(task) for task in tasks)
    limits = grader.sandbox.limits
    assert most * limits.probe_seconds <= limits.total_seconds / 2


def test_once_the_sessions_time_is_used_up_every_later_test_says_so(tmp_path):
    grader = grader_with(Limits(probe_seconds=1, total_seconds=3))
    result = grader.grade(broken_reference(tmp_path, *first_in_update(SGD, "while True:", "    pass")))
    used_up = "the session's total time limit of 3 s is used up"
    assert len(result.tests) == len(grader.expected) and result.score == 0
    sgd = [test.output for test in result.tests if test.task == TASK_OF[SGD]]
    assert TIMED_OUT in sgd and all(output == TIMED_OUT or output.endswith(used_up) for output in sgd)
    assert all(test.output.endswith(used_up) for test in result.tests if test.task != TASK_OF[SGD])
    assert_grader_still_works(grader, tmp_path)


def test_a_crash_of_the_sandbox_costs_its_task_alone(grader, tmp_path):
    overflow = first_in_update(ADAGRAD, "import sys", "sys.setrecursionlimit(10**8)", "nested = []",
                               "for _ in range(10**5):", "    nested = [nested]", "repr(nested)")
    result = grader.grade(broken_reference(tmp_path, *overflow))
    assert_costs_its_task_alone(grader, result, ADAGRAD, "the sandbox process was killed by SIGSEGV")
    assert_grader_still_works(grader, tmp_path)


# --- code that exhausts a resource ---------------------------------------------------------------

@pytest.mark.parametrize("lines, message", [
    pytest.param(["bytearray(50 * 2**30)"], "MemoryError", id="one huge allocation"),
    pytest.param(["hoard = []", "while True:", "    hoard.append(bytes(2**24))"], "MemoryError",
                 id="a growing list"),
    pytest.param(["import os", "while True:", "    os.fork()"],
                 "BlockingIOError: [Errno 11] Resource temporarily unavailable", id="fork bomb",
                 marks=as_root),
    pytest.param(["with open('huge.bin', 'wb') as file:", "    for _ in range(1024):",
                  "        file.write(bytes(2**20))"],
                 "OSError: [Errno 27] File too large", id="a huge file in the workdir"),
    pytest.param(["for index in range(100):", "    with open(f'/tmp/filler{index}', 'wb') as file:",
                  "        file.write(bytes(32 * 2**20))"],
                 "OSError: [Errno 28] No space left on device", id="filling /tmp", marks=sandboxed),
])
def test_exhausting_a_resource_costs_its_task_alone_and_names_the_limit(grader, tmp_path, lines, message):
    result = grader.grade(broken_reference(tmp_path, *first_in_update(ADAGRAD, *lines)))
    assert_costs_its_task_alone(grader, result, ADAGRAD, message)
    assert_grader_still_works(grader, tmp_path)


def test_a_flood_of_output_costs_nothing_and_stays_out_of_the_report(grader, tmp_path):
    flood = first_in_update(ADAGRAD, "print('x' * 2**20)")        # 1 MiB a call: 120 MiB in all
    result = grader.grade(broken_reference(tmp_path, *flood))
    assert result.score == pytest.approx(HW3.total_points)
    assert len(result.output) < 2**20 and all(len(test.output) < 2**20 for test in result.tests)
    assert_grader_still_works(grader, tmp_path)


# --- submissions refused as a whole --------------------------------------------------------------

def reference_zip(path, extra=(), wrapper=""):
    """A .zip at ``path`` of the reference's submission files under the folder ``wrapper`` and the
    ``extra`` {name: bytes}."""
    files = reference_copy(HW3, path.parent / "files")
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for relative in HW3.submission:
            archive.write(files / relative, wrapper + relative)
        for name, content in dict(extra).items():
            archive.writestr(name, content)
    return path


ARCHIVE_MB = IntakeLimits().archive_bytes // 1_000_000


def oversized_zip(folder):
    path = reference_zip(folder / "submission.zip")
    os.truncate(path, (ARCHIVE_MB + 10) * 1_000_000)      # padded with zeros, sparse on disk
    return path


def tar_with_a_symlink(folder):
    """A .tar.gz of the reference's files in which adagrad.py is a link to /etc/passwd."""
    files, path = reference_copy(HW3, folder / "files"), folder / "submission.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        for relative in HW3.submission:
            if relative != ADAGRAD:
                archive.add(files / relative, relative)
        link = tarfile.TarInfo(ADAGRAD)
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        archive.addfile(link)
    return path


def assert_refused_whole(grader, tmp_path, source, message):
    """Grading ``source`` refuses it before anything runs: no points, and ``message`` on every test."""
    result = grader.grade(source)
    assert_nothing_scores(grader, result, message)
    assert result.output.startswith(f"The submission could not be graded: {message}")
    assert_grader_still_works(grader, tmp_path)


@pytest.mark.parametrize("make, message", [
    pytest.param(lambda folder: reference_zip(folder / "bomb.zip", {"notes.txt": bytes(2**27)}),
                 "notes.txt is 134,217,728 bytes, more than the 5 MB allowed for a file packed over 100 : 1",
                 id="zip bomb"),
    pytest.param(lambda folder: reference_zip(folder / "escape.zip", {"../../escape.py": b""}),
                 "'../../escape.py' points outside the submission (..)", id="path traversal"),
    pytest.param(tar_with_a_symlink, f"{ADAGRAD} is a symbolic link; links and special files are not allowed",
                 id="tar.gz with a symbolic link"),
    pytest.param(oversized_zip, f"submission.zip is {ARCHIVE_MB + 10} MB, more than the {ARCHIVE_MB} MB "
                 "allowed", id="oversized"),
])
def test_an_unsafe_archive_is_refused_whole_with_the_reason_on_every_test(grader, tmp_path, make, message):
    assert_refused_whole(grader, tmp_path, make(tmp_path), message)


def test_a_notebook_is_refused_unread_by_an_assignment_without_one(grader, tmp_path):
    # Grading hw4, which has a notebook, trains networks: too slow here. test_submission.py checks
    # that a notebook that is not valid JSON is refused with the place of the error.
    notebook = tmp_path / "experiments.ipynb"
    notebook.write_text('{"cells": [}')
    assert_refused_whole(grader, tmp_path, notebook,
                         "hw3_optimizers has no notebook; hand in a .zip of your files")


@pytest.mark.parametrize("probes, problem", [
    ("from probing import probe\n\n@probe('task3_1')\ndef " + "a" * 70 + "():\n    return {}\n",
     "the sandbox registered a probe with a bad name"),
    ("import no_such_module\n", "ModuleNotFoundError: No module named 'no_such_module'"),
    ("x = 1\n", "the module defines none"),
])
def test_probes_that_the_reference_cannot_register_stop_the_grader_with_the_reason(probes, problem, tmp_path):
    """Never a silent 0 with no tests: an assignment whose probes register nothing is the course's
    fault, and the grader says so before grading anyone."""
    grader = Grader(COURSE, HW3)
    grader.probes = tmp_path / "probes.py"
    grader.probes.write_text(probes)
    with pytest.raises(CourseError, match="the reference's sandbox registered no probe") as raised:
        grader.expected
    assert problem in str(raised.value)


# --- a whole working folder -----------------------------------------------------------------------

def test_the_whole_working_folder_zipped_earns_what_its_files_earn(grader, tmp_path):
    """Issue 18: the folder a student worked in, zipped whole under a wrapping folder, with its
    virtual environment (a large library too), the weights its training wrote and Python's and
    macOS's leftovers, earns what the clean hand-in earns."""
    weights = io.BytesIO()
    np.save(weights, np.zeros((785, 10)))
    top = "Downloads/hw3_optimizers/"
    site = f"{top}.venv/lib/python3.11/site-packages"
    beside = {**{f"{site}/numpy/module_{i}.py": b"x = 1\n" for i in range(300)},
              f"{site}/numpy.libs/libopenblas.so": random.Random(0).randbytes(6_000_000),
              f"{top}runs/mlp.npy": weights.getvalue(),
              f"{top}mytorch/optim/__pycache__/sgd.cpython-311.pyc": b"\xa7\r\r\n",
              f"__MACOSX/{top}mytorch/optim/._sgd.py": b"\x00\x05\x16\x07"}
    source = reference_zip(tmp_path / "submission.zip", beside, wrapper=top)
    result, clean = grader.grade(source), grader.grade(reference_copy(HW3, tmp_path / "clean"))
    assert result.score == clean.score == pytest.approx(HW3.total_points)
    assert [(test.name, test.score) for test in result.tests] == [(test.name, test.score)
                                                                  for test in clean.tests]
    assert "ignored 1 weight file(s)" in result.output and "runs/mlp.npy" in result.output
    assert ".venv/ (301 files)" in result.output
