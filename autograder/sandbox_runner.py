"""The sandbox side of :mod:`autograder.sandbox`: the process in which student code runs.

Standalone: it uses only the standard library and NumPy and never imports ``autograder``,
because it runs where the grader's files are hidden. The grader starts it in two stages:

``launch CONFIG``
    On this machine (:mod:`autograder.local_sandbox`) it runs from the grader's own copy of this
    file, as root (or as the grader's uid). It enters new mount, IPC and (usually) network
    namespaces, and a user namespace where it is not root, then forks the sandbox's first process
    into a new PID namespace and waits for it, ending the same way (exit status or signal, never a
    core dump). That process mounts a fresh /proc, hides the course's secrets under empty tmpfs,
    gives the sandbox a private /tmp with the workdir at :data:`WORKDIR`, makes every other mount
    read-only, sets the resource limits, drops every privilege (dedicated uid, no groups, no
    capabilities, no_new_privs) and execs the ``serve`` stage from the harness folder's copy of
    this file. In a container (:mod:`autograder.docker_sandbox`) Docker has done the isolating:
    it connects to the grader's socket, sets the resource limits and execs ``serve``. Nothing
    student-controlled runs or is read before the privileges are gone.
``serve CONFIG``
    Unprivileged: imports NumPy, then ``probing`` and the probe modules (and with them the
    student's package), reports the registry, then runs one probe per request.

The protocol runs on two dedicated pipes (on this machine) or one Unix socket (from a
container), never on stdin/stdout/stderr. Every frame is a 4-byte big-endian length and that many
bytes; a message is a frame of UTF-8 JSON (:func:`encode`). Requests are
``{"call": n, "probe": name}``; replies are ``{"call": n, "status": ..., ...}`` with status

``ok``       ``"values"``: name -> ``{"value": scalar}`` or ``{"array": size}``; each array
             follows the reply, in order, as a frame of ``size`` bytes: a ``.npy`` file written
             with ``allow_pickle=False``;
``error``    ``"error"``: ``{"type", "message", "traceback"}``, the exception the probe raised;
``exit``     the same, for SystemExit or KeyboardInterrupt: the process then ends;
``invalid``  ``"message"``: the probe returned something that cannot be sent.

Every reply, and the ready message, also carries ``"notes"``: {audit event: times} of the
:data:`WATCHED` events (network access, programs, forks, signals, ctypes) that student code raised
since the last reply, seen by an audit hook (``sys.addaudithook``, which no code can remove). The
grader reports them as what it detected; student code could hide some by tampering with this
process, so they only ever inform, never score.

Student code shares this process and can forge any of it: the grader checks every reply.
"""
import contextlib
import ctypes
import importlib.util
import io
import json
import os
import re
import resource
import select
import signal
import socket
import struct
import sys
import traceback

HEADER = struct.Struct(">I")         # the length of the JSON body that follows
MAX_MESSAGE = 1 << 20                # the largest JSON body either side accepts
SANDBOX_DIR = ".sandbox"             # in a local workdir: this file, probing.py, the probe modules
WORKDIR = "/tmp/work"                # where the workdir appears inside a mount namespace
PYTHON_FLAGS = ("-S", "-P", "-B")    # no site (so no editable-install finder), no script dir, no .pyc
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")   # of a probe or a value
MAX_VALUES = 1000                    # values one probe may return
MAX_STRING = 10_000                  # characters of a str value or an error message
MAX_TRACEBACK = 5                    # frames of the student's code shown with an error
ARRAY_KINDS = "biuf"                 # bool, signed and unsigned integers, floats
SETUP_FAILED = 125                   # exit status of a launch that could not isolate the sandbox
CHANNEL_LOST = 124                   # exit status of a runner whose channel student code closed
WATCHED = {                          # audit events worth a note in the report, and what they mean
    "socket.connect": "network access attempted", "socket.sendto": "network access attempted",
    "socket.getaddrinfo": "a network name looked up", "urllib.Request": "network access attempted",
    "subprocess.Popen": "a program started", "os.system": "a program started",
    "os.exec": "a program started", "os.posix_spawn": "a program started", "os.fork": "a process forked",
    "os.kill": "a signal sent", "os.killpg": "a signal sent",
    "ctypes.dlopen": "a C library loaded with ctypes",
}

# mount(2) flags and their statvfs counterparts (the latter as in <sys/statvfs.h>)
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT = 1, 2, 4, 8, 32
MS_NOATIME, MS_NODIRATIME, MS_BIND, MS_REC, MS_RELATIME = 1024, 2048, 4096, 16384, 1 << 21
ST_TO_MS = {os.ST_NOSUID: MS_NOSUID, os.ST_NODEV: MS_NODEV, os.ST_NOEXEC: MS_NOEXEC,
            os.ST_NOATIME: MS_NOATIME, os.ST_NODIRATIME: MS_NODIRATIME, os.ST_RELATIME: MS_RELATIME}
MS_PRIVATE = 1 << 18
PR_SET_PDEATHSIG, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 1, 24, 38
CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWUSER = 0x20000, 0x8000000, 0x10000000
CLONE_NEWPID, CLONE_NEWNET = 0x20000000, 0x40000000
KERNEL_FILESYSTEMS = ("/proc", "/sys", "/dev")   # left as they are by the read-only remount


def encode(message):
    """One protocol message: the header and the compact JSON of ``message``."""
    body = json.dumps(message, separators=(",", ":")).encode()
    return HEADER.pack(len(body)) + body


# ---------------------------------------------------------------- launch (privileged)

def _libc_call(name, *args):
    """Call ``name`` in libc; raise OSError with errno when it returns -1."""
    libc = ctypes.CDLL(None, use_errno=True)
    if getattr(libc, name)(*args) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{name}{args!r}: {os.strerror(error)}")


def _mount(source, target, fstype, flags, data=None):
    """mount(2), raising OSError on failure."""
    _libc_call("mount", None if source is None else source.encode(), target.encode(),
               None if fstype is None else fstype.encode(), ctypes.c_ulong(flags),
               None if data is None else data.encode())


def _enter_namespaces(namespaces):
    """Enter new mount (private propagation), IPC, network (if ``namespaces["network"]``) and user
    (if ``namespaces["user"]``: the caller's uid and gid become root's) namespaces; the next child
    starts a new PID namespace. Raises OSError where the kernel refuses."""
    uid, gid = os.getuid(), os.getgid()
    flags = CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWPID
    flags |= (CLONE_NEWNET if namespaces["network"] else 0) | (CLONE_NEWUSER if namespaces["user"] else 0)
    _libc_call("unshare", flags)
    if namespaces["user"]:
        for name, text in (("setgroups", "deny"), ("uid_map", f"0 {uid} 1"), ("gid_map", f"0 {gid} 1")):
            with open(f"/proc/self/{name}", "w") as file:
                file.write(text)
    _mount(None, "/", None, MS_REC | MS_PRIVATE)


def _mirror(child):
    """Wait for ``child`` and end as it ended: the same exit status, or killed by the same signal."""
    _, status = os.waitpid(child, 0)
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        if number not in (signal.SIGKILL, signal.SIGSTOP):
            signal.signal(number, signal.SIG_DFL)
        os.kill(os.getpid(), number)
    os._exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 1)


def _die_with_launcher(alive, launcher):
    """In the launcher's child: be killed when the launcher dies, so that a sandbox whose launcher
    the grader kills (between the fork and the setsid, its process group misses the child) never
    lives on. The pipe closes the race of a launcher that died before the prctl."""
    os.close(launcher)
    _libc_call("prctl", PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if select.select([alive], [], [], 0)[0]:    # end of file: the launcher is gone already
        os._exit(SETUP_FAILED)
    os.close(alive)


def check(namespaces):
    """Exit 0 if the sandbox's namespaces can be made here: enter them, and mount /proc in a new
    PID namespace; exit non-zero otherwise."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    _enter_namespaces(namespaces)
    child = os.fork()
    if child:
        _mirror(child)
    _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    os._exit(0)


def _below(path, folders):
    """Whether ``path`` is one of ``folders`` or lies inside one."""
    return any(path == folder or path.startswith(folder.rstrip("/") + "/") for folder in folders)


def _depth(path):
    """How many folders deep ``path`` (absolute) lies: / is 0, /tmp is 1."""
    return len([part for part in path.split("/") if part])


def _isolate_filesystem(filesystem, workdir):
    """Arrange this mount namespace (private, new) for the sandbox; raises OSError if any step fails.

    Guarantees: /proc shows only this PID namespace; every ``hide`` path that exists is an empty,
    read-only tmpfs (a file: /dev/null); every ``scratch`` path is a fresh, size-limited, writable
    tmpfs; every ``keep`` path inside a hidden one is bound back at its place; the workdir is bound
    at ``workdir``; every mount but the scratch ones, the workdir and /proc, /sys, /dev is read-only.
    """
    sources = {path: os.open(path, os.O_PATH | os.O_CLOEXEC) for path in filesystem["keep"]}
    sources[workdir] = os.open(filesystem["workdir"], os.O_PATH | os.O_CLOEXEC)
    if os.getpid() == 1:
        _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    covers = {path: "hide" for path in filesystem["hide"]}
    covers.update({path: "scratch" for path in filesystem["scratch"]})
    binds = {path: fd for path, fd in sources.items() if _below(path, covers)}
    for path in sorted([*covers, *binds], key=_depth):
        if path in binds:
            os.makedirs(path, mode=0o755, exist_ok=True)
            _mount(f"/proc/self/fd/{binds[path]}", path, None, MS_BIND | MS_REC)
        elif not os.path.lexists(path):
            continue
        elif covers[path] == "scratch":
            _mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV,
                   f"mode=1777,size={filesystem['scratch_bytes']},nr_inodes=4096")
        elif os.path.isdir(path):
            _mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, "mode=755,size=1m,nr_inodes=1024")
        else:
            _mount("/dev/null", path, None, MS_BIND)
    for fd in sources.values():
        os.close(fd)
    _make_read_only(writable={*filesystem["scratch"], workdir})


def _mount_points():
    """The mount points of this mount namespace, from /proc/self/mountinfo."""
    with open("/proc/self/mountinfo") as mountinfo:
        fields = [line.split()[4] for line in mountinfo]
    return [re.sub(r"\\([0-7]{3})", lambda match: chr(int(match[1], 8)), field) for field in fields]


def _make_read_only(writable):
    """Remount every visible mount read-only but ``writable`` and the kernel's own file systems,
    keeping each mount's nosuid/nodev/noexec/atime flags (a user namespace must keep them)."""
    for point in dict.fromkeys(_mount_points()):
        if point in writable or _below(point, KERNEL_FILESYSTEMS):
            continue
        try:
            current = os.statvfs(point).f_flag
        except (FileNotFoundError, PermissionError):   # under a hidden or closed folder: out of reach
            continue
        kept = sum(ms for st, ms in ST_TO_MS.items() if current & st)
        _mount(None, point, None, MS_REMOUNT | MS_BIND | MS_RDONLY | kept)


def _drop_privileges(user):
    """Leave no way back to privileges: no_new_privs (setuid binaries give nothing), an empty
    capability bounding set (exec gives no capabilities, even to root of a user namespace), then
    the sandbox's own uid and gid with no supplementary groups (``user`` = [uid, gid], or None
    where the grader is not root and keeps its uid)."""
    _libc_call("prctl", PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    if os.geteuid() == 0:
        with open("/proc/sys/kernel/cap_last_cap") as last:
            for capability in range(int(last.read()) + 1):
                _libc_call("prctl", PR_CAPBSET_DROP, capability, 0, 0, 0)
    if user is not None:
        uid, gid = user
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)


def _connect(path):
    """The descriptor of a connection to the grader's Unix socket at ``path``, kept across exec."""
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connection.connect(path)
    fd = connection.detach()
    os.set_inheritable(fd, True)
    return fd


def launch(config):
    """Start the sandbox: with ``config["connect"]``, connect to the grader's socket, which carries
    both directions; with ``config["namespaces"]``, enter them and fork the PID namespace's first
    process, mirrored by this one; then isolate, limit and unprivilege that process and exec the
    ``serve`` stage. Never returns.

    On any failure it writes the reason to stderr and exits with :data:`SETUP_FAILED`, so that
    no student code ever runs in a sandbox that is only partly set up.
    """
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if config.get("connect"):
            config["requests"] = config["replies"] = _connect(config["connect"])
        if config["namespaces"] is not None:
            _enter_namespaces(config["namespaces"])
            alive, launcher = os.pipe()     # the child's read end ends when the launcher does
            child = os.fork()
            if child:             # keep no end of the protocol pipes: the sandbox's death closes them
                os.close(config["requests"])
                os.close(config["replies"])
                _mirror(child)
            _die_with_launcher(alive, launcher)
            os.setsid()           # a process group of its own: kill(0) from inside reaches no launcher
        if config["filesystem"] is not None:
            _isolate_filesystem(config["filesystem"], config["workdir"])
        for name, limit in config["rlimits"].items():
            resource.setrlimit(getattr(resource, name), tuple(limit))
        _drop_privileges(config["user"])
        os.chdir(config["workdir"])
        script = os.path.join(config["harness"], os.path.basename(__file__))
        os.execv(config["python"], [config["python"], *PYTHON_FLAGS, script, "serve", json.dumps(config)])
    except Exception as error:     # report every failure the same way: the sandbox must not start
        print(f"sandbox setup failed: {type(error).__name__}: {error}", file=sys.stderr, flush=True)
        os._exit(SETUP_FAILED)


# ---------------------------------------------------------------- serve (unprivileged)

class Invalid(Exception):
    """A probe's return value that cannot be sent; the message says why."""


class Channel:
    """The protocol's descriptors in the ``serve`` stage (two pipes, or one socket twice): blocking
    reads of requests, writes of replies."""

    def __init__(self, requests, replies):
        self.requests, self.replies = requests, replies

    def _read_exactly(self, size):
        """``size`` bytes of the request pipe, or None if it ends first."""
        data = b""
        while len(data) < size:
            chunk = os.read(self.requests, size - len(data))
            if not chunk:
                return None
            data += chunk
        return data

    def receive(self):
        """The next request, or None once the grader has closed the pipe."""
        body = self._read_frame()
        return None if body is None else json.loads(body)

    def receive_tables(self, entries, numpy):
        """{name: value} of a request's ``tables``: scalars as they are, arrays from the frames that
        follow the request (the grader's, so trusted; still read with ``allow_pickle=False``)."""
        tables = {}
        for name, entry in entries.items():
            tables[name] = entry["value"] if "value" in entry else \
                numpy.load(io.BytesIO(self._read_frame()), allow_pickle=False)
        return tables

    def _read_frame(self):
        """The body of the next frame, or None if the pipe ends first."""
        header = self._read_exactly(HEADER.size)
        return None if header is None else self._read_exactly(HEADER.unpack(header)[0])

    def send(self, message, arrays=()):
        """Write ``message``, then each of ``arrays`` (bytes) as a frame of its own; a message that
        is too large is replaced by an "invalid" reply saying so, without the arrays."""
        data = encode(message)
        if len(data) - HEADER.size > MAX_MESSAGE:
            data, arrays = encode({"call": message.get("call"), "status": "invalid",
                                   "message": f"the probe's reply is {len(data):,} bytes of JSON, over the "
                                              f"limit of {MAX_MESSAGE:,}: return large data as arrays"}), ()
        for frame in [data, *(HEADER.pack(len(array)) + array for array in arrays)]:
            view = memoryview(frame)
            while view:
                view = view[os.write(self.replies, view):]


def _load_module(name, path):
    """Import the file ``path`` as the module ``name`` (registered in sys.modules)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def clip(text, limit=MAX_STRING):
    """``text`` cut to at most ``limit`` characters at the end of a word, an ellipsis marking the
    cut; a word longer than half the limit is cut where the limit falls."""
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    space = cut.rstrip().rfind(" ")
    return (cut[:space].rstrip() if space > limit // 2 else cut) + "…"


def describe(error, workdir, probes):
    """``{"type", "message", "traceback"}`` of an exception raised by student code: the public name
    of its type, its message, and the last frames that lie in the student's files (the workdir but
    not the ``probes`` folder), as "path, line N, in function: source" with paths from the workdir."""
    public = next(cls for cls in type(error).__mro__ if not cls.__name__.startswith("_"))
    try:
        message = str(error)
    except Exception:         # a student's exception whose __str__ fails
        message = "(its message could not be printed)"
    own = probes.rstrip(os.sep) + os.sep
    frames = [frame for frame in traceback.extract_tb(error.__traceback__)
              if frame.filename.startswith(workdir + os.sep) and not frame.filename.startswith(own)]
    lines = [f"{os.path.relpath(frame.filename, workdir)}, line {frame.lineno}, in {frame.name}"
             + (f": {frame.line.strip()}" if frame.line else "") for frame in frames[-MAX_TRACEBACK:]]
    return {"type": public.__name__, "message": clip(message),
            "traceback": [clip(line, 300) for line in lines]}


def export(result, value_bytes, numpy):
    """``(values, arrays)`` of an "ok" reply for the dict ``result`` a probe returned: ``values``
    for the JSON reply, and the bytes of each array value as a ``.npy`` file saved with
    ``allow_pickle=False``, in the order of ``values``.

    Raises :class:`Invalid` for anything else than a dict from identifiers to allowed values, or
    when the arrays would total more than ``value_bytes``.
    """
    if not isinstance(result, dict):
        raise Invalid(f"a probe returns a dict of values; this one returned {type(result).__name__}")
    if len(result) > MAX_VALUES:
        raise Invalid(f"a probe returns at most {MAX_VALUES} values; this one returned {len(result)}")
    values, arrays, total = {}, [], 0
    for name, value in result.items():
        if not isinstance(name, str) or not NAME.fullmatch(name):
            raise Invalid(f"value names are identifiers of at most 64 characters, not {name!r:.80}")
        if isinstance(value, numpy.generic):
            value = value.item() if value.dtype.kind in ARRAY_KINDS else numpy.asarray(value)
        if value is None or isinstance(value, (bool, int, float, str)):
            if isinstance(value, str) and len(value) > MAX_STRING:
                raise Invalid(f"value {name!r} is a str of {len(value):,} characters, over {MAX_STRING:,}")
            if type(value) is int and not -2**63 <= value < 2**64:
                raise Invalid(f"value {name!r} is an int beyond 64 bits")
            values[name] = {"value": value}
            continue
        if isinstance(value, (list, tuple)):
            value = numpy.asarray(value)
        if not isinstance(value, numpy.ndarray):
            raise Invalid(f"value {name!r} is a {type(value).__name__}; allowed are NumPy arrays, lists "
                          f"of numbers, bool, int, float, str and None")
        value = numpy.asarray(value)      # a plain array: no subclass's behaviour travels
        if value.dtype.kind not in ARRAY_KINDS or value.dtype.fields is not None:
            raise Invalid(f"value {name!r} is an array of dtype {value.dtype}; allowed are arrays of "
                          f"booleans, integers and floats")
        total += value.nbytes
        if total > value_bytes:
            raise Invalid(f"the probe's arrays total more than the limit of {value_bytes:,} bytes "
                          f"(at value {name!r}, of shape {value.shape})")
        file = io.BytesIO()
        numpy.save(file, value, allow_pickle=False)
        arrays.append(file.getvalue())
        values[name] = {"array": len(arrays[-1])}
    return values, arrays


def _flush_output():
    """Flush Python's buffered stdout and stderr, so that a probe's output leaves before its reply."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):   # a stream the student replaced or closed: theirs to lose
            stream.flush()


def _end_strays():
    """Kill and reap every other process of the sandbox, so that no probe leaves work running.

    Only the first process of a PID namespace does this: orphans are reparented to it, so having
    no child means being alone, and kill(-1) there reaches exactly the namespace.
    """
    if os.getpid() != 1:
        return
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return
    os.kill(-1, signal.SIGKILL)
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


class _Watch:
    """The audit hook's record of the WATCHED events that student code raised, while it runs."""
    active = False
    seen = {}

    @classmethod
    def hook(cls, event, args):
        if cls.active and event in WATCHED:
            cls.seen[event] = cls.seen.get(event, 0) + 1

    @classmethod
    @contextlib.contextmanager
    def student_code(cls):
        """Record while the block runs student code (a probe, or the import of the probe modules)."""
        cls.active = True
        try:
            yield
        finally:
            cls.active = False

    @classmethod
    def notes(cls):
        """{event: times} since the last call, for a reply."""
        notes, cls.seen = cls.seen, {}
        return notes


def _import_probes(config):
    """Import probing.py from the harness folder and the probe modules from the probes folder, the
    workdir first on sys.path and the probes folder (the support modules) last; returns (probe name
    -> (task, check, function), module file -> description of its import error)."""
    workdir, probes = config["workdir"], config["probes"]
    probing = _load_module("probing", os.path.join(config["harness"], "probing.py"))
    sys.path.insert(0, workdir)
    sys.path.append(probes)
    errors = {}
    for module in config["modules"]:
        try:
            with _Watch.student_code():
                _load_module(module.removesuffix(".py"), os.path.join(probes, module))
        except BaseException as error:     # whatever the student's package raises while it is imported,
            #                                sys.exit() too: the other probe modules may still load
            errors[module] = describe(error, workdir, probes)
    return dict(probing.REGISTRY), errors


def _answer(call, probe, config, numpy, probing):
    """``(reply, arrays)`` to the request to run ``probe`` as call number ``call``, with
    ``probing.TABLES`` and ``probing.RECORDING`` set for it by the caller.

    A process the probe forked that comes back here exits at once, silently; processes the probe
    left running are ended before the reply leaves. In a recording run, what the probe's stand-ins
    recorded (``probing.RECORDED``) joins its values.
    """
    runner = os.getpid()
    probing.RECORDED = {}
    try:
        with _Watch.student_code():
            result, failure = probe(), None
        if probing.RECORDING and isinstance(result, dict):
            result = {**result, **probing.RECORDED}
    except BaseException as error:     # SystemExit and KeyboardInterrupt too: they become "exit"
        failure = error
    if os.getpid() != runner:
        os._exit(0)
    _flush_output()
    _end_strays()
    workdir, probes = config["workdir"], config["probes"]
    if failure is not None:
        return {"call": call, "status": "error" if isinstance(failure, Exception) else "exit",
                "error": describe(failure, workdir, probes)}, ()
    try:
        values, arrays = export(result, config["value_bytes"], numpy)
        return {"call": call, "status": "ok", "values": values}, arrays
    except Invalid as problem:
        return {"call": call, "status": "invalid", "message": str(problem)}, ()
    except Exception as error:         # e.g. a ragged list, a patched numpy.save
        error = describe(error, workdir, probes)
        return {"call": call, "status": "invalid",
                "message": f"the probe's values could not be saved: {error['type']}: {error['message']}"}, ()


def serve(config):
    """Import the probes, report ``{"ready": {"probes": {name: [task, check, weight]}, "errors": {module: error}}}``,
    then answer requests one by one until the grader closes the request pipe; end the process after
    an "exit" reply, and with :data:`CHANNEL_LOST` when the channel fails (student code closed or
    replaced its descriptors)."""
    try:
        _serve(config)
    except OSError:
        os._exit(CHANNEL_LOST)


def _serve(config):
    channel = Channel(config["requests"], config["replies"])
    for fd in {channel.requests, channel.replies}:
        os.set_inheritable(fd, False)
    sys.path.extend(config["site"])
    import numpy  # from the site-packages just added, before the workdir can shadow it
    sys.addaudithook(_Watch.hook)
    probes, errors = _import_probes(config)
    probing = sys.modules["probing"]
    _flush_output()
    registry = {name: [task, check, weight] for name, (task, check, weight, _) in probes.items()}
    channel.send({"ready": {"probes": registry, "errors": errors}, "notes": _Watch.notes()})
    while (request := channel.receive()) is not None:
        call, name = request["call"], request["probe"]
        probing.TABLES = channel.receive_tables(request["tables"], numpy)
        probing.RECORDING = request["record"]
        if name in probes:
            reply, arrays = _answer(call, probes[name][-1], config, numpy, probing)
        else:
            reply, arrays = {"call": call, "status": "invalid", "message": f"no probe called {name!r}"}, ()
        channel.send({**reply, "notes": _Watch.notes()}, arrays)
        if reply["status"] == "exit":
            os._exit(1)


if __name__ == "__main__":
    {"check": check, "launch": launch, "serve": serve}[sys.argv[1]](json.loads(sys.argv[2]))
