"""Hidden tests of Task 1.6: backward of sum, max and logsumexp, called as ``y.grad_fn.backward(ȳ)``."""
import numpy as np
import pytest

import mytorch

from helpers import as_tuple, assert_backward_matches_finite_differences, assert_close, distinct, leaf, randn

pytestmark = pytest.mark.task1_6

DIMS = [None, 0, 1, 3, -1, -3, (0, 1), (1, 3), (-1, 0), (0, 1, 2, 3), ()]


def rule(f, x, seed=0):
    y = f(leaf(x))
    upstream = randn(y.shape, seed)
    return as_tuple(y.grad_fn.backward(upstream))[0], upstream


def kept(upstream, dim, ndim, keepdim):
    """ȳ with the reduced axes put back as size 1."""
    if keepdim:
        return upstream
    axes = range(ndim) if dim is None else ((dim,) if isinstance(dim, int) else dim)
    return np.expand_dims(upstream, tuple(sorted(a % ndim for a in axes)))


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", DIMS, ids=str)
def test_sum_over_every_kind_of_dim(dim, keepdim):
    x = randn((2, 3, 1, 4), 1)
    grad, upstream = rule(lambda t: mytorch.sum(t, dim=dim, keepdim=keepdim), x)
    expected = np.broadcast_to(kept(upstream, dim, x.ndim, keepdim), x.shape)
    assert_close(grad, expected, f"Sum.backward for dim={dim}, keepdim={keepdim} on shape (2, 3, 1, 4)")


def test_sum_with_numpy_argument_names_and_of_a_scalar():
    x = randn((3, 4), 2)
    grad, upstream = rule(lambda t: mytorch.sum(t, axis=1, keepdims=True), x)
    assert_close(grad, np.broadcast_to(upstream, (3, 4)), "Sum.backward for axis=1, keepdims=True")
    grad, upstream = rule(mytorch.sum, np.array(2.5))
    assert_close(grad, upstream, "Sum.backward of a 0-d tensor")


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [None, 0, 2, -1, (0, 2), (1, -1)], ids=str)
def test_max_matches_finite_differences(dim, keepdim):
    assert_backward_matches_finite_differences(f"Max (dim={dim}, keepdim={keepdim})",
                                               lambda t: mytorch.amax(t, dim=dim, keepdim=keepdim),
                                               distinct((2, 3, 4), seed=3), seed=4)


def test_max_ties_over_the_whole_tensor():
    x = np.array([[3.0, 1.0, 3.0], [3.0, -2.0, 0.0]])
    y = mytorch.amax(leaf(x))
    grad = as_tuple(y.grad_fn.backward(np.array(6.0)))[0]
    assert_close(grad, np.array([[2.0, 0.0, 2.0], [2.0, 0.0, 0.0]]),
                 "Max.backward of a 2 × 3 tensor with 3 tied maxima")


def test_max_ties_along_a_middle_dim():
    x = np.zeros((2, 3, 2))
    x[0, :, 0] = [1.0, 1.0, 0.0]        # two tied maxima
    x[0, :, 1] = [5.0, 5.0, 5.0]        # three
    x[1, :, 0] = [-1.0, 2.0, -3.0]      # one
    x[1, :, 1] = [4.0, 4.0, 4.0]
    upstream = np.array([[6.0, 6.0], [6.0, 12.0]])
    grad = as_tuple(mytorch.amax(leaf(x), dim=1).grad_fn.backward(upstream))[0]
    expected = np.zeros((2, 3, 2))
    expected[0, :, 0] = [3.0, 3.0, 0.0]
    expected[0, :, 1] = [2.0, 2.0, 2.0]
    expected[1, :, 0] = [0.0, 6.0, 0.0]
    expected[1, :, 1] = [4.0, 4.0, 4.0]
    assert_close(grad, expected, "Max.backward along dim=1 with ties of 1, 2 and 3 entries")


def test_max_with_a_dim_returns_values_whose_rule_works():
    x = distinct((3, 5), seed=5)
    values, indices = mytorch.max(leaf(x), dim=1)
    upstream = randn(3, 6)
    grad = as_tuple(values.grad_fn.backward(upstream))[0]
    expected = np.zeros((3, 5))
    expected[np.arange(3), indices.data] = upstream
    assert_close(grad, expected, "Max.backward of mytorch.max(x, dim=1).values")


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [None, 0, -1, (0, 2), (2, 1, 0)], ids=str)
def test_logsumexp_matches_finite_differences(dim, keepdim):
    assert_backward_matches_finite_differences(f"LogSumExp (dim={dim}, keepdim={keepdim})",
                                               lambda t: mytorch.logsumexp(t, dim=dim, keepdim=keepdim),
                                               randn((2, 3, 2), 7), seed=8)


def test_logsumexp_closed_form_on_extreme_values():
    x = np.array([[1e4, 1e4 - 1.0, -1e4], [-1e4, -1e4, -1e4], [0.0, 50.0, -50.0]])
    grad, upstream = rule(lambda t: mytorch.logsumexp(t, dim=1, keepdim=True), x)
    shifted = np.exp(x - x.max(axis=1, keepdims=True))
    softmax = shifted / shifted.sum(axis=1, keepdims=True)
    assert_close(grad, upstream * softmax, "LogSumExp.backward at |x| = 1e4 (keepdim=True)",
                 rtol=1e-12, atol=1e-300)


def test_logsumexp_gives_no_gradient_to_minus_infinity():
    x = np.array([[-np.inf, 0.0, np.log(3.0)], [1.0, -np.inf, 1.0]])
    grad, upstream = rule(lambda t: mytorch.logsumexp(t, dim=-1), x)
    expected = upstream[:, None] * np.array([[0.0, 0.25, 0.75], [0.5, 0.0, 0.5]])
    assert_close(grad, expected, "LogSumExp.backward with −∞ entries (masked out): softmax gives them 0",
                 rtol=1e-12, atol=1e-15)


def test_logsumexp_of_all_entries_sums_to_the_upstream():
    x = randn((4, 3), 9)
    grad, upstream = rule(mytorch.logsumexp, x)
    assert_close(np.asarray(grad.sum()), upstream,
                 "Σ x̄ for y = logsumexp(x): the softmax sums to 1, so Σ x̄ = ȳ",
                 rtol=1e-12, atol=1e-12)
