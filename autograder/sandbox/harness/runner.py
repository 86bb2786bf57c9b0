"""The unprivileged stage of the sandbox, the process in which student code runs, and the protocol
between it and the grader's :class:`~autograder.sandbox.session.Session`.

Standalone: it uses only the standard library and NumPy and never imports ``autograder``,
because it runs where the grader's files are hidden. ``launch.py`` starts it, isolated and
without privileges, as ``python runner.py serve CONFIG``: it imports NumPy, then ``probing`` and
the probe modules (and with them the student's package), reports the registry, then runs one
probe per request.
The protocol runs on two dedicated pipes (on this machine) or one Unix socket (from a
container), never on stdin/stdout/stderr. Every frame is a 4-byte big-endian length and that many
bytes; a message is a frame of UTF-8 JSON (:func:`encode`). Requests are
``{"call": n, "probe": name}``; replies are ``{"call": n, "status": ..., ...}`` with status

``ok``       ``"values"``: name -> ``{"value": scalar}`` or ``{"array": size}``; each array
             follows the reply, in order, as a frame of ``size`` bytes: a ``.npy`` file written
             with ``allow_pickle=False``;
``error``    ``"error"``: ``{"type", "message", "traceback"}``, the exception the probe raised;
``exit``     the same, for SystemExit or KeyboardInterrupt: the process then ends;
``invalid``  ``"message"``: the probe returned something that cannot be sent;
``enough``   the probe ended at the grader's word (below).

Before its reply, a probe may send checkpoints (``probing.checkpoint``): ``{"call": n, "status":
"checkpoint", "values": ...}`` and its arrays, as an "ok" reply. The grader answers each one with
``{"call": n, "more": bool}``; after ``false``, ``probing.checkpoint`` raises ``probing.Enough`` and
the probe's end is replied as ``enough``.

Every reply, and the ready message, also carries ``"notes"``: {audit event: times} of the
:data:`WATCHED` events (network access, programs, forks, signals, ctypes) that student code raised
since the last reply, seen by an audit hook (``sys.addaudithook``, which no code can remove). The
grader reports them as what it detected; student code could hide some by tampering with this
process, so they only ever inform, never score.

Student code shares this process and can forge any of it: the grader checks every reply.
"""
import contextlib
import importlib.util
import io
import json
import os
import re
import signal
import struct
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from types import ModuleType
from typing import Any

HEADER = struct.Struct(">I")         # the length of the JSON body that follows
MAX_MESSAGE = 1 << 20                # the largest JSON body either side accepts
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")   # of a probe or a value
MAX_VALUES = 1000                    # values one probe may return
MAX_STRING = 10_000                  # characters of a str value or an error message
MAX_TRACEBACK = 5                    # frames of the student's code shown with an error
ARRAY_KINDS = "biuf"                 # bool, signed and unsigned integers, floats
CHANNEL_LOST = 124                   # exit status of a runner whose channel student code closed
WATCHED = {                          # audit events worth a note in the report, and what they mean
    "socket.connect": "network access attempted", "socket.sendto": "network access attempted",
    "socket.getaddrinfo": "a network name looked up", "urllib.Request": "network access attempted",
    "subprocess.Popen": "a program started", "os.system": "a program started",
    "os.exec": "a program started", "os.posix_spawn": "a program started", "os.fork": "a process forked",
    "os.kill": "a signal sent", "os.killpg": "a signal sent",
    "ctypes.dlopen": "a C library loaded with ctypes",
}


def encode(message: dict[str, Any]) -> bytes:
    """One protocol message: the header and the compact JSON of ``message``."""
    body = json.dumps(message, separators=(",", ":")).encode()
    return HEADER.pack(len(body)) + body


class Invalid(Exception):
    """A probe's return value that cannot be sent; the message says why."""


class Channel:
    """The protocol's descriptors in the ``serve`` stage (two pipes, or one socket twice): blocking
    reads of requests, writes of replies."""

    def __init__(self, requests: int, replies: int) -> None:
        self.requests, self.replies = requests, replies

    def _read_exactly(self, size: int) -> bytes | None:
        """``size`` bytes of the request pipe, or None if it ends first."""
        data = b""
        while len(data) < size:
            chunk = os.read(self.requests, size - len(data))
            if not chunk:
                return None
            data += chunk
        return data

    def receive(self) -> Any:
        """The next request, or None once the grader has closed the pipe."""
        body = self._read_frame()
        return None if body is None else json.loads(body)

    def receive_tables(self, entries: dict[str, dict[str, Any]], numpy: ModuleType) -> dict[str, Any]:
        """{name: value} of a request's ``tables``: scalars as they are, arrays from the frames that
        follow the request (the grader's, so trusted; still read with ``allow_pickle=False``)."""
        tables = {}
        for name, entry in entries.items():
            tables[name] = entry["value"] if "value" in entry else \
                numpy.load(io.BytesIO(self._read_frame()), allow_pickle=False)
        return tables

    def _read_frame(self) -> bytes | None:
        """The body of the next frame, or None if the pipe ends first."""
        header = self._read_exactly(HEADER.size)
        return None if header is None else self._read_exactly(HEADER.unpack(header)[0])

    def send(self, message: dict[str, Any], arrays: Sequence[bytes] = ()) -> None:
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


def _load_module(name: str, path: str) -> ModuleType:
    """Import the file ``path`` as the module ``name`` (registered in sys.modules)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def clip(text: str, limit: int = MAX_STRING) -> str:
    """``text`` cut to at most ``limit`` characters at the end of a word, an ellipsis marking the
    cut; a word longer than half the limit is cut where the limit falls."""
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    space = cut.rstrip().rfind(" ")
    return (cut[:space].rstrip() if space > limit // 2 else cut) + "…"


def describe(error: BaseException, workdir: str, probes: str) -> dict[str, Any]:
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


def export(result: object, value_bytes: float,
           numpy: ModuleType) -> tuple[dict[str, dict[str, Any]], list[bytes]]:
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


def _flush_output() -> None:
    """Flush Python's buffered stdout and stderr, so that a probe's output leaves before its reply."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):   # a stream the student replaced or closed: theirs to lose
            stream.flush()


def _end_strays() -> None:
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
    def hook(cls, event: str, args: tuple[Any, ...]) -> None:
        if cls.active and event in WATCHED:
            cls.seen[event] = cls.seen.get(event, 0) + 1

    @classmethod
    @contextlib.contextmanager
    def student_code(cls) -> Iterator[None]:
        """Record while the block runs student code (a probe, or the import of the probe modules)."""
        cls.active = True
        try:
            yield
        finally:
            cls.active = False

    @classmethod
    def notes(cls) -> dict[str, int]:
        """{event: times} since the last call, for a reply."""
        notes, cls.seen = cls.seen, {}
        return notes


def _import_probes(config: dict[str, Any]) -> tuple[dict[str, tuple[str, str, float, Callable]],
                                                 dict[str, dict[str, Any]]]:
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


def _answer(call: int, probe: Callable[[], object], config: dict[str, Any], numpy: ModuleType,
            probing: ModuleType) -> tuple[dict[str, Any], Sequence[bytes]]:
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
    if isinstance(failure, probing.Enough):
        return {"call": call, "status": "enough"}, ()
    if isinstance(failure, Invalid):    # a checkpoint's values that cannot be sent
        return {"call": call, "status": "invalid", "message": str(failure)}, ()
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


class _Checkpoints:
    """``probing.CHECKPOINT`` for one call: sends each checkpoint, reads the grader's answer, and
    answers no more once the grader has said it has enough."""

    def __init__(self, channel: Channel, call: int, config: dict[str, Any], numpy: ModuleType) -> None:
        self.channel, self.call, self.config, self.numpy = channel, call, config, numpy
        self.more = True

    def __call__(self, values: dict[str, Any]) -> bool:
        if self.more:
            entries, arrays = export(values, self.config["value_bytes"], self.numpy)
            _flush_output()
            self.channel.send({"call": self.call, "status": "checkpoint", "values": entries,
                               "notes": _Watch.notes()}, arrays)
            answer = self.channel.receive()
            self.more = isinstance(answer, dict) and answer.get("more") is True
        return self.more


def serve(config: dict[str, Any]) -> None:
    """Import the probes, report ``{"ready": {"probes": {name: [task, check, weight]}, "errors":
    {module: error}}}``, then answer requests one by one until the grader closes the request pipe;
    end the process after an "exit" reply, and with :data:`CHANNEL_LOST` when the channel fails
    (student code closed or replaced its descriptors)."""
    try:
        _serve(config)
    except OSError:
        os._exit(CHANNEL_LOST)


def _serve(config: dict[str, Any]) -> None:
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
        probing.CHECKPOINT = _Checkpoints(channel, call, config, numpy)
        if name in probes:
            reply, arrays = _answer(call, probes[name][-1], config, numpy, probing)
        else:
            reply, arrays = {"call": call, "status": "invalid", "message": f"no probe called {name!r}"}, ()
        channel.send({**reply, "notes": _Watch.notes()}, arrays)
        if reply["status"] == "exit":
            os._exit(1)


if __name__ == "__main__":
    {"serve": serve}[sys.argv[1]](json.loads(sys.argv[2]))
