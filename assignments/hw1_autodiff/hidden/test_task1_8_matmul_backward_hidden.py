"""Hidden tests of Task 1.8: backward of matmul, called as ``Y.grad_fn.backward(Ȳ)``.

``unbroadcast`` (Task 1.3) is replaced by a stand-in for every test, so these
tests grade the rule alone.
"""
import numpy as np
import pytest

import mytorch
from mytorch.ops import linalg
from mytorch.ops.linalg import MatMul

from helpers import as_tuple, assert_backward_matches_finite_differences, assert_close, leaf, randn
from hidden_helpers import stand_in_unbroadcast

pytestmark = pytest.mark.task1_8


@pytest.fixture(autouse=True)
def independent_of_task_1_3(monkeypatch):
    """MatMul.backward calls unbroadcast (Task 1.3): a stand-in grades this rule alone."""
    monkeypatch.setattr(linalg, "unbroadcast", stand_in_unbroadcast)

SHAPES = [
    ((1, 1), (1, 1)),
    ((1, 4), (4, 1)),
    ((4,), (4,)),
    ((4,), (4, 1)),
    ((1, 4), (4,)),
    ((3,), (2, 3, 4)),
    ((2, 4, 3), (3,)),
    ((2, 1, 3, 4), (5, 4, 2)),
    ((3, 4), (2, 2, 4, 3)),
    ((2, 1, 2, 3), (1, 3, 3, 2)),
    ((1, 2, 3), (3, 2)),
]


@pytest.mark.parametrize("a_shape, b_shape", SHAPES, ids=[f"{a}@{b}" for a, b in SHAPES])
def test_shapes_and_broadcasting(a_shape, b_shape):
    assert_backward_matches_finite_differences(f"MatMul {a_shape} @ {b_shape}", mytorch.matmul,
                                               randn(a_shape, 1), randn(b_shape, 2), seed=3)


def test_larger_matrices_in_closed_form():
    rng = np.random.default_rng(4)
    a, b = rng.standard_normal((20, 30)), rng.standard_normal((30, 10))
    upstream = rng.standard_normal((20, 10))
    grad_a, grad_b = as_tuple(MatMul.apply(leaf(a), leaf(b)).grad_fn.backward(upstream))
    assert_close(grad_a, upstream @ b.T, "MatMul.backward (20, 30) @ (30, 10): Ā = Ȳ Bᵀ",
                 rtol=1e-10, atol=1e-12)
    assert_close(grad_b, a.T @ upstream, "MatMul.backward (20, 30) @ (30, 10): B̄ = Aᵀ Ȳ",
                 rtol=1e-10, atol=1e-12)


def test_a_batch_broadcast_over_a_shared_matrix_in_closed_form():
    a, b, upstream = randn((5, 2, 3), 5), randn((3, 4), 6), randn((5, 2, 4), 7)
    grad_a, grad_b = as_tuple(MatMul.apply(leaf(a), leaf(b)).grad_fn.backward(upstream))
    assert_close(grad_a, upstream @ b.T, "MatMul.backward (5, 2, 3) @ (3, 4): Ā")
    assert_close(grad_b, sum(a[i].T @ upstream[i] for i in range(5)),
                 "MatMul.backward (5, 2, 3) @ (3, 4): B̄ sums Aᵢᵀ Ȳᵢ over the batch")


def test_the_dot_product_of_two_vectors():
    a, b = randn(5, 8), randn(5, 9)
    grad_a, grad_b = as_tuple(MatMul.apply(leaf(a), leaf(b)).grad_fn.backward(np.array(2.0)))
    assert_close(grad_a, 2.0 * b, "MatMul.backward for a vector dot product: ā = ȳ b")
    assert_close(grad_b, 2.0 * a, "MatMul.backward for a vector dot product: b̄ = ȳ a")


@pytest.mark.parametrize("which", [0, 1])
def test_only_one_input_requires_grad(which):
    a, b, upstream = randn((2, 3, 4), 10), randn((4, 5), 11), randn((2, 3, 5), 12)
    inputs = [leaf(a, requires_grad=(which == 0)), leaf(b, requires_grad=(which == 1))]
    grads = as_tuple(MatMul.apply(*inputs).grad_fn.backward(upstream))
    assert len(grads) == 2, "MatMul.backward must return one entry per input"
    expected = upstream @ b.T if which == 0 else np.einsum("nij,nik->jk", a, upstream)
    assert_close(grads[which], expected, f"MatMul.backward when only input {which} requires grad")


def test_the_upstream_gradient_is_not_modified():
    a, b, upstream = randn(3, 13), randn((2, 3, 4), 14), randn((2, 4), 15)
    before = upstream.copy()
    MatMul.apply(leaf(a), leaf(b)).grad_fn.backward(upstream)
    assert np.array_equal(upstream, before), "MatMul.backward changed Ȳ in place"
