"""Task 1.4: backward of add, mul, neg and pow (mytorch/ops/arithmetic.py).

Each test builds one primitive on float64 leaves and calls its rule directly,
``y.grad_fn.backward(ȳ)`` (no engine needed), then compares x̄ᵢ with central
differences of the forward. The rules call ``unbroadcast`` (Task 1.3), which
answers here what the reference's answered (stand_ins.py).
"""
import numpy as np
import pytest

import mytorch
from mytorch.ops.arithmetic import Add, Mul, Neg, Pow

from helpers import as_tuple, assert_backward_matches_finite_differences, assert_close, leaf, randn
from stand_ins import STAND_IN_UNBROADCAST

pytestmark = pytest.mark.task1_4
STAND_INS = (STAND_IN_UNBROADCAST,)


def test_add_passes_the_gradient_to_both_inputs():
    a, b, upstream = randn((2, 3), seed=0), randn((2, 3), seed=1), randn((2, 3), seed=2)
    y = Add.apply(leaf(a), leaf(b))
    grad_a, grad_b = as_tuple(y.grad_fn.backward(upstream))
    assert_close(grad_a, upstream, "Add.backward: ā = ȳ")
    assert_close(grad_b, upstream, "Add.backward: b̄ = ȳ")


def test_add_with_broadcasting_sums_over_the_copies():
    assert_backward_matches_finite_differences("Add", mytorch.ops.add, randn((4, 3, 5), seed=3),
                                               randn((3, 1), seed=4))
    assert_backward_matches_finite_differences("Add", mytorch.ops.add, randn((2, 1), seed=5),
                                               randn((1, 3), seed=6))


def test_mul_gives_each_input_the_other_one():
    a, b, upstream = randn((2, 3), seed=7), randn((2, 3), seed=8), randn((2, 3), seed=9)
    y = Mul.apply(leaf(a), leaf(b))
    grad_a, grad_b = as_tuple(y.grad_fn.backward(upstream))
    assert_close(grad_a, upstream * b, "Mul.backward: ā = ȳ · b")
    assert_close(grad_b, upstream * a, "Mul.backward: b̄ = ȳ · a")


def test_mul_with_broadcasting():
    assert_backward_matches_finite_differences("Mul", mytorch.ops.mul, randn((3, 1), seed=10),
                                               randn((4, 3, 5), seed=11))
    assert_backward_matches_finite_differences("Mul", mytorch.ops.mul, randn((2, 3), seed=12),
                                               randn((), seed=13))


def test_mul_by_a_python_number():
    x, upstream = randn(4, seed=14), randn(4, seed=15)
    y = leaf(x) * 2.5
    grad_x = as_tuple(y.grad_fn.backward(upstream))[0]
    assert_close(grad_x, 2.5 * upstream, "Mul.backward for y = x · 2.5: x̄ = 2.5 ȳ")


def test_neg_flips_the_sign():
    x, upstream = randn((2, 3), seed=16), randn((2, 3), seed=17)
    y = Neg.apply(leaf(x))
    grad_x = as_tuple(y.grad_fn.backward(upstream))[0]
    assert_close(grad_x, -upstream, "Neg.backward: x̄ = −ȳ")


@pytest.mark.parametrize("exponent", [2, 3])
def test_pow_with_an_integer_exponent_on_any_sign(exponent):
    x, upstream = randn((2, 3), seed=20), randn((2, 3), seed=21)    # negative entries too
    y = Pow.apply(leaf(x), exponent=exponent)
    grad_x = as_tuple(y.grad_fn.backward(upstream))[0]
    assert_close(grad_x, upstream * exponent * x ** (exponent - 1),
                 f"Pow.backward for y = x^{exponent} with negative x: x̄ = ȳ · p x^(p−1)")


@pytest.mark.parametrize("exponent", [2, 3, 0.5, -1.0, -2.5])
def test_pow_follows_the_power_rule(exponent):
    x = np.abs(randn((2, 3), seed=18)) + 0.5        # positive, so every exponent is defined
    upstream = randn((2, 3), seed=19)
    y = Pow.apply(leaf(x), exponent=exponent)
    grad_x = as_tuple(y.grad_fn.backward(upstream))[0]
    assert_close(grad_x, upstream * exponent * x ** (exponent - 1),
                 f"Pow.backward for y = x^{exponent}: x̄ = ȳ · p x^(p−1)")
    assert_backward_matches_finite_differences(f"Pow (p = {exponent})",
                                               lambda t: mytorch.ops.pow(t, exponent), x)
