"""The grader's sandbox: student code runs in a separate, limited process, and the grader talks
to it by a protocol that cannot execute code.

A :class:`Session` keeps one sandbox process (``autograder/sandbox_runner.py``) for a workdir
holding the student's package: it imports the probe modules, reports their registry and runs
probes one by one on request, a few milliseconds per round trip. Every reply is checked here:
its JSON schema, and every array file (opened without following links, parsed as ``.npy``
without pickles, its dtype, size and total). Whatever happens in the sandbox, :meth:`Session.run`
returns a :class:`ProbeOutcome`: "ok", "error" (the probe raised), "timeout", "crashed" (the
process died) or "invalid" (a reply or value that breaks the rules). After a timeout, a crash or
an invalid reply the whole sandbox is killed and the next probe gets a fresh one.

Isolation (:meth:`LocalSandbox.isolation` says what is in force on a machine):

- the sandbox has its own PID, mount, IPC and network namespaces (unshare(2), by the runner's
  ``launch`` stage); the runner is the PID namespace's first process, so killing it ends every
  process in the sandbox;
- as root, each session gets a dedicated uid (:data:`SANDBOX_UIDS`, leased by a lock file) with no
  groups, no capabilities and no_new_privs; stopping a sandbox also kills every process of that
  uid. Without root, a user namespace maps the grader's uid to a root without capabilities;
- the course's secrets (reference, autograder, tests, .git, every hidden/), /root, /home and the
  workdir's siblings are hidden under empty tmpfs; everything is read-only but the workdir (seen
  as ``/tmp/work``) and a private, size-limited /tmp, /var/tmp and /dev/shm; /proc shows the
  sandbox only; the environment is minimal;
- rlimits cap CPU time, address space, processes, file size and open files, and no core dumps;
- stdout and stderr are drained by threads; the first ``output_bytes`` of each are kept.
"""
import fcntl
import functools
import grp
import io
import json
import math
import os
import pwd
import select
import shutil
import signal
import stat
import subprocess
import sys
import sysconfig
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np

from autograder import probing
from autograder import sandbox_runner as runner

SANDBOX_UIDS = range(2_000_000_000, 2_000_000_064)  # used by no account, dynamic user or usual subuid range
UID_LOCKS = Path("/run/mytorch-sandbox")            # one lock file per leased uid
RUNNER_FILES = (Path(runner.__file__), Path(__file__).with_name("probing.py"))
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS",
                    "VECLIB_MAXIMUM_THREADS")
SECRET_DIRS = ("reference", "autograder", "tests", ".git")   # of the course root; with assignments/*/hidden
PRIVATE_DIRS = ("/root", "/home")
SCRATCH_DIRS = ("/tmp", "/var/tmp", "/dev/shm")
EXIT_GRACE_SECONDS = 1.0           # how long a dying sandbox process may take to end


@dataclass(frozen=True)
class Limits:
    """What one sandbox session may use. Seconds are wall clock; ``total_seconds`` also caps CPU time."""
    probe_seconds: float = 60
    total_seconds: float = 600
    memory_mb: int = 2048
    processes: int = 64
    file_size_mb: int = 64
    open_files: int = 256
    output_bytes: int = 64_000
    value_bytes: int = 64_000_000

    def __post_init__(self):
        for name, value in vars(self).items():
            if not (isinstance(value, (int, float)) and value > 0):
                raise ValueError(f"Limits.{name} must be a positive number, got {value!r}")

    @classmethod
    def from_assignment(cls, assignment):
        """The limits declared in ``assignment.limits`` (seconds_per_test, seconds_total, memory_mb),
        the defaults for the rest."""
        declared = assignment.limits
        return cls(probe_seconds=declared.get("seconds_per_test", cls.probe_seconds),
                   total_seconds=declared.get("seconds_total", cls.total_seconds),
                   memory_mb=declared.get("memory_mb", cls.memory_mb))

    def rlimits(self):
        """The resource limits of the sandbox process, as (soft, hard) by ``resource`` name."""
        cpu = math.ceil(self.total_seconds)
        mb = 1 << 20
        return {"RLIMIT_CPU": (cpu, cpu + 1), "RLIMIT_AS": (self.memory_mb * mb,) * 2,
                "RLIMIT_NPROC": (self.processes,) * 2, "RLIMIT_FSIZE": (self.file_size_mb * mb,) * 2,
                "RLIMIT_NOFILE": (self.open_files,) * 2, "RLIMIT_CORE": (0, 0)}


@dataclass(frozen=True)
class ProbeOutcome:
    """What became of one probe.

    status:  "ok" | "error" (the probe raised) | "timeout" | "crashed" (the process died) |
             "invalid" (a reply or value that breaks the protocol's rules)
    values:  name -> numpy array (bool, integer or float dtype) or bool/int/float/str/None; only for "ok"
    message: for "error", "Type: message" and the last frames in the student's files; otherwise a sentence
    seconds: wall-clock time of the call, a restart of the sandbox included
    """
    name: str
    status: str
    values: dict = field(default_factory=dict)
    message: str = ""
    seconds: float = 0.0


class Registration(NamedTuple):
    """What a probe module declared for one probe: ``@probe(task, check)``."""
    task: str
    check: str


class _Failure(Exception):
    """The sandbox cannot be trusted any more (timeout, death, bad reply): it is killed and restarted."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status, self.message = status, message


class _CappedOutput:
    """One output stream of a session's sandboxes: its first ``limit`` bytes, and a count of the rest."""

    def __init__(self, name, limit):
        self.name, self.limit = name, limit
        self.kept, self.dropped = bytearray(), 0
        self._lock = threading.Lock()

    def drain(self, stream):
        """Start a daemon thread that reads ``stream`` (a pipe) to its end and then closes it, so that
        the sandbox never blocks on it and the grader never holds more than ``limit`` bytes of it."""
        thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        thread.start()
        return thread

    def _read(self, stream):
        """Keep the first bytes of ``stream`` up to the limit, count the rest; close it at its end (the
        thread owns it: no other thread may close it and see its descriptor reused under this one)."""
        with stream:
            while chunk := os.read(stream.fileno(), 1 << 16):
                with self._lock:
                    room = max(0, self.limit - len(self.kept))
                    self.kept += chunk[:room]
                    self.dropped += max(0, len(chunk) - room)

    def text(self):
        """The kept bytes as text, with a note of how many bytes were dropped."""
        with self._lock:
            text, dropped = bytes(self.kept).decode(errors="replace"), self.dropped
        return text + (f"\n[... {dropped:,} more bytes of {self.name} dropped]" if dropped else "")


@functools.cache
def _namespaces(as_root, isolate_network):
    """The namespaces the sandbox gets here (see sandbox_runner.launch), or None where the kernel
    refuses them: PID, mount and IPC always, network unless allowed, and a user namespace where the
    grader is not root. Tried once per process, by sandbox_runner's ``check`` stage."""
    namespaces = {"user": not as_root, "network": isolate_network}
    command = [sys.executable, *runner.PYTHON_FLAGS, str(RUNNER_FILES[0]), "check", json.dumps(namespaces)]
    try:
        trial = subprocess.run(command, capture_output=True, timeout=30, env={}, cwd="/", check=False)
    except subprocess.TimeoutExpired:
        return None
    return namespaces if trial.returncode == 0 else None


def _kill_uid(uid):
    """SIGKILL every process of ``uid`` on the machine (as root): kill(-1) sent by a helper running
    as that uid reaches all its processes at once, so even a fork bomb cannot outrun it."""
    subprocess.run([shutil.which("kill") or "/bin/kill", "-KILL", "-1"], user=uid, group=uid, extra_groups=[],
                   env={}, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=False, timeout=30)


class _UidLease:
    """A uid of ``uids`` (with the gid of the same number) that no account uses and no other
    session holds, for as long as the lease is open; its leftover processes are killed first."""

    def __init__(self, uids):
        UID_LOCKS.mkdir(mode=0o700, exist_ok=True)
        folder = os.lstat(UID_LOCKS)
        if not stat.S_ISDIR(folder.st_mode) or folder.st_uid != 0 or folder.st_mode & 0o077:
            raise RuntimeError(f"{UID_LOCKS} must be a folder of root's, closed to others")
        for uid in uids:
            if _id_in_use(uid):
                continue
            flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
            fd = os.open(UID_LOCKS / f"{uid}.lock", flags, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            self.uid, self._fd = uid, fd
            _kill_uid(uid)
            return
        raise RuntimeError(f"all {len(uids)} sandbox uids ({uids.start}..{uids.stop - 1}) are in use")

    def release(self):
        """Give the uid back (its processes must be gone by then)."""
        os.close(self._fd)


def _id_in_use(number):
    """Whether an account or a group has the id ``number``."""
    for lookup in (pwd.getpwuid, grp.getgrgid):
        try:
            lookup(number)
            return True
        except KeyError:
            pass
    return False


def _kill_children(pid):
    """SIGKILL the children of ``pid`` (through pidfds, so a recycled pid is never hit)."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as children:
            pids = [int(child) for child in children.read().split()]
    except FileNotFoundError:
        return
    for child in pids:
        try:
            handle = os.pidfd_open(child)
        except ProcessLookupError:
            continue
        try:
            signal.pidfd_send_signal(handle, signal.SIGKILL)
        except ProcessLookupError:
            pass
        finally:
            os.close(handle)


def _ending(returncode, limits):
    """A sentence on how the sandbox process ended, from its exit status."""
    if returncode >= 0:
        hint = " (student code called os._exit?)" if returncode != runner.SETUP_FAILED else ""
        return f"the sandbox process exited with status {returncode}{hint}"
    name = signal.Signals(-returncode).name
    reasons = {signal.SIGSEGV: "a segmentation fault: very deep recursion overflows the C stack",
               signal.SIGKILL: "killed: the memory or CPU time limit, or a kill",
               signal.SIGXCPU: f"the CPU time limit of {math.ceil(limits.total_seconds)} s",
               signal.SIGXFSZ: f"a file larger than the limit of {limits.file_size_mb} MB",
               signal.SIGABRT: "aborted"}
    reason = reasons.get(-returncode)
    return f"the sandbox process was killed by {name}" + (f" ({reason})" if reason else "")


def _text(value, limit=runner.MAX_STRING):
    """``value`` if it is a str (clipped to ``limit``), else its type in words: for the sandbox's messages."""
    if not isinstance(value, str):
        return f"(not text: {type(value).__name__})"
    return value if len(value) <= limit else value[:limit - 1] + "…"


def _error_text(error):
    """The message of an "error" outcome from the reply's ``error`` object (checked, clipped)."""
    if not isinstance(error, dict):
        raise _Failure("invalid", "the sandbox sent an error reply without its description")
    lines = error.get("traceback")
    lines = lines[-runner.MAX_TRACEBACK:] if isinstance(lines, list) else []
    head = f"{_text(error.get('type'), 100)}: {_text(error.get('message'))}"
    return "\n".join([head, *(f"  {_text(line, 300)}" for line in lines)])


def _scalar(name, value):
    """A checked scalar value of a reply: bool, int (64 bits), float (NaN and inf allowed), str or None."""
    if value is None or isinstance(value, (bool, float)):
        return value
    if isinstance(value, int) and -2**63 <= value < 2**64:
        return value
    if isinstance(value, str) and len(value) <= runner.MAX_STRING:
        return value
    raise _Failure("invalid", f"value {name!r} is not an allowed scalar (bool, 64-bit int, float, short str "
                              f"or None)")


def _decode_npy(name, data):
    """The array in ``data``, the bytes of a .npy file: its header must declare a bool, integer or
    float dtype (no objects, strings or records) and a shape that matches the data's size exactly;
    then ``numpy.load(allow_pickle=False)`` reads it."""
    stream = io.BytesIO(data)
    try:
        version = np.lib.format.read_magic(stream)
        read_header = {(1, 0): np.lib.format.read_array_header_1_0,
                       (2, 0): np.lib.format.read_array_header_2_0}[version]
        shape, _, dtype = read_header(stream)
    except Exception as error:     # anything the parser says about untrusted bytes means "not .npy"
        raise _Failure("invalid", f"value {name!r} is not a valid .npy file ({type(error).__name__})") \
            from None
    if dtype.kind not in runner.ARRAY_KINDS or dtype.fields is not None or dtype.subdtype is not None:
        raise _Failure("invalid", f"value {name!r} is an array of dtype {dtype}; allowed are arrays of "
                                  f"booleans, integers and floats")
    if stream.tell() + math.prod(shape) * dtype.itemsize != len(data):
        raise _Failure("invalid", f"value {name!r}: its .npy file's size does not match its shape {shape}")
    return np.load(io.BytesIO(data), allow_pickle=False)


def _remove(folder_fd, name):
    """Remove ``name`` from the folder ``folder_fd`` if it is there: a folder with all it holds (no
    link is followed), or a file or link."""
    try:
        info = os.lstat(name, dir_fd=folder_fd)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(info.st_mode):
        shutil.rmtree(name, dir_fd=folder_fd)
    else:
        os.unlink(name, dir_fd=folder_fd)


def _chown_tree(root_fd, from_uid, uid, gid):
    """Give every file below the folder ``root_fd`` owned by ``from_uid`` (any owner when None) to
    ``uid``:``gid``, never following links."""
    for _, folders, files, folder_fd in os.fwalk(".", dir_fd=root_fd):
        for name in [*folders, *files]:
            if from_uid is None or os.stat(name, dir_fd=folder_fd, follow_symlinks=False).st_uid == from_uid:
                os.chown(name, uid, gid, dir_fd=folder_fd, follow_symlinks=False)


class LocalSandbox:
    """Runs probes in sandbox processes on this machine, as isolated as the machine allows.

    course_root: the repository whose secrets are hidden (default: the one holding ``autograder/``);
    hide:        further paths to hide from the sandbox;
    network:     allow network access (default: none);
    uids:        the dedicated uids to lease sessions from, when the grader runs as root.
    """

    def __init__(self, limits=Limits(), network=False, course_root=None, hide=(), uids=SANDBOX_UIDS):
        self.limits, self.network, self.uids = limits, network, uids
        self.course_root = Path(course_root or Path(__file__).resolve().parents[1]).resolve()
        self.as_root = os.geteuid() == 0
        self.namespaces = _namespaces(self.as_root, not network)
        course = self.course_root
        hidden = [*(course / name for name in SECRET_DIRS), *sorted(course.glob("assignments/*/hidden")),
                  *PRIVATE_DIRS, *hide]
        self.hidden = tuple(dict.fromkeys(str(Path(path).resolve()) for path in hidden))
        site = sysconfig.get_paths()
        self.site = tuple(dict.fromkeys(str(Path(site[key]).resolve()) for key in ("purelib", "platlib")))
        self.kept = tuple(dict.fromkeys(
            [str(Path(sys.prefix).resolve()), str(Path(sys.base_prefix).resolve()), *self.site]))

    @property
    def fully_isolated(self):
        """Whether the sandbox gets its namespaces here (network, files, processes); where it does not,
        :meth:`isolation` says what is missing."""
        return self.namespaces is not None

    def isolation(self):
        """Human-readable notes, one per aspect, on the isolation in force on this machine."""
        limits = self.limits
        unavailable = "NOT isolated: the kernel refuses namespaces here"
        if self.as_root:
            user = (f"user: a dedicated uid per session ({self.uids.start}..{self.uids.stop - 1}), no "
                    f"supplementary groups, no capabilities, no_new_privs")
        elif self.namespaces:
            user = ("user: the grader's own uid (the grader is not root), as a root without capabilities of "
                    "a user namespace; RLIMIT_NPROC counts all processes of that uid")
        else:
            user = ("user: the grader's own uid (the grader is not root); RLIMIT_NPROC counts all its "
                    "processes")
        if self.network:
            network = "network: allowed (network=True)"
        else:
            network = f"network: {'disabled (network namespace)' if self.namespaces else unavailable}"
        if self.namespaces:
            processes = "processes: own PID and IPC namespaces; a stop kills every process in them"
            files = (f"files: hidden (empty tmpfs): {', '.join(self.hidden)} and the workdir's siblings; "
                     f"read-only: everything but the workdir (at {runner.WORKDIR}) and a private "
                     f"{', '.join(SCRATCH_DIRS)} of {limits.file_size_mb} MB each; /proc shows the sandbox "
                     f"only")
        else:
            processes = (f"processes: {unavailable}; a stop kills the process group"
                         + (" and every process of the session's uid" if self.as_root else
                            ": processes that leave it survive"))
            files = f"files: secrets {unavailable}"
        resources = (f"limits: {limits.probe_seconds:g} s per probe, {limits.total_seconds:g} s per session "
                     f"(wall clock and CPU), {limits.memory_mb} MB of address space, {limits.processes} "
                     f"processes, {limits.file_size_mb} MB per file, {limits.open_files} open files, no core "
                     f"dumps")
        return [user, network, processes, files, resources,
                f"output: the first {limits.output_bytes:,} bytes of stdout and of stderr are kept",
                "environment: minimal (HOME, PATH, LANG, TMPDIR, PYTHONHASHSEED=0, one BLAS/OpenMP thread)"]

    def session(self, workdir, probe_modules, support=()):
        """A :class:`Session` (a context manager) running the probes of ``probe_modules`` (paths of
        .py files, copied in) against the student's package in ``workdir`` (e.g. workdir/mytorch).
        ``support``: further .py files copied in, which the probe modules may import.

        Raises ValueError for a workdir that is not a folder of its own (/, /tmp, an ancestor of the
        course or of Python) and RuntimeError when every sandbox uid is leased.
        """
        return Session(self, Path(workdir), [Path(module) for module in probe_modules],
                       [Path(module) for module in support])


class Session:
    """One sandbox process at a time for one workdir, restarted after any failure.

    The session's clock starts when it is created; once ``total_seconds`` have passed every probe
    gets "timeout" at once. A sandbox that fails to start (its probe modules or the student's
    package end the process or hang while importing) fails every later probe the same way.
    ``errors`` maps each probe module that raised while it was imported to the error's
    ``{"type", "message", "traceback"}``; its probes are missing from :meth:`names`.
    """

    def __init__(self, sandbox, workdir, probe_modules, support=()):
        self._sandbox, self._limits = sandbox, sandbox.limits
        self._deadline = time.monotonic() + self._limits.total_seconds
        self._workdir = workdir.resolve()
        if not self._workdir.is_dir():
            raise ValueError(f"the workdir {workdir} is not a folder")
        shared = [Path("/"), *(Path(path) for path in PRIVATE_DIRS + SCRATCH_DIRS)]
        needed = [sandbox.course_root, *(Path(path) for path in sandbox.kept)]
        if self._workdir in shared or any(path.is_relative_to(self._workdir) for path in needed):
            raise ValueError(f"the workdir must be a folder of its own for the submission, not "
                             f"{self._workdir}")
        stems = [module.stem for module in [*probe_modules, *support]]
        if len(set(stems)) != len(stems) or {"probing", "sandbox_runner"} & set(stems):
            raise ValueError(f"probe modules need distinct names other than probing and sandbox_runner, "
                             f"not {stems}")
        self._modules = [module.name for module in probe_modules]
        self._output = {name: _CappedOutput(name, self._limits.output_bytes) for name in ("stdout", "stderr")}
        self._process, self._broken, self._call = None, None, 0
        self._registry, self.errors = {}, {}
        self._lease = _UidLease(sandbox.uids) if sandbox.as_root else None
        self._uid = None if self._lease is None else self._lease.uid
        self._workdir_fd = os.open(self._workdir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        self._workdir_mode = os.stat(self._workdir_fd).st_mode
        try:
            self._install([*probe_modules, *support])
            self._restart()
        except BaseException:
            self.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    # ------------------------------------------------------------ public

    def names(self):
        """Probe name -> its :class:`Registration` (task id and check), as registered in the sandbox
        ({} if it did not start)."""
        return dict(self._registry)

    def output(self):
        """{"stdout": text, "stderr": text}: the first ``output_bytes`` of each stream, all sandbox
        processes of the session together, with a note of how many bytes were dropped."""
        return {name: output.text() for name, output in self._output.items()}

    def run(self, name):
        """Run the probe ``name`` and return its :class:`ProbeOutcome`; never raises for anything the
        sandbox does. After a timeout, a crash or an invalid reply the sandbox is killed, and the next
        call starts a fresh one."""
        if self._workdir_fd is None:
            raise RuntimeError("this session is closed")
        started = time.monotonic()

        def outcome(status, message="", values=None):
            return ProbeOutcome(name, status, values or {}, message, time.monotonic() - started)

        if self._broken is not None:
            return outcome(*self._broken)
        if name not in self._registry:
            if self.errors:     # a probe module imports the student's package: its errors come first
                failed = "; ".join(_error_text(error) for error in self.errors.values())
                return outcome("error", f"the code could not be imported, so {name!r} could not run: {failed}")
            return outcome("error", f"no probe called {name!r} is registered in the sandbox")
        if started >= self._deadline:
            return outcome("timeout", self._total_exhausted())
        if self._process is not None and not self._idle():
            self._stop()
        if self._process is None and not self._restart():
            return outcome(*self._broken)
        try:
            self._call += 1
            self._send({"call": self._call, "probe": name})
            deadline = time.monotonic() + self._limits.probe_seconds
            reply = self._receive(deadline, "the probe")
            while type(reply.get("call")) is int and reply["call"] < self._call:   # stale, after a forgery
                reply = self._receive(deadline, "the probe")
            status, values, message = self._interpret(reply)
        except _Failure as failure:
            self._stop()
            return outcome(failure.status, failure.message)
        if status == "crashed":
            self._stop()
        return outcome(status, message, values)

    def close(self):
        """Kill the sandbox, remove the workdir's .sandbox folder, give the workdir back to the grader's
        uid and mode, and release the session's uid. Idempotent."""
        if self._workdir_fd is None:
            return
        self._stop()
        _remove(self._workdir_fd, runner.SANDBOX_DIR)
        if self._uid is not None:
            _chown_tree(self._workdir_fd, self._uid, os.getuid(), os.getgid())
            os.chown(self._workdir_fd, os.getuid(), os.getgid())
            os.chmod(self._workdir_fd, stat.S_IMODE(self._workdir_mode))
            self._lease.release()
        os.close(self._workdir_fd)
        self._workdir_fd = None

    # ------------------------------------------------------------ the process

    def _install(self, modules):
        """Copy the runner, probing.py and the probe and support modules into workdir/.sandbox/ (replacing any such
        folder) and, as root, give the workdir to the session's uid alone."""
        sandbox = self._workdir / runner.SANDBOX_DIR
        _remove(self._workdir_fd, runner.SANDBOX_DIR)
        (sandbox / runner.CALLS_DIR).mkdir(parents=True)
        for source in [*RUNNER_FILES, *modules]:
            shutil.copyfile(source, sandbox / source.name)
        if self._uid is not None:
            _chown_tree(self._workdir_fd, None, self._uid, self._uid)
            os.chown(self._workdir_fd, self._uid, self._uid)
            os.chmod(self._workdir_fd, 0o700)

    def _config(self, requests, replies):
        """The runner's configuration (see sandbox_runner.launch) for a new sandbox process."""
        sandbox, limits = self._sandbox, self._limits
        filesystem = None
        if sandbox.namespaces is not None:
            siblings = [str(self._workdir.parent)] if self._workdir.parent != Path("/") else []
            filesystem = {"hide": [*sandbox.hidden, *siblings], "scratch": list(SCRATCH_DIRS),
                          "keep": list(sandbox.kept), "workdir": str(self._workdir),
                          "scratch_bytes": limits.file_size_mb << 20}
        return {"python": sys.executable, "site": list(sandbox.site), "namespaces": sandbox.namespaces,
                "workdir": runner.WORKDIR if filesystem else str(self._workdir),
                "filesystem": filesystem, "rlimits": limits.rlimits(),
                "user": None if self._uid is None else [self._uid, self._uid],
                "requests": requests, "replies": replies, "modules": self._modules,
                "value_bytes": limits.value_bytes}

    def _start(self):
        """Start a sandbox process and read its registry; raises _Failure if it does not become ready
        within ``probe_seconds`` (and the session's time)."""
        requests, self._requests = os.pipe()
        self._replies, replies = os.pipe()
        config = self._config(requests, replies)
        home = config["workdir"]
        environment = {"HOME": home, "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8",
                       "TMPDIR": "/tmp", "PYTHONHASHSEED": "0", **dict.fromkeys(THREAD_VARIABLES, "1")}
        command = [sys.executable, *runner.PYTHON_FLAGS, str(RUNNER_FILES[0]), "launch", json.dumps(config)]
        try:
            self._process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                             stderr=subprocess.PIPE, pass_fds=(requests, replies), cwd="/",
                                             env=environment, start_new_session=True)
        finally:
            os.close(requests)
            os.close(replies)
        self._pidfd = os.pidfd_open(self._process.pid)
        os.set_blocking(self._replies, False)
        os.set_blocking(self._requests, False)
        self._inbox = bytearray()
        self._drains = [self._output["stdout"].drain(self._process.stdout),
                        self._output["stderr"].drain(self._process.stderr)]
        deadline = time.monotonic() + self._limits.probe_seconds
        waiting_for = "the sandbox's start (importing the probe modules and the student's package)"
        self._registry, self.errors = self._check_ready(self._receive(deadline, waiting_for))

    def _restart(self):
        """Start a sandbox process; if it fails, stop it and mark the session broken: every later
        probe gets the same outcome. Returns whether it started."""
        try:
            self._start()
            return True
        except _Failure as failure:
            self._stop()
            self._broken = (failure.status, f"the sandbox did not start: {failure.message}")
            return False

    def _stop(self):
        """Kill every process of the sandbox, reap them and close the pipes.

        In namespaces the runner (the launcher's child, the PID namespace's first process) is killed
        first, which ends every process in the namespace, and the launcher is left to reap it; as root,
        every process of the session's uid is killed too. The launcher's exit is awaited without reaping
        it, so that the process group it leads keeps its id while the group is killed (stragglers outside
        a PID namespace).
        """
        process = self._process
        if process is None:
            return
        if self._sandbox.namespaces is not None:
            _kill_children(process.pid)
        if self._uid is not None:
            _kill_uid(self._uid)
        if self._sandbox.namespaces is not None:
            self._exited(EXIT_GRACE_SECONDS)
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()
        for drain in self._drains:
            drain.join(timeout=EXIT_GRACE_SECONDS)
        for fd in (self._requests, self._replies, self._pidfd):
            os.close(fd)
        self._process = None

    # ------------------------------------------------------------ the protocol

    def _total_exhausted(self):
        """The "timeout" message once the session's time is used up."""
        return f"the session's total time limit of {self._limits.total_seconds:g} s is used up"

    def _send(self, message):
        """Write a request; a sandbox that does not take it (closed or full pipe) is a failure."""
        data = runner.encode(message)
        try:
            written = os.write(self._requests, data)
        except (BrokenPipeError, BlockingIOError):
            written = 0
        if written != len(data):
            if self._exited(EXIT_GRACE_SECONDS):
                raise _Failure("crashed", self._death())
            raise _Failure("invalid", "the sandbox stopped taking requests (student code closed or filled "
                                      "the grader's pipe?)")

    def _exited(self, timeout=0.0):
        """Whether the sandbox process has ended (waiting up to ``timeout`` seconds)."""
        return bool(select.select([self._pidfd], [], [], timeout)[0])

    def _death(self):
        """The "crashed" message for a sandbox process that has ended."""
        return _ending(self._process.wait(), self._limits) + self._setup_error()

    def _setup_error(self):
        """The launcher's own report when the sandbox could not be isolated, else ""."""
        if self._process.returncode != runner.SETUP_FAILED:
            return ""
        lines = [line for line in self._output["stderr"].text().splitlines()
                 if line.startswith("sandbox setup failed")]
        return f": {lines[-1]}" if lines else ""

    def _idle(self):
        """Whether the sandbox is as it should be between probes: alive, with nothing unread from it."""
        return not self._inbox and not select.select([self._replies, self._pidfd], [], [], 0)[0]

    def _receive(self, deadline, waiting_for):
        """The next message from the sandbox, decoded; raises _Failure on a timeout (at ``deadline`` or
        the session's end; ``waiting_for`` names what did not finish), on the process's death and on
        bytes that are no valid message."""
        deadline, ended = min(deadline, self._deadline), False
        while (message := self._next_message()) is None:
            if ended:
                raise _Failure("crashed", self._death())
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                if deadline >= self._deadline:
                    raise _Failure("timeout", self._total_exhausted())
                raise _Failure("timeout", f"{waiting_for} did not finish within its time limit of "
                                          f"{self._limits.probe_seconds:g} s")
            readable = select.select([self._replies, self._pidfd], [], [], remaining)[0]
            if self._replies in readable:
                if self._read_replies() == b"":        # the pipe's end: nothing more will come
                    if not self._exited(EXIT_GRACE_SECONDS):
                        raise _Failure("invalid", "the sandbox closed its reply pipe (student code closed "
                                                  "the grader's file descriptors?)")
                    ended = True
            elif readable:                             # the process ended: take what it wrote before
                self._read_replies()
                ended = True
        return message

    def _read_replies(self):
        """Move what the reply pipe holds into the inbox; b"" at its end, None when nothing is there."""
        received = None
        while True:
            try:
                chunk = os.read(self._replies, 1 << 16)
            except BlockingIOError:
                return received
            if not chunk:
                return b"" if received is None else received
            self._inbox += chunk
            received = chunk
            if len(self._inbox) > runner.HEADER.size + runner.MAX_MESSAGE:
                return received

    def _next_message(self):
        """Take one complete message from the inbox, or None; raises _Failure on a bad header or body."""
        if len(self._inbox) < runner.HEADER.size:
            return None
        (size,) = runner.HEADER.unpack_from(self._inbox)
        if size > runner.MAX_MESSAGE:
            raise _Failure("invalid", f"the sandbox sent a malformed message (a header of {size:,} bytes, "
                                      f"over the limit of {runner.MAX_MESSAGE:,})")
        end = runner.HEADER.size + size
        if len(self._inbox) < end:
            return None
        body, self._inbox = bytes(self._inbox[runner.HEADER.size:end]), self._inbox[end:]
        try:
            message = json.loads(body)
        except (ValueError, RecursionError):
            raise _Failure("invalid", "the sandbox sent a malformed message (not JSON)") from None
        if not isinstance(message, dict):
            raise _Failure("invalid", "the sandbox sent a malformed message (not a JSON object)")
        return message

    def _check_ready(self, message):
        """The registry and import errors of a "ready" message, checked."""
        ready = message.get("ready")
        if not isinstance(ready, dict) or not isinstance(ready.get("probes"), dict) \
                or not isinstance(ready.get("errors"), dict):
            raise _Failure("invalid", "the sandbox's first message is not its registry")
        probes, errors = {}, ready["errors"]
        for name, entry in ready["probes"].items():
            task, check = entry if isinstance(entry, list) and len(entry) == 2 else (None, None)
            if not runner.NAME.fullmatch(name) or not isinstance(task, str) or not 0 < len(task) <= 64 \
                    or check not in probing.CHECKS:
                raise _Failure("invalid", f"the sandbox registered a probe with a bad name, task or check: "
                                          f"{name!r:.80}")
            probes[name] = Registration(task, check)
        if not all(isinstance(module, str) and isinstance(error, dict) for module, error in errors.items()):
            raise _Failure("invalid", "the sandbox reported import errors in a bad format")
        return probes, {_text(module, 100): error for module, error in errors.items()}

    def _interpret(self, reply):
        """(status, values, message) of a reply to the current call; raises _Failure on anything else."""
        if reply.get("call") != self._call:
            raise _Failure("invalid", "the sandbox answered out of turn (a forged or stale reply)")
        status = reply.get("status")
        if status == "ok":
            return "ok", self._read_values(reply.get("values")), ""
        if status == "error":
            return "error", {}, _error_text(reply.get("error"))
        if status == "exit":
            return "crashed", {}, f"{_error_text(reply.get('error'))}\n(it ended the sandbox process)"
        if status == "invalid":
            return "invalid", {}, _text(reply.get("message"))
        raise _Failure("invalid", f"the sandbox sent a reply of unknown status {_text(status, 40)!r}")

    def _read_values(self, entries):
        """The values of an "ok" reply: scalars as they are, arrays from the call's folder, checked."""
        if not isinstance(entries, dict) or len(entries) > runner.MAX_VALUES:
            raise _Failure("invalid", f"a probe's values must be a dict of at most {runner.MAX_VALUES} "
                                      f"entries")
        values, budget, folder = {}, self._limits.value_bytes, None
        try:
            for name, entry in entries.items():
                if not runner.NAME.fullmatch(name):
                    raise _Failure("invalid", f"the value name {name[:80]!r} is not an identifier")
                if not isinstance(entry, dict) or len(entry) != 1 or not entry.keys() <= {"value", "array"}:
                    raise _Failure("invalid", f"value {name!r} is malformed in the reply")
                if "value" in entry:
                    values[name] = _scalar(name, entry["value"])
                    continue
                folder = self._open_call_folder() if folder is None else folder
                data = self._read_array_file(folder, name, entry["array"], budget)
                budget -= len(data)
                values[name] = _decode_npy(name, data)
        finally:
            if folder is not None:
                os.close(folder)
        return values

    def _open_call_folder(self):
        """A descriptor of workdir/.sandbox/calls/<call>/, reached without following any link."""
        fd = os.dup(self._workdir_fd)
        try:
            for part in (runner.SANDBOX_DIR, runner.CALLS_DIR, str(self._call)):
                inner = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=fd)
                os.close(fd)
                fd = inner
        except OSError as error:
            os.close(fd)
            raise _Failure("invalid", f"the probe's values folder cannot be opened ({error.strerror})") \
                from None
        return fd

    def _read_array_file(self, folder, name, file_name, budget):
        """The bytes of the array file ``file_name`` in ``folder``: a regular file (no link, pipe or
        device), read only if it fits in the ``budget`` of bytes left."""
        if not isinstance(file_name, str) or not runner.ARRAY_FILE.fullmatch(file_name):
            raise _Failure("invalid", f"value {name!r} names a bad array file")
        try:
            fd = os.open(file_name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=folder)
        except OSError as error:
            raise _Failure("invalid", f"value {name!r}: its array file cannot be opened ({error.strerror})") \
                from None
        with open(fd, "rb") as file:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise _Failure("invalid", f"value {name!r}: its array file is not a regular file")
            data = file.read(budget + 1) if info.st_size <= budget else None
        if data is None or len(data) > budget:
            raise _Failure("invalid", f"the probe's values total more than the limit of "
                                      f"{self._limits.value_bytes:,} bytes (at value {name!r})")
        return data
