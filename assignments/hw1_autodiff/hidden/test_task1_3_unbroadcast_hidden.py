"""Hidden tests of Task 1.3: gradients under broadcasting (``arithmetic.unbroadcast``)."""
import numpy as np
import pytest

from mytorch.ops.arithmetic import unbroadcast

from helpers import assert_close, randn
from hidden_helpers import broadcast_pair

pytestmark = pytest.mark.task1_3


def summed_over_copies(grad, shape):
    out = np.zeros(shape)
    leading = grad.ndim - len(shape)
    for idx in np.ndindex(grad.shape):
        src = tuple(0 if n == 1 else i for i, n in zip(idx[leading:], shape))
        out[src] += grad[idx]
    return out


@pytest.mark.parametrize("seed", range(12))
def test_random_broadcasting_patterns(seed):
    shape_a, shape_b = broadcast_pair(seed)
    out_shape = np.broadcast_shapes(shape_a, shape_b)
    grad = randn(out_shape, seed)
    for shape in (shape_a, shape_b):
        assert_close(unbroadcast(grad, shape), summed_over_copies(grad, shape),
                     f"unbroadcast(grad of shape {out_shape}, {shape})")


@pytest.mark.parametrize("seed", range(6))
def test_adjoint_identity_on_random_shapes(seed):
    shape, _ = broadcast_pair(100 + seed)
    rng = np.random.default_rng(seed)
    out_shape = tuple(int(n) for n in rng.integers(1, 4, size=int(rng.integers(0, 3)))) + tuple(
        int(rng.integers(2, 4)) if n == 1 else n for n in shape)
    grad, x = randn(out_shape, seed), randn(shape, seed + 1)
    left = np.sum(unbroadcast(grad, shape) * x)
    right = np.sum(grad * np.broadcast_to(x, out_shape))
    np.testing.assert_allclose(
        left, right, rtol=1e-12, atol=1e-12,
        err_msg=f"⟨unbroadcast(g, {shape}), x⟩ ≠ ⟨g, broadcast(x)⟩ for g of shape {out_shape}")


@pytest.mark.parametrize("grad_shape, shape", [
    ((), ()), ((1, 1), ()), ((5,), (1,)), ((1,), (1,)), ((2, 3, 4), (1, 1, 4)), ((2, 1, 4), (1, 1, 4)),
    ((3, 1), (1,)), ((2, 3, 1, 5), (3, 1, 1)), ((4, 1, 1), (1, 1, 1)),
], ids=str)
def test_edge_cases(grad_shape, shape):
    grad = randn(grad_shape, seed=7)
    got = unbroadcast(grad, shape)
    assert_close(got, summed_over_copies(grad, shape), f"unbroadcast(grad of shape {grad_shape}, {shape})")


def test_integer_like_values_sum_exactly():
    grad = np.arange(24, dtype=np.float64).reshape(2, 3, 4)
    assert_close(unbroadcast(grad, (3, 1)), grad.sum(axis=(0, 2)).reshape(3, 1),
                 "unbroadcast(arange(24).reshape(2, 3, 4), (3, 1))", rtol=0, atol=0)
    assert_close(unbroadcast(grad, (1, 4)), grad.sum(axis=(0, 1)).reshape(1, 4),
                 "unbroadcast(arange(24).reshape(2, 3, 4), (1, 4))", rtol=0, atol=0)


def test_the_upstream_gradient_is_not_modified():
    grad = randn((3, 4), seed=8)
    before = grad.copy()
    unbroadcast(grad, (1, 4))
    unbroadcast(grad, (4,))
    assert np.array_equal(grad, before), (
        "unbroadcast must not change its input (ȳ may be shared by several rules)")
