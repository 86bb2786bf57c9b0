"""Task 1.7: backward of reshape, permute, indexing and concatenation (mytorch/ops/shape.py).

These primitives only move entries, so each rule moves ȳ back to where the
entries came from. Each test calls the rule directly, ``y.grad_fn.backward(ȳ)``.
"""
import numpy as np
import pytest

import mytorch

from helpers import as_tuple, assert_backward_matches_finite_differences, assert_close, leaf, randn

pytestmark = pytest.mark.task1_7


def test_reshape_puts_the_gradient_back_in_the_input_shape():
    x, upstream = randn((2, 3, 4), seed=0), randn((6, 4), seed=1)
    y = mytorch.reshape(leaf(x), 6, 4)
    grad = as_tuple(y.grad_fn.backward(upstream))[0]
    assert_close(grad, upstream.reshape(2, 3, 4), "Reshape.backward from (2, 3, 4) to (6, 4)")


def test_reshape_with_an_inferred_size_and_unsqueeze():
    assert_backward_matches_finite_differences("Reshape to (-1,)", lambda t: mytorch.reshape(t, -1),
                                               randn((2, 3), seed=2))
    assert_backward_matches_finite_differences("Reshape (unsqueeze(1))", lambda t: mytorch.unsqueeze(t, 1),
                                               randn((2, 3), seed=3))


def test_permute_needs_the_inverse_permutation():
    # (1, 2, 0) is not its own inverse: transposing ȳ with the same dims again is wrong.
    x, upstream = randn((2, 3, 4), seed=4), randn((3, 4, 2), seed=5)
    y = mytorch.permute(leaf(x), 1, 2, 0)
    grad = as_tuple(y.grad_fn.backward(upstream))[0]
    assert_close(grad, upstream.transpose(2, 0, 1), "Permute.backward for dims (1, 2, 0)")


def test_transpose_matches_finite_differences():
    assert_backward_matches_finite_differences("Permute (transpose(0, 1))",
                                               lambda t: mytorch.transpose(t, 0, 1), randn((3, 5), seed=6))


@pytest.mark.parametrize("index", [1, -1, slice(1, 3), (slice(None), 2), (Ellipsis, slice(None, None, -2))],
                         ids=["int", "negative", "slice", "column", "reversed-step"])
def test_indexing_with_integers_and_slices(index):
    assert_backward_matches_finite_differences(f"GetItem x[{index}]", lambda t: t[index],
                                               randn((4, 5), seed=7))


def test_indexing_routes_the_gradient_to_the_picked_entries_only():
    x, upstream = randn((3, 4), seed=8), randn(4, seed=9)
    y = leaf(x)[1]
    grad = as_tuple(y.grad_fn.backward(upstream))[0]
    expected = np.zeros((3, 4))
    expected[1] = upstream
    assert_close(grad, expected, "GetItem.backward for x[1]: ȳ in row 1, zeros elsewhere")


def test_an_entry_picked_twice_gets_both_contributions():
    x = randn(4, seed=10)
    index = np.array([0, 2, 0, 0])
    y = leaf(x)[index]
    grad = as_tuple(y.grad_fn.backward(np.array([1.0, 10.0, 100.0, 1000.0])))[0]
    assert_close(grad, np.array([1101.0, 0.0, 10.0, 0.0]),
                 "GetItem.backward for x[[0, 2, 0, 0]]: entry 0 is used three times, so its gradient adds "
                 "three contributions (x̄[index] = ȳ keeps only one; use backend.scatter_add)")


def test_indexing_with_a_boolean_mask():
    x = randn((3, 4), seed=11)
    mask = x > 0
    assert_backward_matches_finite_differences("GetItem x[mask]", lambda t: t[mask], x)


def test_concatenation_splits_the_gradient():
    a, b, upstream = randn((2, 3), seed=12), randn((4, 3), seed=13), randn((6, 3), seed=14)
    y = mytorch.cat([leaf(a), leaf(b)], dim=0)
    grad_a, grad_b = as_tuple(y.grad_fn.backward(upstream))
    assert_close(grad_a, upstream[:2], "Concatenate.backward, first input: rows 0–1 of ȳ")
    assert_close(grad_b, upstream[2:], "Concatenate.backward, second input: rows 2–5 of ȳ")


def test_concatenation_of_three_along_the_last_axis():
    assert_backward_matches_finite_differences("Concatenate (dim=-1)",
                                               lambda a, b, c: mytorch.cat([a, b, c], dim=-1),
                                               randn((2, 1), seed=15), randn((2, 3), seed=16),
                                               randn((2, 2), seed=17))
