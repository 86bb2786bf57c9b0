"""Hidden tests of Task 1.5: backward of exp, log and abs, called as ``y.grad_fn.backward(ȳ)``."""
import numpy as np
import pytest

from mytorch.ops.elementwise import Abs, Exp, Log

from helpers import as_tuple, assert_backward_matches_finite_differences, assert_close, leaf, randn

pytestmark = pytest.mark.task1_5


def rule(op, x, upstream):
    return as_tuple(op.apply(leaf(x)).grad_fn.backward(upstream))[0]


@pytest.mark.parametrize("shape", [(), (1,), (7,), (2, 3, 4)], ids=str)
def test_exp_on_shapes(shape):
    x, upstream = 3 * randn(shape, 1), randn(shape, 2)
    assert_close(rule(Exp, x, upstream), upstream * np.exp(x), f"Exp.backward on shape {shape}")


def test_exp_of_large_and_very_negative_values():
    x = np.array([-700.0, -30.0, 0.0, 20.0, 300.0])
    upstream = np.array([1.0, -2.0, 0.5, 1e-3, 1e-100])
    assert_close(rule(Exp, x, upstream), upstream * np.exp(x), "Exp.backward at x ∈ {−700, …, 300}",
                 rtol=1e-12, atol=0)


@pytest.mark.parametrize("shape", [(), (5,), (3, 2, 2)], ids=str)
def test_log_on_shapes(shape):
    x, upstream = np.exp(randn(shape, 3)), randn(shape, 4)
    assert_close(rule(Log, x, upstream), upstream / x, f"Log.backward on shape {shape}")
    assert_backward_matches_finite_differences("Log", Log.apply, x)


def test_log_near_zero_and_far_away():
    x = np.array([1e-8, 1e-3, 1.0, 1e6])
    upstream = np.array([1e-9, 1.0, 2.0, 3.0])
    assert_close(rule(Log, x, upstream), upstream / x, "Log.backward at x ∈ {1e−8, 1e−3, 1, 1e6}",
                 rtol=1e-12, atol=0)


def test_abs_with_zeros_in_several_places():
    x = np.array([[0.0, -1.5, 2.0], [3.0, 0.0, -0.0]])
    upstream = randn((2, 3), 5)
    assert_close(rule(Abs, x, upstream), upstream * np.array([[0.0, -1.0, 1.0], [1.0, 0.0, 0.0]]),
                 "Abs.backward: sign(x) with sign(±0) = 0")


def test_abs_on_random_values():
    x = randn((4, 5), 6)
    assert_backward_matches_finite_differences("Abs", Abs.apply, np.where(np.abs(x) < 1e-3, 0.5, x))


def test_exp_and_log_match_finite_differences_on_a_3d_input():
    assert_backward_matches_finite_differences("Exp", Exp.apply, randn((2, 2, 3), 7))
    assert_backward_matches_finite_differences("Log", Log.apply, np.abs(randn((2, 2, 3), 8)) + 0.2)


def test_a_zero_upstream_gives_a_zero_gradient():
    x = randn(4, 9)
    for op, values in [(Exp, x), (Log, np.abs(x) + 1), (Abs, x)]:
        assert_close(rule(op, values, np.zeros(4)), np.zeros(4), f"{op.__name__}.backward with ȳ = 0",
                     rtol=0, atol=0)
