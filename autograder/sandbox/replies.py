"""What comes back from a sandbox, checked before the grader uses it: a probe's :class:`ProbeOutcome`,
a probe module's :class:`Registration`, and the scalars, arrays (``.npy`` without pickles) and error
texts of a reply. Anything that breaks the rules raises :class:`~autograder.sandbox.box.Failure`
("invalid")."""
import io
import math
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from autograder.sandbox.box import Failure
from autograder.sandbox.harness import runner


# A value a probe returns under a name: an array of booleans, integers or floats, or a scalar.
Value = np.ndarray | bool | int | float | str | None


@dataclass(frozen=True)
class ProbeOutcome:
    """What became of one probe.

    status:  "ok" | "error" (the probe raised) | "timeout" | "crashed" (the process died) |
             "invalid" (a reply or value that breaks the protocol's rules)
    values:  name -> numpy array (bool, integer or float dtype) or bool/int/float/str/None; only for "ok"
    message: for "error", "Type: message" and the last frames in the student's files; otherwise a sentence
    seconds: wall-clock time of the call, a restart of the sandbox included
    progress: the values of each checkpoint the probe sent (``probing.checkpoint``), in order; an "ok"
             outcome ended by them holds the checkpoint judged last as its values, and a message
             that says why
    """
    name: str
    status: str
    values: dict[str, Value] = field(default_factory=dict)
    message: str = ""
    seconds: float = 0.0
    progress: tuple[dict[str, Value], ...] = ()


class Registration(NamedTuple):
    """What a probe module declared for one probe: ``@probe(task, check, weight)``."""
    task: str
    check: str
    weight: float


def clipped_text(value: object, limit: int = runner.MAX_STRING) -> str:
    """``value`` if it is a str (clipped to ``limit``), else its type in words: for the sandbox's messages."""
    if not isinstance(value, str):
        return f"(not text: {type(value).__name__})"
    return runner.clip(value, limit)


def error_text(error: object) -> str:
    """The message of an "error" outcome from the reply's ``error`` object (checked, clipped)."""
    if not isinstance(error, dict):
        raise Failure("invalid", "the sandbox sent an error reply without its description")
    lines = error.get("traceback")
    lines = lines[-runner.MAX_TRACEBACK:] if isinstance(lines, list) else []
    head = f"{clipped_text(error.get('type'), 100)}: {clipped_text(error.get('message'))}"
    return "\n".join([head, *(f"  {clipped_text(line, 300)}" for line in lines)])


def scalar(name: str, value: object) -> bool | int | float | str | None:
    """A checked scalar value of a reply: bool, int (64 bits), float (NaN and inf allowed), str or None."""
    if value is None or isinstance(value, (bool, float)):
        return value
    if isinstance(value, int) and -2**63 <= value < 2**64:
        return value
    if isinstance(value, str) and len(value) <= runner.MAX_STRING:
        return value
    raise Failure("invalid", f"value {name!r} is not an allowed scalar (bool, 64-bit int, float, short str "
                              f"or None)")


def decode_npy(name: str, data: bytes) -> np.ndarray:
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
        raise Failure("invalid", f"value {name!r} is not a valid .npy file ({type(error).__name__})") \
            from None
    if dtype.kind not in runner.ARRAY_KINDS or dtype.fields is not None or dtype.subdtype is not None:
        raise Failure("invalid", f"value {name!r} is an array of dtype {dtype}; allowed are arrays of "
                                  f"booleans, integers and floats")
    if stream.tell() + math.prod(shape) * dtype.itemsize != len(data):
        raise Failure("invalid", f"value {name!r}: its .npy file's size does not match its shape {shape}")
    return np.load(io.BytesIO(data), allow_pickle=False)
