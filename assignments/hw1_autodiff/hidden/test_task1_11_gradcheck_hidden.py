"""Hidden tests of Task 1.11: ``relative_error``, ``numerical_jacobian`` and ``gradcheck``.

Where noted, the analytic side of ``gradcheck`` (``transforms.jacobian``, Task 1.10)
is replaced by a closed form, so that those tests grade this task alone.
"""
import numpy as np
import pytest

import mytorch
from mytorch.autodiff import Function, transforms
from mytorch.autodiff.gradcheck import GradcheckError, gradcheck, numerical_jacobian, relative_error

from helpers import assert_close, const, leaf, randn, raises
from hidden_helpers import SlightlyWrongCube

pytestmark = pytest.mark.task1_11


class Bilinear(Function):
    """y = a W b: a (2, 3), W fixed (3, 4), b (4, 2) → y (2, 2); the rule for b is wrong in entry (3, 1)."""

    W = randn((3, 4), 0)

    def forward(self, a, b):
        self.save_for_backward(a, b)
        return a @ self.W @ b

    def backward(self, grad):
        a, b = self.saved_tensors
        grad_b = (a @ self.W).T @ grad
        grad_b[3, 1] *= 1.5
        return grad @ (self.W @ b).T, grad_b

    def jvp(self, da, db):
        a, b = self.saved_tensors
        return da @ self.W @ b + a @ self.W @ db


def test_relative_error_on_random_arrays():
    rng = np.random.default_rng(1)
    a, n = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    expected = np.abs(a - n) / np.maximum(1e-8, np.abs(a) + np.abs(n))
    assert_close(relative_error(a, n), expected, "relative_error on (3, 4) arrays", rtol=1e-12, atol=0)
    assert_close(relative_error(n, a), expected, "relative_error is symmetric", rtol=1e-12, atol=0)


def test_relative_error_is_between_zero_and_one():
    rng = np.random.default_rng(2)
    a, n = rng.standard_normal(100) * 1e-6, rng.standard_normal(100) * 1e-6
    errors = np.asarray(relative_error(a, n))
    assert errors.shape == (100,) and np.all(errors >= 0) and np.all(errors <= 1), (
        "|a − n| ≤ |a| + |n|, so the relative error lies in [0, 1]")
    assert_close(relative_error(a, a), np.zeros(100), "relative_error(a, a)", rtol=0, atol=0)


def test_relative_error_floor_argument():
    got = relative_error(np.array([3e-5, 0.0]), np.array([1e-5, 0.0]), floor=1e-3)
    assert_close(got, np.array([2e-5 / 1e-3, 0.0]), "relative_error with floor=1e-3", rtol=1e-12, atol=0)
    got = relative_error(np.array([3.0]), np.array([1.0]), floor=1e-3)
    assert_close(got, np.array([0.5]), "relative_error above the floor ignores it", rtol=1e-12, atol=0)


def test_relative_error_of_zero_dimensional_arrays():
    got = relative_error(np.array(2.0), np.array(1.0))
    assert_close(np.asarray(got), np.array(1 / 3), "relative_error of 0-d arrays", rtol=1e-12, atol=0)


@pytest.mark.parametrize("x_shape, A_rows", [((3,), 4), ((2, 3), 2), ((), 3)], ids=str)
def test_numerical_jacobian_shapes(x_shape, A_rows):
    x = randn(x_shape, 3)
    A = randn((A_rows, x.size), 4)
    J = numerical_jacobian(lambda t: mytorch.matmul(const(A), mytorch.reshape(t, -1)), (leaf(x),), 0)
    assert_close(J, A.reshape((A_rows,) + x_shape),
                 f"numerical_jacobian(x ↦ A vec(x)) for x of shape {x_shape}", rtol=0, atol=1e-8)


def test_numerical_jacobian_of_a_scalar_function():
    x = randn((2, 3), 5)
    J = numerical_jacobian(lambda t: mytorch.sum(t * t), (leaf(x),), 0)
    assert_close(J, 2 * x, "numerical_jacobian(x ↦ Σ x²) has x's shape", rtol=0, atol=1e-8)


def test_numerical_jacobian_uses_its_eps():
    # Central differences of x³ give exactly 3x² + ε²: with ε = 1e-2 the ε² term is visible.
    x = randn(3, 6)
    J = numerical_jacobian(lambda t: t ** 3, (leaf(x),), 0, eps=1e-2)
    assert_close(J, np.diag(3 * x ** 2 + 1e-4), "numerical_jacobian(x ↦ x³, eps=1e-2) = diag(3x² + ε²)",
                 rtol=1e-9, atol=1e-10)


def test_numerical_jacobian_with_respect_to_the_last_of_three_inputs():
    a, b, c = randn(2, 7), randn((2, 2), 8), randn(2, 9)
    inputs = (leaf(a), leaf(b, requires_grad=False), leaf(c))
    J = numerical_jacobian(lambda s, t, u: mytorch.matmul(t, s * u), inputs, 2)
    assert_close(J, b * a[None, :], "numerical_jacobian of B (a · c) with respect to input 2 (c)", atol=1e-8)
    for i, original in enumerate((a, b, c)):
        assert_close(inputs[i], original, f"input {i} after numerical_jacobian", rtol=0, atol=0)


def test_numerical_jacobian_of_a_function_that_ignores_the_input():
    J = numerical_jacobian(lambda s, t: t * 2.0, (leaf(randn(3, 10)), leaf(randn(2, 11))), 0)
    assert_close(J, np.zeros((2, 3)), "numerical_jacobian with respect to an unused input", rtol=0, atol=0)


def test_gradcheck_accepts_a_correct_function_of_several_inputs():
    a, b = leaf(randn((2, 3), 12)), leaf(randn((4, 2), 13))

    class GoodBilinear(Bilinear):
        def backward(self, grad):
            a, b = self.saved_tensors
            return grad @ (self.W @ b).T, (a @ self.W).T @ grad

    assert gradcheck(GoodBilinear.apply, (a, b)) is True


def test_gradcheck_reports_a_matrix_index():
    a, b = leaf(randn((2, 3), 14)), leaf(randn((4, 2), 15))
    with raises(GradcheckError, match=r"input 1 .*\(\d, 1, 3, 1\)"):
        gradcheck(Bilinear.apply, (a, b))


def test_gradcheck_respects_its_tolerance():
    x = leaf(np.abs(randn(4, 16)) + 0.5)
    with raises(GradcheckError, match="input 0"):
        gradcheck(SlightlyWrongCube.apply, (x,))
    assert gradcheck(SlightlyWrongCube.apply, (x,), tolerance=1e-3) is True, (
        "a relative error of 5e-5 passes with tolerance=1e-3")


def test_gradcheck_skips_inputs_that_do_not_require_grad():
    a, b = leaf(randn((2, 3), 17)), leaf(randn((4, 2), 18), requires_grad=False)
    assert gradcheck(Bilinear.apply, (a, b)) is True, (
        "b does not require grad, so its wrong rule is not checked")


def test_gradcheck_with_a_closed_form_analytic_side(monkeypatch):
    # The analytic Jacobian is replaced by a closed form: right, then wrong in one entry.
    x = leaf(randn(3, 19))
    right = np.diag(3 * x.data ** 2)
    monkeypatch.setattr(transforms, "jacobian", lambda f, value, mode="reverse": mytorch.tensor(right))
    assert gradcheck(lambda t: t ** 3, (x,)) is True, "gradcheck should accept the exact Jacobian of x³"
    wrong = right.copy()
    wrong[2, 1] = 0.1
    monkeypatch.setattr(transforms, "jacobian", lambda f, value, mode="reverse": mytorch.tensor(wrong))
    with raises(GradcheckError, match=r"\(2, 1\)"):
        gradcheck(lambda t: t ** 3, (x,))


def test_gradcheck_with_a_closed_form_and_a_zero_derivative(monkeypatch):
    # ∂(x₀ x₁)/∂x at x = (0, 0) is exactly 0: the floor must keep 0 / 0 from failing the check.
    zero = mytorch.tensor(np.zeros((1, 2)))
    monkeypatch.setattr(transforms, "jacobian", lambda f, value, mode="reverse": zero)
    x = leaf(np.zeros(2))
    assert gradcheck(lambda t: mytorch.reshape(t[0] * t[1], 1), (x,)) is True
