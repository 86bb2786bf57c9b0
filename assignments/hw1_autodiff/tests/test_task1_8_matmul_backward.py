"""Task 1.8: backward of matmul (mytorch/ops/linalg.py, ``MatMul.backward``).

Y = A B follows NumPy's ``@``: a 1-D A is a one-row matrix, a 1-D B a
one-column matrix, and leading batch axes broadcast (their gradients are
summed back with ``unbroadcast``, Task 1.3, which answers here what the
reference's answered: stand_ins.py). Each test calls the rule directly,
``Y.grad_fn.backward(Ȳ)``.
"""
import pytest

import mytorch
from mytorch.ops.linalg import MatMul

from helpers import as_tuple, assert_backward_matches_finite_differences, assert_close, leaf, randn
from stand_ins import STAND_IN_UNBROADCAST_OF_MATMUL

pytestmark = pytest.mark.task1_8
STAND_INS = (STAND_IN_UNBROADCAST_OF_MATMUL,)


def test_matrix_times_matrix():
    a, b, upstream = randn((2, 3), seed=0), randn((3, 4), seed=1), randn((2, 4), seed=2)
    y = MatMul.apply(leaf(a), leaf(b))
    grad_a, grad_b = as_tuple(y.grad_fn.backward(upstream))
    assert_close(grad_a, upstream @ b.T, "MatMul.backward for (2, 3) @ (3, 4): Ā = Ȳ Bᵀ")
    assert_close(grad_b, a.T @ upstream, "MatMul.backward for (2, 3) @ (3, 4): B̄ = Aᵀ Ȳ")


def test_matrix_times_matrix_matches_finite_differences():
    assert_backward_matches_finite_differences("MatMul (3, 5) @ (5, 2)", mytorch.matmul,
                                               randn((3, 5), seed=3), randn((5, 2), seed=4))


@pytest.mark.parametrize("a_shape, b_shape", [((3,), (3, 4)), ((2, 3), (3,)), ((3,), (3,))],
                         ids=["vector@matrix", "matrix@vector", "vector@vector"])
def test_vectors(a_shape, b_shape):
    assert_backward_matches_finite_differences(f"MatMul {a_shape} @ {b_shape}", mytorch.matmul,
                                               randn(a_shape, seed=5), randn(b_shape, seed=6))


def test_a_stack_of_matrices():
    assert_backward_matches_finite_differences("MatMul (4, 2, 3) @ (4, 3, 2)", mytorch.matmul,
                                               randn((4, 2, 3), seed=7), randn((4, 3, 2), seed=8))


@pytest.mark.parametrize("a_shape, b_shape", [((4, 2, 3), (3, 5)), ((2, 3), (4, 3, 5))],
                         ids=["batch@matrix", "matrix@batch"])
def test_a_matrix_broadcast_against_a_stack(a_shape, b_shape):
    # The 2-D input is used by every matrix of the stack: its gradient sums over the batch.
    assert_backward_matches_finite_differences(f"MatMul {a_shape} @ {b_shape}", mytorch.matmul,
                                               randn(a_shape, seed=9), randn(b_shape, seed=10))


def test_only_the_input_that_requires_grad_is_needed():
    a, b, upstream = randn((2, 3), seed=11), randn((3, 4), seed=12), randn((2, 4), seed=13)
    y = MatMul.apply(leaf(a, requires_grad=False), leaf(b))
    grads = as_tuple(y.grad_fn.backward(upstream))
    assert len(grads) == 2, (
        f"MatMul.backward must return one entry per input (None allowed), got {len(grads)}")
    assert_close(grads[1], a.T @ upstream, "MatMul.backward when only B requires grad: B̄ = Aᵀ Ȳ")
