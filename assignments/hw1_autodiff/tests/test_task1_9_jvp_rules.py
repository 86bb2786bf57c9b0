"""Task 1.9: forward mode, the JVP rules of every primitive (the ``jvp`` methods in mytorch/ops/).

``mytorch.autodiff.jvp(f, primals, tangents)`` returns f(x) and the directional
derivative ẏ = J v, computed by your ``jvp`` rules as the values flow forward.
It is compared with the central difference (f(x + εv) − f(x − εv)) / 2ε.
Pow's rule calls ``Pow.derivative`` (Task 1.4), which answers here what the
reference's answered (stand_ins.py).
"""
import numpy as np
import pytest

import mytorch

from helpers import assert_close, assert_jvp_matches_finite_differences, const, distinct, randn
from stand_ins import STAND_IN_POW_DERIVATIVE

pytestmark = pytest.mark.task1_9
STAND_INS = (STAND_IN_POW_DERIVATIVE,)


def positive(shape, seed):
    return np.abs(randn(shape, seed)) + 0.5


def check(name, f, *primals, seed=100):
    tangents = [randn(np.shape(p), seed + i) for i, p in enumerate(primals)]
    assert_jvp_matches_finite_differences(name, f, primals, tangents)


ARITHMETIC = [
    ("Add", mytorch.ops.add, [(2, 3), (2, 3)]),
    ("Add with broadcasting", mytorch.ops.add, [(4, 1, 3), (2, 1)]),
    ("Mul", mytorch.ops.mul, [(2, 3), (2, 3)]),
    ("Mul with broadcasting", mytorch.ops.mul, [(3,), (4, 3)]),
    ("Neg", mytorch.ops.neg, [(2, 3)]),
]


@pytest.mark.parametrize("name, f, shapes", ARITHMETIC, ids=[case[0] for case in ARITHMETIC])
def test_arithmetic(name, f, shapes):
    check(name, f, *(randn(shape, seed) for seed, shape in enumerate(shapes)))


@pytest.mark.parametrize("exponent", [2, 3, 0.5, -1.5])
def test_pow(exponent):
    check(f"Pow (p = {exponent})", lambda t: t ** exponent, positive((2, 3), seed=0))


def test_mul_by_a_constant_without_tangent():
    # c carries no tangent: Function.apply hands its jvp a zero tangent for it, so ẏ = ẋ · c.
    x, c, v = randn(4, seed=1), randn(4, seed=2), randn(4, seed=3)
    _, tangent = mytorch.autodiff.jvp(lambda t: t * const(c), (const(x),), (const(v),))
    assert_close(tangent, v * c, "jvp of y = x · c for a constant c: ẏ = ẋ · c")


@pytest.mark.parametrize("name, f, make", [
    ("Exp", mytorch.exp, lambda: randn((2, 3), seed=4)),
    ("Log", mytorch.log, lambda: positive((2, 3), seed=5)),
    ("Abs", mytorch.abs, lambda: distinct((2, 3), seed=6)),
], ids=["exp", "log", "abs"])
def test_elementwise(name, f, make):
    check(name, f, make())


REDUCTIONS = [
    ("Sum (all)", lambda t: mytorch.sum(t)),
    ("Sum (dim=1, keepdim)", lambda t: mytorch.sum(t, dim=1, keepdim=True)),
    ("Max (all)", lambda t: mytorch.amax(t)),
    ("Max (dim=0)", lambda t: mytorch.amax(t, dim=0)),
    ("LogSumExp (dim=-1)", lambda t: mytorch.logsumexp(t, dim=-1)),
    ("LogSumExp (dim=(0, 1), keepdim)", lambda t: mytorch.logsumexp(t, dim=(0, 1), keepdim=True)),
]


@pytest.mark.parametrize("name, f", REDUCTIONS, ids=[case[0] for case in REDUCTIONS])
def test_reductions(name, f):
    check(name, f, distinct((3, 4), seed=7))


def test_max_with_ties_averages_the_tied_tangents():
    # Where k entries tie for the maximum, the rule uses the share 1/k of Max.forward: ẏ = Σ ẋ · share.
    x = np.array([[1.0, 5.0, 5.0, 2.0], [7.0, 7.0, 7.0, 7.0]])
    v = np.array([[1.0, 2.0, 4.0, 8.0], [1.0, 2.0, 3.0, 4.0]])
    _, tangent = mytorch.autodiff.jvp(lambda t: mytorch.amax(t, dim=1), (const(x),), (const(v),))
    assert_close(tangent, np.array([3.0, 2.5]), "jvp of max over rows with ties: the mean of the tied ẋ")


SHAPE_OPERATIONS = [
    ("Reshape", lambda t: mytorch.reshape(t, 4, 3)),
    ("Permute", lambda t: mytorch.permute(t, 1, 0)),
    ("GetItem (slice)", lambda t: t[1:, ::2]),
    ("GetItem (repeated indices)", lambda t: t[np.array([2, 0, 2])]),
]


@pytest.mark.parametrize("name, f", SHAPE_OPERATIONS, ids=[case[0] for case in SHAPE_OPERATIONS])
def test_shape_operations(name, f):
    check(name, f, randn((3, 4), seed=8))


def test_concatenation():
    check("Concatenate (dim=1)", lambda a, b: mytorch.cat([a, b], dim=1), randn((2, 3), seed=9),
          randn((2, 1), seed=10))


@pytest.mark.parametrize("a_shape, b_shape", [((2, 3), (3, 4)), ((3,), (3, 2)), ((4, 2, 3), (3, 5))],
                         ids=["matrix@matrix", "vector@matrix", "batch@matrix"])
def test_matmul(a_shape, b_shape):
    check(f"MatMul {a_shape} @ {b_shape}", mytorch.matmul, randn(a_shape, seed=11), randn(b_shape, seed=12))


def test_a_composition_uses_the_chain_rule_forward():
    # y = Σ log(eˣ · x² + 1) − x / 3, built from exp, mul, pow, add, log, neg and sum.
    def f(t):
        return mytorch.sum(mytorch.log(mytorch.exp(t) * t ** 2 + 1.0) - t / 3.0)

    check("a composition", f, randn((2, 3), seed=13))
