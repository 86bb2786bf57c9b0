"""Task 2.3: losses (mytorch/nn/functional.py: ``mse_loss``, ``l1_loss``, ``nll_loss``, ``cross_entropy``).

L2: ℓᵢ = (xᵢ − tᵢ)², x̄ = 2 (x − t) / N for the mean;  L1: ℓᵢ = |xᵢ − tᵢ|, x̄ = sign(x − t) / N;
NLL: ℓₙ = −x[n, yₙ];  cross-entropy: ℓₙ = log Σ_c e^(x[n, c]) − x[n, yₙ], x̄ = (softmax(x) − onehot(y)) / N.

The ``log_softmax`` that ``cross_entropy`` calls (Task 2.2) answers here what the reference's answered
at the same logits (stand_ins.py), so these tests need none of Task 2.2's code.
"""
import numpy as np
import pytest

from mytorch.nn import functional as F

from helpers import (assert_close, assert_gradient_matches_finite_differences, away_from_zero, const, labels,
                     leaf, no_overflow, np_log_softmax, np_softmax, one_hot, randn)
from stand_ins import STAND_IN_LOG_SOFTMAX

pytestmark = pytest.mark.task2_3
STAND_INS = (STAND_IN_LOG_SOFTMAX,)

CLASSES = [2, 0, 1, 2]


def test_mse_loss_value_and_gradient():
    x, t = randn((4, 3), 0), randn((4, 3), 1)
    xt = leaf(x)
    loss = F.mse_loss(xt, const(t))
    assert_close(loss, np.mean((x - t) ** 2), "mse_loss (mean)", 1e-12, 1e-12)
    loss.backward()
    assert_close(xt.grad, 2 * (x - t) / x.size, "mse_loss (mean): x̄ = 2 (x − t) / N")


@pytest.mark.parametrize("reduction", ["sum", "none"])
def test_mse_and_l1_reductions(reduction):
    x, t = randn((2, 3), 2), randn((2, 3), 3)
    reduce = np.sum if reduction == "sum" else (lambda v: v)
    assert_close(F.mse_loss(const(x), const(t), reduction=reduction), reduce((x - t) ** 2),
                 f"mse_loss reduction={reduction!r}", 1e-12, 1e-12)
    assert_close(F.l1_loss(const(x), const(t), reduction=reduction), reduce(np.abs(x - t)),
                 f"l1_loss reduction={reduction!r}", 1e-12, 1e-12)


def test_l1_loss_value_and_gradient():
    t = randn((3, 4), 4)
    x = t + away_from_zero((3, 4), 5)           # no entry at the kink x = t
    xt = leaf(x)
    loss = F.l1_loss(xt, const(t))
    assert_close(loss, np.mean(np.abs(x - t)), "l1_loss (mean)", 1e-12, 1e-12)
    loss.backward()
    assert_close(xt.grad, np.sign(x - t) / x.size, "l1_loss (mean): x̄ = sign(x − t) / N")


def test_nll_loss_picks_the_log_probability_of_each_label():
    log_probs = np_log_softmax(randn((4, 3), 6))
    xt = leaf(log_probs)
    loss = F.nll_loss(xt, labels(CLASSES))
    assert_close(loss, -np.mean(log_probs[np.arange(4), CLASSES]), "nll_loss (mean)", 1e-12, 1e-12)
    loss.backward()
    assert_close(xt.grad, -one_hot(CLASSES, 3) / 4, "nll_loss (mean): x̄ = −onehot(y) / N")
    assert_close(F.nll_loss(const(log_probs), labels(CLASSES), reduction="none"),
                 -log_probs[np.arange(4), CLASSES], "nll_loss reduction='none'", 1e-12, 1e-12)


def test_cross_entropy_value_and_gradient():
    x = randn((4, 3), 7)
    xt = leaf(x)
    loss = F.cross_entropy(xt, labels(CLASSES))
    expected = np.mean(np.log(np.exp(x).sum(axis=1)) - x[np.arange(4), CLASSES])
    assert_close(loss, expected, "cross_entropy (mean): log Σ e^x − x_y", 1e-12, 1e-12)
    loss.backward()
    assert_close(xt.grad, (np_softmax(x) - one_hot(CLASSES, 3)) / 4,
                 "cross_entropy (mean): x̄ = (softmax(x) − onehot(y)) / N")
    assert_gradient_matches_finite_differences(
        "cross_entropy reduction='sum'", lambda z: F.cross_entropy(z, labels(CLASSES), reduction="sum"), x)


def test_cross_entropy_of_huge_logits_is_finite():
    x = np.array([[1e4, 0.0], [0.0, 1e4], [1e4, 1e4]])
    xt = leaf(x)
    with no_overflow():
        loss = F.cross_entropy(xt, labels([1, 1, 0]), reduction="none")
        loss.sum().backward()
    assert_close(loss, [1e4, 0.0, np.log(2)], "cross_entropy of logits 1e4 (reduction='none')", 1e-12, 1e-12)
    assert_close(xt.grad, [[1.0, -1.0], [0.0, 0.0], [-0.5, 0.5]], "cross_entropy of logits 1e4: x̄", 1e-12, 1e-12)
