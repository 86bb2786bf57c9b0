"""Verdicts: the grader-side half of a test.

A probe runs inside the sandbox and returns plain values; a verdict, computed
here from those values and from the reference's values for the same probe,
decides the credit. Nothing the sandbox returns is trusted: a value that is
missing, of the wrong kind, shape or dtype, or not finite where the
reference's is, fails with a message saying so.

Messages of hidden probes never show the reference's values: they name the
value, the worst index and the size of the error only.
"""
from dataclasses import dataclass

import numpy

RELATIVE_FLOOR = 1e-12     # the relative error's denominator never drops below this


@dataclass(frozen=True)
class Verdict:
    """The credit a probe earns, a fraction in [0, 1], and the feedback that explains it."""
    credit: float
    message: str

    @property
    def passed(self):
        return self.credit == 1.0


PASSED = Verdict(1.0, "passed")


def same_as_reference(actual, expected, rtol, atol, show_values=False):
    """Full credit when every value the reference returned is matched, else none.

    actual, expected: {name: numpy array | number | bool | str | None}, the student's
        probe values and the reference's.
    Arrays match when their shapes agree, their dtype kinds agree (floats may differ
    in precision only if the reference's are floats too), NaN and ±inf sit at the
    same places, and |a − e| ≤ atol + rtol·|e| holds everywhere else. Scalars of
    number type compare the same way; strings, bools and None must be equal.
    ``show_values``: name the expected value in the message (public probes only).
    """
    for name in expected:
        if name not in actual:
            return Verdict(0.0, f"{name}: missing from the probe's values")
        problem = _difference(name, actual[name], expected[name], rtol, atol, show_values)
        if problem:
            return Verdict(0.0, problem)
    return PASSED


def _difference(name, actual, expected, rtol, atol, show_values):
    """A sentence describing how ``actual`` differs from ``expected``, or "" when it matches."""
    if expected is None or isinstance(expected, (str, bool)):
        if actual == expected and type(actual) is type(expected):
            return ""
        return f"{name}: expected {expected!r}, got {actual!r}" if show_values else f"{name}: wrong value"
    expected = numpy.asarray(expected)
    if isinstance(actual, (str, bool)) or actual is None:
        return f"{name}: expected a number or an array, got {type(actual).__name__}"
    actual = numpy.asarray(actual)
    if actual.shape != expected.shape:
        return f"{name}: shape {actual.shape}, expected {expected.shape}"
    if actual.dtype.kind not in "biuf":
        return f"{name}: dtype {actual.dtype} is not numeric"
    if (expected.dtype.kind == "f") != (actual.dtype.kind == "f"):
        kind = "float" if expected.dtype.kind == "f" else "integer"
        return f"{name}: dtype {actual.dtype}, expected a {kind} dtype"
    if expected.dtype.kind != "f":
        mismatch = actual != expected
        if not mismatch.any():
            return ""
        index = _first(mismatch)
        detail = f" (expected {expected[index].item()!r})" if show_values else ""
        return f"{name}: differs at index {index}: {actual[index].item()!r}{detail}"
    actual, expected = actual.astype(numpy.float64), expected.astype(numpy.float64)
    finite = numpy.isfinite(expected)
    special = (~finite & ~((actual == expected) | (numpy.isnan(actual) & numpy.isnan(expected))))
    special |= finite & ~numpy.isfinite(actual)
    if special.any():
        index = _first(special)
        detail = f", expected {expected[index].item()!r}" if show_values else ""
        return f"{name}: {actual[index].item()!r} at index {index}{detail}"
    actual, expected = numpy.where(finite, actual, 0.0), numpy.where(finite, expected, 0.0)
    error = numpy.abs(actual - expected)
    allowed = atol + rtol * numpy.abs(expected)
    if (error <= allowed).all():
        return ""
    relative = error / numpy.maximum(numpy.abs(actual) + numpy.abs(expected), RELATIVE_FLOOR)
    index = _first(relative == relative[error > allowed].max())
    detail = f" (got {actual[index].item()!r}, expected {expected[index].item()!r})" if show_values else ""
    return (f"{name}: differs from the reference at index {index} by a relative error of "
            f"{relative[index]:.1e}{detail}; the tolerance is rtol={rtol:g}, atol={atol:g}")


def _first(mask):
    """The first index where ``mask`` is true, as a tuple (``()`` for a 0-d mask)."""
    return tuple(int(i) for i in numpy.argwhere(mask)[0]) if mask.ndim else ()


def accuracy(predictions, labels, curve):
    """Credit for predicted classes along an :class:`~autograder.course.AccuracyCurve`.

    predictions: (N,) integer classes from the probe; labels: (N,) the true classes,
    which only the grader holds.
    """
    predictions = numpy.asarray(predictions)
    if predictions.shape != labels.shape or predictions.dtype.kind not in "iu":
        return Verdict(0.0, f"predictions: expected {labels.shape[0]} integer classes, got an array of shape "
                            f"{predictions.shape} and dtype {predictions.dtype}")
    score = float((predictions == labels).mean())
    credit = curve.credit(score)
    (low, _), (high, _) = curve.points[0], curve.points[-1]
    return Verdict(credit, f"test accuracy {score:.2%}: {credit:.0%} of the points "
                           f"(credit from {low:.0%}, full credit from {high:.0%})")
