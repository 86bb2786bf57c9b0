"""Task 2.1: the Linear layer (mytorch/ops/linalg.py, ``Linear.forward``, ``.backward``, ``.jvp``).

For X (N, in), W (out, in) and b (out,):  Y = X Wᵀ + b,
X̄ = Ȳ W,  W̄ = Ȳᵀ X,  b̄ = Σₙ Ȳₙ,  Ẏ = Ẋ Wᵀ + X Ẇᵀ + ḃ.
The backward tests call the rule directly, ``Y.grad_fn.backward(Ȳ)``.
"""
import numpy as np
import pytest

import mytorch
from mytorch import nn
from mytorch.nn import functional as F
from mytorch.ops.linalg import Linear

from helpers import (as_tuple, assert_backward_matches_finite_differences, assert_close,
                     assert_jvp_matches_finite_differences, const, leaf, randn)

pytestmark = pytest.mark.task2_1


def test_forward_is_x_times_w_transposed_plus_b():
    x, w, b = randn((4, 3), 0), randn((2, 3), 1), randn(2, 2)
    assert_close(Linear.apply(const(x), const(w), const(b)), x @ w.T + b,
                 "Linear forward, X (4, 3), W (2, 3), b (2,): Y = X Wᵀ + b", 1e-12, 1e-12)
    assert_close(F.linear(const(x), const(w)), x @ w.T, "F.linear without a bias: Y = X Wᵀ", 1e-12, 1e-12)


def test_the_three_gradients_have_the_shapes_of_their_inputs():
    x, w, b, upstream = randn((5, 3), 3), randn((2, 3), 4), randn(2, 5), randn((5, 2), 6)
    y = Linear.apply(leaf(x), leaf(w), leaf(b))
    grads = as_tuple(y.grad_fn.backward(upstream))
    assert len(grads) == 3, f"Linear.backward with a bias must return 3 gradients, got {len(grads)}"
    assert_close(grads[0], upstream @ w, "Linear.backward: X̄ = Ȳ W, shape (N, in)")
    assert_close(grads[1], upstream.T @ x, "Linear.backward: W̄ = Ȳᵀ X, shape (out, in)")
    assert_close(grads[2], upstream.sum(axis=0), "Linear.backward: b̄ = Σₙ Ȳₙ, shape (out,)")


@pytest.mark.parametrize("bias", [True, False], ids=["with bias", "without bias"])
def test_backward_matches_finite_differences(bias):
    arrays = [randn((4, 3), 7), randn((5, 3), 8)] + ([randn(5, 9)] if bias else [])
    assert_backward_matches_finite_differences(f"Linear (4, 3) → 5, bias={bias}", F.linear, *arrays)


def test_leading_batch_axes():
    # x (2, 3, 4): W̄ and b̄ sum over both batch axes.
    assert_backward_matches_finite_differences("Linear (2, 3, 4) → 2", F.linear,
                                               randn((2, 3, 4), 10), randn((2, 4), 11), randn(2, 12))


def test_jvp_matches_finite_differences():
    primals = [randn((3, 4), 13), randn((2, 4), 14), randn(2, 15)]
    tangents = [randn((3, 4), 16), randn((2, 4), 17), randn(2, 18)]
    assert_jvp_matches_finite_differences("Linear (3, 4) → 2", F.linear, primals, tangents)


def test_the_linear_module_trains_its_parameters():
    mytorch.manual_seed(0)
    layer = nn.Linear(3, 2, dtype=mytorch.float64)
    x = randn((4, 3), 19)
    layer(const(x)).sum().backward()
    assert_close(layer.weight.grad, np.ones((2, 4)) @ x, "nn.Linear: weight.grad of sum(layer(x))")
    assert_close(layer.bias.grad, np.full(2, 4.0), "nn.Linear: bias.grad of sum(layer(x)) (4 rows)")
