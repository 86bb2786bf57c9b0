"""Task 1.5: backward of exp, log and abs (mytorch/ops/elementwise.py).

Each test applies one primitive and calls its rule directly, ``y.grad_fn.backward(ȳ)``.
"""
import numpy as np
import pytest

from mytorch.ops.elementwise import Abs, Exp, Log

from helpers import as_tuple, assert_backward_matches_finite_differences, assert_close, distinct, leaf, randn

pytestmark = pytest.mark.task1_5


def rule(op, x, upstream):
    """x̄ from ``op``'s backward rule for the input x and upstream gradient ȳ."""
    y = op.apply(leaf(x))
    return as_tuple(y.grad_fn.backward(upstream))[0]


def test_exp_is_its_own_derivative():
    x, upstream = randn((2, 3), seed=0), randn((2, 3), seed=1)
    assert_close(rule(Exp, x, upstream), upstream * np.exp(x), "Exp.backward: x̄ = ȳ · eˣ")


def test_exp_matches_finite_differences():
    assert_backward_matches_finite_differences("Exp", Exp.apply, 2 * randn(5, seed=2))


def test_log_divides_by_x():
    x, upstream = np.abs(randn((2, 3), seed=3)) + 0.1, randn((2, 3), seed=4)
    assert_close(rule(Log, x, upstream), upstream / x, "Log.backward: x̄ = ȳ / x")


def test_log_matches_finite_differences():
    assert_backward_matches_finite_differences("Log", Log.apply, np.abs(randn(5, seed=5)) + 0.5)


def test_abs_multiplies_by_the_sign():
    x, upstream = distinct((3, 4), seed=6), randn((3, 4), seed=7)
    assert_close(rule(Abs, x, upstream), upstream * np.sign(x), "Abs.backward: x̄ = ȳ · sign(x)")
    assert_backward_matches_finite_differences("Abs", Abs.apply, x)


def test_abs_has_zero_gradient_at_the_kink():
    x, upstream = np.array([-2.0, 0.0, 3.0]), np.array([1.0, 1.0, 1.0])
    assert_close(rule(Abs, x, upstream), np.array([-1.0, 0.0, 1.0]),
                 "Abs.backward at x = (−2, 0, 3): the convention sign(0) = 0 gives x̄ = 0 at the kink")
