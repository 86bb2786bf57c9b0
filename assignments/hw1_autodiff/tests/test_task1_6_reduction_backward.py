"""Task 1.6: backward of sum, max and logsumexp (mytorch/ops/reduction.py).

Each test applies one reduction and calls its rule directly, ``y.grad_fn.backward(ȳ)``.
A reduced output has fewer axes than its input: the rule first puts them back
(size 1, see ``restore_axes``), then broadcasts ȳ over them.
"""
import numpy as np
import pytest

import mytorch

from helpers import as_tuple, assert_backward_matches_finite_differences, assert_close, distinct, leaf, randn

pytestmark = pytest.mark.task1_6


def rule(f, x, seed=0):
    """(x̄, ȳ): the gradient from the backward rule of the reduction y = f(x), for a random ȳ."""
    y = f(leaf(x))
    upstream = randn(y.shape, seed)
    return as_tuple(y.grad_fn.backward(upstream))[0], upstream


def test_sum_of_everything_broadcasts_the_scalar():
    x = randn((2, 3), seed=0)
    grad, upstream = rule(mytorch.sum, x)
    assert_close(grad, np.full((2, 3), upstream), "Sum.backward for y = Σ x: x̄ = ȳ in every entry")


@pytest.mark.parametrize("dim, keepdim",
                         [(0, False), (1, True), (-1, False), ((0, 2), False), ((0, 2), True)])
def test_sum_over_some_axes(dim, keepdim):
    x = randn((2, 3, 4), seed=1)
    grad, upstream = rule(lambda t: mytorch.sum(t, dim=dim, keepdim=keepdim), x)
    axes = (dim,) if isinstance(dim, int) else dim
    expected = np.broadcast_to(upstream if keepdim else np.expand_dims(upstream, axes), x.shape)
    assert_close(grad, expected, f"Sum.backward for dim={dim}, keepdim={keepdim}: x̄ = ȳ copied along dim")


def test_max_sends_the_gradient_to_the_maximum():
    x = distinct((3, 4), seed=2)
    grad, upstream = rule(lambda t: mytorch.amax(t, dim=1), x)
    expected = (x == x.max(axis=1, keepdims=True)) * upstream[:, None]
    assert_close(grad, expected, "Max.backward for dim=1: ȳ goes to each row's largest entry, 0 elsewhere")


@pytest.mark.parametrize("dim, keepdim", [(None, False), (0, True), (-1, False)])
def test_max_matches_finite_differences(dim, keepdim):
    assert_backward_matches_finite_differences(f"Max (dim={dim}, keepdim={keepdim})",
                                               lambda t: mytorch.amax(t, dim=dim, keepdim=keepdim),
                                               distinct((3, 4), seed=3))


def test_max_shares_the_gradient_among_ties():
    x = np.array([[1.0, 5.0, 5.0, 2.0], [7.0, 7.0, 7.0, 7.0]])
    y = mytorch.amax(leaf(x), dim=1)
    grad = as_tuple(y.grad_fn.backward(np.array([1.0, 2.0])))[0]
    expected = np.array([[0.0, 0.5, 0.5, 0.0], [0.5, 0.5, 0.5, 0.5]])
    assert_close(grad, expected, "Max.backward with ties and ȳ = (1, 2): k tied maxima get ȳ / k each")


def test_logsumexp_gives_the_softmax():
    x = randn((3, 4), seed=4)
    grad, upstream = rule(lambda t: mytorch.logsumexp(t, dim=1), x)
    softmax = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
    assert_close(grad, upstream[:, None] * softmax, "LogSumExp.backward for dim=1: x̄ = ȳ · softmax(x)")


@pytest.mark.parametrize("dim, keepdim", [(None, False), (0, True), ((0, 1), False)])
def test_logsumexp_matches_finite_differences(dim, keepdim):
    assert_backward_matches_finite_differences(f"LogSumExp (dim={dim}, keepdim={keepdim})",
                                               lambda t: mytorch.logsumexp(t, dim=dim, keepdim=keepdim),
                                               randn((3, 4), seed=5))


def test_logsumexp_of_large_values_stays_finite():
    x = np.array([[1000.0, 1000.0, 990.0], [-1000.0, -1001.0, -1002.0]])
    grad, upstream = rule(lambda t: mytorch.logsumexp(t, dim=1), x)
    shifted = np.exp(x - x.max(axis=1, keepdims=True))
    softmax = shifted / shifted.sum(axis=1, keepdims=True)
    assert_close(grad, upstream[:, None] * softmax,
                 "LogSumExp.backward at x ≈ ±1000, where eˣ overflows (use the softmax saved by forward)")
