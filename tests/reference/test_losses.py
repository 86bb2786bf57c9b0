"""The losses, as functions and as modules, against PyTorch in float64, with each reduction."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import mytorch
import mytorch.nn.functional as F
from mytorch import nn

from helpers import assert_jvp_matches_vjp, to_torch
from oracle import assert_matches_torch

REDUCTIONS = ["mean", "sum", "none"]
seeds = st.integers(0, 2**32 - 1)


def away_from_each_other(shape, seed):
    """Input and target at least 0.1 apart everywhere, away from the kink of |x − y|."""
    rng = np.random.default_rng(seed)
    target = rng.standard_normal(shape)
    gap = rng.uniform(0.1, 2.0, shape) * rng.choice([-1.0, 1.0], shape)
    return target + gap, target


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss"])
@settings(max_examples=25, deadline=None)
@given(shape=array_shapes(min_dims=1, max_dims=3, max_side=5), seed=seeds)
def test_regression_losses(name, reduction, shape, seed):
    ours, theirs = getattr(F, name), getattr(TF, name)
    arrays = away_from_each_other(shape, seed)
    assert_matches_torch(lambda x, y: ours(x, y, reduction=reduction),
                         lambda x, y: theirs(x, y, reduction=reduction), *arrays, seed=seed)
    assert_jvp_matches_vjp(lambda x, y: ours(x, y, reduction=reduction), *arrays, seed=seed)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["nll_loss", "cross_entropy"])
@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 6), classes=st.integers(1, 5), seed=seeds)
def test_classification_losses(name, reduction, n, classes, seed):
    ours, theirs = getattr(F, name), getattr(TF, name)
    rng = np.random.default_rng(seed)
    scores, target = rng.standard_normal((n, classes)) * 3, rng.integers(0, classes, n)
    assert_matches_torch(lambda x: ours(x, mytorch.tensor(target), reduction=reduction),
                         lambda x: theirs(x, torch.tensor(target), reduction=reduction), scores, seed=seed)
    assert_jvp_matches_vjp(lambda x: ours(x, target, reduction=reduction), scores, seed=seed)


def test_cross_entropy_is_stable_for_huge_logits():
    logits = np.array([[1e4, 0.0, -1e4], [0.0, 1e4, 1e4], [-1e4, -1e4, -1e4]])
    target = np.array([1, 2, 0])
    x = mytorch.tensor(logits, requires_grad=True)
    loss = F.cross_entropy(x, mytorch.tensor(target))
    loss.backward()
    th = to_torch(logits, requires_grad=True)
    expected = TF.cross_entropy(th, torch.tensor(target))
    expected.backward()
    assert np.isfinite(loss.item()) and np.isfinite(x.grad.data).all()
    np.testing.assert_allclose(loss.item(), expected.item(), rtol=1e-12)
    np.testing.assert_allclose(x.grad.data, th.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_cross_entropy_in_float32_stays_float32():
    x = mytorch.tensor(np.zeros((4, 3), np.float32), requires_grad=True)
    loss = F.cross_entropy(x, mytorch.tensor(np.array([0, 1, 2, 0])))
    loss.backward()
    assert loss.dtype == x.grad.dtype == np.float32
    np.testing.assert_allclose(loss.item(), np.log(3), rtol=1e-6)


@pytest.mark.parametrize("module,function", [(nn.MSELoss, F.mse_loss), (nn.L1Loss, F.l1_loss)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_regression_modules_call_their_function(module, function, reduction):
    x, y = map(mytorch.tensor, away_from_each_other((3, 4), 0))
    np.testing.assert_array_equal(module(reduction=reduction)(x, y).data,
                                  function(x, y, reduction=reduction).data)


@pytest.mark.parametrize("module,torch_module", [(nn.CrossEntropyLoss, torch.nn.CrossEntropyLoss),
                                                 (nn.NLLLoss, torch.nn.NLLLoss)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_classification_modules_match_torch(module, torch_module, reduction):
    rng = np.random.default_rng(3)
    scores, target = rng.standard_normal((5, 4)), rng.integers(0, 4, 5)
    assert_matches_torch(lambda x: module(reduction=reduction)(x, mytorch.tensor(target)),
                         lambda x: torch_module(reduction=reduction)(x, torch.tensor(target)), scores)


@pytest.mark.parametrize("function", [F.mse_loss, F.l1_loss, F.nll_loss, F.cross_entropy])
def test_unknown_reduction_is_an_error(function):
    with pytest.raises(ValueError, match="not a valid value for reduction"):
        function(mytorch.zeros(2, 3), mytorch.tensor(np.array([0, 1])), reduction="average")


@pytest.mark.parametrize("module", [nn.MSELoss, nn.L1Loss, nn.NLLLoss, nn.CrossEntropyLoss])
def test_loss_module_checks_its_reduction_when_made(module):
    with pytest.raises(ValueError, match="not a valid value for reduction"):
        module(reduction="elementwise_mean")


def test_regression_losses_refuse_to_broadcast():
    with pytest.raises(ValueError, match="target shape"):
        F.mse_loss(mytorch.zeros(4, 1), mytorch.zeros(4))


@pytest.mark.parametrize("function", [F.nll_loss, F.cross_entropy])
def test_bad_targets_are_errors(function):
    scores = mytorch.zeros(3, 4)
    with pytest.raises(TypeError, match="integer class indices"):
        function(scores, mytorch.tensor([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match=r"target of shape \(3,\)"):
        function(scores, mytorch.tensor(np.array([[0], [1], [2]])))
    with pytest.raises(ValueError, match=r"input of shape \(N, C\)"):
        function(mytorch.zeros(4), mytorch.tensor(np.array([0, 1, 2, 3])))
    with pytest.raises(IndexError, match=r"in \[0, 3\]"):
        function(scores, mytorch.tensor(np.array([0, 4, 1])))
    with pytest.raises(IndexError, match=r"in \[0, 3\]"):
        function(scores, mytorch.tensor(np.array([0, -1, 1])))


def test_nll_loss_accepts_a_numpy_target():
    log_probs = mytorch.tensor(np.log(np.full((2, 4), 0.25)))
    np.testing.assert_allclose(F.nll_loss(log_probs, np.array([3, 0])).item(), np.log(4))
