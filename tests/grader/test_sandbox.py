"""The grader's sandbox against real attacks, on both engines: real sandbox processes and real
containers, no mocks.

Every attack is a probe in PROBES, run against a small student package. Each test checks the
attack's outcome, then that the grader carries on: a later probe of the same session still
works (``assert_carries_on``). Tests that take the ``engine`` fixture run on the local engine
(which needs ``unshare``; some tests need root, for a dedicated uid per session) and on the
docker engine (which needs a Docker engine and builds the sandbox image if it is missing);
elsewhere they are skipped with the reason. The grading machine has all of it.
"""
import errno
import json
import os
import shutil
import socket
import stat
import subprocess
import sys
from pathlib import Path

import docker
import numpy as np
import pytest

from autograder.course.model import Course
from autograder.sandbox import docker as docker_sandbox
from autograder.sandbox import images
from autograder.sandbox.box import EngineError
from autograder.sandbox.docker import DockerSandbox
from autograder.sandbox.harness import launch
from autograder.sandbox.limits import Limits
from autograder.sandbox.local import LocalSandbox
from autograder.sandbox.uids import SANDBOX_UIDS
from autograder.sandbox.session import Session, encode_tables

pytestmark = pytest.mark.slow     # starts hundreds of sandboxes

ROOT = Path(__file__).resolve().parents[2]
SANDBOX = LocalSandbox()
ENGINES = {"local": LocalSandbox, "docker": DockerSandbox}
WORKDIR = {"local": launch.WORKDIR, "docker": docker_sandbox.WORKDIR}   # where the sandbox sees it
as_root = pytest.mark.skipif(os.geteuid() != 0 or not SANDBOX.fully_isolated,
                             reason="needs root and namespaces (a uid per session); the grader's machine has "
                                    "both")
SECRET = "grader-secret-4f1c9e"
TASK_MESSAGE = "Task 3.1: SGD, momentum and Nesterov momentum"
OBJECT_DTYPE = "value 'w' is an array of dtype object; allowed are arrays of booleans, integers and floats"
CLOSED_PIPE = "the sandbox closed its reply pipe (student code closed the grader's file descriptors?)"
EXITED = "the sandbox process exited with status 0 (student code called os._exit?)"

STUDENT = {
    "mytorch/__init__.py": 'WHO = "student"\nfrom mytorch.optim import SGD\n',
    "mytorch/optim.py": ("class SGD:\n    def step(self):\n"
                         f'        raise NotImplementedError("{TASK_MESSAGE}")\n'),
}

PROBES = r'''
import io, json, os, signal, socket, subprocess, sys, time
import numpy as np
from probing import probe
import mytorch

GRADER_PID = {grader_pid}
PORT = {port}
SECRETS = {secrets}


def runner():
    """serve()'s local variables: what a student needs to forge the protocol."""
    frame = sys._getframe()
    while "channel" not in frame.f_locals:
        frame = frame.f_back
    return frame.f_locals


@probe("task3_1")
def tabled():
    """Answers from the table the grader handed in; records its own when asked to."""
    import probing
    if probing.RECORDING:
        probing.RECORDED["stand_in_answer"] = np.arange(3.0)
    return {{"names": ",".join(sorted(probing.TABLES)), "recording": probing.RECORDING,
             "big": probing.TABLES.get("stand_in_big", np.zeros(0)), "count": probing.TABLES.get("stand_in_count")}}


@probe("task3_1")
def healthy():
    return {{"who": mytorch.WHO, "file": mytorch.__file__, "w": np.arange(6.0).reshape(2, 3),
            "steps": np.int64(30), "lr": 0.1, "nesterov": True, "note": None, "list": [1, 2.5]}}


@probe("task3_1")
def stub():
    mytorch.SGD().step()


@probe("task3_1")
def infinite_loop():
    while True:
        pass


@probe("task3_1")
def sleep_past_deadline():
    time.sleep(1000)


@probe("task3_1")
def stubborn():
    for number in (signal.SIGTERM, signal.SIGALRM, signal.SIGINT, signal.SIGHUP):
        signal.signal(number, lambda *_: None)
    signal.alarm(1)
    while True:
        pass


@probe("task3_1")
def python_recursion():
    def deeper(n):
        return deeper(n + 1)
    deeper(0)


@probe("task3_1")
def c_recursion():
    sys.setrecursionlimit(10**8)
    nested = []
    for _ in range(10**6):
        nested = [nested]
    return {{"text": repr(nested)}}


@probe("task3_1")
def memory_bomb():
    return {{"w": np.ones(10 * 2**30, dtype=np.uint8)}}


@probe("task3_1")
def fork_bomb():
    while True:
        os.fork()


@probe("task3_1")
def stdout_flood():
    chunk = "x" * 2**20
    for _ in range(100):
        sys.stdout.write(chunk)
    return {{"done": True}}


@probe("task3_1")
def fill_scratch():
    chunk = b"\0" * 2**20
    for number in range(1024):
        with open(f"/tmp/scratch-{{number}}.bin", "wb") as file:
            for _ in range(1024):
                file.write(chunk)


@probe("task3_1")
def fill_disk():
    chunk = b"\0" * 2**20
    with open("big.bin", "wb") as file:
        for _ in range(1024):
            file.write(chunk)


@probe("task3_1")
def calls_sys_exit():
    sys.exit(0)


@probe("task3_1")
def calls_os_exit():
    os._exit(0)


@probe("task3_1")
def raises_system_exit():
    raise SystemExit


@probe("task3_1")
def raises_keyboard_interrupt():
    raise KeyboardInterrupt


@probe("task3_1")
def kills_its_parent():
    os.kill(os.getppid(), signal.SIGKILL)
    return {{"parent": os.getppid()}}


@probe("task3_1")
def kills_the_grader():
    os.kill(GRADER_PID, signal.SIGKILL)


@probe("task3_1")
def garbage_header():
    os.write(runner()["channel"].replies, b"\xff\xff\xff\xff garbage")
    return {{}}


@probe("task3_1")
def garbage_body():
    os.write(runner()["channel"].replies, b"\0\0\0\x05nojsn")
    return {{}}


@probe("task3_1")
def forged_future_reply():
    state = runner()
    state["channel"].send({{"call": state["call"] + 1, "status": "ok", "values": {{}}}})
    return {{}}


@probe("task3_1")
def forged_values():
    state = runner()
    forged = {{"who": {{"value": "forged"}}}}
    state["channel"].send({{"call": state["call"], "status": "ok", "values": forged}})
    return {{"who": "real"}}


def forge_array(data, declared=None):
    """Reply with one array value "w" of ``declared`` bytes (default: the data's size), then send
    ``data`` as its frame."""
    state = runner()
    channel = state["channel"]
    size = len(data) if declared is None else declared
    channel.send({{"call": state["call"], "status": "ok", "values": {{"w": {{"array": size}}}}}})
    os.write(channel.replies, len(data).to_bytes(4, "big") + data)
    time.sleep(1000)


def npy(array, allow_pickle=False):
    file = io.BytesIO()
    np.save(file, array, allow_pickle=allow_pickle)
    return file.getvalue()


@probe("task3_1")
def forged_pickle():
    forge_array(npy(np.array([{{"evil": 1}}], dtype=object), allow_pickle=True))


@probe("task3_1")
def forged_short_array():
    forge_array(npy(np.zeros(3)), declared=len(npy(np.zeros(30))))


@probe("task3_1")
def forged_long_array():
    forge_array(npy(np.zeros(300)), declared=len(npy(np.zeros(3))))


@probe("task3_1")
def forged_huge_array():
    forge_array(npy(np.zeros(3)), declared=10**12)


@probe("task3_1")
def forged_negative_size():
    forge_array(npy(np.zeros(3)), declared=-1)


@probe("task3_1")
def forged_shape():
    file = io.BytesIO()
    np.lib.format.write_array_header_1_0(file, {{"descr": "<f8", "fortran_order": False, "shape": (9,)}})
    forge_array(file.getvalue() + np.zeros(2).tobytes())


@probe("task3_1")
def closes_the_reply_pipe():
    os.close(runner()["channel"].replies)
    time.sleep(1000)


@probe("task3_1")
def hijacks_the_reply_pipe():
    os.dup2(os.open("/dev/null", os.O_WRONLY), runner()["channel"].replies)
    return {{}}


@probe("task3_1")
def standard_streams():
    channel = runner()["channel"]
    streams = [os.readlink(f"/proc/self/fd/{{fd}}") for fd in (0, 1, 2, channel.requests, channel.replies)]
    return {{"streams": json.dumps(streams), "requests": channel.requests, "replies": channel.replies}}


@probe("task3_1")
def prints_a_lookalike_reply():
    state = runner()
    lookalike = {{"call": state["call"], "status": "ok", "values": {{"who": {{"value": "forged"}}}}}}
    body = json.dumps(lookalike).encode()
    sys.stdout.buffer.write(len(body).to_bytes(4, "big") + body)
    sys.stderr.buffer.write(len(body).to_bytes(4, "big") + body)
    return {{"who": "real"}}


@probe("task3_1")
def patches_json():
    json.dumps = lambda *args, **kwargs: "garbage"
    return {{}}


@probe("task3_1")
def patches_numpy():
    real_save = np.save
    np.save = lambda file, array, allow_pickle=True: real_save(file, np.array([object()]), allow_pickle=True)
    return {{"w": np.zeros(3)}}


@probe("task3_1")
def non_finite():
    return {{"a": np.array([np.nan, np.inf, -np.inf]), "nan": float("nan"), "inf": float("inf")}}


@probe("task3_1")
def object_array():
    return {{"w": np.array([object()])}}


@probe("task3_1")
def string_array():
    return {{"w": np.array(["a", "b"])}}


@probe("task3_1")
def record_array():
    return {{"w": np.zeros(3, dtype=[("a", "f8")])}}


@probe("task3_1")
def mixed_list():
    return {{"w": [1, "a"]}}


@probe("task3_1")
def huge_array():
    return {{"w": np.zeros(300_000)}}


@probe("task3_1")
def not_a_dict():
    return [1, 2]


@probe("task3_1")
def a_set():
    return {{"w": {{1, 2}}}}


@probe("task3_1")
def bad_name():
    return {{"not an identifier": 1}}


@probe("task3_1")
def reads_secrets():
    report = {{}}
    for path in SECRETS:
        try:
            with open(path, "rb") as file:
                report[path] = "read " + repr(file.read(40))
        except OSError as error:
            report[path] = type(error).__name__
    try:
        reference = os.listdir(SECRETS[0].rsplit("/", 2)[0])
    except OSError as error:
        reference = type(error).__name__
    return {{"report": json.dumps(report), "reference": json.dumps(reference)}}


@probe("task3_1")
def reads_environment():
    seen = [json.dumps(dict(os.environ))]
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{{pid}}/environ", "rb") as file:
                seen.append(file.read().decode(errors="replace"))
        except OSError:
            pass
    return {{"seen": "\n".join(seen), "pids": len([p for p in os.listdir("/proc") if p.isdigit()]),
            "hash_randomization": sys.flags.hash_randomization}}


@probe("task3_1")
def connects():
    report = {{}}
    for name, address in (("grader", ("127.0.0.1", PORT)), ("outside", ("8.8.8.8", 53))):
        try:
            socket.create_connection(address, timeout=2).close()
            report[name] = "connected"
        except OSError as error:
            report[name] = f"{{type(error).__name__}} {{error.errno}}"
    return report


@probe("task3_1")
def who_am_i():
    with open("/proc/self/status") as file:
        status = dict(line.split(":\t", 1) for line in file.read().splitlines() if ":\t" in line)
    return {{"uid": os.getuid(), "gid": os.getgid(), "groups": json.dumps(os.getgroups()),
            "cap_eff": status["CapEff"].strip(), "cap_bnd": status["CapBnd"].strip(),
            "no_new_privs": status["NoNewPrivs"].strip()}}


@probe("task3_1")
def writes_everywhere():
    targets = [SECRETS[-1], sys.prefix + "/pyvenv.cfg", np.__file__, "/run/lock/x", "/etc/x",
               "/tmp/scratch-of-the-probe", "/var/tmp/scratch-of-the-probe", "answers.txt"]
    report = {{}}
    for path in targets:
        try:
            with open(path, "a") as file:
                file.write("tampered")
            report[path] = "written"
        except OSError as error:
            report[path] = type(error).__name__
    return {{"report": json.dumps(report)}}


@probe("task3_1")
def leaves_processes():
    subprocess.Popen(["sleep", "1000"], start_new_session=True)
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            time.sleep(1000)
        os._exit(0)
    os.wait()
    return {{"uid": os.getuid()}}


@probe("task3_1")
def limits():
    import resource
    names = ["RLIMIT_CPU", "RLIMIT_AS", "RLIMIT_NPROC", "RLIMIT_FSIZE", "RLIMIT_NOFILE", "RLIMIT_CORE"]
    return {{name: json.dumps(resource.getrlimit(getattr(resource, name))) for name in names}}


@probe("task3_1")
def counts_processes():
    return {{"pids": len([pid for pid in os.listdir("/proc") if pid.isdigit()])}}


@probe("task3_1")
def prints():
    print("hello from the probe")
    print("and from stderr", file=sys.stderr)
    return {{}}
'''


@pytest.fixture
def workdir(tmp_path):
    """alice's submission, next to bob's (which alice's sandbox must not see)."""
    for student in ("alice", "bob"):
        for name, text in STUDENT.items():
            (tmp_path / "submissions" / student / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / "submissions" / student / name).write_text(text)
    (tmp_path / "submissions" / "bob" / "answers.txt").write_text("bob's answers")
    return tmp_path / "submissions" / "alice"


@pytest.fixture
def server():
    """A TCP server of the grader's, listening on 127.0.0.1."""
    with socket.create_server(("127.0.0.1", 0)) as listening:
        listening.setblocking(False)
        yield listening


@pytest.fixture
def probes(tmp_path, server):
    secrets = [str(ROOT / "reference" / "mytorch" / "_tensor.py"),
               str(ROOT / "assignments" / "hw1_autodiff" / "hidden" / "conftest.py"),
               str(ROOT / "autograder" / "sandbox.py"), str(ROOT / "tests" / "grader" / "test_sandbox.py"),
               str(ROOT / ".git" / "HEAD"), f"/proc/{os.getpid()}/environ", "/root/.bashrc",
               str(tmp_path / "submissions" / "bob" / "answers.txt"), str(ROOT / "README.md")]
    path = tmp_path / "probes.py"
    path.write_text(PROBES.format(grader_pid=os.getpid(), port=server.getsockname()[1], secrets=secrets))
    return path


@pytest.fixture(params=list(ENGINES))
def engine(request):
    """Each engine in turn: "local" where the kernel gives namespaces, "docker" with the sandbox image."""
    if request.param == "docker":
        request.getfixturevalue("sandbox_image")
    elif not SANDBOX.fully_isolated:
        pytest.skip("the local engine needs namespaces (unshare(2)); the grader's machine has them")
    return request.param


def open_session(workdir, probes, engine="local", **limits):
    limits = Limits(**{"probe_seconds": 10, **limits})
    return ENGINES[engine](limits).session(workdir, [probes])


def assert_carries_on(session):
    outcome = session.run("healthy")
    assert outcome.status == "ok", outcome
    assert outcome.values["who"] == "student"


def leftovers(engine, uid):
    """What the engine's sandboxes left: the processes of ``uid`` (local), the containers (docker)."""
    if engine == "local":
        return processes_of(uid)
    mine = f"{docker_sandbox.LABEL}={os.getpid()}"       # not those of other graders on this machine
    return docker.from_env().containers.list(all=True, filters={"label": mine})


def skip_unless_root(engine):
    """The local engine kills a session's processes by its dedicated uid: root only."""
    if engine == "local" and os.geteuid() != 0:
        pytest.skip("the local engine gives each session a uid of its own only as root")


def processes_of(uid):
    """The pids of the machine's processes that run as ``uid``."""
    pids = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.stat(f"/proc/{pid}").st_uid == uid:
                pids.append(pid)
        except FileNotFoundError:
            pass
    return pids


# ------------------------------------------------------------------ the protocol

def test_a_probe_returns_arrays_and_scalars_from_the_students_package(engine, workdir, probes):
    with open_session(workdir, probes, engine) as session:
        assert session.names()["healthy"].task == "task3_1" and session.names()["stub"].task == "task3_1"
        outcome = session.run("healthy")
    assert outcome.status == "ok" and outcome.message == ""
    values = outcome.values
    assert values["who"] == "student", "import mytorch finds the workdir's package, not reference/"
    assert values["file"] == f"{WORKDIR[engine]}/mytorch/__init__.py"
    assert values["w"].dtype == "float64" and values["w"].tolist() == [[0, 1, 2], [3, 4, 5]]
    assert values["steps"] == 30 and values["lr"] == 0.1
    assert values["nesterov"] is True and values["note"] is None
    assert values["list"].tolist() == [1, 2.5]


def test_a_probe_gets_its_table_as_data_and_records_one_when_asked(engine, workdir, probes):
    big = np.random.default_rng(0).standard_normal(300_000)        # 2.4 MB: more than a pipe holds
    with open_session(workdir, probes, engine) as session:
        given = session.run("tabled", tables=encode_tables({"stand_in_big": big, "stand_in_count": 2}))
        alone = session.run("tabled")
        recorded = session.run("tabled", record=True)
    assert given.status == "ok", given
    assert given.values["names"] == "stand_in_big,stand_in_count" and given.values["count"] == 2
    assert np.array_equal(given.values["big"], big) and given.values["recording"] is False
    assert alone.values["names"] == "" and "stand_in_answer" not in alone.values
    assert recorded.values["recording"] is True
    assert np.array_equal(recorded.values["stand_in_answer"], np.arange(3.0))


def test_the_round_trip_of_a_probe_takes_milliseconds(engine, workdir, probes):
    with open_session(workdir, probes, engine) as session:
        session.run("healthy")
        seconds = sorted(session.run("healthy").seconds for _ in range(20))
    assert seconds[10] < 0.05


def test_a_stub_raises_the_tasks_message_with_the_students_frames_only(engine, workdir, probes):
    with open_session(workdir, probes, engine) as session:
        outcome = session.run("stub")
        assert outcome.status == "error" and outcome.values == {}
        first, *frames = outcome.message.splitlines()
        assert first == f"NotImplementedError: {TASK_MESSAGE}"
        assert frames == [f'  mytorch/optim.py, line 3, in step: raise NotImplementedError("{TASK_MESSAGE}")']
        assert_carries_on(session)


def test_an_unknown_probe_is_an_error(engine, workdir, probes):
    with open_session(workdir, probes, engine) as session:
        outcome = session.run("no_such_probe")
        assert outcome.status == "error" and "no probe called 'no_such_probe'" in outcome.message
        assert_carries_on(session)


def test_nan_and_inf_pass_through_for_the_verdicts_to_judge(engine, workdir, probes):
    with open_session(workdir, probes, engine) as session:
        outcome = session.run("non_finite")
    assert outcome.status == "ok"
    assert str(outcome.values["a"].tolist()) == "[nan, inf, -inf]"
    assert outcome.values["nan"] != outcome.values["nan"] and outcome.values["inf"] == float("inf")


@pytest.mark.parametrize("probe, message", [
    ("object_array", "dtype object"),
    ("string_array", "dtype <U1"),
    ("record_array", "dtype [('a', '<f8')]"),
    ("mixed_list", "dtype <U21"),
    ("huge_array", "total more than the limit of 1,000,000 bytes (at value 'w', of shape (300000,))"),
    ("not_a_dict", "returned list"),
    ("a_set", "value 'w' is a set"),
    ("bad_name", "identifiers"),
])
def test_values_that_cannot_be_sent_are_invalid(engine, workdir, probes, probe, message):
    with open_session(workdir, probes, engine, value_bytes=1_000_000) as session:
        outcome = session.run(probe)
        assert outcome.status == "invalid" and message in outcome.message, outcome
        assert_carries_on(session)


def test_output_is_kept_per_stream(engine, workdir, probes):
    with open_session(workdir, probes, engine) as session:
        session.run("prints")
    assert session.output() == {"stdout": "hello from the probe\n", "stderr": "and from stderr\n"}


def test_a_probe_module_that_fails_to_import_is_reported(engine, workdir, probes):
    (workdir / "mytorch" / "__init__.py").write_text("WHO = 1 / 0\n")
    with open_session(workdir, probes, engine) as session:
        assert session.names() == {}
        assert session.errors["probes.py"]["type"] == "ZeroDivisionError"
        outcome = session.run("healthy")
    assert outcome.status == "error"
    assert outcome.message == ("the code could not be imported, so 'healthy' could not run: "
                               "ZeroDivisionError: "
                               "division by zero\n  mytorch/__init__.py, line 1, in <module>: WHO = 1 / 0")


@pytest.mark.parametrize("weight", [0, -1, True, "2", float("nan"), 1e9])
def test_a_probes_weight_is_a_positive_number(weight):
    from autograder.sandbox.harness import probing
    with pytest.raises(ValueError, match="weight must be a number in"):
        probing.probe("task3_1", weight=weight)


def test_a_package_that_hangs_on_import_fails_every_probe_quickly(engine, workdir, probes):
    (workdir / "mytorch" / "__init__.py").write_text("while True:\n    pass\n")
    with open_session(workdir, probes, engine, probe_seconds=1) as session:
        assert session.names() == {}
        outcome = session.run("healthy")
    assert outcome.status == "timeout" and outcome.seconds < 0.1
    assert outcome.message == ("the sandbox did not start: the sandbox's start (importing the probe modules "
                               "and the student's package) did not finish within its time limit of 1 s")


# ------------------------------------------------------------------ time, processes, memory, disk

@pytest.mark.parametrize("probe", ["infinite_loop", "sleep_past_deadline", "stubborn"])
def test_a_probe_past_its_deadline_is_killed_and_the_sandbox_restarts(engine, workdir, probes, probe):
    with open_session(workdir, probes, engine, probe_seconds=1) as session:
        outcome = session.run(probe)
        assert outcome.status == "timeout" and 1 <= outcome.seconds < 2
        assert outcome.message == "the probe did not finish within its time limit of 1 s"
        assert_carries_on(session)


def test_the_total_time_limit_caps_the_session(engine, workdir, probes):
    with open_session(workdir, probes, engine, probe_seconds=1, total_seconds=2.5) as session:
        assert [session.run("infinite_loop").status for _ in range(2)] == ["timeout", "timeout"]
        last = session.run("infinite_loop")
        assert last.status == "timeout" and last.seconds < 1
        # the time may run out during the restart after the second timeout ("did not start: ...")
        assert last.message.endswith("the session's total time limit of 2.5 s is used up")
        later = session.run("healthy")
        assert later.status == "timeout" and later.seconds < 0.01


def test_python_recursion_is_an_error(engine, workdir, probes):
    with open_session(workdir, probes, engine) as session:
        outcome = session.run("python_recursion")
        assert outcome.status == "error"
        assert outcome.message.startswith("RecursionError: maximum recursion depth exceeded")
        assert_carries_on(session)


def test_recursion_that_overflows_the_c_stack_crashes_the_sandbox(engine, workdir, probes):
    with open_session(workdir, probes, engine) as session:
        outcome = session.run("c_recursion")
        assert outcome.status == "crashed"
        assert outcome.message == ("the sandbox process was killed by SIGSEGV (a segmentation fault: very "
                                   "deep recursion overflows the C stack)")
        assert_carries_on(session)


def test_a_memory_bomb_meets_the_memory_limit_with_a_clear_message(engine, workdir, probes):
    memory_mb = {"local": Limits.memory_mb, "docker": 512}[engine]
    with open_session(workdir, probes, engine, memory_mb=memory_mb) as session:
        outcome = session.run("memory_bomb")
        if engine == "local":      # the address space limit: the allocation fails
            assert outcome.status == "error"
            assert outcome.message.startswith("MemoryError: Unable to allocate 10.0 GiB")
        else:                      # the container's memory limit: the kernel kills the sandbox
            assert outcome.status == "crashed"
            assert outcome.message == ("the sandbox's container was killed for using more than its memory "
                                       "limit of 512 MB")
        assert_carries_on(session)


def test_a_fork_bomb_meets_the_process_limit_and_leaves_nothing_behind(engine, workdir, probes):
    skip_unless_root(engine)
    with open_session(workdir, probes, engine, processes=32) as session:
        uid = session.run("who_am_i").values["uid"]
        outcome = session.run("fork_bomb")
        assert outcome.status == "error" and outcome.message.startswith("BlockingIOError: [Errno 11]")
        assert_carries_on(session)
        assert session.run("counts_processes").values["pids"] == 1
    assert leftovers(engine, uid) == []


def test_no_process_outlives_its_probe_or_the_session(engine, workdir, probes):
    skip_unless_root(engine)
    with open_session(workdir, probes, engine, probe_seconds=1) as session:
        uid = session.run("leaves_processes").values["uid"]
        assert session.run("counts_processes").values["pids"] == 1, "the probe's processes were ended"
        session.run("infinite_loop")
        assert_carries_on(session)
    assert leftovers(engine, uid) == []


def test_the_resource_limits_are_in_force(engine, workdir, probes):
    limits = Limits(total_seconds=100, memory_mb=1000, processes=50, file_size_mb=10, open_files=100)
    with ENGINES[engine](limits).session(workdir, [probes]) as session:
        values = session.run("limits").values
    expected = {name: limit for name, limit in limits.rlimits().items()    # docker: memory and pids by cgroup
                if engine == "local" or name not in docker_sandbox.CGROUP_RLIMITS}
    assert {name: tuple(json.loads(values[name])) for name in expected} == expected
    assert limits.rlimits()["RLIMIT_CPU"] == (100, 101) and limits.rlimits()["RLIMIT_CORE"] == (0, 0)


def test_a_flood_of_output_is_drained_and_capped(engine, workdir, probes):
    with open_session(workdir, probes, engine, output_bytes=1000) as session:
        outcome = session.run("stdout_flood")
        assert outcome.status == "ok" and outcome.seconds < 5
        assert_carries_on(session)
    stdout = session.output()["stdout"]
    assert stdout == "x" * 1000 + f"\n[... {100 * 2**20 - 1000:,} more bytes of stdout dropped]"


def test_filling_the_disk_stops_at_the_file_size_limit(engine, workdir, probes):
    with open_session(workdir, probes, engine, file_size_mb=16) as session:
        outcome = session.run("fill_disk")
        scratch = session.run("fill_scratch")
        assert_carries_on(session)
    if engine == "local":      # the workdir is on the grader's disk: each file is capped
        assert outcome.status == "error" and outcome.message.startswith("OSError: [Errno 27] File too large")
        assert (workdir / "big.bin").stat().st_size == 16 * 2**20
    else:                      # the workdir is read-only
        assert outcome.status == "error" and outcome.message.startswith("OSError: [Errno 30] Read-only file")
        assert not (workdir / "big.bin").exists()
    assert scratch.status == "error", "/tmp is a tmpfs as small as the file size limit"
    assert scratch.message.startswith(("OSError: [Errno 27] File too large", "OSError: [Errno 28] No space"))


# ------------------------------------------------------------------ ending the process, signals

@pytest.mark.parametrize("probe, message", [
    ("calls_sys_exit", "SystemExit: 0\n(it ended the sandbox process)"),
    ("raises_system_exit", "SystemExit: \n(it ended the sandbox process)"),
    ("raises_keyboard_interrupt", "KeyboardInterrupt: \n(it ended the sandbox process)"),
    ("calls_os_exit", EXITED),
])
def test_ending_the_process_is_a_crash_and_the_sandbox_restarts(engine, workdir, probes, probe, message):
    with open_session(workdir, probes, engine) as session:
        outcome = session.run(probe)
        assert outcome.status == "crashed" and outcome.message == message
        assert_carries_on(session)


def test_killing_the_parent_reaches_nothing(engine, workdir, probes):
    with open_session(workdir, probes, engine) as session:
        outcome = session.run("kills_its_parent")
        assert outcome.status == "ok"
        assert outcome.values == {"parent": 0}, "the runner is its namespace's first process"
        assert_carries_on(session)


def test_killing_the_grader_reaches_nothing(engine, workdir, probes):
    with open_session(workdir, probes, engine) as session:
        outcome = session.run("kills_the_grader")
        assert outcome.status == "error" and outcome.message.startswith("ProcessLookupError")
        assert_carries_on(session)


# ------------------------------------------------------------------ the protocol under attack

@pytest.mark.parametrize("probe, status, message", [
    ("garbage_header", "invalid", ("the sandbox sent a malformed message (a header of 4,294,967,295 bytes, "
                                   "over the limit of 1,048,576)")),
    ("garbage_body", "invalid", "the sandbox sent a malformed message (not JSON)"),
    ("forged_future_reply", "invalid", "the sandbox answered out of turn (a forged or stale reply)"),
    ("forged_pickle", "invalid", OBJECT_DTYPE),
    ("forged_short_array", "invalid", "value 'w': its array is 152 bytes, not the 368 declared"),
    ("forged_long_array", "invalid", ("the sandbox sent a malformed message (a header of 2,528 bytes, "
                                      "over the limit of 152)")),
    ("forged_huge_array", "invalid", ("the probe's values total more than the limit of 64,000,000 bytes "
                                      "(at value 'w')")),
    ("forged_negative_size", "invalid", "value 'w' declares a bad array size"),
    ("forged_shape", "invalid", "value 'w': its .npy file's size does not match its shape (9,)"),
    ("closes_the_reply_pipe", "invalid", CLOSED_PIPE),
    ("hijacks_the_reply_pipe", "invalid", CLOSED_PIPE),
    ("patches_json", "invalid", "the sandbox sent a malformed message (not JSON)"),
    ("patches_numpy", "invalid", OBJECT_DTYPE),
])
def test_a_broken_or_forged_protocol_is_invalid_and_the_sandbox_restarts(engine, workdir, probes, probe,
                                                                         status, message):
    with open_session(workdir, probes, engine, probe_seconds=2) as session:
        outcome = session.run(probe)
        if engine == "docker" and probe == "hijacks_the_reply_pipe":   # one socket both ways: the requests
            status, message = "crashed", outcome.message               # end too, and so does the runner
            assert message.startswith(("the sandbox process exited with status ",
                                       "the sandbox lost its channel"))
        assert (outcome.status, outcome.message) == (status, message)
        assert_carries_on(session)


def test_a_well_formed_forged_reply_only_changes_the_students_own_values(engine, workdir, probes):
    with open_session(workdir, probes, engine) as session:
        outcome = session.run("forged_values")
        assert outcome.status == "ok" and outcome.values == {"who": "forged"}
        assert_carries_on(session)


def test_the_protocol_pipes_are_none_of_the_standard_streams(engine, workdir, probes):
    with open_session(workdir, probes, engine) as session:
        values = session.run("standard_streams").values
    stdin, stdout, stderr, requests, replies = json.loads(values["streams"])
    assert stdin == "/dev/null" and values["requests"] > 2 and values["replies"] > 2
    if engine == "local":      # two pipes
        assert len({stdout, stderr, requests, replies}) == 4 and requests.startswith("pipe:")
    else:                      # one socket, both ways
        assert len({stdout, stderr, requests}) == 3 and requests == replies and requests.startswith("socket:")


def test_printing_lookalike_replies_changes_nothing(engine, workdir, probes):
    with open_session(workdir, probes, engine) as session:
        outcome = session.run("prints_a_lookalike_reply")
        assert outcome.status == "ok" and outcome.values == {"who": "real"}
        assert_carries_on(session)


# ------------------------------------------------------------------ secrets, files, network, privileges

def test_secrets_are_out_of_reach(engine, workdir, probes, tmp_path):
    with open_session(workdir, probes, engine) as session:
        outcome = session.run("reads_secrets")
        assert_carries_on(session)
    report = json.loads(outcome.values["report"])
    readme = report.pop(str(ROOT / "README.md"))
    if engine == "docker":     # nothing of the grader's machine is there; the image's /root is closed
        assert set(report.values()) <= {"FileNotFoundError", "PermissionError"}, report
        assert readme == "FileNotFoundError"
        return
    assert set(report.values()) == {"FileNotFoundError"}, report
    if not ROOT.is_relative_to("/tmp"):      # a course under /tmp vanishes with the sandbox's private /tmp
        assert readme.startswith("read b'"), "the course root itself stays visible; its secrets do not"
        assert json.loads(outcome.values["reference"]) == [], "reference/ is an empty folder in the sandbox"


def test_the_environment_holds_no_grader_variables(engine, workdir, probes, monkeypatch):
    monkeypatch.setenv("MYTORCH_GRADER_SECRET", SECRET)
    with open_session(workdir, probes, engine) as session:
        outcome = session.run("reads_environment")
    assert outcome.status == "ok" and SECRET not in outcome.values["seen"]
    environment = json.loads(outcome.values["seen"].split("\n")[0])
    assert environment["HOME"] == {"local": WORKDIR["local"], "docker": "/tmp"}[engine]
    assert environment["PYTHONHASHSEED"] == "0"
    assert environment["OMP_NUM_THREADS"] == environment["OPENBLAS_NUM_THREADS"] == "1"
    assert outcome.values["pids"] == 1, "/proc shows the sandbox's own process only"
    assert outcome.values["hash_randomization"] == 0, "PYTHONHASHSEED=0 holds"


def test_the_network_is_unreachable(engine, workdir, probes, server):
    with open_session(workdir, probes, engine) as session:
        outcome = session.run("connects")
        assert_carries_on(session)
        assert "network access attempted (socket.connect, 2 times)" in session.detected()
    unreachable, refused = f"OSError {errno.ENETUNREACH}", f"ConnectionRefusedError {errno.ECONNREFUSED}"
    assert outcome.values["outside"] == unreachable
    assert outcome.values["grader"] in (unreachable, refused), "the sandbox's loopback, if any, is its own"
    with pytest.raises(BlockingIOError):
        server.accept()


def test_only_the_workdir_and_scratch_folders_are_writable(engine, workdir, probes):
    with open_session(workdir, probes, engine) as session:
        report = json.loads(session.run("writes_everywhere").values["report"])
        assert_carries_on(session)
    written = {path for path, result in report.items() if result == "written"}
    assert "tampered" not in (ROOT / "README.md").read_text()
    if engine == "local":
        assert written == {"/tmp/scratch-of-the-probe", "/var/tmp/scratch-of-the-probe", "answers.txt"}, \
            report
        assert (workdir / "answers.txt").read_text() == "tampered"
    else:                      # the submission is mounted read-only, the root too: /tmp is a tmpfs
        assert written == {"/tmp/scratch-of-the-probe"}, report
        assert report["answers.txt"] == "OSError" and not (workdir / "answers.txt").exists()


def test_the_sandbox_runs_as_an_unprivileged_user(engine, workdir, probes):
    skip_unless_root(engine)
    with open_session(workdir, probes, engine) as session, \
            open_session(workdir.parent / "bob", probes, engine) as other:
        values = session.run("who_am_i").values
        theirs = other.run("who_am_i").values["uid"]
    if engine == "local":
        assert values["uid"] in SANDBOX_UIDS and theirs != values["uid"], "each session has its own uid"
        assert values["gid"] == values["uid"] and values["groups"] == "[]"
    else:                      # the image's user; each container is a world of its own
        assert (values["uid"], values["gid"]) == images.SANDBOX_USER
        assert json.loads(values["groups"]) in ([], [images.SANDBOX_USER[1]])
    assert values["cap_eff"] == values["cap_bnd"] == "0000000000000000" and values["no_new_privs"] == "1"


@as_root
def test_the_workdir_is_given_back_to_the_grader(workdir, probes):
    mode = stat.S_IMODE(workdir.stat().st_mode)
    with open_session(workdir, probes) as session:
        assert stat.S_IMODE(workdir.stat().st_mode) == 0o700 and workdir.stat().st_uid in SANDBOX_UIDS
        session.run("writes_everywhere")
    assert not (workdir / ".sandbox").exists()
    assert stat.S_IMODE(workdir.stat().st_mode) == mode
    assert {path.stat().st_uid for path in [workdir, *workdir.rglob("*")]} == {os.getuid()}


# ------------------------------------------------------------------ the local engine without namespaces

# Where the kernel refuses namespaces (a Gradescope container), the sandbox runs at the workdir's
# own path as the session's uid. These tests take the namespaces away from a sandbox by hand.
as_root_alone = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (a uid per session)")
WHERE = """
import os
from probing import probe
import mytorch


@probe("task3_1")
def where():
    try:
        listing = f"listed {len(os.listdir('..'))} entries"
    except OSError as error:
        listing = type(error).__name__
    return {"who": mytorch.WHO, "uid": os.getuid(), "cwd": os.getcwd(), "listing": listing}
"""


def usable_by_all(python):
    """Whether a uid without groups can run ``python``."""
    uid = SANDBOX_UIDS[-1]
    try:
        trial = subprocess.run([python, "-c", "pass"], user=uid, group=uid, extra_groups=[],
                               capture_output=True)
    except PermissionError:
        return False
    return trial.returncode == 0


@pytest.fixture(scope="module")
def open_python(tmp_path_factory):
    """A venv's interpreter that every uid may run, with a copy of the grader's NumPy: as the
    sandbox's, where the grader's own interpreter lies in a closed folder (such as /root)."""
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    bases = [sys._base_executable, f"/usr/bin/python{version}", f"/usr/local/bin/python{version}"]
    base = next((python for python in bases if Path(python).is_file() and usable_by_all(python)), None)
    if base is None:
        pytest.skip(f"no Python {version} here that every user may run: {', '.join(bases)}")
    folder = tmp_path_factory.mktemp("open-python")
    folder.chmod(0o755)
    subprocess.run([base, "-m", "venv", "--without-pip", str(folder / "venv")], check=True)
    site = folder / "venv" / "lib" / f"python{version}" / "site-packages"
    for package in (Path(np.__file__).parent, Path(np.__file__).parent.with_name("numpy.libs")):
        if package.is_dir():
            shutil.copytree(package, site / package.name)
    return folder / "venv" / "bin" / "python"


def without_namespaces(python):
    sandbox = LocalSandbox(Limits(probe_seconds=10), python=python)
    sandbox.namespaces = None
    return sandbox


def modes(paths):
    return {path: stat.S_IMODE(path.stat().st_mode) for path in paths}


@as_root_alone
def test_local_engine_without_namespaces_reaches_a_workdir_in_closed_folders(tmp_path, open_python):
    workdir = tmp_path / "submission-x" / "work"       # tempfile.TemporaryDirectory's folder: 0700
    for name, text in STUDENT.items():
        (workdir / name).parent.mkdir(parents=True, exist_ok=True)
        (workdir / name).write_text(text)
    workdir.parent.chmod(0o700)
    (tmp_path / "probes.py").write_text(WHERE)
    before = modes(workdir.parents)
    with without_namespaces(open_python).session(workdir, [tmp_path / "probes.py"]) as session:
        during = modes(workdir.parents)
        outcome = session.run("where")
    assert outcome.status == "ok", outcome
    values = outcome.values
    assert values["who"] == "student" and values["uid"] in SANDBOX_UIDS and values["cwd"] == str(workdir)
    assert values["listing"] == "PermissionError", "the uid may pass through the folder, never list it"
    assert during[workdir.parent] == 0o701
    assert all(mode & stat.S_IXOTH for mode in during.values())
    assert modes(workdir.parents) == before
    assert {path.stat().st_uid for path in [workdir, *workdir.rglob("*")]} == {os.getuid()}


@as_root_alone
def test_local_engine_without_namespaces_refuses_an_interpreter_its_uid_cannot_run(tmp_path, workdir,
                                                                                    probes, open_python):
    closed = tmp_path / "closed"
    closed.mkdir(mode=0o700)
    (closed / "python").symlink_to(open_python)
    before = modes(workdir.parents)
    with pytest.raises(EngineError, match=f"the sandbox's interpreter {closed / 'python'} does not work for "
                                          f"the sandbox's uid .*PermissionError"):
        without_namespaces(closed / "python").session(workdir, [probes])
    assert modes(workdir.parents) == before


# ------------------------------------------------------------------ configuration

def test_limits_come_from_the_assignment():
    limits = Limits.from_assignment(Course(ROOT).assignment("hw4"))
    assert (limits.probe_seconds, limits.total_seconds, limits.memory_mb) == (600, 900, 4096)
    assert limits.processes == Limits().processes
    with pytest.raises(ValueError, match="Limits.memory_mb must be a positive number"):
        Limits(memory_mb=0)


@pytest.mark.parametrize("folder", [ROOT, ROOT / "autograder", Path("/tmp"), Path("/"),
                                    Path(sys.base_prefix)])
def test_a_workdir_that_is_not_a_folder_of_its_own_is_refused(engine, folder, probes):
    if engine == "docker" and folder == Path(sys.base_prefix):
        pytest.skip("a container needs no folder of the grader's Python")
    with pytest.raises(ValueError, match="the workdir must be a folder of its own"):
        with open_session(folder, probes, engine):
            pass


def test_the_docker_isolation_notes_say_what_is_in_force(sandbox_image):
    notes = DockerSandbox(Limits(memory_mb=1000)).isolation()
    aspects = ["engine", "user", "network", "processes", "files", "limits", "output", "environment"]
    assert [note.split(":")[0] for note in notes] == aspects
    assert "network: none" in notes and "1000 MB of memory (swap included)" in notes[5]


def test_a_timeout_kills_the_container_and_leaves_nothing_behind(sandbox_image, workdir, probes):
    with open_session(workdir, probes, "docker", probe_seconds=1) as session:
        assert len(leftovers("docker", None)) == 1
        assert session.run("sleep_past_deadline").status == "timeout"
        assert leftovers("docker", None) == [], "killed and removed at once"
        assert_carries_on(session)
    assert leftovers("docker", None) == []


def test_the_isolation_notes_say_what_is_in_force():
    notes = SANDBOX.isolation()
    aspects = ["user", "network", "processes", "files", "limits", "output", "environment"]
    assert [note.split(":")[0] for note in notes] == aspects
    if SANDBOX.fully_isolated:
        assert "network: disabled (network namespace)" in notes
        assert str(ROOT / "reference") in notes[3]
        assert str(ROOT / "assignments" / "hw1_autodiff" / "hidden") in notes[3]
    else:
        assert "network: NOT isolated: the kernel refuses namespaces here" in notes


def test_a_session_is_a_context_manager_that_closes_once(engine, workdir, probes):
    session = open_session(workdir, probes, engine)
    with session:
        assert isinstance(session, Session)
    session.close()
    with pytest.raises(RuntimeError, match="this session is closed"):
        session.run("healthy")
