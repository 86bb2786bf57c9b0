"""Checks shared by the public tests of every assignment (one source: assignments/common/checks.py,
copied into each assignment's tests/ by `autograder release`; do not edit the copies).

Every expected value comes from closed-form math or from central finite
differences in float64 (finite_differences.py, which the grader uses too):

    ∂f/∂xᵢ ≈ (f(x + ε eᵢ) − f(x − ε eᵢ)) / 2ε        (error O(ε²))

The finite differences only ever run the *forward* of mytorch's operations,
so they are an independent check of the rules you write. A gradient check
passes when every relative error |a − n| / max(10⁻⁸, |a| + |n|) is at most
GRADCHECK_TOLERANCE; inputs with more than COORDINATE_LIMIT elements are
checked along random directions instead, by ⟨x̄, v⟩ = ⟨ȳ, J v⟩.

A failed check names the value, its shape, the worst index and the two values
there, never whole arrays. The checks hide their own frames from pytest's
tracebacks (``__tracebackhide__``), so a failure points at the test's line.
"""
import contextlib
import re

import numpy as np
import pytest

import mytorch
from finite_differences import EPS, inner_product_check, mismatch
from finite_differences import jvp as numerical_jvp
from finite_differences import vjp as numerical_vjp

GRADCHECK_TOLERANCE = 1e-6
COORDINATE_LIMIT = 64   # inputs larger than this are checked along random directions
RTOL = 1e-6    # tolerances of a comparison with finite differences (float64)
ATOL = 1e-8


def leaf(array, requires_grad=True):
    """A float64 leaf tensor (requiring a gradient by default) holding ``array``."""
    return mytorch.tensor(np.asarray(array, dtype=np.float64), requires_grad=requires_grad)


def const(array):
    """A float64 tensor that does not require a gradient."""
    return leaf(array, requires_grad=False)


def randn(shape, seed):
    """Standard normal float64 values of ``shape``, from a fixed seed."""
    return np.asarray(np.random.default_rng(seed).standard_normal(shape), dtype=np.float64)


def to_array(value):
    """The array of a tensor, or ``value`` as an array."""
    return value.data if isinstance(value, mytorch.Tensor) else np.asarray(value)


def as_tuple(grads):
    """A backward rule returns one array for one input, or a tuple: always a tuple here."""
    return grads if isinstance(grads, tuple) else (grads,)


def on_arrays(f):
    """``f`` (a function of tensors) as a function of float64 arrays, running forward only."""
    return lambda *arrays: np.asarray(f(*(const(a) for a in arrays)).data, dtype=np.float64)


def assert_close(actual, expected, what, rtol=RTOL, atol=ATOL):
    """``actual`` (array or tensor) has ``expected``'s shape, and each value is within
    atol + rtol·|expected| of expected's (NaN matches NaN, as in np.testing.assert_allclose);
    ``what`` names it in the message."""
    __tracebackhide__ = True
    expected = to_array(expected)
    assert actual is not None, f"{what}: got None, expected an array of shape {expected.shape}"
    if isinstance(actual, mytorch.Tensor):
        actual = actual.data
    assert hasattr(actual, "shape"), f"{what}: expected an array, got {type(actual).__name__}"
    assert tuple(actual.shape) == tuple(expected.shape), (
        f"{what}: shape {tuple(actual.shape)}, expected {tuple(expected.shape)}")
    problem = worst_difference(np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64),
                               rtol, atol)
    assert problem is None, f"{what}: {problem}"


def worst_difference(actual, expected, rtol, atol):
    """Why ``actual`` is not close to ``expected`` (float64 arrays of one shape), or None: how many
    values are wrong, and the worst of them (by its error over the error allowed there) with its
    index and both values."""
    wrong = ~np.isclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True)
    if not wrong.any():
        return None
    allowed = atol + rtol * np.abs(expected)
    with np.errstate(divide="ignore", invalid="ignore"):
        excess = np.nan_to_num(np.abs(actual - expected) / allowed, nan=np.inf, posinf=np.inf)
    index = np.unravel_index(int(np.argmax(np.where(wrong, excess, -1.0))), wrong.shape)
    where = f" at index {tuple(int(i) for i in index)}" if wrong.ndim else ""
    return (f"{int(wrong.sum())} of {wrong.size} values wrong (shape {wrong.shape}); the worst{where}: "
            f"{actual[index]:.10g}, expected {expected[index]:.10g} (allowed error {allowed[index]:.2g})")


def assert_backward_matches_finite_differences(name, f, *arrays, seed=0, tolerance=GRADCHECK_TOLERANCE):
    """Apply ``f`` (one primitive) to float64 leaves, call ``y.grad_fn.backward(ȳ)`` for a random ȳ
    and check every x̄ᵢ against central differences of the forward. Returns the gradients."""
    __tracebackhide__ = True
    inputs = [leaf(a) for a in arrays]
    y = f(*inputs)
    assert y.grad_fn is not None, f"{name}: the output has no grad_fn"
    upstream = randn(y.shape, seed)
    grads = as_tuple(y.grad_fn.backward(upstream))
    assert len(grads) == len(inputs), (
        f"{name}.backward returned {len(grads)} gradient(s) for {len(inputs)} input(s)")
    assert_gradients_match(f"{name}.backward", f, arrays, grads, upstream, seed, tolerance)
    return grads


def assert_gradients_match(name, f, arrays, grads, upstream, seed=0, tolerance=GRADCHECK_TOLERANCE):
    """The gradients ``grads`` of ⟨ȳ, f(x₁, …, x_k)⟩ (ȳ = ``upstream``) agree with central
    differences of ``f``'s forward: coordinate by coordinate when every input is small, along random
    directions (⟨x̄, v⟩ = ⟨ȳ, J v⟩) otherwise."""
    __tracebackhide__ = True
    shapes = " and ".join(str(tuple(np.shape(a))) for a in arrays)
    grads = [None if g is None else to_array(g) for g in grads]
    for index, grad in enumerate(grads):
        assert grad is not None, f"{name}: no gradient for input {index}"
        assert np.shape(grad) == np.shape(arrays[index]), (
            f"{name}: the gradient of input {index} has shape {np.shape(grad)}, expected its input's "
            f"shape {np.shape(arrays[index])}")
    if max(np.size(a) for a in arrays) > COORDINATE_LIMIT:
        checks = [("along random directions", inner_product_check(on_arrays(f), arrays, upstream, grads,
                                                                  seed=seed))]
    else:
        checks = [(f"the gradient of input {index}",
                   (grad, numerical_vjp(on_arrays(f), arrays, index, upstream)))
                  for index, grad in enumerate(grads)]
    for what, (analytic, numerical) in checks:
        problem = mismatch(analytic, numerical, tolerance)
        assert problem is None, f"{name}, {what} (inputs of shapes {shapes}): {problem}"


def assert_jvp_matches_finite_differences(name, f, primals, tangents, rtol=RTOL, atol=ATOL):
    """``mytorch.autodiff.jvp(f, primals, tangents)`` against (f(x + εv) − f(x − εv)) / 2ε."""
    __tracebackhide__ = True
    primals = [np.asarray(p, dtype=np.float64) for p in primals]
    tangents = [np.asarray(v, dtype=np.float64) for v in tangents]
    value, tangent = mytorch.autodiff.jvp(f, tuple(const(p) for p in primals),
                                          tuple(const(v) for v in tangents))
    assert_close(value, on_arrays(f)(*primals), f"{name}: the value returned by jvp", 1e-12, 1e-12)
    assert_close(tangent, numerical_jvp(on_arrays(f), primals, tangents), f"{name}: the JVP", rtol, atol)


@contextlib.contextmanager
def raises(expected, match=None):
    """Like ``pytest.raises``, except that a NotImplementedError (an unfinished task) is never
    taken for the expected error, even though NotImplementedError is a RuntimeError."""
    try:
        yield
    except NotImplementedError:
        raise
    except expected as error:
        if match is not None and not re.search(match, str(error)):
            pytest.fail(f"{type(error).__name__} raised as expected, but its message {str(error)!r} "
                        f"does not match {match!r}")
        return
    pytest.fail(f"expected {expected.__name__} to be raised, but nothing was raised")
