"""What a sandbox may use and where it may run: the :class:`Limits` of one session, the environment
every sandbox process starts with, how a sandbox process ended in words (:func:`exit_message`), and
the workdir a session may be given (:func:`own_workdir`). Both engines apply them."""
import math
import signal
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Self

from autograder.course.model import Assignment
from autograder.sandbox.harness import launch, runner

GRADER_PACKAGE = Path(__file__).resolve().parents[1]   # autograder/: never inside a sandbox's workdir

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS",
                    "VECLIB_MAXIMUM_THREADS")
ENVIRONMENT = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "TMPDIR": "/tmp",
               "PYTHONHASHSEED": "0", **dict.fromkeys(THREAD_VARIABLES, "1")}   # and HOME, per engine
EXIT_GRACE_SECONDS = 1.0           # how long a dying sandbox process may take to end
SHARED_DIRS = ("/", "/root", "/home", "/tmp", "/var/tmp", "/dev/shm")   # never a submission's workdir


@dataclass(frozen=True)
class Limits:
    """What one sandbox session may use. Seconds are wall clock; ``total_seconds`` also caps CPU time.
    ``cpus`` is the CPU quota of a container (docker engine); locally one BLAS thread is the rule."""
    probe_seconds: float = 60
    total_seconds: float = 600
    memory_mb: int = 2048
    cpus: float = 1.0
    processes: int = 64
    file_size_mb: int = 64
    open_files: int = 256
    output_bytes: int = 64_000
    value_bytes: int = 64_000_000

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if not (isinstance(value, (int, float)) and value > 0):
                raise ValueError(f"Limits.{name} must be a positive number, got {value!r}")

    @classmethod
    def from_assignment(cls, assignment: Assignment) -> Self:
        """The limits declared in ``assignment.limits`` (seconds_per_test, seconds_total, memory_mb),
        the defaults for the rest."""
        declared = assignment.limits
        return cls(probe_seconds=declared.get("seconds_per_test", cls.probe_seconds),
                   total_seconds=declared.get("seconds_total", cls.total_seconds),
                   memory_mb=declared.get("memory_mb", cls.memory_mb))

    def rlimits(self) -> dict[str, tuple[int, int]]:
        """The resource limits of the sandbox process, as (soft, hard) by ``resource`` name."""
        cpu = math.ceil(self.total_seconds)
        mb = 1 << 20
        return {"RLIMIT_CPU": (cpu, cpu + 1), "RLIMIT_AS": (self.memory_mb * mb,) * 2,
                "RLIMIT_NPROC": (self.processes,) * 2, "RLIMIT_FSIZE": (self.file_size_mb * mb,) * 2,
                "RLIMIT_NOFILE": (self.open_files,) * 2, "RLIMIT_CORE": (0, 0)}


def exit_message(returncode: int, limits: Limits) -> str:
    """A sentence on how a sandbox process ended, from its exit status (negative: a signal)."""
    if returncode == runner.CHANNEL_LOST:
        return "the sandbox lost its channel to the grader (student code closed or replaced its descriptors)"
    if returncode >= 0:
        hint = " (student code called os._exit?)" if returncode != launch.SETUP_FAILED else ""
        return f"the sandbox process exited with status {returncode}{hint}"
    name = signal.Signals(-returncode).name
    reasons = {signal.SIGSEGV: "a segmentation fault: very deep recursion overflows the C stack",
               signal.SIGKILL: "killed: the memory or CPU time limit, or a kill",
               signal.SIGXCPU: f"the CPU time limit of {math.ceil(limits.total_seconds)} s",
               signal.SIGXFSZ: f"a file larger than the limit of {limits.file_size_mb} MB",
               signal.SIGABRT: "aborted"}
    reason = reasons.get(-returncode)
    return f"the sandbox process was killed by {name}" + (f" ({reason})" if reason else "")


def own_workdir(workdir: str | Path, needed: Iterable[str | Path] = ()) -> Path:
    """``workdir`` resolved, if it is a folder of its own for one submission: a folder, none that
    others share (:data:`SHARED_DIRS`), and no ancestor of the grader's package or of the ``needed``
    paths, which the grader keeps out of the sandbox's reach or needs intact. Raises ValueError
    otherwise."""
    resolved = Path(workdir).resolve()
    if not resolved.is_dir():
        raise ValueError(f"the workdir {workdir} is not a folder")
    needed = [GRADER_PACKAGE, *map(Path, needed)]
    if resolved in map(Path, SHARED_DIRS) or any(path.is_relative_to(resolved) for path in needed):
        raise ValueError(f"the workdir must be a folder of its own for the submission, not {resolved}")
    return resolved
