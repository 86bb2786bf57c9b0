"""Hidden tests of Task 2.2: every activation on random shapes, forward mode, softmax along every
dim, and stability for huge inputs. Inputs keep away from the kink of (leaky) ReLU."""
import numpy as np
import pytest

import mytorch
from mytorch import nn
from mytorch.nn import functional as F

from helpers import (assert_backward_matches_finite_differences, assert_close,
                     assert_gradient_matches_finite_differences, assert_jvp_matches_finite_differences,
                     away_from_zero, const, leaf, no_overflow, np_log_softmax, np_softmax, randn)
from hidden_helpers import random_shape

pytestmark = pytest.mark.task2_2

ELEMENTWISE = {
    "relu": (F.relu, lambda x: np.maximum(x, 0)),
    "leaky_relu": (F.leaky_relu, lambda x: np.where(x > 0, x, 0.01 * x)),
    "leaky_relu(0.3)": (lambda x: F.leaky_relu(x, 0.3), lambda x: np.where(x > 0, x, 0.3 * x)),
    "sigmoid": (F.sigmoid, lambda x: 0.5 * (1 + np.tanh(x / 2))),
    "tanh": (F.tanh, np.tanh),
}


@pytest.mark.parametrize("name", list(ELEMENTWISE))
@pytest.mark.parametrize("seed", range(3))
def test_elementwise_on_random_shapes(name, seed):
    f, closed_form = ELEMENTWISE[name]
    x = away_from_zero(random_shape(np.random.default_rng(seed), 0, 3), seed) * 2
    assert_close(f(const(x)), closed_form(x), f"{name} forward on shape {x.shape}", 1e-12, 1e-12)
    assert_backward_matches_finite_differences(f"{name} {x.shape}", f, x, seed=seed)
    assert_jvp_matches_finite_differences(f"{name} {x.shape}", f, [x], [randn(x.shape, seed + 9)])


def test_the_modules_call_the_functions():
    x = away_from_zero((3, 4), 1)
    for layer, expected in [(nn.ReLU(), np.maximum(x, 0)), (nn.LeakyReLU(0.2), np.where(x > 0, x, 0.2 * x)),
                            (nn.Sigmoid(), 1 / (1 + np.exp(-x))), (nn.Tanh(), np.tanh(x)),
                            (nn.Softmax(dim=0), np_softmax(x, 0)), (nn.LogSoftmax(dim=1), np_log_softmax(x, 1))]:
        assert_close(layer(const(x)), expected, repr(layer), 1e-12, 1e-12)


@pytest.mark.parametrize("dim", [0, 1, 2, -1, -2])
def test_softmax_and_log_softmax_along_every_dim(dim):
    x = randn((2, 3, 4), dim + 20)
    s = F.softmax(const(x), dim=dim)
    assert_close(s, np_softmax(x, dim), f"softmax of (2, 3, 4), dim={dim}", 1e-12, 1e-12)
    assert_close(s.data.sum(axis=dim), np.ones(np.delete(np.array(x.shape), dim)),
                 f"softmax, dim={dim}: each slice sums to 1", 1e-12, 1e-12)
    assert_close(F.log_softmax(const(x), dim=dim), np_log_softmax(x, dim), f"log_softmax dim={dim}",
                 1e-12, 1e-12)
    assert_gradient_matches_finite_differences(f"softmax dim={dim}", lambda t: F.softmax(t, dim=dim), x)
    assert_gradient_matches_finite_differences(f"log_softmax dim={dim}", lambda t: F.log_softmax(t, dim=dim), x)


def test_softmax_jacobian_on_a_batch():
    x, upstream = randn((3, 5), 30), randn((3, 5), 31)
    t = leaf(x)
    F.softmax(t, dim=1).backward(mytorch.tensor(upstream))
    s = np_softmax(x, 1)
    expected = s * (upstream - np.sum(upstream * s, axis=1, keepdims=True))   # (diag(s) − s sᵀ) ȳ per row
    assert_close(t.grad, expected, "softmax on (3, 5) rows: x̄ = s ⊙ (ȳ − ⟨ȳ, s⟩)")


def test_huge_inputs_stay_finite_in_both_directions():
    x = np.array([[1e4, -1e4, 0.0, 5e3], [-1e4, -1e4, -1e4, -1e4]])
    for name, f in [("sigmoid", F.sigmoid), ("tanh", F.tanh), ("softmax", lambda t: F.softmax(t, dim=1)),
                    ("log_softmax", lambda t: F.log_softmax(t, dim=1))]:
        t = leaf(x)
        with no_overflow():
            y = f(t)
            y.backward(mytorch.tensor(np.ones_like(x)))
        assert np.all(np.isfinite(y.data)) and np.all(np.isfinite(t.grad.data)), (
            f"{name} of ±1e4: values or gradients are not finite")
    with no_overflow():
        assert_close(F.log_softmax(const(x), dim=1), np_log_softmax(x, 1), "log_softmax of ±1e4", 1e-12, 1e-9)
        assert_close(F.sigmoid(const(x)), [[1, 0, 0.5, 1], [0, 0, 0, 0]], "sigmoid of ±1e4", 1e-12, 1e-15)


def test_float32_stays_float32():
    x = mytorch.tensor(np.linspace(-2, 2, 7, dtype=np.float32))
    for name, f in [("relu", F.relu), ("leaky_relu", F.leaky_relu), ("sigmoid", F.sigmoid), ("tanh", F.tanh),
                    ("softmax", F.softmax), ("log_softmax", F.log_softmax)]:
        assert f(x).dtype == np.float32, f"{name} of float32 gave {f(x).dtype}"
