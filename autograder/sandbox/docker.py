"""The docker engine: each sandbox is a locked-down container of the sandbox image.

A session's box holds a private folder on the host (mode 0700) with two parts that its
containers see, both read-only:

- ``probes/``, at ``/sandbox/probes``: the probe and support modules;
- ``channel/``, at ``/sandbox/channel``: the grader's Unix socket, to which the runner connects
  before any student code runs; the grader takes that one connection and closes the socket.

The student's workdir is mounted read-only at ``/work``. The image brings the interpreter, NumPy
and the harness (the runner and probing.py, whose digest the image's label must match).

Each start is a fresh container (:meth:`DockerSandbox.isolation` lists it all): no network,
memory equal to memory+swap, a CPU quota, a pids limit, a read-only root with a small tmpfs on
/tmp, every capability dropped, ``no-new-privileges``, the image's unprivileged user, no log kept
by Docker (the grader keeps the first bytes of the output), and the GPUs by a device request only
when asked. A stop kills the container and removes it, whatever state it is in.
"""
import functools
import json
import os
import select
import shutil
import signal
import socket
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import docker
from docker.models.containers import Container

from autograder.sandbox import images
from autograder.sandbox.box import CappedOutput, EngineError, Failure
from autograder.sandbox.harness import LAUNCH, launch
from autograder.sandbox.limits import ENVIRONMENT, EXIT_GRACE_SECONDS, Limits, exit_message, own_workdir
from autograder.sandbox.session import Session

WORKDIR = "/work"
PROBES = "/sandbox/probes"
CHANNEL = "/sandbox/channel"
SOCKET = "socket"                  # the grader's listening socket, in the channel folder
LABEL = "org.mytorch.sandbox"      # on every container of this engine: the grader's pid
CGROUP_RLIMITS = ("RLIMIT_AS", "RLIMIT_NPROC")   # left to the container's memory and pids limits


@functools.cache
def _client() -> docker.DockerClient:
    """A client of the Docker engine this process talks to (DOCKER_HOST or the local socket)."""
    try:
        client = docker.from_env(timeout=120)
        client.ping()
    except docker.errors.DockerException as error:
        raise EngineError(f"the Docker engine is not reachable ({error}): start dockerd, or grade with "
                          f"--engine local") from None
    return client


class DockerSandbox:
    """Runs probes in containers of the sandbox image (``make images`` builds it).

    limits:  what a session may use (memory, processes, time, file sizes, output);
    gpus:    give the containers every GPU of the machine (the NVIDIA container toolkit), with the
             GPU image;
    image:   the image to run (default: the CPU or GPU sandbox image).

    Raises :class:`~autograder.sandbox.box.EngineError` when the engine cannot be reached, or the image
    is missing or was built from another version of the harness.
    """

    def __init__(self, limits: Limits = Limits(), gpus: bool = False, image: str | None = None) -> None:
        self.limits, self.gpus = limits, gpus
        self.image = image or images.image_for("gpu" if gpus else "cpu")
        self.client = _client()
        try:
            built = self.client.images.get(self.image)
        except docker.errors.ImageNotFound:
            raise EngineError(f"the sandbox image {self.image} is missing: build it with `make images`") \
                from None
        if (built.labels or {}).get(images.HARNESS_LABEL) != images.harness_digest():
            raise EngineError(f"the sandbox image {self.image} holds another version of the sandbox harness "
                              f"than this grader: rebuild it with `make images`")

    def session(self, workdir: str | Path, probe_modules: Iterable[str | Path],
                support: Iterable[str | Path] = ()) -> Session:
        """A :class:`~autograder.sandbox.session.Session` running the probes of ``probe_modules`` (paths of
        .py files) against the student's package in ``workdir``, which the containers see
        read-only; ``support``: further .py files the probe modules may import."""
        return Session(self.limits, functools.partial(_ContainerBox, self), workdir,
                       [Path(module) for module in probe_modules], [Path(module) for module in support])

    def hides(self, path: str | Path) -> bool:
        """Whether the sandbox cannot see ``path``: true of everything but the workdir, as a container
        sees nothing of the host but what is mounted."""
        return True

    def isolation(self) -> list[str]:
        """Human-readable notes, one per aspect, on the isolation of each container."""
        limits = self.limits
        uid, gid = images.SANDBOX_USER
        return [f"engine: docker, image {self.image}" + (", every GPU of the machine" if self.gpus else ""),
                f"user: uid {uid}, gid {gid} (not root), every capability dropped, no-new-privileges",
                "network: none",
                "processes: a container per session, killed and removed at the end, on a timeout or a crash",
                f"files: the workdir read-only at {WORKDIR}, the probes read-only, a read-only root and a "
                f"tmpfs of {limits.file_size_mb} MB on /tmp; nothing else of the grader's machine",
                f"limits: {limits.probe_seconds:g} s per probe, {limits.total_seconds:g} s per session (wall "
                f"clock and CPU), {limits.memory_mb} MB of memory (swap included), {limits.cpus:g} CPUs, "
                f"{limits.processes} processes, {limits.file_size_mb} MB per file, {limits.open_files} open "
                f"files, no core dumps",
                f"output: the first {limits.output_bytes:,} bytes of stdout and of stderr are kept, Docker "
                f"keeps no log",
                "environment: minimal (HOME, PATH, LANG, TMPDIR, PYTHONHASHSEED=0, one BLAS/OpenMP thread)"]

    def container_options(self) -> dict[str, Any]:
        """The options of :meth:`docker.client.ContainerCollection.create` that lock a container down,
        without its command and mounts."""
        limits = self.limits
        megabytes = f"{limits.memory_mb}m"
        uid, gid = images.SANDBOX_USER
        options = dict(
            user=f"{uid}:{gid}", network_mode="none", read_only=True, cap_drop=["ALL"],
            security_opt=["no-new-privileges"], mem_limit=megabytes, memswap_limit=megabytes,
            nano_cpus=int(limits.cpus * 1e9), pids_limit=limits.processes,
            tmpfs={"/tmp": f"rw,nosuid,nodev,size={limits.file_size_mb}m,mode=1777"},
            shm_size=f"{limits.file_size_mb}m", environment={**ENVIRONMENT, "HOME": "/tmp"},
            working_dir=WORKDIR, hostname="sandbox", labels={LABEL: str(os.getpid())},
            log_config=docker.types.LogConfig(type="none"), stdin_open=False, tty=False)
        if self.gpus:
            options["device_requests"] = [docker.types.DeviceRequest(count=-1, capabilities=[["gpu"]])]
        return options


class _ContainerBox:
    """The docker engine's :class:`~autograder.sandbox.box.Box`: a private folder with the probes and the
    channel, and one container per start."""

    def __init__(self, sandbox: DockerSandbox, workdir: Path, files: Iterable[Path],
                 output: Mapping[str, CappedOutput]) -> None:
        self._sandbox, self._limits, self._output = sandbox, sandbox.limits, output
        self._workdir = own_workdir(workdir)
        self._container, self._threads, self._fds = None, [], []
        self._folder = Path(tempfile.mkdtemp(prefix="mytorch-sandbox-"))
        probes, self._channel = self._folder / "probes", self._folder / "channel"
        probes.mkdir(mode=0o755)
        self._channel.mkdir(mode=0o711)
        for source in files:
            shutil.copyfile(source, probes / source.name)
            os.chmod(probes / source.name, 0o644)

    def _config(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """The runner's whole configuration (see launch.launch) inside a container."""
        rlimits = {name: limit for name, limit in self._limits.rlimits().items()
                   if name not in CGROUP_RLIMITS}
        return {**config, "python": images.PYTHON, "site": [images.SITE], "namespaces": None,
                "filesystem": None, "user": None, "workdir": WORKDIR, "harness": images.HARNESS,
                "probes": PROBES, "connect": f"{CHANNEL}/{SOCKET}", "requests": None, "replies": None,
                "rlimits": rlimits}

    def start(self, config: Mapping[str, Any], deadline: float) -> tuple[int, int, int]:
        """Create and start a container, and take its runner's connection to the channel's socket."""
        listener = self._listen()
        try:
            script = f"{images.HARNESS}/{LAUNCH.name}"
            command = [images.PYTHON, *launch.PYTHON_FLAGS, script, "launch",
                       json.dumps(self._config(config))]
            mounts = [docker.types.Mount(WORKDIR, str(self._workdir), type="bind", read_only=True),
                      docker.types.Mount(PROBES, str(self._folder / "probes"), type="bind", read_only=True),
                      docker.types.Mount(CHANNEL, str(self._channel), type="bind", read_only=True)]
            try:
                self._container = self._sandbox.client.containers.create(
                    self._sandbox.image, command, mounts=mounts, **self._sandbox.container_options())
                self._drain(self._container.attach(stdout=True, stderr=True, stream=True, demux=True))
                self._container.start()
            except docker.errors.DockerException as error:
                raise EngineError(f"the Docker engine could not start a sandbox container: {error}") from None
            ended = self._watch(self._container)
            connection = self._accept(listener, ended, deadline)
        finally:
            listener.close()
            (self._channel / SOCKET).unlink(missing_ok=True)
        connection.setblocking(False)
        channel = connection.detach()
        self._fds.append(channel)
        return channel, channel, ended

    def _listen(self) -> socket.socket:
        """A Unix socket listening in the channel folder, which the container's user may connect to."""
        path = self._channel / SOCKET
        path.unlink(missing_ok=True)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(path))
        os.chmod(path, 0o666)
        listener.listen(1)
        return listener

    def _accept(self, listener: socket.socket, ended: int, deadline: float) -> socket.socket:
        """The runner's connection, taken by ``deadline``; raises Failure if the container ends or the
        time runs out first."""
        readable = select.select([listener, ended], [], [], max(0.0, deadline - time.monotonic()))[0]
        if listener in readable:
            return listener.accept()[0]
        if ended in readable:
            raise Failure("crashed", self.ending())
        raise Failure("timeout", "the sandbox's container did not start within its time limit of "
                                 f"{self._limits.probe_seconds:g} s")

    def _drain(self, stream: Iterable[tuple[bytes | None, bytes | None]]) -> None:
        """Keep the first bytes of the container's stdout and stderr (a demultiplexed attach stream)."""
        def read() -> None:
            for out, err in stream:
                for name, chunk in (("stdout", out), ("stderr", err)):
                    if chunk:
                        self._output[name].add(chunk)
        thread = threading.Thread(target=read, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _watch(self, container: Container) -> int:
        """A descriptor that becomes readable when ``container`` ends; its exit status is kept for
        :meth:`ending`."""
        ended, signal_end = os.pipe()
        self._fds.append(ended)
        self._exit = None

        def wait() -> None:
            try:
                self._exit = container.wait(timeout=self._limits.total_seconds + 60)
            except Exception as error:     # removed under it, or the engine lost: the container is gone
                self._exit = {"StatusCode": None, "Error": str(error)}
            finally:
                os.close(signal_end)
        thread = threading.Thread(target=wait, daemon=True)
        thread.start()
        self._threads.append(thread)
        return ended

    def ending(self) -> str:
        """How the container ended: killed for memory, or the runner's exit status (128 + N for a
        process killed by signal N)."""
        try:
            self._container.reload()
            oom = self._container.attrs["State"].get("OOMKilled", False)
        except docker.errors.DockerException:
            oom = False
        if oom:
            return (f"the sandbox's container was killed for using more than its memory limit of "
                    f"{self._limits.memory_mb} MB")
        status = (self._exit or {}).get("StatusCode")
        if status is None:
            return "the sandbox's container ended without an exit status"
        killed = status > 128 and status - 128 in set(signal.valid_signals())
        return exit_message(128 - status if killed else status, self._limits)

    def stop(self) -> None:
        """Kill and remove the container, whatever its state; close the channel."""
        if self._container is not None:
            try:
                self._container.remove(force=True)
            except docker.errors.NotFound:
                pass
            self._container = None
        for thread in self._threads:
            thread.join(EXIT_GRACE_SECONDS)
        for fd in self._fds:
            os.close(fd)
        self._threads, self._fds = [], []

    def close(self) -> None:
        """Stop the container and remove the session's folder."""
        self.stop()
        shutil.rmtree(self._folder, ignore_errors=True)
