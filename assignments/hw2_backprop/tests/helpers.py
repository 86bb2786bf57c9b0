"""Helpers of hw2's public tests: the course-wide checks (checks.py), closed forms in NumPy,
and a gradient check through ``y.backward``."""
import contextlib

import numpy as np

import mytorch
from checks import (ATOL, EPS, GRADCHECK_TOLERANCE, RTOL, as_tuple,  # noqa: F401
                    assert_backward_matches_finite_differences, assert_close, assert_gradients_match,
                    assert_jvp_matches_finite_differences, const, leaf, numerical_jvp,
                    numerical_vjp, on_arrays, raises, randn, to_array)


def labels(array):
    """An int64 tensor of class indices."""
    return mytorch.tensor(np.asarray(array, dtype=np.int64))


def away_from_zero(shape, seed, margin=0.1):
    """Normal values pushed at least ``margin`` away from 0 (no kink of ReLU or |x| nearby)."""
    x = randn(shape, seed)
    return x + margin * np.sign(x) + margin * (x == 0)


def np_log_softmax(x, axis=-1):
    """x − log Σ eˣ along ``axis``, shifted by the maximum so that it never overflows."""
    m = np.max(x, axis=axis, keepdims=True)
    return x - m - np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))


def np_softmax(x, axis=-1):
    return np.exp(np_log_softmax(x, axis))


def one_hot(classes, num_classes):
    """(N,) integer classes → (N, C) rows eᵧ."""
    return np.eye(num_classes)[np.asarray(classes)]


def assert_gradient_matches_finite_differences(name, f, *arrays, seed=0,
                                               tolerance=GRADCHECK_TOLERANCE):
    """Run ``f`` (any composition) on float64 leaves, call ``y.backward(ȳ)`` for a random ȳ (ȳ = 1
    for a scalar) and check every ``x.grad`` against central differences of the forward."""
    inputs = [leaf(a) for a in arrays]
    y = f(*inputs)
    upstream = randn(y.shape, seed) if y.shape else np.float64(1.0)
    y.backward(mytorch.tensor(np.asarray(upstream)) if y.shape else None)
    assert_gradients_match(name, f, arrays, [x.grad for x in inputs], upstream, seed, tolerance)


@contextlib.contextmanager
def no_overflow():
    """Turn NumPy's overflow and invalid-value warnings into errors: a stable formula raises none."""
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        yield
