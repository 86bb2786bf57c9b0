"""Hidden tests of Task 1.9: the JVP rules, through ``mytorch.autodiff.jvp``, against
central differences (f(x + εv) − f(x − εv)) / 2ε or closed forms.

``Pow.derivative`` (Task 1.4) is replaced by a stand-in for every test, so these
tests grade the JVP rules alone.
"""
import itertools

import numpy as np
import pytest

import mytorch
from mytorch.ops.arithmetic import Pow

from helpers import assert_close, assert_jvp_matches_finite_differences, const, distinct, randn
from hidden_helpers import broadcast_pair, stand_in_pow_derivative

pytestmark = pytest.mark.task1_9


@pytest.fixture(autouse=True)
def independent_of_task_1_4(monkeypatch):
    """Pow.jvp uses Pow.derivative (Task 1.4): a stand-in grades the JVP rules alone."""
    monkeypatch.setattr(Pow, "derivative", stand_in_pow_derivative)


def check(name, f, *primals, seed=100):
    tangents = [randn(np.shape(p), seed + i) for i, p in enumerate(primals)]
    assert_jvp_matches_finite_differences(name, f, primals, tangents)


def jvp_of(f, primals, tangents):
    _, tangent = mytorch.autodiff.jvp(f, tuple(const(p) for p in primals), tuple(const(v) for v in tangents))
    return tangent


@pytest.mark.parametrize("seed", range(6))
def test_add_and_mul_on_random_broadcasting_patterns(seed):
    shape_a, shape_b = broadcast_pair(seed + 40)
    a, b = randn(shape_a, seed), randn(shape_b, seed + 1)
    check(f"Add {shape_a} + {shape_b}", mytorch.ops.add, a, b, seed=seed)
    check(f"Mul {shape_a} · {shape_b}", mytorch.ops.mul, a, b, seed=seed)


def test_a_primal_used_twice():
    x, v = randn(4, 1), randn(4, 2)
    assert_close(jvp_of(lambda t: t * t, [x], [v]), 2 * x * v, "jvp of x · x: ẏ = 2 x ẋ")
    assert_close(jvp_of(lambda t: t + t, [x], [v]), 2 * v, "jvp of x + x: ẏ = 2 ẋ")


def test_only_one_of_two_primals_moves():
    a, b, v = randn((2, 3), 3), randn(3, 4), randn((2, 3), 5)
    zero = np.zeros(3)
    assert_close(jvp_of(mytorch.ops.mul, [a, b], [v, zero]), v * b, "jvp of a · b with ḃ = 0: ẏ = ȧ · b")
    assert_close(jvp_of(mytorch.matmul, [b, a.T], [zero, v.T]), b @ v.T, "jvp of b @ A with ḃ = 0: ẏ = b Ȧ")


@pytest.mark.parametrize("exponent", [0, 1, 2, 3, -2, 0.5, -0.5, 2.5])
def test_pow(exponent):
    integer = float(exponent).is_integer()
    x = randn((3, 3), 6) if integer else np.abs(randn((3, 3), 6)) + 0.3
    x = np.where(np.abs(x) < 0.2, -0.6, x)
    check(f"Pow (p = {exponent})", lambda t: t ** exponent, x)


def test_neg_and_elementwise_on_zero_dimensional_tensors():
    check("Neg ()", mytorch.ops.neg, np.array(0.7))
    check("Exp ()", mytorch.exp, np.array(-1.3))
    check("Log ()", mytorch.log, np.array(2.2))
    check("Abs ()", mytorch.abs, np.array(-0.4))


def test_elementwise_closed_forms():
    x, v = randn((2, 3, 2), 7), randn((2, 3, 2), 8)
    assert_close(jvp_of(mytorch.exp, [x], [v]), np.exp(x) * v, "jvp of exp: ẏ = eˣ ẋ")
    assert_close(jvp_of(mytorch.log, [np.exp(x)], [v]), v / np.exp(x), "jvp of log: ẏ = ẋ / x")
    x[0, 0, 0] = 0.0
    assert_close(jvp_of(mytorch.abs, [x], [v]), np.sign(x) * v, "jvp of abs: ẏ = sign(x) ẋ, 0 at x = 0")


REDUCTIONS = [
    ("sum", mytorch.sum), ("amax", mytorch.amax), ("logsumexp", mytorch.logsumexp),
]


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [None, 0, -1, (0, 2), (2, 0, 1)], ids=str)
@pytest.mark.parametrize("name, op", REDUCTIONS, ids=[case[0] for case in REDUCTIONS])
def test_reductions(name, op, dim, keepdim):
    check(f"{name} (dim={dim}, keepdim={keepdim})", lambda t: op(t, dim=dim, keepdim=keepdim),
          distinct((2, 3, 4), seed=9))


def test_max_with_ties_over_the_whole_tensor_and_a_middle_dim():
    x = np.array([[[2.0, 0.0], [2.0, 1.0], [-1.0, 1.0]]])         # shape (1, 3, 2)
    v = np.array([[[1.0, 10.0], [3.0, 20.0], [100.0, 40.0]]])
    assert_close(jvp_of(mytorch.amax, [x], [v]), np.array(2.0), "jvp of max over all entries, 2 tied")
    assert_close(jvp_of(lambda t: mytorch.amax(t, dim=1), [x], [v]), np.array([[2.0, 30.0]]),
                 "jvp of max over dim=1 with ties in both columns")


def test_logsumexp_of_large_values():
    x, v = np.array([[1000.0, 1001.0], [-1000.0, -1000.0]]), np.array([[1.0, 2.0], [3.0, 5.0]])
    p = 1 / (1 + np.e)
    assert_close(jvp_of(lambda t: mytorch.logsumexp(t, dim=1), [x], [v]), np.array([p + 2 * (1 - p), 4.0]),
                 "jvp of logsumexp at ±1000: ẏ = Σ softmax(x) ẋ", rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dims", list(itertools.permutations(range(3))), ids=str)
def test_permutations(dims):
    x, v = randn((2, 3, 4), 10), randn((2, 3, 4), 11)
    assert_close(jvp_of(lambda t: mytorch.permute(t, dims), [x], [v]), v.transpose(dims),
                 f"jvp of permute{dims}")


@pytest.mark.parametrize("name, f", [
    ("reshape", lambda t: t.reshape(3, 8)),
    ("flatten", lambda t: mytorch.flatten(t)),
    ("unsqueeze", lambda t: mytorch.unsqueeze(t, 0)),
    ("x[[1, 1, 0]]", lambda t: t[np.array([1, 1, 0])]),
    ("x[:, [2, 0, 2], 1:]", lambda t: t[:, np.array([2, 0, 2]), 1:]),
    ("x[x > 0]", lambda t: t[t.data > 0]),
    ("x[..., None, ::-1]", lambda t: t[..., None, ::-1]),
    ("stack", lambda t: mytorch.stack([t, t * 2.0], dim=1)),
], ids=["reshape", "flatten", "unsqueeze", "repeated", "mixed", "mask", "ellipsis", "stack"])
def test_shape_operations(name, f):
    check(name, f, randn((2, 3, 4), 12))


@pytest.mark.parametrize("dim", [0, 1, -1], ids=str)
def test_concatenation_of_three(dim):
    shapes = []
    for size in (1, 3, 2):
        shape = [2, 2, 2]
        shape[dim] = size
        shapes.append(tuple(shape))
    check(f"cat (dim={dim})", lambda *ts: mytorch.cat(list(ts), dim=dim),
          *(randn(shape, 13 + i) for i, shape in enumerate(shapes)))


MATMUL_SHAPES = [((4,), (4,)), ((2, 3), (3,)), ((3,), (2, 3, 4)), ((2, 1, 3, 4), (5, 4, 2)),
                 ((3, 4), (2, 4, 3))]


@pytest.mark.parametrize("a_shape, b_shape", MATMUL_SHAPES, ids=[f"{a}@{b}" for a, b in MATMUL_SHAPES])
def test_matmul_shapes(a_shape, b_shape):
    check(f"MatMul {a_shape} @ {b_shape}", mytorch.matmul, randn(a_shape, 14), randn(b_shape, 15))


def test_tangents_enter_linearly():
    def f(x):
        return mytorch.logsumexp(mytorch.exp(x) * x, dim=0) ** 2

    x, v = randn((3, 2), 16), randn((3, 2), 17)
    once, thrice = jvp_of(f, [x], [v]), jvp_of(f, [x], [3 * v])
    assert_close(thrice, 3 * once.data, "jvp(f, x, 3v) should be 3 · jvp(f, x, v)", rtol=1e-12, atol=1e-12)


def test_a_small_network():
    W, b = randn((4, 3), 18), randn(3, 19)

    def f(x):
        hidden = mytorch.matmul(x, const(W)) + const(b)
        scores = mytorch.log(mytorch.exp(hidden) + 1.0)             # softplus
        return mytorch.mean(mytorch.logsumexp(scores, dim=1) - scores[:, 0])

    check("a two-layer network", f, randn((5, 4), 20))
