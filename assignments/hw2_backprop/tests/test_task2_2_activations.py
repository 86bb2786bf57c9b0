"""Task 2.2: activations (mytorch/ops/activation.py).

ReLU / leaky ReLU: y = s·x with slope s = 1 (x > 0) or α;  sigmoid: y' = y (1 − y);
tanh: y' = 1 − y²;  softmax: ∂yᵢ/∂xⱼ = yᵢ (δᵢⱼ − yⱼ), log_softmax(x) = x − log Σ eˣ.
"""
import numpy as np
import pytest

import mytorch
from mytorch.nn import functional as F

from helpers import (as_tuple, assert_backward_matches_finite_differences, assert_close,
                     assert_gradient_matches_finite_differences, away_from_zero, const, leaf,
                     no_overflow, np_log_softmax, np_softmax, randn)

pytestmark = pytest.mark.task2_2


@pytest.mark.parametrize("name, f, slope", [
    ("relu", F.relu, 0.0),
    ("leaky_relu(α=0.1)", lambda x: F.leaky_relu(x, 0.1), 0.1),
], ids=["relu", "leaky_relu"])
def test_relu_and_leaky_relu(name, f, slope):
    x, upstream = away_from_zero((3, 4), 0), randn((3, 4), 1)
    y = f(leaf(x))
    assert_close(y, np.where(x > 0, x, slope * x), f"{name} forward", 1e-12, 1e-12)
    grad, = as_tuple(y.grad_fn.backward(upstream))
    assert_close(grad, np.where(x > 0, upstream, slope * upstream), f"{name}.backward: x̄ = s · ȳ")


@pytest.mark.parametrize("name, f, closed_form", [
    ("sigmoid", F.sigmoid, lambda x: 1 / (1 + np.exp(-x))),
    ("tanh", F.tanh, np.tanh),
], ids=["sigmoid", "tanh"])
def test_sigmoid_and_tanh(name, f, closed_form):
    x = randn((2, 5), 2)
    assert_close(f(const(x)), closed_form(x), f"{name} forward", 1e-12, 1e-12)
    assert_backward_matches_finite_differences(name, f, x)


def test_sigmoid_of_large_inputs_does_not_overflow():
    x = np.array([-1000.0, -40.0, 0.0, 40.0, 1000.0])
    with no_overflow():
        y = F.sigmoid(const(x)).data
    assert_close(y, [0.0, np.exp(-40.0) / (1 + np.exp(-40.0)), 0.5, 1 / (1 + np.exp(-40.0)), 1.0],
                 "sigmoid of ±1000 and ±40 (computed without overflow)", 1e-9, 1e-15)


def test_softmax_and_log_softmax_values():
    x = randn((3, 4), 3)
    assert_close(F.softmax(const(x), dim=1), np_softmax(x, 1), "softmax(x, dim=1)", 1e-12, 1e-12)
    assert_close(F.log_softmax(const(x), dim=0), np_log_softmax(x, 0), "log_softmax(x, dim=0)", 1e-12, 1e-12)


def test_softmax_gradient_is_the_softmax_jacobian():
    x, upstream = randn(5, 4), randn(5, 5)
    t = leaf(x)
    F.softmax(t, dim=0).backward(mytorch.tensor(upstream))
    s = np_softmax(x)
    jacobian = np.diag(s) - np.outer(s, s)             # ∂sᵢ/∂xⱼ = sᵢ (δᵢⱼ − sⱼ)
    assert_close(t.grad, jacobian.T @ upstream, "softmax: x̄ = Jᵀ ȳ with J = diag(s) − s sᵀ")
    assert_gradient_matches_finite_differences("log_softmax(x, dim=-1)", F.log_softmax, randn((2, 3), 6))


def test_softmax_of_huge_logits_is_finite():
    x = np.array([[1e4, 0.0, -1e4], [1e4, 1e4, 1e4]])
    with no_overflow():
        s = F.softmax(const(x), dim=1).data
        log_s = F.log_softmax(const(x), dim=1).data
    assert_close(s, [[1.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3]], "softmax of logits ±1e4", 1e-12, 1e-300)
    assert_close(log_s, [[0.0, -1e4, -2e4], [-np.log(3)] * 3], "log_softmax of logits ±1e4", 1e-12, 1e-9)
