"""The engines that run a sandbox, by the name ``--engine`` gives them: "local" (a process in
namespaces of its own, :mod:`autograder.sandbox.local`) and "docker" (a locked-down container,
:mod:`autograder.sandbox.docker`)."""
from collections.abc import Iterable
from pathlib import Path

from autograder.sandbox.docker import DockerSandbox
from autograder.sandbox.limits import Limits
from autograder.sandbox.local import LocalSandbox

ENGINES = ("local", "docker")

def make_sandbox(engine: str, limits: Limits, *, course_root: str | Path | None = None,
                 hide: Iterable[str | Path] = (), gpus: bool = False,
                 python: str | Path | None = None) -> LocalSandbox | DockerSandbox:
    """The sandbox of ``engine`` ("local" or "docker") with ``limits``; ``course_root`` and ``hide``
    say what the local engine hides, ``python`` is its interpreter (default: the grader's own),
    ``gpus`` asks the docker engine for the GPUs. The docker engine runs its image's interpreter:
    it refuses ``python`` (ValueError)."""
    if engine == "local":
        return LocalSandbox(limits, course_root=course_root, hide=hide, python=python)
    if engine == "docker":
        if python is not None:
            raise ValueError("the docker engine runs the sandbox image's own Python: a sandbox interpreter "
                             "is for the local engine only")
        return DockerSandbox(limits, gpus=gpus)
    raise ValueError(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}")
