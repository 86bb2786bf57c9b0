"""Hidden tests of Task 2.3: the four losses on random shapes, every reduction, their gradients
in closed form, and cross-entropy on huge logits.

``log_softmax`` (Task 2.2) is replaced by a stand-in, so these tests grade the losses alone.
"""
import numpy as np
import pytest

from mytorch import nn
from mytorch.nn import functional as F

from helpers import (assert_close, assert_gradient_matches_finite_differences, away_from_zero, const, labels,
                     leaf, no_overflow, np_log_softmax, np_softmax, one_hot, randn)
from hidden_helpers import random_shape, stand_in_log_softmax

pytestmark = pytest.mark.task2_3

REDUCE = {"mean": np.mean, "sum": np.sum, "none": lambda v: v}
SCALE = {"mean": lambda n: 1 / n, "sum": lambda n: 1.0}


@pytest.fixture(autouse=True)
def independent_of_task_2_2(monkeypatch):
    monkeypatch.setattr(F, "log_softmax", stand_in_log_softmax)




@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("seed", range(3))
def test_mse_and_l1_on_random_shapes(reduction, seed):
    shape = random_shape(np.random.default_rng(seed), 0, 3)
    t = randn(shape, seed)
    x = t + away_from_zero(shape, seed + 1)
    for name, f, value, derivative in [("mse_loss", F.mse_loss, (x - t) ** 2, 2 * (x - t)),
                                       ("l1_loss", F.l1_loss, np.abs(x - t), np.sign(x - t))]:
        xt = leaf(x)
        loss = f(xt, const(t), reduction=reduction)
        assert_close(loss, REDUCE[reduction](value), f"{name} on {shape}, reduction={reduction!r}", 1e-12, 1e-12)
        upstream = np.ones(shape) if reduction == "none" else None
        loss.backward(None if upstream is None else const(upstream))
        scale = 1.0 if reduction == "none" else SCALE[reduction](max(x.size, 1))
        assert_close(xt.grad, derivative * scale, f"{name} on {shape}, reduction={reduction!r}: x̄")


def test_mse_gradient_reaches_the_target_too():
    x, t = randn((3, 2), 5), randn((3, 2), 6)
    assert_gradient_matches_finite_differences("mse_loss(x, t) in both arguments", F.mse_loss, x, t)
    assert_gradient_matches_finite_differences("l1_loss(x, t) in both arguments", F.l1_loss,
                                               x, x + away_from_zero((3, 2), 7))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("n, c", [(1, 1), (1, 4), (5, 3), (7, 10)])
def test_nll_and_cross_entropy_closed_forms(reduction, n, c):
    rng = np.random.default_rng(n * 10 + c)
    x = rng.standard_normal((n, c)) * 3
    y = rng.integers(0, c, size=n)
    picked = (np.arange(n), y)
    scale = 1.0 if reduction == "none" else SCALE[reduction](n)
    upstream = None if reduction != "none" else const(np.ones(n))

    log_probs = np_log_softmax(x)
    xt = leaf(log_probs)
    loss = F.nll_loss(xt, labels(y), reduction=reduction)
    assert_close(loss, REDUCE[reduction](-log_probs[picked]), f"nll_loss ({n}, {c}), {reduction!r}", 1e-12, 1e-12)
    loss.backward(upstream)
    assert_close(xt.grad, -one_hot(y, c) * scale, f"nll_loss ({n}, {c}), {reduction!r}: x̄")

    xt = leaf(x)
    loss = F.cross_entropy(xt, labels(y), reduction=reduction)
    expected = np.log(np.exp(x).sum(axis=1)) - x[picked]
    assert_close(loss, REDUCE[reduction](expected), f"cross_entropy ({n}, {c}), {reduction!r}", 1e-12, 1e-12)
    loss.backward(upstream)
    assert_close(xt.grad, (np_softmax(x) - one_hot(y, c)) * scale,
                 f"cross_entropy ({n}, {c}), {reduction!r}: x̄ = softmax − onehot")


def test_cross_entropy_matches_finite_differences():
    y = labels([0, 2, 2, 1, 0])
    assert_gradient_matches_finite_differences("cross_entropy (5, 3)", lambda z: F.cross_entropy(z, y),
                                               randn((5, 3), 8))


@pytest.mark.parametrize("scale", [1e3, 1e4, 1e5])
def test_cross_entropy_of_huge_logits(scale):
    x = np.array([[1.0, 0.0, -1.0], [0.0, 0.5, 1.0], [2.0, 2.0, 0.0]]) * scale
    y = [2, 2, 0]
    xt = leaf(x)
    with no_overflow():
        loss = F.cross_entropy(xt, labels(y), reduction="sum")
        loss.backward()
    expected = -np_log_softmax(x)[np.arange(3), y]
    assert_close(loss, expected.sum(), f"cross_entropy of logits ~{scale:g}", 1e-12, 1e-9)
    assert_close(xt.grad, np_softmax(x) - one_hot(y, 3), f"cross_entropy of logits ~{scale:g}: x̄", 1e-9, 1e-9)


def test_the_loss_modules():
    x, t = randn((4, 3), 9), randn((4, 3), 10)
    y = labels([1, 0, 2, 2])
    assert_close(nn.MSELoss(reduction="sum")(const(x), const(t)), np.sum((x - t) ** 2), "nn.MSELoss(sum)",
                 1e-12, 1e-12)
    assert_close(nn.L1Loss()(const(x), const(t)), np.mean(np.abs(x - t)), "nn.L1Loss()", 1e-12, 1e-12)
    assert_close(nn.NLLLoss()(const(x), y), -np.mean(x[np.arange(4), [1, 0, 2, 2]]), "nn.NLLLoss()", 1e-12, 1e-12)
    assert_close(nn.CrossEntropyLoss(reduction="none")(const(x), y),
                 -np_log_softmax(x)[np.arange(4), [1, 0, 2, 2]], "nn.CrossEntropyLoss(none)", 1e-12, 1e-12)
