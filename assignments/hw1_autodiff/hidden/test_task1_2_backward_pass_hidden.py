"""Hidden tests of Task 1.2: the backward pass (``engine.backward``).

The primitives are defined here with their own correct rules, and the engine's
``topological_order`` (Task 1.1) is replaced by a stand-in for every test, so
these tests grade the backward pass alone.
"""
import numpy as np
import pytest

import mytorch
from mytorch.autodiff import engine

from helpers import assert_close, leaf, numerical_vjp, randn, raises
from hidden_helpers import Counting, Plus, Sin, Square, Times, Total, stand_in_topological_order

pytestmark = pytest.mark.task1_2


@pytest.fixture(autouse=True)
def independent_of_task_1_1(monkeypatch):
    monkeypatch.setattr(engine, "topological_order", stand_in_topological_order)


UNARY = [Square, Sin, Counting]
BINARY = [Plus, Times]


def random_program(seed, n_leaves=3, size=25):
    """A random straight-line program over the primitives above: a list of (op, input positions)."""
    rng = np.random.default_rng(seed)
    program, count = [], n_leaves
    for _ in range(size):
        if rng.random() < 0.5:
            program.append((UNARY[rng.integers(len(UNARY))], (int(rng.integers(count)),)))
        else:
            positions = tuple(int(i) for i in rng.integers(count, size=2))
            program.append((BINARY[rng.integers(len(BINARY))], positions))
        count += 1
    tail = tuple(int(i) for i in rng.integers(n_leaves, count, size=3))
    return program, tail


def run(program, tail, leaves):
    values = list(leaves)
    for op, positions in program:
        values.append(op.apply(*(values[i] for i in positions)))
    out = values[-1]
    for i in tail:
        out = Plus.apply(out, values[i])
    return Total.apply(Times.apply(out, out))


@pytest.mark.parametrize("seed", range(6))
def test_random_programs_match_finite_differences(seed):
    program, tail = random_program(seed)
    arrays = [0.5 * randn(3, seed=seed * 10 + i) for i in range(3)]
    leaves = [leaf(a) for a in arrays]
    Counting.calls = 0
    y = run(program, tail, leaves)
    y.backward()
    used = sum(op is Counting for op, _ in program)
    assert Counting.calls <= used, "a node's backward ran more than once in one backward pass"

    def f(*xs):
        return run(program, tail, [leaf(x, requires_grad=False) for x in xs]).data

    for i, x in enumerate(leaves):
        expected = numerical_vjp(f, arrays, i, np.ones(()))
        if x.grad is None:
            assert np.all(expected == 0), f"leaf {i} influences the output but received no .grad"
        else:
            assert_close(x.grad, expected, f"x{i}.grad in a random program (seed {seed})")


def test_every_node_runs_once_in_a_wide_diamond():
    Counting.calls = 0
    x = leaf(randn(3, seed=1))
    h = Counting.apply(x)
    total = Square.apply(h)
    for _ in range(20):
        total = Plus.apply(total, Sin.apply(h))
    Total.apply(total).backward()
    assert Counting.calls == 1, f"h's node ran backward {Counting.calls} times; it must run once, last"
    expected = 3 * (2 * 3 * x.data + 20 * np.cos(3 * x.data))
    assert_close(x.grad, expected, "x.grad of Σ ((3x)² + 20 sin(3x))")


def test_a_leaf_used_twice_by_one_node():
    x = leaf(randn(3, seed=2))
    Total.apply(Plus.apply(x, x)).backward()
    assert_close(x.grad, np.full(3, 2.0), "x.grad of Σ (x + x): both inputs are x, so 1 + 1")
    y = leaf(randn(3, seed=3))
    Total.apply(Times.apply(y, y)).backward()
    assert_close(y.grad, 2 * y.data, "y.grad of Σ y · y")


def test_none_for_an_input_that_needs_no_gradient_is_allowed():
    # Times returns None for c (a constant) and for h's constant factor: neither may be checked or delivered.
    x, c = leaf(randn(3, seed=20)), leaf(randn(3, seed=21), requires_grad=False)
    h = Times.apply(c, Sin.apply(x))
    y = Total.apply(Times.apply(h, c))
    y.backward()
    assert c.grad is None, "a leaf that does not require grad must not get .grad"
    assert_close(x.grad, c.data ** 2 * np.cos(x.data), "x.grad of Σ c² sin x")


def test_leaves_the_output_does_not_reach_stay_empty():
    x, unused = leaf(randn(3, seed=4)), leaf(randn(3, seed=5))
    Square.apply(unused)
    Total.apply(Sin.apply(x)).backward()
    assert unused.grad is None, "a leaf that the output does not depend on must keep .grad = None"
    assert_close(x.grad, np.cos(x.data), "x.grad of Σ sin x")


def test_inputs_returns_gradients_without_accumulating():
    x, w = leaf(randn(3, seed=6)), leaf(randn(3, seed=7))
    y = Total.apply(Times.apply(Square.apply(x), w))
    grads = engine.backward(y, np.ones(()), retain_graph=True, inputs=[x, w])
    assert isinstance(grads, tuple) and len(grads) == 2, "backward(..., inputs=[x, w]) returns two arrays"
    assert_close(grads[0], 2 * x.data * w.data, "the gradient of x returned with inputs=[x, w]")
    assert_close(grads[1], x.data ** 2, "the gradient of w returned with inputs=[x, w]")
    assert x.grad is None and w.grad is None, (
        "with inputs=..., gradients are returned, not accumulated: hand them to deliver()")


def test_grad_transform_uses_the_engine():
    gradient = mytorch.autodiff.grad(lambda t: Total.apply(Sin.apply(Square.apply(t))))
    x = randn(4, seed=8)
    assert_close(gradient(leaf(x, requires_grad=False)), np.cos(x ** 2) * 2 * x, "grad(Σ sin x²)")


def test_retain_graph_keeps_every_saved_value():
    x = leaf(randn(3, seed=9))
    h = Square.apply(x)
    y = Total.apply(Times.apply(h, h))
    for _ in range(3):
        y.backward(retain_graph=True)
    assert_close(x.grad, 3 * 4 * x.data ** 3, "x.grad after three backward(retain_graph=True) of Σ x⁴")
    assert h.grad_fn.saved_tensors[0] is not None


def test_without_retain_graph_every_node_is_freed():
    x = leaf(randn(3, seed=10))
    h = Square.apply(x)
    z = Times.apply(h, h)
    y = Total.apply(z)
    y.backward()
    for tensor in (h, z):                  # inner nodes too, not only the root: call release() on each
        with raises(RuntimeError, match="second time"):
            tensor.grad_fn.saved_tensors       # noqa: B018  (reading freed values must raise)
    assert_close(x.grad, 4 * x.data ** 3, "x.grad of Σ x⁴")


def test_a_missing_gradient_for_an_input_that_needs_one_is_reported():
    class Forgetful(Times):
        def backward(self, grad):
            a, b = self.saved_tensors
            return grad * b, None

    x, w = leaf(randn(3, seed=11)), leaf(randn(3, seed=12))
    Total.apply(Times.apply(x, w)).backward()
    with raises(RuntimeError, match="Forgetful"):
        Total.apply(Forgetful.apply(x, w)).backward()


def test_a_wrong_shape_deep_inside_the_graph_is_reported():
    class Widening(Square):
        def backward(self, grad):
            return np.concatenate([super().backward(grad), grad])

    x = leaf(randn(3, seed=13))
    Total.apply(Square.apply(x)).backward()
    h = Widening.apply(Sin.apply(x))               # Widening's input is a node, not a leaf
    with raises(RuntimeError, match="Widening"):
        Total.apply(Square.apply(h)).backward()


def test_a_very_deep_chain():
    x = leaf(np.array([0.3]))
    y = x
    for _ in range(50_000):
        y = Plus.apply(y, leaf(np.array([1e-5]), requires_grad=False))
    try:
        Total.apply(Square.apply(y)).backward()
    except RecursionError:
        pytest.fail("RecursionError on a chain of 50 000 nodes")
    assert_close(x.grad, 2 * (0.3 + 50_000 * 1e-5) * np.ones(1), "x.grad of (x + Σ 1e-5)²", rtol=1e-9)
