"""The privileged stage of the sandbox: ``python launch.py launch CONFIG`` isolates, limits and
unprivileges the process in which student code will run, then execs ``runner.py serve`` there.

Standalone: the standard library only; it never imports ``autograder`` or the harness's other
files (see :mod:`runner` for the protocol and the ``serve`` stage).

On this machine (:mod:`autograder.sandbox.local`) it runs from the grader's own copy of this file,
as root (or as the grader's uid). It enters new mount, IPC and (usually) network namespaces, and a
user namespace where it is not root, then forks the sandbox's first process into a new PID
namespace and waits for it, ending the same way (exit status or signal, never a core dump). That
process mounts a fresh /proc, hides the course's secrets under empty tmpfs, gives the sandbox a
private /tmp with the workdir at :data:`WORKDIR`, makes every other mount read-only, sets the
resource limits, drops every privilege (dedicated uid, no groups, no capabilities, no_new_privs)
and execs the ``serve`` stage from the harness folder's copy of runner.py. In a container
(:mod:`autograder.sandbox.docker`) Docker has done the isolating: it connects to the grader's
socket, sets the resource limits and execs ``serve``. Nothing student-controlled runs or is read
before the privileges are gone.

``python launch.py check NAMESPACES`` exits 0 where those namespaces can be made here.
"""
import ctypes
import json
import os
import re
import resource
import select
import signal
import socket
import sys
from collections.abc import Iterable
from typing import Any, NoReturn

SANDBOX_DIR = ".sandbox"             # in a local workdir: this file, probing.py, the probe modules
WORKDIR = "/tmp/work"                # where the workdir appears inside a mount namespace
PYTHON_FLAGS = ("-S", "-P", "-B")    # no site (so no editable-install finder), no script dir, no .pyc
SETUP_FAILED = 125                   # exit status of a launch that could not isolate the sandbox
SERVE_SCRIPT = "runner.py"              # in the harness folder: the unprivileged stage

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


def _libc_call(name: str, *args: object) -> None:
    """Call ``name`` in libc; raise OSError with errno when it returns -1."""
    libc = ctypes.CDLL(None, use_errno=True)
    if getattr(libc, name)(*args) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{name}{args!r}: {os.strerror(error)}")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    """mount(2), raising OSError on failure."""
    _libc_call("mount", None if source is None else source.encode(), target.encode(),
               None if fstype is None else fstype.encode(), ctypes.c_ulong(flags),
               None if data is None else data.encode())


def _enter_namespaces(namespaces: dict[str, bool]) -> None:
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


def _mirror(child: int) -> NoReturn:
    """Wait for ``child`` and end as it ended: the same exit status, or killed by the same signal."""
    _, status = os.waitpid(child, 0)
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        if number not in (signal.SIGKILL, signal.SIGSTOP):
            signal.signal(number, signal.SIG_DFL)
        os.kill(os.getpid(), number)
    os._exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 1)


def _die_with_launcher(alive: int, launcher: int) -> None:
    """In the launcher's child: be killed when the launcher dies, so that a sandbox whose launcher
    the grader kills (between the fork and the setsid, its process group misses the child) never
    lives on. The pipe closes the race of a launcher that died before the prctl."""
    os.close(launcher)
    _libc_call("prctl", PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if select.select([alive], [], [], 0)[0]:    # end of file: the launcher is gone already
        os._exit(SETUP_FAILED)
    os.close(alive)


def check(namespaces: dict[str, bool]) -> NoReturn:
    """Exit 0 if the sandbox's namespaces can be made here: enter them, and mount /proc in a new
    PID namespace; exit non-zero otherwise."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    _enter_namespaces(namespaces)
    child = os.fork()
    if child:
        _mirror(child)
    _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    os._exit(0)


def _below(path: str, folders: Iterable[str]) -> bool:
    """Whether ``path`` is one of ``folders`` or lies inside one."""
    return any(path == folder or path.startswith(folder.rstrip("/") + "/") for folder in folders)


def _depth(path: str) -> int:
    """How many folders deep ``path`` (absolute) lies: / is 0, /tmp is 1."""
    return len([part for part in path.split("/") if part])


def _isolate_filesystem(filesystem: dict[str, Any], workdir: str) -> None:
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


def _mount_points() -> list[str]:
    """The mount points of this mount namespace, from /proc/self/mountinfo."""
    with open("/proc/self/mountinfo") as mountinfo:
        fields = [line.split()[4] for line in mountinfo]
    return [re.sub(r"\\([0-7]{3})", lambda match: chr(int(match[1], 8)), field) for field in fields]


def _make_read_only(writable: Iterable[str]) -> None:
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


def _drop_privileges(user: list[int] | None) -> None:
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


def _connect(path: str) -> int:
    """The descriptor of a connection to the grader's Unix socket at ``path``, kept across exec."""
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connection.connect(path)
    fd = connection.detach()
    os.set_inheritable(fd, True)
    return fd


def launch(config: dict[str, Any]) -> NoReturn:
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
        script = os.path.join(config["harness"], SERVE_SCRIPT)
        os.execv(config["python"], [config["python"], *PYTHON_FLAGS, script, "serve", json.dumps(config)])
    except Exception as error:     # report every failure the same way: the sandbox must not start
        print(f"sandbox setup failed: {type(error).__name__}: {error}", file=sys.stderr, flush=True)
        os._exit(SETUP_FAILED)


if __name__ == "__main__":
    {"check": check, "launch": launch}[sys.argv[1]](json.loads(sys.argv[2]))
