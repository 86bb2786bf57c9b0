"""Hidden tests of Task 2.1: the Linear primitive, on random shapes, with and without a bias,
with leading batch axes, a 1-D input, partial ``needs_input_grad`` and forward mode."""
import numpy as np
import pytest

import mytorch
from mytorch import nn
from mytorch.nn import functional as F
from mytorch.ops.linalg import Linear

from helpers import (as_tuple, assert_backward_matches_finite_differences, assert_close,
                     assert_gradient_matches_finite_differences, assert_jvp_matches_finite_differences, const,
                     leaf, randn)
from hidden_helpers import random_shape

pytestmark = pytest.mark.task2_1


@pytest.mark.parametrize("seed", range(8))
def test_random_shapes_match_finite_differences(seed):
    rng = np.random.default_rng(seed)
    batch = random_shape(rng, 0, 3)
    n_in, n_out = (int(n) for n in rng.integers(1, 5, size=2))
    arrays = [randn(batch + (n_in,), seed), randn((n_out, n_in), seed + 100)]
    if seed % 2:
        arrays.append(randn(n_out, seed + 200))
    assert_backward_matches_finite_differences(f"Linear {batch + (n_in,)} → {n_out}, bias={bool(seed % 2)}",
                                               F.linear, *arrays, seed=seed)


@pytest.mark.parametrize("seed", range(4))
def test_jvp_on_random_shapes(seed):
    rng = np.random.default_rng(seed + 10)
    batch = random_shape(rng, 0, 2)
    n_in, n_out = (int(n) for n in rng.integers(1, 5, size=2))
    shapes = [batch + (n_in,), (n_out, n_in)] + ([(n_out,)] if seed % 2 else [])
    assert_jvp_matches_finite_differences(f"Linear jvp {shapes}", F.linear,
                                          [randn(s, seed + i) for i, s in enumerate(shapes)],
                                          [randn(s, seed + 50 + i) for i, s in enumerate(shapes)])


def test_forward_values_batch_and_vector():
    x, w, b = randn((2, 3, 4), 1), randn((5, 4), 2), randn(5, 3)
    assert_close(F.linear(const(x), const(w), const(b)), np.einsum("bni,oi->bno", x, w) + b,
                 "Linear forward on a (2, 3, 4) batch", 1e-12, 1e-12)
    v = randn(4, 4)
    assert_close(F.linear(const(v), const(w), const(b)), w @ v + b, "Linear forward on a vector (4,)",
                 1e-12, 1e-12)


def test_a_vector_input_gets_gradients_of_the_right_shapes():
    v, w, b, upstream = randn(4, 5), randn((3, 4), 6), randn(3, 7), randn(3, 8)
    grads = as_tuple(Linear.apply(leaf(v), leaf(w), leaf(b)).grad_fn.backward(upstream))
    assert_close(grads[0], w.T @ upstream, "Linear.backward for a vector input: x̄ = Wᵀ ȳ")
    assert_close(grads[1], np.outer(upstream, v), "Linear.backward for a vector input: W̄ = ȳ xᵀ")
    assert_close(grads[2], upstream, "Linear.backward for a vector input: b̄ = ȳ")


def test_an_input_without_grad():
    x, w, b, upstream = randn((4, 3), 9), randn((2, 3), 10), randn(2, 11), randn((4, 2), 12)
    y = Linear.apply(const(x), leaf(w), leaf(b))
    grads = as_tuple(y.grad_fn.backward(upstream))
    assert len(grads) == 3, f"Linear.backward must return one entry per input, got {len(grads)}"
    assert_close(grads[1], upstream.T @ x, "Linear.backward, X constant: W̄ = Ȳᵀ X")
    assert_close(grads[2], upstream.sum(axis=0), "Linear.backward, X constant: b̄ = Σₙ Ȳₙ")


def test_the_input_used_twice_through_the_engine():
    # y = linear(linear(x, W1), W2, b): the engine chains the two rules.
    def f(x, w1, w2, b):
        return F.linear(F.linear(x, w1), w2, b)
    assert_gradient_matches_finite_differences("two stacked Linear layers", f, randn((3, 4), 13),
                                               randn((5, 4), 14), randn((2, 5), 15), randn(2, 16))


def test_float32_stays_float32_and_the_module_without_bias():
    mytorch.manual_seed(0)
    layer = nn.Linear(3, 2, bias=False)
    x = np.random.default_rng(17).standard_normal((4, 3)).astype(np.float32)
    y = layer(mytorch.tensor(x))
    assert y.dtype == np.float32, f"float32 input and weights gave {y.dtype}"
    assert_close(y, x @ layer.weight.data.T, "nn.Linear(3, 2, bias=False)", 1e-5, 1e-6)
    y.sum().backward()
    assert_close(layer.weight.grad, np.ones((2, 4), dtype=np.float32) @ x, "nn.Linear(bias=False): weight.grad",
                 1e-5, 1e-6)
