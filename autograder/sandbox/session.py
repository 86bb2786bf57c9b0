"""The grader's sandbox: student code runs in a separate, limited process, and the grader talks
to it by a protocol that cannot execute code.

A :class:`Session` keeps one sandbox (``autograder/sandbox/harness/runner.py``) for a workdir holding the
student's package: it imports the probe modules, reports their registry and runs probes one by
one on request, a few milliseconds per round trip. Every reply is checked here: its JSON schema,
and every array (parsed as ``.npy`` without pickles, its dtype, size and total). Whatever happens
in the sandbox, :meth:`Session.run` returns a :class:`ProbeOutcome`: "ok", "error" (the probe
raised), "timeout", "crashed" (the process died) or "invalid" (a reply or value that breaks the
rules). After a timeout, a crash or an invalid reply the whole sandbox is killed and the next
probe gets a fresh one.

Two engines run the sandbox behind the same :class:`Session`:

- :class:`~autograder.sandbox.local.LocalSandbox`: a process on this machine in namespaces of
  its own, as a dedicated uid (``--engine local``);
- :class:`~autograder.sandbox.docker.DockerSandbox`: a locked-down container per session
  (``--engine docker``).

Each gives a session a *box* (:class:`Box`): the engine's way to start, watch and stop one
sandbox for one workdir. The protocol, the limits on what comes back and the outcomes are the
same for both, and so are the verdicts, which stay on the grader's side.
"""
import json
import math
import os
import select
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple, Self

import numpy as np

from autograder.sandbox.box import Box, CappedOutput, Failure
from autograder.sandbox.harness import probing, runner
from autograder.sandbox.limits import EXIT_GRACE_SECONDS, Limits
from autograder.sandbox.replies import (
    ProbeOutcome,
    Registration,
    Value,
    clipped_text,
    decode_npy,
    error_text,
    scalar,
)


MAX_CHECKPOINTS = 1000    # a probe's checkpoints in one call, at most


class Tables(NamedTuple):
    """A probe's stand-in tables ({value name: value}, ``probing.TABLES``) as the protocol sends them:
    the request's JSON entries and each array's ``.npy`` bytes. :func:`encode_tables` makes them once,
    and every run of the probe sends them as they are."""
    entries: dict[str, dict[str, Any]]
    arrays: tuple[bytes, ...]


def encode_tables(tables: dict[str, Value]) -> Tables:
    """``tables`` encoded for :meth:`Session.run`."""
    entries, arrays = runner.export(tables, math.inf, np)
    return Tables(entries, tuple(arrays))


NO_TABLES = encode_tables({})


def _ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, …, 11th, 12th, 13th, 21st."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


class Session:
    """One sandbox at a time for one workdir, restarted after any failure.

    The session's clock starts when it is created; once ``total_seconds`` have passed every probe
    gets "timeout" at once. A sandbox that fails to start (its probe modules or the student's
    package end the process or hang while importing) fails every later probe the same way.
    ``errors`` maps each probe module that raised while it was imported to the error's
    ``{"type", "message", "traceback"}``; its probes are missing from :meth:`names`.

    ``open_box(workdir, files, output)`` is the engine's: it returns the session's :class:`Box`,
    given the workdir, the probe and support files to install and the session's
    :class:`CappedOutput` streams.
    """
    errors: dict[str, dict[str, Any]]

    def __init__(self, limits: Limits, open_box: Callable[[Path, list[Path], dict[str, CappedOutput]], Box],
                 workdir: str | Path, probe_modules: Sequence[Path], support: Sequence[Path] = ()) -> None:
        self._limits = limits
        self._deadline = time.monotonic() + limits.total_seconds
        stems = [module.stem for module in [*probe_modules, *support]]
        if len(set(stems)) != len(stems) or {"probing", "runner", "launch"} & set(stems):
            raise ValueError(f"probe modules need distinct names other than probing, runner and launch, "
                             f"not {stems}")
        self._modules = [module.name for module in probe_modules]
        self._output = {name: CappedOutput(name, limits.output_bytes) for name in ("stdout", "stderr")}
        self._started, self._broken, self._call = False, None, 0
        self._registry, self.errors, self._seen = {}, {}, {}
        self._box = open_box(Path(workdir), [*probe_modules, *support], self._output)
        try:
            self._restart()
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ------------------------------------------------------------ public

    def names(self) -> dict[str, Registration]:
        """Probe name -> its :class:`Registration` (task id, check and weight), as registered in the sandbox
        ({} if it did not start)."""
        return dict(self._registry)

    def problem(self) -> str | None:
        """Why the sandbox registered no probe, in words: it did not start, or a probe module failed
        to import (its error); None when it started and every module imported."""
        if self._broken is not None:
            return self._broken[1]
        if self.errors:
            return "; ".join(error_text(error) for error in self.errors.values())
        return None

    def detected(self) -> list[str]:
        """What the sandbox's audit hook saw student code do, as sentences: "network access attempted
        (socket.connect, 3 times)". Best effort: code that tampers with its process can hide events."""
        return [f"{runner.WATCHED[event]} ({event}, {count} time{'s' * (count != 1)})"
                for event, count in sorted(self._seen.items())]

    def output(self) -> dict[str, str]:
        """{"stdout": text, "stderr": text}: the first ``output_bytes`` of each stream, all sandbox
        processes of the session together, with a note of how many bytes were dropped."""
        return {name: output.text() for name, output in self._output.items()}

    def run(self, name: str, tables: Tables = NO_TABLES, record: bool = False,
            enough: Callable[[dict[str, Value]], bool] | None = None) -> ProbeOutcome:
        """Run the probe ``name`` and return its :class:`ProbeOutcome`; never raises for anything the
        sandbox does. After a timeout, a crash or an invalid reply the sandbox is killed, and the next
        call starts a fresh one.

        tables: the :class:`Tables` the probe's stand-ins answer from (``probing.TABLES``), recorded
        by the reference's run of the same probe; record: whether its stand-ins record what the code
        they stand in for answers, into values named ``probing.TABLE_PREFIX…`` (the reference's run).
        enough: whether the values of a checkpoint (``probing.checkpoint``) are enough for the verdict:
        the probe is then told to stop, and its outcome holds them. Without it every checkpoint is
        answered "more". A probe that runs out of time or dies after a checkpoint is judged on its
        last one.
        """
        if self._box is None:
            raise RuntimeError("this session is closed")
        started = time.monotonic()
        progress: list[dict[str, Value]] = []     # each checkpoint's values
        enough_at: int | None = None              # the index of the one that was enough

        def outcome(status: str, message: str = "", values: dict[str, Value] | None = None) -> ProbeOutcome:
            return ProbeOutcome(name, status, values or {}, message, time.monotonic() - started,
                                tuple(progress))

        def stopped() -> ProbeOutcome:
            return outcome("ok", f"stopped at its {_ordinal(enough_at + 1)} checkpoint, which was enough "
                                 f"for the verdict", progress[enough_at])

        if self._broken is not None:
            return outcome(*self._broken)
        if name not in self._registry:
            if self.errors:     # a probe module imports the student's package: its errors come first
                failed = "; ".join(error_text(error) for error in self.errors.values())
                return outcome("error",
                               f"the code could not be imported, so {name!r} could not run: {failed}")
            return outcome("error", f"no probe called {name!r} is registered in the sandbox")
        if started >= self._deadline:
            return outcome("timeout", self._total_exhausted())
        if self._started and not self._idle():
            self._stop()
        if not self._started and not self._restart():
            return outcome(*self._broken)
        try:
            self._call += 1
            deadline = time.monotonic() + self._limits.probe_seconds
            self._send({"call": self._call, "probe": name, "record": record, "tables": tables.entries},
                       tables.arrays, deadline)
            reply = self._receive(deadline, "the probe")
            while True:
                while type(reply.get("call")) is int and reply["call"] < self._call:   # stale, forged
                    reply = self._receive(deadline, "the probe")
                self._note(reply)
                if reply.get("status") != "checkpoint" or reply.get("call") != self._call:
                    break
                progress.append(self._read_values(reply.get("values"), deadline))
                if len(progress) > MAX_CHECKPOINTS:
                    raise Failure("invalid", f"the probe sent more than {MAX_CHECKPOINTS} checkpoints")
                if enough_at is None and enough is not None and enough(progress[-1]):
                    enough_at = len(progress) - 1
                self._send({"call": self._call, "more": enough_at is None}, (), deadline)
                reply = self._receive(deadline, "the probe")
            if enough_at is not None:
                if reply.get("status") != "enough" or reply.get("call") != self._call:
                    self._stop()    # it went on after the grader's word: whatever it sent is not read
                return stopped()
            status, values, message = self._interpret(reply, deadline)
        except Failure as failure:
            self._stop()
            if enough_at is not None:
                return stopped()
            if progress and failure.status in ("timeout", "crashed"):
                return outcome("ok", f"{failure.message}; judged on its last checkpoint, the "
                                     f"{_ordinal(len(progress))}", progress[-1])
            return outcome(failure.status, failure.message)
        if status == "crashed":
            self._stop()
        return outcome(status, message, values)

    def close(self) -> None:
        """Stop the sandbox and close its box (files and uid given back). Idempotent."""
        if self._box is None:
            return
        self._stop()
        self._box.close()
        self._box = None

    # ------------------------------------------------------------ the sandbox's life

    def _start(self) -> None:
        """Start a sandbox and read its registry; raises Failure if it does not become ready within
        ``probe_seconds`` (and the session's time)."""
        config = {"modules": self._modules, "value_bytes": self._limits.value_bytes}
        deadline = min(time.monotonic() + self._limits.probe_seconds, self._deadline)
        self._requests, self._replies, self._ended = self._box.start(config, deadline)
        self._started, self._inbox = True, bytearray()
        waiting_for = "the sandbox's start (importing the probe modules and the student's package)"
        ready = self._receive(deadline, waiting_for)
        self._note(ready)
        self._registry, self.errors = self._check_ready(ready)

    def _restart(self) -> bool:
        """Start a sandbox; if it fails, stop it and mark the session broken: every later probe gets
        the same outcome. Returns whether it started."""
        try:
            self._start()
            return True
        except Failure as failure:
            self._stop()
            self._broken = (failure.status, f"the sandbox did not start: {failure.message}")
            return False

    def _stop(self) -> None:
        """Kill every process of the sandbox and close its descriptors."""
        self._box.stop()
        self._started = False

    # ------------------------------------------------------------ the protocol

    def _total_exhausted(self) -> str:
        """The "timeout" message once the session's time is used up."""
        return f"the session's total time limit of {self._limits.total_seconds:g} s is used up"

    def _send(self, message: dict[str, Any], arrays: Sequence[bytes], deadline: float) -> None:
        """Write a request and the frames of its ``arrays`` (bytes) by ``deadline``; a sandbox that
        does not take them (a closed pipe, or one it does not read) is a failure."""
        data = b"".join([runner.encode(message), *(runner.HEADER.pack(len(a)) + a for a in arrays)])
        view = memoryview(data)
        while view:
            try:
                view = view[os.write(self._requests, view):]
                continue
            except BlockingIOError:
                pass
            except BrokenPipeError:
                break
            remaining = min(deadline, self._deadline) - time.monotonic()
            if remaining <= 0 or not select.select([], [self._requests], [], remaining)[1]:
                break
        if view:
            if self._exited(EXIT_GRACE_SECONDS):
                raise Failure("crashed", self._death())
            raise Failure("invalid", "the sandbox stopped taking requests (student code closed or filled "
                                      "the grader's pipe?)")

    def _exited(self, timeout: float = 0.0) -> bool:
        """Whether the sandbox has ended (waiting up to ``timeout`` seconds)."""
        return bool(select.select([self._ended], [], [], timeout)[0])

    def _death(self) -> str:
        """The "crashed" message for a sandbox that has ended."""
        return self._box.ending()

    def _idle(self) -> bool:
        """Whether the sandbox is as it should be between probes: alive, with nothing unread from it."""
        return not self._inbox and not select.select([self._replies, self._ended], [], [], 0)[0]

    def _receive(self, deadline: float, waiting_for: str) -> dict[str, Any]:
        """The next message from the sandbox, decoded; raises Failure as :meth:`_receive_frame` does
        and on a frame that is no JSON object."""
        body = self._receive_frame(deadline, waiting_for, runner.MAX_MESSAGE)
        try:
            message = json.loads(body)
        except (ValueError, RecursionError):
            raise Failure("invalid", "the sandbox sent a malformed message (not JSON)") from None
        if not isinstance(message, dict):
            raise Failure("invalid", "the sandbox sent a malformed message (not a JSON object)")
        return message

    def _receive_frame(self, deadline: float, waiting_for: str, limit: int) -> bytes:
        """The bytes of the next frame from the sandbox; raises Failure on a timeout (at ``deadline``
        or the session's end; ``waiting_for`` names what did not finish), on the sandbox's end and on
        a frame over ``limit`` bytes."""
        deadline, ended = min(deadline, self._deadline), False
        while (frame := self._next_frame(limit)) is None:
            if ended:
                raise Failure("crashed", self._death())
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                if deadline >= self._deadline:
                    raise Failure("timeout", self._total_exhausted())
                raise Failure("timeout", f"{waiting_for} did not finish within its time limit of "
                                          f"{self._limits.probe_seconds:g} s")
            readable = select.select([self._replies, self._ended], [], [], remaining)[0]
            if self._replies in readable:
                if self._read_replies(limit) == b"":   # the pipe's end: nothing more will come
                    if not self._exited(EXIT_GRACE_SECONDS):
                        raise Failure("invalid", "the sandbox closed its reply pipe (student code closed "
                                                  "the grader's file descriptors?)")
                    ended = True
            elif readable:                             # the sandbox ended: take what it wrote before
                self._read_replies(limit)
                ended = True
        return frame

    def _read_replies(self, limit: int) -> bytes | None:
        """Move what the reply pipe holds into the inbox, up to a frame of ``limit`` bytes beyond what
        it holds; b"" at its end, None when nothing is there."""
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
            if len(self._inbox) > runner.HEADER.size + limit:
                return received

    def _next_frame(self, limit: int) -> bytes | None:
        """Take one complete frame from the inbox, or None; raises Failure on a header over ``limit``."""
        if len(self._inbox) < runner.HEADER.size:
            return None
        (size,) = runner.HEADER.unpack_from(self._inbox)
        if size > limit:
            raise Failure("invalid", f"the sandbox sent a malformed message (a header of {size:,} bytes, "
                                     f"over the limit of {limit:,})")
        end = runner.HEADER.size + size
        if len(self._inbox) < end:
            return None
        frame, self._inbox = bytes(self._inbox[runner.HEADER.size:end]), self._inbox[end:]
        return frame

    def _note(self, message: dict[str, Any]) -> None:
        """Count the watched audit events a message reports; anything else in its notes is ignored."""
        notes = message.get("notes")
        for event, count in (notes.items() if isinstance(notes, dict) else ()):
            if event in runner.WATCHED and type(count) is int and count > 0:
                self._seen[event] = min(self._seen.get(event, 0) + count, 10**9)

    def _check_ready(self,
                     message: dict[str, Any]) -> tuple[dict[str, Registration], dict[str, dict[str, Any]]]:
        """The registry and import errors of a "ready" message, checked."""
        ready = message.get("ready")
        if not isinstance(ready, dict) or not isinstance(ready.get("probes"), dict) \
                or not isinstance(ready.get("errors"), dict):
            raise Failure("invalid", "the sandbox's first message is not its registry")
        probes, errors = {}, ready["errors"]
        for name, entry in ready["probes"].items():
            task, check, weight = entry if isinstance(entry, list) and len(entry) == 3 else (None, None, None)
            if not runner.NAME.fullmatch(name) or not isinstance(task, str) or not 0 < len(task) <= 64 \
                    or check not in probing.CHECKS or isinstance(weight, bool) \
                    or not isinstance(weight, (int, float)) or not 0 < weight <= probing.MAX_WEIGHT:
                raise Failure("invalid", f"the sandbox registered a probe with a bad name, task, check or "
                                          f"weight: {name!r:.80}")
            probes[name] = Registration(task, check, weight)
        if not all(isinstance(module, str) and isinstance(error, dict) for module, error in errors.items()):
            raise Failure("invalid", "the sandbox reported import errors in a bad format")
        return probes, {clipped_text(module, 100): error for module, error in errors.items()}

    def _interpret(self, reply: dict[str, Any], deadline: float) -> tuple[str, dict[str, Value], str]:
        """(status, values, message) of a reply to the current call, its arrays read by ``deadline``;
        raises Failure on anything else."""
        if reply.get("call") != self._call:
            raise Failure("invalid", "the sandbox answered out of turn (a forged or stale reply)")
        status = reply.get("status")
        if status == "ok":
            return "ok", self._read_values(reply.get("values"), deadline), ""
        if status == "error":
            return "error", {}, error_text(reply.get("error"))
        if status == "exit":
            return "crashed", {}, f"{error_text(reply.get('error'))}\n(it ended the sandbox process)"
        if status == "invalid":
            return "invalid", {}, clipped_text(reply.get("message"))
        raise Failure("invalid", f"the sandbox sent a reply of unknown status {clipped_text(status, 40)!r}")

    def _read_values(self, entries: object, deadline: float) -> dict[str, Value]:
        """The values of an "ok" reply, checked: scalars as they are, and arrays from the frames that
        follow the reply, whose declared sizes must fit in ``value_bytes`` before any is read."""
        if not isinstance(entries, dict) or len(entries) > runner.MAX_VALUES:
            raise Failure("invalid", f"a probe's values must be a dict of at most {runner.MAX_VALUES} "
                                     f"entries")
        budget = self._limits.value_bytes
        for name, entry in entries.items():
            if not runner.NAME.fullmatch(name):
                raise Failure("invalid", f"the value name {name[:80]!r} is not an identifier")
            if not isinstance(entry, dict) or len(entry) != 1 or not entry.keys() <= {"value", "array"}:
                raise Failure("invalid", f"value {name!r} is malformed in the reply")
            size = entry.get("array", 0)
            if type(size) is not int or size < 0:
                raise Failure("invalid", f"value {name!r} declares a bad array size")
            budget -= size
            if budget < 0:
                raise Failure("invalid", f"the probe's values total more than the limit of "
                                         f"{self._limits.value_bytes:,} bytes (at value {name!r})")
        values = {}
        for name, entry in entries.items():
            if "value" in entry:
                values[name] = scalar(name, entry["value"])
                continue
            data = self._receive_frame(deadline, "sending the probe's values", entry["array"])
            if len(data) != entry["array"]:
                raise Failure("invalid", f"value {name!r}: its array is {len(data):,} bytes, not the "
                                         f"{entry['array']:,} declared")
            values[name] = decode_npy(name, data)
        return values
