"""Task 1.10: the Jacobian in both modes (mytorch/autodiff/transforms.py, ``jacobian``).

For f: ℝⁿ → ℝᵐ, reverse mode builds J row by row (one vjp per output entry,
eᵢᵀ J) and forward mode column by column (one jvp per input entry, J eⱼ).
Both must give the same matrix, of shape f(x).shape + x.shape.
"""
import numpy as np
import pytest

import mytorch
from mytorch.autodiff import Function, jacobian

from helpers import assert_close, const, numerical_jacobian, on_arrays, randn, raises

pytestmark = pytest.mark.task1_10

MODES = ["reverse", "forward"]


class LinearMap(Function):
    """y = M x for a fixed matrix M, with its own rules (x̄ = Mᵀ ȳ, ẏ = M ẋ): J = M exactly."""

    M = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])

    def forward(self, x):
        return self.M @ x

    def backward(self, grad):
        return self.M.T @ grad

    def jvp(self, dx):
        return self.M @ dx


@pytest.mark.parametrize("mode", MODES)
def test_a_linear_map_has_its_matrix_as_jacobian(mode):
    # M is 2 × 3: a transposed result (rows and columns swapped) has the wrong shape.
    J = jacobian(LinearMap.apply, const(randn(3, seed=0)), mode=mode)
    assert_close(J, LinearMap.M, f"jacobian(x ↦ M x, mode={mode!r}) should be M (2 × 3), not Mᵀ")


@pytest.mark.parametrize("mode", MODES)
def test_a_nonlinear_function_matches_finite_differences(mode):
    A = randn((2, 3), seed=1)

    def f(x):
        return mytorch.matmul(const(A), mytorch.exp(x)) * x[0]

    x = randn(3, seed=2)
    J = jacobian(f, const(x), mode=mode)
    assert_close(J, numerical_jacobian(on_arrays(f), x),
                 f"jacobian(f, x, mode={mode!r}) for f(x) = (A eˣ) x₀")


@pytest.mark.parametrize("mode", MODES)
def test_the_shape_is_output_shape_then_input_shape(mode):
    def f(X):                       # (2, 3) ↦ (3, 3)
        return mytorch.matmul(mytorch.transpose(X, 0, 1), X)

    X = randn((2, 3), seed=3)
    J = jacobian(f, const(X), mode=mode)
    assert_close(J, numerical_jacobian(on_arrays(f), X),
                 f"jacobian(X ↦ XᵀX, mode={mode!r}) for X of shape (2, 3): shape (3, 3, 2, 3)")


@pytest.mark.parametrize("mode", MODES)
def test_a_scalar_function_gives_its_gradient(mode):
    x = randn((2, 2), seed=4)
    J = jacobian(lambda t: mytorch.sum(t * t), const(x), mode=mode)
    assert_close(J, 2 * x, f"jacobian(x ↦ Σ x², mode={mode!r}) is the gradient 2x, of x's shape")


@pytest.mark.parametrize("mode", MODES)
def test_a_function_that_ignores_its_input_has_a_zero_jacobian(mode):
    c = const(randn(2, seed=5))
    J = jacobian(lambda t: c, const(randn(3, seed=6)), mode=mode)
    assert_close(J, np.zeros((2, 3)), f"jacobian(x ↦ c, mode={mode!r}) for c of shape (2,), x of shape (3,)")


def test_both_modes_agree():
    def f(x):
        return mytorch.logsumexp(mytorch.reshape(x, 2, 3), dim=1) * mytorch.sum(x)

    x = const(randn(6, seed=7))
    reverse, forward = jacobian(f, x, mode="reverse"), jacobian(f, x, mode="forward")
    assert_close(reverse, forward, "jacobian in reverse mode vs forward mode", rtol=1e-10, atol=1e-12)


def test_an_unknown_mode_is_an_error():
    with raises(ValueError, match="mode"):
        jacobian(LinearMap.apply, const(randn(3, seed=8)), mode="sideways")
