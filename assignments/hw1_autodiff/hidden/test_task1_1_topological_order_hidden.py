"""Hidden tests of Task 1.1: topological sort (``engine.topological_order``), on graphs built forward only."""
import numpy as np
import pytest

import mytorch
from mytorch.autodiff import Function
from mytorch.autodiff.engine import topological_order

from helpers import leaf, randn

pytestmark = pytest.mark.task1_1


def order_of(root_fn):
    order = topological_order(root_fn)
    assert isinstance(order, (list, tuple)), (
        f"topological_order should return a list of nodes, got {type(order).__name__}")
    return list(order)


def reachable_nodes(root_fn):
    seen, stack = set(), [root_fn]
    while stack:
        fn = stack.pop()
        if fn not in seen:
            seen.add(fn)
            stack.extend(t.grad_fn for t in fn.inputs if t.grad_fn is not None)
    return seen


def assert_topological(order, root_fn):
    assert all(isinstance(fn, Function) for fn in order), "the order must hold graph nodes (Functions) only"
    assert len(order) == len(set(order)), (
        f"{len(order)} entries but {len(set(order))} distinct nodes: each node must appear once")
    expected = reachable_nodes(root_fn)
    assert set(order) == expected, (
        f"the order has {len(set(order) - expected)} unexpected and misses {len(expected - set(order))} "
        "of the nodes reachable from the root")
    position = {fn: i for i, fn in enumerate(order)}
    for fn in order:
        for tensor in fn.inputs:
            if tensor.grad_fn is not None:
                assert position[tensor.grad_fn] < position[fn], (
                    f"{tensor.grad_fn!r} feeds {fn!r} but comes after it in the order")
    assert order[-1] is root_fn, "the root must come last"


def random_graph(seed, size=60):
    """A random DAG of ``size`` operations over 3 leaves and a constant; returns the root tensor."""
    rng = np.random.default_rng(seed)
    values = [leaf(randn(3, seed + i)) for i in range(3)] + [leaf(randn(3, seed + 3), requires_grad=False)]
    unary = [mytorch.exp, lambda t: -t, lambda t: t * 0.5, lambda t: mytorch.reshape(t, 3)]
    binary = [mytorch.ops.add, mytorch.ops.mul, lambda a, b: a - b]
    for _ in range(size):
        if rng.random() < 0.4:
            values.append(unary[rng.integers(len(unary))](values[rng.integers(len(values))]))
        else:
            i, j = rng.integers(len(values), size=2)
            values.append(binary[rng.integers(len(binary))](values[i], values[j]))
    root = values[-1]
    for _ in range(3):                       # tie in a few more nodes
        root = root + values[rng.integers(4, len(values))]
    return mytorch.sum(root)


@pytest.mark.parametrize("seed", range(6))
def test_random_graphs(seed):
    y = random_graph(seed)
    assert_topological(order_of(y.grad_fn), y.grad_fn)


def test_two_chains_joined_at_the_root():
    x = leaf(randn(2, seed=10))
    a, b = x, x
    chain_a, chain_b = [], []
    for _ in range(5):
        a = mytorch.exp(a * 0.1)
        chain_a += [a.grad_fn.inputs[0].grad_fn, a.grad_fn]
        b = -b
        chain_b.append(b.grad_fn)
    y = a + b
    order = order_of(y.grad_fn)
    assert_topological(order, y.grad_fn)
    assert len(order) == len(chain_a) + len(chain_b) + 1


def test_a_node_used_at_two_depths():
    x = leaf(randn(3, seed=11))
    y = mytorch.exp(x)
    z = mytorch.log(y)
    w = y * z                                   # uses y directly and through z
    assert order_of(w.grad_fn) == [y.grad_fn, z.grad_fn, w.grad_fn], (
        "y feeds z and w, z feeds w: the only valid order is [y, z, w]")


def test_a_root_made_of_leaves_only():
    y = leaf(randn(3, seed=12)) * leaf(randn(3, seed=13))
    assert order_of(y.grad_fn) == [y.grad_fn], "a node whose inputs are all leaves is alone in its order"


def test_a_wide_node_with_many_inputs():
    x = leaf(randn(1, seed=14))
    parts = [mytorch.exp(x * float(i)) for i in range(1000)]
    y = mytorch.cat(parts, dim=0)
    order = order_of(y.grad_fn)
    assert_topological(order, y.grad_fn)
    assert len(order) == 2001, f"1000 × (mul, exp) + cat = 2001 nodes, got {len(order)}"


def test_a_very_deep_chain():
    x = leaf(randn(1, seed=15))
    y = x
    for _ in range(60_000):
        y = -y
    try:
        order = order_of(y.grad_fn)
    except RecursionError:
        pytest.fail("RecursionError on a chain of 60 000 nodes: use an explicit stack")
    assert len(order) == 60_000 and order[-1] is y.grad_fn and order[0].inputs[0] is x, (
        "a chain's order starts at the node fed by the leaf and ends at the root")


def test_a_deep_ladder_with_shared_nodes():
    # Each rung uses the previous value twice (once through exp): deep and with many shared paths.
    y = leaf(randn(2, seed=16))
    for _ in range(5_000):
        y = y + mytorch.exp(y * 1e-3) * 1e-3
    order = order_of(y.grad_fn)
    assert_topological(order, y.grad_fn)
    assert len(order) == 20_000


def test_no_grad_and_detach_cut_the_graph():
    x = leaf(randn(3, seed=17))
    with mytorch.no_grad():
        c = mytorch.exp(x)                       # computed from x, but not recorded
    d = mytorch.exp(x).detach()
    y = mytorch.log(x * x) * c + d
    order = order_of(y.grad_fn)
    assert_topological(order, y.grad_fn)
    assert len(order) == 4, f"mul, log, mul and add are recorded; got {order}"


def test_the_graph_is_only_read():
    class NoBackward(Function):
        def forward(self, x):
            return x + 1

        def backward(self, grad):
            raise AssertionError("topological_order must not call backward")

        def jvp(self, dx):
            raise AssertionError("topological_order must not call jvp")

    x = leaf(randn(3, seed=18))
    a = NoBackward.apply(x)
    y = NoBackward.apply(a * a)
    inputs_before = [(fn, fn.inputs) for fn in reachable_nodes(y.grad_fn)]
    first = order_of(y.grad_fn)
    second = order_of(y.grad_fn)
    assert first == second, "calling topological_order twice on the same graph should give the same order"
    assert all(fn.inputs is inputs for fn, inputs in inputs_before), (
        "topological_order must not change the graph")
    assert_topological(first, y.grad_fn)


def test_the_order_from_an_inner_node():
    x = leaf(randn(3, seed=19))
    inner = mytorch.exp(x) * 2.0
    outer = mytorch.sum(mytorch.log(inner))
    order = order_of(inner.grad_fn)
    assert_topological(order, inner.grad_fn)
    assert outer.grad_fn not in order, "nodes after the starting node are not reachable from it"
