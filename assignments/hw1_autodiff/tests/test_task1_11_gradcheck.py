"""Task 1.11: a gradient checker (mytorch/autodiff/gradcheck.py).

You write ``relative_error`` and ``numerical_jacobian``; the given ``gradcheck``
uses them, and ``jacobian`` (Task 1.10) for the analytic side, which answers here
what the reference's answered (stand_ins.py).
"""
import numpy as np
import pytest

import mytorch
from mytorch.autodiff import Function
from mytorch.autodiff.gradcheck import GradcheckError, gradcheck, numerical_jacobian, relative_error

from helpers import Modulate, assert_close, const, leaf, raises, randn
from stand_ins import STAND_IN_JACOBIAN

pytestmark = pytest.mark.task1_11
STAND_INS = (STAND_IN_JACOBIAN,)


class Scale(Function):
    """y = s · x elementwise for a fixed s, with a correct backward: J = diag(s)."""

    s = np.array([1.0, -2.0, 3.0, 0.5])

    def forward(self, x):
        return self.s * x

    def backward(self, grad):
        return self.s * grad

    def jvp(self, dx):
        return self.s * dx


class BrokenScale(Scale):
    """The same function with a backward rule that is wrong in entry 2 only."""

    def backward(self, grad):
        wrong = self.s * grad
        wrong[2] *= 2
        return wrong


def test_relative_error_values():
    analytic = np.array([1.0, 2.0, -3.0, 0.0])
    numeric = np.array([1.1, 2.0, 3.0, 1e-3])
    expected = np.array([0.1 / 2.1, 0.0, 1.0, 1.0])
    assert_close(relative_error(analytic, numeric), expected,
                 "relative_error = |a − n| / max(floor, |a| + |n|), elementwise", rtol=1e-12, atol=0)


def test_relative_error_has_a_floor():
    got = relative_error(np.array([0.0, 1e-12]), np.array([0.0, -1e-12]))
    assert_close(got, np.array([0.0, 2e-12 / 1e-8]),
                 "relative_error of (0, 0) and (1e-12, −1e-12): below the floor 1e-8 divide by the floor "
                 "(0/0 would be nan)", rtol=1e-12, atol=0)
    got = relative_error(np.array([1e-12]), np.array([-1e-12]), floor=1e-10)
    assert_close(got, np.array([2e-2]), "relative_error with floor=1e-10", rtol=1e-12, atol=0)


def test_numerical_jacobian_of_a_linear_map_is_its_matrix():
    A = randn((2, 3), seed=0)
    x = leaf(randn(3, seed=1))
    J = numerical_jacobian(lambda t: mytorch.matmul(const(A), t), (x,), 0)
    assert_close(J, A, "numerical_jacobian(x ↦ A x) should be A, of shape f(x).shape + x.shape", atol=1e-8)


def test_central_differences_are_exact_for_a_quadratic():
    # (f(x + ε) − f(x − ε)) / 2ε has no truncation error for f = x²; a one-sided
    # difference (f(x + ε) − f(x)) / ε would be off by ε = 1e-6.
    x_value = randn((2, 2), seed=2)
    J = numerical_jacobian(lambda t: t * t, (leaf(x_value),), 0)
    expected = np.zeros((2, 2, 2, 2))
    for i in np.ndindex(2, 2):
        expected[i + i] = 2 * x_value[i]
    assert_close(J, expected, "numerical_jacobian(x ↦ x²) for x of shape (2, 2): 2x on the diagonal",
                 rtol=0, atol=1e-8)


def test_numerical_jacobian_moves_only_the_chosen_input():
    a, b = randn(3, seed=3), randn(3, seed=4)
    inputs = (leaf(a), leaf(b))
    J = numerical_jacobian(lambda s, t: s * t ** 3, inputs, 1)
    assert_close(J, np.diag(3 * a * b ** 2), "numerical_jacobian of y = a · b³ with respect to input 1 (b)")
    assert_close(inputs[0], a, "input 0 after numerical_jacobian (it must not change)", rtol=0, atol=0)
    assert_close(inputs[1], b, "input 1 after numerical_jacobian (restore, or copy, what you move)",
                 rtol=0, atol=0)


def test_gradcheck_accepts_correct_rules():
    a, b = leaf(randn(4, seed=5)), leaf(randn(4, seed=6))
    assert gradcheck(lambda s, t: Modulate.apply(Scale.apply(s), t), (a, b)) is True, (
        "gradcheck should return True for a function whose backward rules are right")


def test_gradcheck_names_the_wrong_input_and_index():
    a, b = leaf(randn(4, seed=7)), leaf(randn(4, seed=8))
    with raises(GradcheckError, match=r"input 1 .*\(2, 2\)"):
        gradcheck(lambda s, t: Modulate.apply(s, BrokenScale.apply(t)), (a, b))


def test_gradcheck_needs_float64():
    x = randn(4, seed=9)
    assert gradcheck(Scale.apply, (leaf(x),)) is True, "gradcheck should accept y = s · x in float64"
    with raises(GradcheckError, match="float64"):
        gradcheck(Scale.apply, (mytorch.tensor(x.astype(np.float32), requires_grad=True),))
