"""Hidden tests of Task 1.10: ``transforms.jacobian`` in both modes.

Most functions here are made of primitives with their own rules (hidden_helpers), so
that the tests depend as little as possible on the other tasks.
"""
import numpy as np
import pytest

import mytorch
from mytorch.autodiff import jacobian

from helpers import assert_close, const, numerical_jacobian, on_arrays, randn, raises
from hidden_helpers import Counted, Outer, Trace

pytestmark = pytest.mark.task1_10

MODES = ["reverse", "forward"]


def expected_counted(x):
    y = np.tanh(Counted.M @ x)
    return (1 - y ** 2)[:, None] * Counted.M


@pytest.mark.parametrize("mode", MODES)
def test_a_non_square_jacobian(mode):
    x = randn(3, 1)
    J = jacobian(Counted.apply, const(x), mode=mode)
    assert_close(J, expected_counted(x), f"jacobian(x ↦ tanh(M x), mode={mode!r}), M of shape (5, 3)")


def test_reverse_mode_takes_one_backward_pass_per_output_entry():
    Counted.backward_calls = Counted.jvp_calls = 0
    jacobian(Counted.apply, const(randn(3, 2)), mode="reverse")
    assert Counted.jvp_calls == 0, "reverse mode must not use jvp rules"
    assert Counted.backward_calls == 5, (
        f"reverse mode should take one vjp per output entry (5 rows), took {Counted.backward_calls}")


def test_forward_mode_takes_one_jvp_per_input_entry():
    Counted.backward_calls = Counted.jvp_calls = 0
    jacobian(Counted.apply, const(randn(3, 3)), mode="forward")
    assert Counted.backward_calls == 0, "forward mode must not use backward rules"
    assert 3 <= Counted.jvp_calls <= 4, (
        f"forward mode should take one jvp per input entry (3 columns), took {Counted.jvp_calls}")


def test_the_default_mode_is_reverse():
    Counted.backward_calls = Counted.jvp_calls = 0
    x = randn(3, 4)
    J = jacobian(Counted.apply, const(x))
    assert_close(J, expected_counted(x), "jacobian(f, x) without mode")
    assert Counted.jvp_calls == 0 and Counted.backward_calls == 5, "the default mode is reverse"


@pytest.mark.parametrize("mode", MODES)
def test_a_matrix_output(mode):
    x = randn(3, 5)
    expected = np.einsum("ik,j->ijk", np.eye(3), x) + np.einsum("i,jk->ijk", x, np.eye(3))
    assert_close(jacobian(Outer.apply, const(x), mode=mode), expected,
                 f"jacobian(x ↦ x xᵀ, mode={mode!r}): shape (3, 3, 3)")


@pytest.mark.parametrize("mode", MODES)
def test_a_scalar_output_of_a_matrix_input(mode):
    J = jacobian(Trace.apply, const(randn((3, 3), 6)), mode=mode)
    assert_close(J, np.eye(3), f"jacobian(X ↦ trace X, mode={mode!r}) is the identity, of X's shape")


@pytest.mark.parametrize("mode", MODES)
def test_a_zero_dimensional_input(mode):
    x = np.array(0.4)
    J = jacobian(lambda t: Outer.apply(mytorch.reshape(t, 1)), const(x), mode=mode)
    assert_close(J, np.array([[2 * 0.4]]), f"jacobian(x ↦ [[x²]], mode={mode!r}) for a 0-d x: shape (1, 1)")


@pytest.mark.parametrize("mode", MODES)
def test_a_constant_function_in_higher_dimensions(mode):
    c = const(randn((2, 2), 7))
    J = jacobian(lambda t: c, const(randn((3, 1), 8)), mode=mode)
    assert_close(J, np.zeros((2, 2, 3, 1)), f"jacobian(x ↦ c, mode={mode!r}) for c (2, 2) and x (3, 1)")


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("mode", MODES)
def test_library_functions_match_finite_differences(mode, seed):
    W = randn((3, 4), seed + 10)

    def f(X):
        return mytorch.logsumexp(mytorch.matmul(X, const(W)), dim=0) * mytorch.sum(X * X)

    X = randn((2, 3), seed + 20)
    assert_close(jacobian(f, const(X), mode=mode), numerical_jacobian(on_arrays(f), X),
                 f"jacobian(f, X, mode={mode!r}) for a composite f: (2, 3) ↦ (4,)")


def test_the_modes_agree_on_a_composition():
    def f(x):
        return Outer.apply(Counted.apply(x)) * 3.0

    x = const(randn(3, 9))
    reverse, forward = jacobian(f, x, mode="reverse"), jacobian(f, x, mode="forward")
    assert_close(reverse, forward, "jacobian reverse vs forward for x ↦ 3 tanh(Mx) tanh(Mx)ᵀ",
                 rtol=1e-10, atol=1e-12)


def test_the_input_is_left_unchanged():
    x = const(randn(3, 11))
    before = x.data.copy()
    for mode in MODES:
        jacobian(Counted.apply, x, mode=mode)
    assert np.array_equal(x.data, before) and x.grad is None and x.tangent is None, (
        "jacobian must not change x, give it a .grad or leave a tangent on it")


def test_an_unknown_mode_names_the_modes():
    with raises(ValueError, match="forward|reverse"):
        jacobian(Counted.apply, const(randn(3, 12)), mode="backward")
