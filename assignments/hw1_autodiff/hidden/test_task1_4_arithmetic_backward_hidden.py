"""Hidden tests of Task 1.4: backward of add, mul, neg and pow, called as ``y.grad_fn.backward(ȳ)``.

``unbroadcast`` (Task 1.3) is replaced by a stand-in for every test, so these
tests grade the rules alone.
"""
import numpy as np
import pytest

import mytorch
from mytorch.ops import arithmetic
from mytorch.ops.arithmetic import Add, Mul, Neg, Pow

from helpers import (as_tuple, assert_backward_matches_finite_differences, assert_close, leaf, numerical_vjp,
                     on_arrays, randn)
from hidden_helpers import broadcast_pair, stand_in_unbroadcast

pytestmark = pytest.mark.task1_4


@pytest.fixture(autouse=True)
def independent_of_task_1_3(monkeypatch):
    """Add and Mul call unbroadcast (Task 1.3): a stand-in grades these rules alone."""
    monkeypatch.setattr(arithmetic, "unbroadcast", stand_in_unbroadcast)


@pytest.mark.parametrize("seed", range(8))
def test_add_on_random_broadcasting_patterns(seed):
    shape_a, shape_b = broadcast_pair(seed)
    assert_backward_matches_finite_differences(f"Add {shape_a} + {shape_b}", mytorch.ops.add,
                                               randn(shape_a, seed), randn(shape_b, seed + 50), seed=seed)


@pytest.mark.parametrize("seed", range(8))
def test_mul_on_random_broadcasting_patterns(seed):
    shape_a, shape_b = broadcast_pair(seed + 20)
    assert_backward_matches_finite_differences(f"Mul {shape_a} · {shape_b}", mytorch.ops.mul,
                                               randn(shape_a, seed), randn(shape_b, seed + 50), seed=seed)


def test_both_inputs_broadcast():
    assert_backward_matches_finite_differences("Add (3, 1) + (1, 4)", mytorch.ops.add,
                                               randn((3, 1), 1), randn((1, 4), 2))
    assert_backward_matches_finite_differences("Mul (2, 1, 3) · (4, 1)", mytorch.ops.mul,
                                               randn((2, 1, 3), 3), randn((4, 1), 4))


def test_scalars_and_zero_dimensional_tensors():
    assert_backward_matches_finite_differences("Add () + ()", mytorch.ops.add, randn((), 5), randn((), 6))
    assert_backward_matches_finite_differences("Mul () · (3,)", mytorch.ops.mul, randn((), 7), randn(3, 8))
    assert_backward_matches_finite_differences("Neg ()", mytorch.ops.neg, randn((), 9))
    x, upstream = randn((2, 3), 10), randn((2, 3), 11)
    grad = as_tuple((3.0 + leaf(x)).grad_fn.backward(upstream))[1]
    assert_close(grad, upstream, "Add.backward for y = 3 + x: x̄ = ȳ")


def test_mul_of_a_value_with_itself():
    x, upstream = randn(4, 12), randn(4, 13)
    t = leaf(x)
    grads = as_tuple(Mul.apply(t, t).grad_fn.backward(upstream))
    assert_close(grads[0], upstream * x, "Mul.backward for x · x, first input (the engine adds the two)")
    assert_close(grads[1], upstream * x, "Mul.backward for x · x, second input")


@pytest.mark.parametrize("exponent", [0, 1, 4, -3, 2.0, 1.5, -0.5, 0.25])
def test_pow_exponents(exponent):
    integer = float(exponent).is_integer()
    x = randn((3, 2), 14) if integer else np.abs(randn((3, 2), 14)) + 0.3
    x = np.where(np.abs(x) < 0.2, 0.7, x)     # away from 0 (negative powers, x⁰'s 0 · x⁻¹)
    assert_backward_matches_finite_differences(f"Pow (p = {exponent})", lambda t: t ** exponent, x)


def test_pow_of_a_zero_dimensional_tensor():
    x = leaf(np.array(1.7))
    grad = as_tuple(Pow.apply(x, exponent=3).grad_fn.backward(np.array(2.0)))[0]
    assert_close(grad, np.array(2.0 * 3 * 1.7 ** 2), "Pow.backward for 1.7³ with ȳ = 2")


def test_sub_and_div_by_chaining_two_rules_by_hand():
    # a − b = a + (−b) and a / b = a · b⁻¹: apply the two rules one after the other.
    a, b, upstream = randn((2, 3), 15), np.abs(randn(3, 16)) + 0.5, randn((2, 3), 17)
    for name, f in [("a − b", lambda s, t: s - t), ("a / b", lambda s, t: s / t)]:
        ta, tb = leaf(a), leaf(b)
        y = f(ta, tb)
        grad_a, grad_inner = as_tuple(y.grad_fn.backward(upstream))
        inner = y.grad_fn.inputs[1]
        grad_b = as_tuple(inner.grad_fn.backward(grad_inner))[0]
        assert_close(grad_a, numerical_vjp(on_arrays(f), [a, b], 0, upstream), f"ā for y = {name}")
        assert_close(grad_b, numerical_vjp(on_arrays(f), [a, b], 1, upstream), f"b̄ for y = {name}")


def test_rules_do_not_modify_the_upstream_gradient():
    # Add hands the same ȳ to both inputs; a rule that changes ȳ in place corrupts the other branch.
    x, upstream = randn((2, 3), 18), randn((2, 3), 19)
    for name, y in [("Neg", Neg.apply(leaf(x))), ("Mul", Mul.apply(leaf(x), leaf(x))),
                    ("Add", Add.apply(leaf(x), leaf(x))), ("Pow", Pow.apply(leaf(x), exponent=2))]:
        before = upstream.copy()
        y.grad_fn.backward(upstream)
        assert np.array_equal(upstream, before), f"{name}.backward changed ȳ in place"


def test_larger_random_values():
    rng = np.random.default_rng(20)
    a, b = rng.uniform(-50, 50, (5, 4)), rng.uniform(-50, 50, (4,))
    upstream = rng.standard_normal((5, 4))
    grads = as_tuple(Mul.apply(leaf(a), leaf(b)).grad_fn.backward(upstream))
    assert_close(grads[0], upstream * b, "Mul.backward, ā = ȳ · b (b broadcast over rows)")
    assert_close(grads[1], (upstream * a).sum(axis=0), "Mul.backward, b̄ = Σ_rows ȳ · a")
