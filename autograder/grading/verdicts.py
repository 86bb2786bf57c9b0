"""Verdicts: the grader-side half of a test.

A probe runs inside the sandbox and returns plain values; a verdict, computed
here from those values and from the reference's values for the same probe,
decides the credit. Nothing the sandbox returns is trusted: a value that is
missing, of the wrong kind, shape or dtype, or not finite where the
reference's is, fails with a message saying so.

Messages of hidden probes never show the reference's values: they name the
value, the worst index and the size of the error only. A gradient check compares
two values of the student's own (an analytic gradient and central differences of
the student's forward), so its message shows both.
"""
import re
from dataclasses import dataclass

import numpy

from autograder.sandbox.harness.finite_differences import mismatch


@dataclass(frozen=True)
class Verdict:
    """The credit a probe earns, a fraction in [0, 1], the feedback that explains it, and a flag
    for the staff ("" for none): why the result deserves a review by hand, which students never see."""
    credit: float
    message: str
    flag: str = ""

    @property
    def passed(self):
        return self.credit == 1.0


PASSED = Verdict(1.0, "passed")


# The loosest tolerance each floating dtype needs, (rtol, atol): torch.testing.assert_close's
# defaults. One rounding of a float32 is 6e-8 relative (float32's ε/2); a sum, a product of matrices
# or an exp computed in another order differs by a few such roundings, far below 1.3e-6.
DTYPE_TOLERANCES = {"float16": (1e-3, 1e-5), "float32": (1.3e-6, 1e-5)}
SHAPE_IN_NAME = re.compile(r"s\d+(x\d+)*")   # a shape in a value name: s2x3 is (2, 3)


def tolerances_for(dtype, rtol, atol):
    """(rtol, atol) for comparing values of the reference's ``dtype``: the assignment's own, which
    are meant for float64, made no tighter than that dtype's precision allows (DTYPE_TOLERANCES)."""
    least = DTYPE_TOLERANCES.get(numpy.dtype(dtype).name)
    return (rtol, atol) if least is None else (max(rtol, least[0]), max(atol, least[1]))


def same_as_reference(actual, expected, rtol, atol, show_values=False):
    """Full credit when every value the reference returned is matched, else none.

    actual, expected: {name: numpy array | number | bool | str | None}, the student's
        probe values and the reference's.
    Arrays match when their shapes agree, their dtype kinds agree (floats may differ
    in precision only if the reference's are floats too), NaN and ±inf sit at the
    same places, and everywhere else

        |a − e| ≤ atol · max(1, max |e|) + rtol · |e|

    with (rtol, atol) from :func:`tolerances_for` the reference's dtype: the absolute part scales
    with the array's largest value, since rounding errors scale with the terms summed, not with a
    result that cancels to near zero. Scalars of number type compare the same way; strings, bools
    and None must be equal. ``show_values``: name the expected value in the message (public probes).
    """
    for name in expected:
        if name not in actual:
            return Verdict(0.0, f"{words(name)}: missing from the probe's values")
        problem = _difference(words(name), actual[name], expected[name], rtol, atol, show_values)
        if problem:
            return Verdict(0.0, problem)
    return PASSED


def words(name):
    """A probe's value name as a student reads it: "getitem_with_a_repeated_list_index" →
    "getitem with a repeated list index"; a part that writes a shape as "s" and its sizes joined by
    "x" reads as the shape: "pow3_of_s3x2" → "pow3 of (3, 2)", "sum_of_s5" → "sum of (5,)"."""
    return " ".join(_shape_in_words(part) for part in name.split("_"))


def _shape_in_words(part):
    """"s2x3" → "(2, 3)", "s5" → "(5,)"; any other part as it is."""
    if not SHAPE_IN_NAME.fullmatch(part):
        return part
    return str(tuple(int(size) for size in part[1:].split("x")))


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
    rtol, atol = tolerances_for(expected.dtype, rtol, atol)
    dtype = expected.dtype.name
    actual, expected = actual.astype(numpy.float64), expected.astype(numpy.float64)
    finite = numpy.isfinite(expected)
    special = (~finite & ~((actual == expected) | (numpy.isnan(actual) & numpy.isnan(expected))))
    special |= finite & ~numpy.isfinite(actual)
    if special.any():
        index = _first(special)
        detail = f", expected {expected[index].item()!r}" if show_values else ""
        where = " where a finite value is expected" if finite[index] else ""
        return f"{name}: {actual[index].item()!r} at index {index}{where}{detail}"
    actual, expected = numpy.where(finite, actual, 0.0), numpy.where(finite, expected, 0.0)
    error = numpy.abs(actual - expected)
    allowed = atol * max(1.0, float(numpy.abs(expected).max(initial=0.0))) + rtol * numpy.abs(expected)
    if (error <= allowed).all():
        return ""
    excess = error / allowed
    index = _first(excess == excess.max())
    detail = f" (got {actual[index].item()!r}, expected {expected[index].item()!r})" if show_values else ""
    return (f"{name}: differs from the reference at index {index}{detail}: the error there is "
            f"{excess[index]:.3g} times what the tolerance for {dtype} values allows "
            f"(rtol={rtol:g}, atol={atol:g})")


def _first(mask):
    """The first index where ``mask`` is true, as a tuple (``()`` for a 0-d mask)."""
    return tuple(int(i) for i in numpy.argwhere(mask)[0]) if mask.ndim else ()


PAIRS = {    # check -> (the value under test, the value it must match, what that one is)
    "gradient": ("analytic", "numerical", "central differences of the forward"),
    "modes": ("reverse", "forward", "forward mode"),
}


def consistent(values, check, tolerance):
    """Full credit when every pair of the probe's values of a gradient check agrees, else none.

    values: the probe's values, holding the pair ``PAIRS[check]``, e.g. ``analytic`` (a backward
    rule's gradients) and ``numerical`` (central differences), float arrays of one shape; or
    several pairs with a common suffix, ``analytic_bias`` and ``numerical_bias``, so that a
    message names the case. A pair agrees when every relative error
    |a − n| / max(floor, |a| + |n|) is at most ``tolerance``.
    """
    tested, against, meaning = PAIRS[check]
    suffixes = sorted(name[len(tested):] for name in values
                      if name.startswith(tested) and (name == tested or name[len(tested)] == "_"))
    for suffix in suffixes or [""]:
        pair = (tested + suffix, against + suffix)
        for name in pair:
            value = values.get(name)
            if not isinstance(value, (int, float, numpy.ndarray)) or isinstance(value, bool) \
                    or numpy.asarray(value).dtype.kind not in "iuf":
                return Verdict(0.0, f"{name}: expected an array of numbers, got {type(value).__name__}")
        problem = mismatch(values[pair[0]], values[pair[1]], tolerance, names=(tested, against))
        if problem is not None:
            case = f"{words(suffix[1:])}: " if suffix else ""
            return Verdict(0.0, f"{case}{tested} disagrees with {against} ({meaning}): {problem}")
    return PASSED


def made_by_rules(values):
    """A probe's values without central differences (``numerical``, ``numerical_*``).

    Central differences are the student's own check of their rules, judged by :func:`consistent`
    at the gradient check's tolerance; compared with the reference's central differences they
    would fail correct code whose forward rounds differently, since a step of ε magnifies rounding
    by 1/ε. Every other value (the rules' results, the forward's) is compared with the reference's.
    """
    return {name: value for name, value in values.items()
            if not (name == "numerical" or name.startswith("numerical_"))}


def exact_rules(values, expected, rtol):
    """Full credit when the values of a gradient check that come from rules (:func:`made_by_rules`)
    match the reference's float64 arrays to
    ``rtol`` of each array's scale: |a − e| ≤ rtol · max |e|. Else none.

    Two float64 implementations of one rule agree to a few units in the last place, however their
    operations are ordered; a derivative computed numerically (central differences) agrees only to
    about 1e-10, inside the looser tolerance of :func:`same_as_reference`. This check tells them apart.
    """
    for name, wanted in made_by_rules(expected).items():
        got = values.get(name)
        if not isinstance(wanted, numpy.ndarray) or wanted.dtype != numpy.float64 \
                or not isinstance(got, numpy.ndarray) or got.shape != wanted.shape:
            continue
        finite = numpy.isfinite(wanted) & numpy.isfinite(got)
        if not finite.any():
            continue
        scale = numpy.abs(wanted[finite]).max()
        error = numpy.abs(got[finite] - wanted[finite]).max() / (scale if scale > 0 else 1)
        if error > rtol:
            return Verdict(0.0, f"{words(name)}: agrees with the reference's rule only to a relative {error:.1e}, "
                                f"where the rule's formula gives {rtol:g} or better: is it computed "
                                f"numerically (finite differences) rather than by the rule?")
    return PASSED


def public(values, expected):
    """Credit for a file of public tests: the fraction of the reference's passing tests that pass.

    values, expected: {"passed": int, "failed": int, "failures": str} of the student's run and of
    the reference's (see autograder/sandbox/harness/public_tests.py); the failures are shown as they
    are, since students see the same ones when they run pytest.
    """
    total, passed = expected["passed"], values.get("passed")
    if not isinstance(passed, int) or isinstance(passed, bool) or not total:
        return Verdict(0.0, "the public tests did not report a number of passing tests")
    passed = min(max(passed, 0), total)
    failures = values.get("failures") if isinstance(values.get("failures"), str) else ""
    message = f"{passed} of {total} public tests passed" + (f"\n{failures}" if failures else "")
    return Verdict(passed / total, message if passed < total else PASSED.message)


BOUNDS = {"at_least": (numpy.greater_equal, "less than"), "at_most": (numpy.less_equal, "more than")}


def threshold(values, bounds):
    """Full credit when each value named in ``bounds`` ({name: {"at_least" | "at_most": bound}}, the
    task's ``[tasks.thresholds]``) is a finite number within its bound, else none. The bounds come
    from the assignment, never from the sandbox; the reference must meet them too."""
    for name, bound in bounds.items():
        value = values.get(name)
        if isinstance(value, bool) or not isinstance(value, (int, float, numpy.number)) \
                or not numpy.isfinite(value):
            return Verdict(0.0, f"{words(name)}: expected a finite number, got {_kind(value)}")
        for side, limit in bound.items():
            holds, falls = BOUNDS[side]
            if not holds(value, limit):
                return Verdict(0.0, f"{words(name)} is {value:.4g}, {falls} the {limit:g} required")
    return PASSED


def _kind(value):
    return repr(value) if isinstance(value, (bool, float, int)) or value is None else type(value).__name__


def predictions_problem(predictions, labels):
    """Why ``predictions`` cannot be scored against ``labels`` ((N,) classes 0 … C−1), or None: they
    must be N integer classes in the same range."""
    if not isinstance(predictions, numpy.ndarray) or predictions.shape != labels.shape \
            or predictions.dtype.kind not in "iu":
        got = (f"an array of shape {predictions.shape} and dtype {predictions.dtype}"
               if isinstance(predictions, numpy.ndarray) else type(predictions).__name__)
        return f"predictions: expected {labels.shape[0]} integer classes, got {got}"
    if predictions.size and not 0 <= predictions.min() <= predictions.max() <= labels.max():
        return f"predictions: classes must lie in 0 … {labels.max()}"
    return None


SUSPICIOUS_GAP = 0.05    # accuracy on the unperturbed copies beyond that on the perturbed images


def accuracy(predictions, labels, curve, scored=None, suspicious_above=None):
    """Credit for predicted classes along an :class:`~autograder.course.model.AccuracyCurve`.

    predictions: (N,) integer classes from the probe; labels: (N,) the true classes, which only
    the grader holds; scored: (N,) bool, the images that count (default: all). The others are
    unperturbed copies of test images (:mod:`autograder.grading.heldout`): when the predictions are better
    on them by more than SUSPICIOUS_GAP, the answers were looked up rather than computed by a
    network, and the verdict's flag says so for the staff to review; so it does for an accuracy
    above ``suspicious_above`` (the task's ``[tasks.accuracy] suspicious_above``: more than the
    course's networks reach within its budgets), which answers looked up despite the perturbation
    would reach.
    """
    problem = predictions_problem(predictions, labels)
    if problem:
        return Verdict(0.0, problem)
    scored = numpy.ones(len(labels), bool) if scored is None else scored
    right = predictions == labels
    score = float(right[scored].mean())
    credit = curve.credit(score)
    (low, _), (high, _) = curve.points[0], curve.points[-1]
    message = (f"test accuracy {score:.2%}: {credit:.0%} of the points (credit from {low:.0%}, full credit "
               f"from {high:.0%})")
    flag = ""
    if not scored.all() and (copies := float(right[~scored].mean())) - score > SUSPICIOUS_GAP:
        flag = (f"SUSPICIOUS: {copies:.2%} on unperturbed copies of the test images, against {score:.2%} on "
                f"the perturbed ones; a trained network scores the same on both, answers looked up by the "
                f"public test images do not")
    elif suspicious_above is not None and score > suspicious_above:
        flag = (f"SUSPICIOUS: above {suspicious_above:.0%}, beyond what networks trained within this "
                f"course's budgets reach")
    return Verdict(credit, message, flag)


MIN_ATTACKED = 1000          # test images an attack probe must attack, at least
MIN_CLEAN_ACCURACY = 0.75    # the attacked network must be a real classifier


def attack(values, held_out, epsilon, max_accuracy):
    """Full credit when adversarial images fool the probe's network, else none.

    values: the probe's ``adversarial`` (n, ...) floats, attacks on the first n of the held-out
        images in pixel units [0, 1], and the network it attacked, which the held-out set's
        ``classifier(values)`` turns into a function from such pixels to classes
        (:mod:`autograder.grading.heldout`).
    The grader evaluates the network itself: on the clean images it must reach
    MIN_CLEAN_ACCURACY; every adversarial pixel must lie in [0, 1] within ``epsilon`` of its
    clean pixel; and the accuracy on the adversarial images must be at most ``max_accuracy``.
    """
    images, labels = held_out.images, held_out.labels
    adversarial = values.get("adversarial")
    is_array = isinstance(adversarial, numpy.ndarray) and adversarial.ndim == images.ndim
    count = len(adversarial) if is_array else 0
    if not MIN_ATTACKED <= count <= len(images) or adversarial.shape[1:] != images.shape[1:] \
            or adversarial.dtype.kind != "f":
        expected = ", ".join(map(str, images.shape[1:]))
        return Verdict(0.0, f"adversarial: expected ({MIN_ATTACKED} … {len(images)}, {expected}) floats, got "
                            f"{getattr(adversarial, 'shape', type(adversarial).__name__)}")
    clean = images[:count].astype(numpy.float64) / 255
    distance = numpy.abs(adversarial - clean)
    if not (numpy.isfinite(adversarial).all() and (distance <= epsilon + 1e-5).all()
            and (adversarial >= -1e-6).all() and (adversarial <= 1 + 1e-6).all()):
        return Verdict(0.0, f"adversarial: every pixel must stay in [0, 1] and within ε = {epsilon:g} of the "
                            f"image; the largest change is {numpy.nanmax(distance):.4g}")
    try:
        classify = held_out.classifier(values)
    except ValueError as problem:
        return Verdict(0.0, str(problem))
    clean_accuracy = float((classify(clean) == labels[:count]).mean())
    attacked_accuracy = float((classify(adversarial) == labels[:count]).mean())
    summary = (f"the network scores {clean_accuracy:.1%} on the clean images and {attacked_accuracy:.1%} "
               f"on the adversarial ones (ε = {epsilon:g})")
    if clean_accuracy < MIN_CLEAN_ACCURACY:
        return Verdict(0.0, f"{summary}; the attacked network must first score at least "
                            f"{MIN_CLEAN_ACCURACY:.0%} on clean images")
    if attacked_accuracy > max_accuracy:
        return Verdict(0.0, f"{summary}; the attack must bring it to {max_accuracy:.0%} or below")
    return Verdict(1.0, summary)
