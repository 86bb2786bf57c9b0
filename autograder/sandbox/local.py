"""The local engine: each sandbox is a process on this machine, as isolated as the machine allows.

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

Where the kernel refuses namespaces (in a container such as Gradescope's), the sandbox runs at the
workdir's own path; as root, still as the session's uid, which must then be able to run the
sandbox's interpreter and to reach the workdir: the session lends it the search bit of the
grader's closed folders above the workdir (tempfile's 0700 ones) and takes it back at its close.
Secrets are then kept by permissions alone: every folder of them must be closed to other users.

The runner, probing.py and the probe modules are copied into the workdir's ``.sandbox`` folder,
and the two protocol pipes are inherited by the sandbox process.
"""
import functools
import json
import os
import select
import shutil
import signal
import stat
import subprocess
import sys
import sysconfig
from pathlib import Path

from autograder.sandbox.box import EngineError
from autograder.sandbox.harness import HARNESS_FILES, LAUNCH, launch
from autograder.sandbox.limits import ENVIRONMENT, EXIT_GRACE_SECONDS, Limits, exit_message, own_workdir
from autograder.sandbox.session import Session
from autograder.sandbox.uids import SANDBOX_UIDS, UidLease, kill_uid

SECRET_DIRS = ("reference", "autograder", "tests", ".git")   # of the course root; with assignments/*/hidden
PRIVATE_DIRS = ("/root", "/home")
SCRATCH_DIRS = ("/tmp", "/var/tmp", "/dev/shm")


@functools.cache
def _interpreter(python):
    """(prefixes, site folders) of the interpreter ``python``: its prefix and base prefix, which the
    sandbox must keep seeing, and its purelib and platlib, the sandbox's site-packages. Raises
    EngineError when ``python`` cannot be asked (missing, not executable, not a Python 3)."""
    if python == sys.executable:
        prefixes, paths = [sys.prefix, sys.base_prefix], sysconfig.get_paths()
    else:
        query = ("import json, sys, sysconfig; "
                 "print(json.dumps([[sys.prefix, sys.base_prefix], sysconfig.get_paths()]))")
        try:
            answer = subprocess.run([python, "-I", "-c", query], capture_output=True, text=True,
                                    check=True, timeout=60)
            prefixes, paths = json.loads(answer.stdout)
        except subprocess.CalledProcessError as error:
            raise _unrunnable(python, (error.stderr.strip().splitlines() or
                                       [f"exit status {error.returncode}"])[-1]) from None
        except (OSError, subprocess.TimeoutExpired, ValueError) as error:
            raise _unrunnable(python, f"{type(error).__name__}: {error}") from None
    resolved = [str(Path(folder).resolve()) for folder in prefixes]
    site = [str(Path(paths[key]).resolve()) for key in ("purelib", "platlib")]
    return tuple(dict.fromkeys(resolved)), tuple(dict.fromkeys(site))


def _unrunnable(python, problem):
    """The EngineError for a sandbox interpreter that cannot be asked where it lies, and why."""
    return EngineError(f"the sandbox's interpreter {python} cannot run ({problem}): pass --sandbox-python "
                       f"a Python 3 interpreter with NumPy")


@functools.cache
def _namespaces(as_root, isolate_network):
    """The namespaces the sandbox gets here (see launch.launch), or None where the kernel
    refuses them: PID, mount and IPC always, network unless allowed, and a user namespace where the
    grader is not root. Tried once per process, by runner's ``check`` stage."""
    namespaces = {"user": not as_root, "network": isolate_network}
    command = [sys.executable, *launch.PYTHON_FLAGS, str(LAUNCH), "check", json.dumps(namespaces)]
    try:
        trial = subprocess.run(command, capture_output=True, timeout=30, env={}, cwd="/", check=False)
    except subprocess.TimeoutExpired:
        return None
    return namespaces if trial.returncode == 0 else None


@functools.cache
def _unusable(python, site, uid):
    """Why ``uid`` cannot start ``python`` and import NumPy from ``site`` as the sandbox does (the
    end of the error), or None if it can; tried once per interpreter and uid."""
    check = f"import sys; sys.path.extend({list(site)!r}); import numpy"
    try:
        trial = subprocess.run([python, *launch.PYTHON_FLAGS, "-c", check], user=uid, group=uid,
                               extra_groups=[], env={}, cwd="/", capture_output=True, text=True, timeout=60,
                               check=False)
    except (OSError, subprocess.TimeoutExpired) as error:    # exec refused, or a hang
        return f"{type(error).__name__}: {error}"
    return None if trial.returncode == 0 else (trial.stderr.strip().splitlines() or ["no message"])[-1]


def _kill_children(pid):
    """SIGKILL the children of ``pid`` (through pidfds, so a recycled pid is never hit); returns
    whether it had any."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as children:
            pids = [int(child) for child in children.read().split()]
    except FileNotFoundError:
        return False
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
    return bool(pids)


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
    uids:        the dedicated uids to lease sessions from, when the grader runs as root;
    python:      the sandbox's interpreter (default: the grader's own), e.g. one with only the
                 sandbox's packages where the grader's files must stay out of the student's reach.
    """

    def __init__(self, limits=Limits(), network=False, course_root=None, hide=(), uids=SANDBOX_UIDS,
                 python=None):
        self.limits, self.network, self.uids = limits, network, uids
        self.python = str(python or sys.executable)
        self.course_root = Path(course_root or Path(__file__).resolve().parents[2]).resolve()
        self.as_root = os.geteuid() == 0
        self.namespaces = _namespaces(self.as_root, not network)
        course = self.course_root
        hidden = [*(course / name for name in SECRET_DIRS), *sorted(course.glob("assignments/*/hidden")),
                  *PRIVATE_DIRS, *hide]
        self.hidden = tuple(dict.fromkeys(str(Path(path).resolve()) for path in hidden))
        prefixes, self.site = _interpreter(self.python)
        self.kept = tuple(dict.fromkeys([*prefixes, *self.site]))

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
                     f"read-only: everything but the workdir (at {launch.WORKDIR}) and a private "
                     f"{', '.join(SCRATCH_DIRS)} of {limits.file_size_mb} MB each; /proc shows the sandbox "
                     f"only")
        else:
            processes = (f"processes: {unavailable}; a stop kills the process group"
                         + (" and every process of the session's uid" if self.as_root else
                            ": processes that leave it survive"))
            files = f"files: secrets {unavailable}" + (
                "; the session's uid reads only what every user may" if self.as_root else "")
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
        course or of Python) and EngineError when every sandbox uid is leased.
        """
        return Session(self.limits, functools.partial(_LocalBox, self), workdir,
                       [Path(module) for module in probe_modules], [Path(module) for module in support])

    def hides(self, path):
        """Whether the sandbox cannot see ``path``."""
        return str(Path(path).resolve()) in self.hidden


class _LocalBox:
    """The local engine's :class:`~autograder.sandbox.box.Box`: the workdir holds the harness and the
    probes in its ``.sandbox`` folder and, as root, belongs to a uid leased for the session; each
    start is a process running the grader's copy of the runner, on two pipes."""

    def __init__(self, sandbox, workdir, files, output):
        self._sandbox, self._limits, self._output = sandbox, sandbox.limits, output
        self._workdir = own_workdir(workdir, [sandbox.course_root, *sandbox.kept])
        self._process, self._workdir_fd, self._closed, self._opened = None, None, False, []
        self._lease = UidLease(sandbox.uids) if sandbox.as_root else None
        self._uid = None if self._lease is None else self._lease.uid
        try:
            self._workdir_fd = os.open(self._workdir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
            self._workdir_mode = os.stat(self._workdir_fd).st_mode
            if self._uid is not None and sandbox.namespaces is None:    # runs on the real file system
                self._let_through()
                self._check_interpreter()
            self._install(files)
        except BaseException:
            self.close()
            raise

    def _let_through(self):
        """Let the session's uid reach the workdir at its own path (no namespaces, so no bind mount):
        add the search bit for others, never the read bit, to each folder above it that is the
        grader's and lacks it, such as tempfile's 0700 folders; :meth:`close` takes it back.

        The uid has no groups, so only the bits for others count. A folder of another owner that
        shuts it out is left alone, and an EngineError says so. Sessions at the same time under one
        closed folder would take the bit back from each other: the grader runs one at a time.
        """
        for folder in reversed(self._workdir.parents):     # from / down
            info = os.stat(folder)
            if info.st_mode & stat.S_IXOTH:
                continue
            if info.st_uid != os.getuid():
                raise EngineError(f"the sandbox's uid cannot reach its workdir {self._workdir}: {folder} "
                                  f"belongs to uid {info.st_uid} and is closed to others")
            self._opened.append((folder, stat.S_IMODE(info.st_mode)))
            os.chmod(folder, stat.S_IMODE(info.st_mode) | stat.S_IXOTH)

    def _check_interpreter(self):
        """Raise an EngineError if the session's uid cannot run the sandbox's interpreter and import
        NumPy from its site-packages, as where the interpreter lies in a closed folder (/root)."""
        sandbox = self._sandbox
        problem = _unusable(sandbox.python, sandbox.site, self._uid)
        if problem is not None:
            raise EngineError(f"the sandbox's interpreter {sandbox.python} does not work for the sandbox's "
                              f"uid ({problem}): it, its standard library and its site-packages must be "
                              f"readable and searchable by every user, outside closed folders")

    def _install(self, files):
        """Copy the runner, probing.py and the probe and support modules into workdir/.sandbox/
        (replacing any such folder) and, as root, give the workdir to the session's uid alone."""
        sandbox = self._workdir / launch.SANDBOX_DIR
        _remove(self._workdir_fd, launch.SANDBOX_DIR)
        sandbox.mkdir()
        for source in [*HARNESS_FILES, *files]:
            shutil.copyfile(source, sandbox / source.name)
        if self._uid is not None:
            _chown_tree(self._workdir_fd, None, self._uid, self._uid)
            os.chown(self._workdir_fd, self._uid, self._uid)
            os.chmod(self._workdir_fd, 0o700)

    def _config(self, config, requests, replies):
        """The runner's whole configuration (see launch.launch) for a new sandbox process."""
        sandbox, limits = self._sandbox, self._limits
        filesystem = None
        if sandbox.namespaces is not None:
            siblings = [str(self._workdir.parent)] if self._workdir.parent != Path("/") else []
            filesystem = {"hide": [*sandbox.hidden, *siblings], "scratch": list(SCRATCH_DIRS),
                          "keep": list(sandbox.kept), "workdir": str(self._workdir),
                          "scratch_bytes": limits.file_size_mb << 20}
        workdir = launch.WORKDIR if filesystem else str(self._workdir)
        harness = os.path.join(workdir, launch.SANDBOX_DIR)
        return {**config, "python": sandbox.python, "site": list(sandbox.site),
                "namespaces": sandbox.namespaces, "workdir": workdir, "harness": harness, "probes": harness,
                "filesystem": filesystem, "rlimits": limits.rlimits(),
                "user": None if self._uid is None else [self._uid, self._uid],
                "requests": requests, "replies": replies}

    def start(self, config, deadline):
        """Start the launcher (the grader's copy of the runner) with a pair of pipes."""
        requests, self._requests = os.pipe()
        self._replies, replies = os.pipe()
        config = self._config(config, requests, replies)
        command = [self._sandbox.python, *launch.PYTHON_FLAGS, str(LAUNCH), "launch",
                   json.dumps(config)]
        try:
            self._process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                             stderr=subprocess.PIPE, pass_fds=(requests, replies), cwd="/",
                                             env={**ENVIRONMENT, "HOME": config["workdir"]},
                                             start_new_session=True)
        finally:
            os.close(requests)
            os.close(replies)
        self._pidfd = os.pidfd_open(self._process.pid)
        os.set_blocking(self._replies, False)
        os.set_blocking(self._requests, False)
        self._drains = [self._output["stdout"].drain(self._process.stdout),
                        self._output["stderr"].drain(self._process.stderr)]
        return self._requests, self._replies, self._pidfd

    def ending(self):
        """How the sandbox process ended, with the launcher's own report when it could not isolate."""
        returncode = self._process.wait()
        message = exit_message(returncode, self._limits)
        if returncode != launch.SETUP_FAILED:
            return message
        lines = [line for line in self._output["stderr"].text().splitlines()
                 if line.startswith("sandbox setup failed")]
        return message + (f": {lines[-1]}" if lines else "")

    def stop(self):
        """Kill every process of the sandbox, reap them and close the pipes.

        In namespaces the runner (the launcher's child, the PID namespace's first process) is killed
        first, which ends every process in the namespace, and the launcher is left to reap it; a runner
        forked after that look dies with its launcher (launch._die_with_launcher). As root,
        every process of the session's uid is killed too. The launcher's exit is awaited without
        reaping it, so that the process group it leads keeps its id while the group is killed
        (stragglers outside a PID namespace).
        """
        process = self._process
        if process is None:
            return
        reaping = self._sandbox.namespaces is not None and _kill_children(process.pid)
        if self._uid is not None:
            kill_uid(self._uid)
        if reaping:
            select.select([self._pidfd], [], [], EXIT_GRACE_SECONDS)
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

    def close(self):
        """Stop the sandbox, remove the workdir's .sandbox folder, give the workdir back to the
        grader's uid and mode, close the folders above it again, and release the session's uid.
        Idempotent."""
        if self._closed:
            return
        self._closed = True
        self.stop()
        if self._workdir_fd is not None:
            _remove(self._workdir_fd, launch.SANDBOX_DIR)
            if self._uid is not None:
                _chown_tree(self._workdir_fd, self._uid, os.getuid(), os.getgid())
                os.chown(self._workdir_fd, os.getuid(), os.getgid())
                os.chmod(self._workdir_fd, stat.S_IMODE(self._workdir_mode))
            os.close(self._workdir_fd)
        for folder, mode in reversed(self._opened):
            os.chmod(folder, mode)
        if self._lease is not None:
            self._lease.release()
