"""Task 1.3: gradients under broadcasting (mytorch/ops/arithmetic.py, ``unbroadcast``).

When broadcasting copies an input, each copy contributes to the output, so the
input's gradient is the sum of the upstream gradient over all of its copies.
The tests call ``unbroadcast(grad, shape)`` directly on NumPy arrays.
"""
import numpy as np
import pytest

from mytorch.ops.arithmetic import unbroadcast

from helpers import assert_close, randn

pytestmark = pytest.mark.task1_3


def check(grad, shape, expected):
    assert_close(unbroadcast(grad, shape), expected, f"unbroadcast(grad of shape {grad.shape}, {shape})")


def test_same_shape_is_unchanged():
    grad = randn((2, 3), seed=0)
    check(grad, (2, 3), grad)


def test_leading_axes_are_summed_away():
    grad = randn((4, 3), seed=1)
    check(grad, (3,), grad.sum(axis=0))                 # each of the 4 rows is a copy of the input
    grad = randn((2, 4, 3), seed=2)
    check(grad, (3,), grad.sum(axis=(0, 1)))


def test_axes_of_size_one_are_summed_and_kept():
    grad = randn((3, 5), seed=3)
    check(grad, (3, 1), grad.sum(axis=1).reshape(3, 1))
    check(grad, (1, 5), grad.sum(axis=0).reshape(1, 5))


def test_leading_and_size_one_axes_together():
    grad = randn((4, 3, 5), seed=5)                     # the example of arithmetic.py's docstring
    check(grad, (3, 1), grad.sum(axis=(0, 2)).reshape(3, 1))
    grad = randn((2, 3, 4, 5), seed=6)
    check(grad, (1, 4, 1), grad.sum(axis=(0, 1, 3)).reshape(1, 4, 1))


def test_a_scalar_gets_the_total():
    grad = randn((2, 3), seed=7)
    check(grad, (), np.asarray(grad.sum()))             # a 0-d input was copied to every entry


def test_a_size_one_axis_that_was_not_stretched_stays():
    grad = randn((1, 5), seed=8)
    check(grad, (1, 5), grad)
    grad = randn((4, 1, 5), seed=9)
    check(grad, (1, 5), grad.sum(axis=0))


def test_the_adjoint_of_broadcasting():
    # Broadcasting B is linear, and unbroadcast is its transpose: ⟨unbroadcast(g), x⟩ = ⟨g, B x⟩.
    grad, x = randn((3, 4, 5), seed=10), randn((4, 1), seed=11)
    left = np.sum(unbroadcast(grad, (4, 1)) * x)
    right = np.sum(grad * np.broadcast_to(x, grad.shape))
    np.testing.assert_allclose(left, right, rtol=1e-12,
                               err_msg="⟨unbroadcast(g, (4, 1)), x⟩ should equal ⟨g, broadcast_to(x)⟩")
