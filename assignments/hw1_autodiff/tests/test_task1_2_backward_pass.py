"""Task 1.2: the backward pass (mytorch/autodiff/engine.py, ``backward``).

The primitives here are small ``Function`` subclasses defined in this file,
with their own (correct) backward rules, so these tests need none of the
rules you write in the other tasks: only the engine that strings them together.
The engine's ``topological_order`` (Task 1.1) answers here what the reference's
answered (stand_ins.py), so these tests need none of Task 1.1's code either.
"""
import numpy as np
import pytest

from mytorch.autodiff import Function

from helpers import Modulate, assert_close, leaf, raises, randn
from stand_ins import STAND_IN_ORDER, NodesMade

pytestmark = pytest.mark.task1_2
STAND_INS = (NodesMade, STAND_IN_ORDER)


class Square(Function):
    """y = x²;  x̄ = 2x ȳ."""

    def forward(self, x):
        self.save_for_backward(x)
        return x * x

    def backward(self, grad):
        x, = self.saved_tensors
        return 2 * x * grad

    def jvp(self, dx):
        x, = self.saved_tensors
        return 2 * x * dx


class Blend(Function):
    """y = a + 2b (same shapes);  ā = ȳ,  b̄ = 2ȳ."""

    def forward(self, a, b):
        return a + 2 * b

    def backward(self, grad):
        return grad, 2 * grad

    def jvp(self, da, db):
        return da + 2 * db


class Scale(Function):
    """y = factor · x for a constant factor;  x̄ = factor · ȳ."""

    def __init__(self, factor):
        self.factor = factor

    def forward(self, x):
        return self.factor * x

    def backward(self, grad):
        return self.factor * grad

    def jvp(self, dx):
        return self.factor * dx


class Total(Function):
    """y = Σ x (a scalar);  x̄ = ȳ everywhere."""

    def forward(self, x):
        self.shape = x.shape
        return x.sum()

    def backward(self, grad):
        return np.broadcast_to(grad, self.shape).copy()

    def jvp(self, dx):
        return dx.sum()


def test_the_gradient_reaches_the_leaf():
    x_value = randn(4, seed=0)
    x = leaf(x_value)
    y = Total.apply(Square.apply(x))
    y.backward()
    assert_close(x.grad, 2 * x_value, "x.grad of y = Σ x²")


def test_a_non_scalar_output_uses_the_given_upstream_gradient():
    x_value, upstream = randn((2, 3), seed=1), randn((2, 3), seed=2)
    x = leaf(x_value)
    y = Square.apply(x)
    y.backward(upstream)
    assert_close(x.grad, 2 * x_value * upstream, "x.grad of y = x² with y.backward(ȳ)")


def test_gradients_are_stored_on_leaves_only():
    x, c = leaf(randn(3, seed=3)), leaf(randn(3, seed=4), requires_grad=False)
    hidden = Square.apply(x)
    y = Total.apply(Modulate.apply(hidden, c))
    y.backward()
    assert x.grad is not None, "the leaf x requires grad, so it must receive x.grad"
    assert hidden.grad is None, "an intermediate result (it has a grad_fn) must not get .grad"
    assert y.grad is None, "the output itself is not a leaf: it must not get .grad"
    assert c.grad is None, "a leaf that does not require grad must not get .grad"
    assert_close(x.grad, 2 * x.data * np.sin(c.data), "x.grad of y = Σ x² sin c")


def test_an_input_that_needs_no_gradient_is_skipped():
    # Modulate.backward returns None for the constant c: the engine must not check or deliver it.
    x, c = leaf(randn(3, seed=5)), leaf(randn(3, seed=6), requires_grad=False)
    y = Total.apply(Modulate.apply(c, x))
    y.backward()
    assert_close(x.grad, c.data * np.cos(x.data), "x.grad of y = Σ c sin x")


def test_a_value_used_twice_receives_the_sum_of_both_contributions():
    x_value = randn(3, seed=7)
    x = leaf(x_value)
    h = Square.apply(x)
    y = Total.apply(Blend.apply(h, h))          # y = Σ 3x², so x̄ = 6x
    y.backward()
    assert_close(x.grad, 6 * x_value, "x.grad of y = Σ (x² + 2x²): both uses of x² must be summed")


def test_a_node_runs_once_with_the_sum_of_its_upstream_gradients():
    calls = []

    class Counted(Square):
        def backward(self, grad):
            calls.append(grad.copy())
            return super().backward(grad)

    x_value = randn(3, seed=8)
    x = leaf(x_value)
    h = Counted.apply(x)                        # h = x² feeds two branches
    y = Total.apply(Blend.apply(Square.apply(h), Scale.apply(h, factor=1.5)))
    y.backward()                                # y = Σ (x⁴ + 3x²)
    assert len(calls) == 1, (
        f"the node of h = x² ran backward {len(calls)} times: visit each node once, after every use of "
        "its output has added its contribution (reverse topological order)")
    assert_close(calls[0], 2 * x_value ** 2 + 3, "the upstream gradient h̄ = 2h + 3 given to h's node")
    assert_close(x.grad, 4 * x_value ** 3 + 6 * x_value, "x.grad of y = Σ (x⁴ + 3x²)")


def test_gradients_accumulate_across_backward_calls():
    x_value = randn(3, seed=9)
    x = leaf(x_value)
    Total.apply(Square.apply(x)).backward()
    Total.apply(Scale.apply(x, factor=5.0)).backward()
    assert_close(x.grad, 2 * x_value + 5, "x.grad after two backward calls: the gradients add up")


def test_retain_graph_allows_a_second_backward():
    x_value = randn(3, seed=10)
    x = leaf(x_value)
    y = Total.apply(Square.apply(x))
    y.backward(retain_graph=True)
    y.backward()
    assert_close(x.grad, 4 * x_value, "x.grad after backward(retain_graph=True) then backward()")


def test_a_second_backward_without_retain_graph_raises():
    x = leaf(randn(3, seed=11))
    y = Total.apply(Square.apply(x))
    y.backward()
    with raises(RuntimeError, match="second time"):
        y.backward()    # Square's saved x was freed: call release() on each node after its backward


def test_a_rule_returning_the_wrong_shape_is_reported_by_name():
    class BrokenSquare(Square):
        def backward(self, grad):
            return super().backward(grad)[:-1]     # one entry short

    x = leaf(randn(4, seed=12))
    Total.apply(Square.apply(x)).backward()        # a correct graph first
    y = Total.apply(BrokenSquare.apply(x))
    with raises(RuntimeError, match="BrokenSquare"):
        y.backward()    # check every gradient's shape (engine._check_grad) before using it


def test_a_deep_chain_does_not_hit_the_recursion_limit():
    x = leaf(np.array([1.5, -0.5]))
    y = x
    for _ in range(5_000):                      # five times Python's recursion limit
        y = Scale.apply(y, factor=np.array([1.0, -1.0]))
    try:
        Total.apply(y).backward()
    except RecursionError:
        pytest.fail("RecursionError on a chain of 5 000 nodes: loop over the nodes, do not recurse")
    assert_close(x.grad, np.array([1.0, 1.0]), "x.grad through 5 000 multiplications by ±1")
