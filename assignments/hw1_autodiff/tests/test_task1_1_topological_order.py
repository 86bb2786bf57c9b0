"""Task 1.1: topological sort (mytorch/autodiff/engine.py, ``topological_order``).

The graphs here are built by running operations forward only (code you do not
write); the tests call ``topological_order(y.grad_fn)`` directly.
"""
import pytest

import mytorch
from mytorch.autodiff.engine import topological_order

from helpers import leaf, randn

pytestmark = pytest.mark.task1_1


def reachable_nodes(root_fn):
    """Every node reachable from ``root_fn`` through ``fn.inputs[i].grad_fn``."""
    seen, stack = set(), [root_fn]
    while stack:
        fn = stack.pop()
        if fn not in seen:
            seen.add(fn)
            stack.extend(t.grad_fn for t in fn.inputs if t.grad_fn is not None)
    return seen


def order_of(root_fn):
    """``topological_order(root_fn)``, checked to be a list (or tuple) and returned as a list."""
    order = topological_order(root_fn)
    assert isinstance(order, (list, tuple)), (
        f"topological_order should return a list of nodes, got {type(order).__name__}")
    return list(order)


def assert_topological(order, root_fn):
    """``order`` lists every reachable node exactly once, each after the nodes it depends on."""
    assert all(fn is not None for fn in order), "the order contains None: leaves have no node, skip them"
    assert len(order) == len(set(order)), (
        f"the order lists {len(order)} entries but only {len(set(order))} distinct nodes: "
        "each node must appear once (keep a visited set)")
    expected = reachable_nodes(root_fn)
    assert set(order) == expected, (
        f"the order has {len(set(order) - expected)} unexpected and misses {len(expected - set(order))} "
        "of the nodes reachable from the root")
    position = {fn: i for i, fn in enumerate(order)}
    for fn in order:
        for tensor in fn.inputs:
            if tensor.grad_fn is not None:
                assert position[tensor.grad_fn] < position[fn], (
                    f"{tensor.grad_fn!r} (position {position[tensor.grad_fn]}) feeds {fn!r} (position "
                    f"{position[fn]}) but comes after it: a node must come after every node it depends on")
    assert order[-1] is root_fn, "the root depends on every other node, so it must come last"


def test_a_single_node_is_its_own_order():
    x = leaf(randn(3, seed=0))
    y = mytorch.exp(x)
    order = order_of(y.grad_fn)
    assert order == [y.grad_fn], f"a graph with one node has the order [that node], got {order}"


def test_a_chain_comes_out_inputs_first():
    x = leaf(randn(3, seed=1))
    a = mytorch.exp(x)
    b = a * 2.0
    c = mytorch.sum(b)
    order = order_of(c.grad_fn)
    assert order == [a.grad_fn, b.grad_fn, c.grad_fn], (
        f"a chain x → exp → mul → sum has exactly one valid order [Exp, Mul, Sum]; got {order}")


def test_a_diamond_lists_the_shared_node_once_and_first():
    x = leaf(randn(4, seed=2))
    shared = mytorch.exp(x)
    left = shared * 3.0
    right = mytorch.log(shared)
    y = left + right
    order = order_of(y.grad_fn)
    assert_topological(order, y.grad_fn)
    assert len(order) == 4, f"the diamond exp → (mul, log) → add has 4 nodes, got {len(order)}"
    assert order[0] is shared.grad_fn, "the shared node feeds both branches, so it must come first"


def test_a_value_used_twice_by_one_node_appears_once():
    x = leaf(randn(3, seed=3))
    a = mytorch.exp(x)
    y = a * a
    order = order_of(y.grad_fn)
    assert order == [a.grad_fn, y.grad_fn], f"a * a: Exp once, then Mul; got {order}"


def test_leaves_and_constants_are_not_nodes():
    x = leaf(randn((2, 3), seed=4))
    w = leaf(randn((3, 2), seed=5), requires_grad=False)
    y = mytorch.sum(mytorch.matmul(x, w) + 1.0)
    order = order_of(y.grad_fn)
    assert_topological(order, y.grad_fn)
    assert len(order) == 3, f"matmul, add and sum are the only nodes; got {order}"


def test_nodes_that_the_root_does_not_use_are_left_out():
    x = leaf(randn(3, seed=6))
    used = mytorch.exp(x)
    unused = mytorch.log(mytorch.exp(x))  # built from the same leaf, but y does not depend on it
    y = mytorch.sum(used)
    order = order_of(y.grad_fn)
    assert unused.grad_fn not in order, "a node the root does not depend on must not be in the order"
    assert order == [used.grad_fn, y.grad_fn], f"expected [Exp, Sum], got {order}"


def test_shared_subgraphs_are_visited_once():
    # y = x; y = y + y, 40 times: 40 nodes but 2⁴⁰ paths from the root, so a search that
    # revisits a node once per path never finishes.
    y = leaf(randn(2, seed=7))
    for _ in range(40):
        y = y + y
    order = order_of(y.grad_fn)
    assert_topological(order, y.grad_fn)
    assert len(order) == 40, f"40 additions make 40 nodes, got {len(order)}"


def test_a_deep_chain_does_not_hit_the_recursion_limit():
    depth = 20_000
    x = leaf(randn(2, seed=8))
    y, nodes = x, []
    for _ in range(depth):
        y = -y
        nodes.append(y.grad_fn)
    try:
        order = order_of(y.grad_fn)
    except RecursionError:
        pytest.fail(f"RecursionError on a chain of {depth} nodes: use an explicit stack, not recursion")
    assert len(order) == depth, f"a chain of {depth} nodes gave an order of {len(order)}"
    assert order == nodes, "a chain has a single valid order: the nodes in the order they were made"
