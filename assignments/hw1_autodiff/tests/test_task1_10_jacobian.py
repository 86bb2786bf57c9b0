"""Task 1.10: the Jacobian in both modes (mytorch/autodiff/transforms.py, ``jacobian``).

For f: ℝⁿ → ℝᵐ, reverse mode builds J row by row (one vjp per output entry,
eᵢᵀ J) and forward mode column by column (one jvp per input entry, J eⱼ).
Both must give the same matrix, of shape f(x).shape + x.shape.

The functions here are made of small ``Function`` subclasses defined in this
file, with their own (correct) rules, so these tests need none of the rules you
write in the other tasks; the backward pass (Task 1.2) answers here what the
reference's answered (stand_ins.py).
"""
import numpy as np
import pytest

from mytorch.autodiff import Function, jacobian

from helpers import Modulate, assert_close, const, numerical_jacobian, on_arrays, randn, raises
from stand_ins import STAND_IN_BACKWARD_PASS, NodesMade

pytestmark = pytest.mark.task1_10
STAND_INS = (NodesMade, STAND_IN_BACKWARD_PASS)

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


class Sine(Function):
    """y = sin x elementwise;  x̄ = ȳ cos x,  ẏ = ẋ cos x."""

    def forward(self, x):
        self.save_for_backward(x)
        return np.sin(x)

    def backward(self, grad):
        x, = self.saved_tensors
        return grad * np.cos(x)

    def jvp(self, dx):
        x, = self.saved_tensors
        return dx * np.cos(x)


class Gram(Function):
    """Y = XᵀX for X of shape (n, k), Y of shape (k, k);  X̄ = X (Ȳ + Ȳᵀ),  Ẏ = ẊᵀX + XᵀẊ."""

    def forward(self, X):
        self.save_for_backward(X)
        return X.T @ X

    def backward(self, grad):
        X, = self.saved_tensors
        return X @ (grad + grad.T)

    def jvp(self, dX):
        X, = self.saved_tensors
        return dX.T @ X + X.T @ dX


class SumOfSquares(Function):
    """y = Σ x² (a scalar);  x̄ = 2x ȳ,  ẏ = Σ 2x ẋ."""

    def forward(self, x):
        self.save_for_backward(x)
        return (x * x).sum()

    def backward(self, grad):
        x, = self.saved_tensors
        return 2 * x * grad

    def jvp(self, dx):
        x, = self.saved_tensors
        return (2 * x * dx).sum()


@pytest.mark.parametrize("mode", MODES)
def test_a_linear_map_has_its_matrix_as_jacobian(mode):
    # M is 2 × 3: a transposed result (rows and columns swapped) has the wrong shape.
    J = jacobian(LinearMap.apply, const(randn(3, seed=0)), mode=mode)
    assert_close(J, LinearMap.M, f"jacobian(x ↦ M x, mode={mode!r}) should be M (2 × 3), not Mᵀ")


def waves(x):
    """(M sin x) · sin(M x): ℝ³ → ℝ²."""
    return Modulate.apply(LinearMap.apply(Sine.apply(x)), LinearMap.apply(x))


@pytest.mark.parametrize("mode", MODES)
def test_a_nonlinear_function_matches_finite_differences(mode):
    x = randn(3, seed=2)
    J = jacobian(waves, const(x), mode=mode)
    assert_close(J, numerical_jacobian(on_arrays(waves), x),
                 f"jacobian(f, x, mode={mode!r}) for f(x) = (M sin x) · sin(M x)")


@pytest.mark.parametrize("mode", MODES)
def test_the_shape_is_output_shape_then_input_shape(mode):
    X = randn((2, 3), seed=3)
    J = jacobian(Gram.apply, const(X), mode=mode)
    assert_close(J, numerical_jacobian(on_arrays(Gram.apply), X),
                 f"jacobian(X ↦ XᵀX, mode={mode!r}) for X of shape (2, 3): shape (3, 3, 2, 3)")


@pytest.mark.parametrize("mode", MODES)
def test_a_scalar_function_gives_its_gradient(mode):
    x = randn((2, 2), seed=4)
    J = jacobian(SumOfSquares.apply, const(x), mode=mode)
    assert_close(J, 2 * x, f"jacobian(x ↦ Σ x², mode={mode!r}) is the gradient 2x, of x's shape")


@pytest.mark.parametrize("mode", MODES)
def test_a_function_that_ignores_its_input_has_a_zero_jacobian(mode):
    c = const(randn(2, seed=5))
    J = jacobian(lambda t: c, const(randn(3, seed=6)), mode=mode)
    assert_close(J, np.zeros((2, 3)), f"jacobian(x ↦ c, mode={mode!r}) for c of shape (2,), x of shape (3,)")


def test_both_modes_agree():
    def f(x):                       # sin((M x) · sin(M sin x)): ℝ³ → ℝ²
        return Sine.apply(Modulate.apply(LinearMap.apply(x), LinearMap.apply(Sine.apply(x))))

    x = const(randn(3, seed=7))
    reverse, forward = jacobian(f, x, mode="reverse"), jacobian(f, x, mode="forward")
    assert_close(reverse, forward, "jacobian in reverse mode vs forward mode", rtol=1e-10, atol=1e-12)


def test_an_unknown_mode_is_an_error():
    with raises(ValueError, match="mode"):
        jacobian(LinearMap.apply, const(randn(3, seed=8)), mode="sideways")
