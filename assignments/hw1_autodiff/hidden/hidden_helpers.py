"""Helpers of the hidden tests only (never shipped to students): random shapes, and correct
stand-ins for other tasks, so that each task is graded on its own code alone.

The helpers the public tests also use come from their module, ``tests/helpers.py``
(see conftest.py).
"""
import numpy as np


def random_shape(rng, min_ndim=0, max_ndim=4, max_size=4):
    """A random shape with ``min_ndim`` … ``max_ndim`` axes of sizes 1 … ``max_size``."""
    ndim = int(rng.integers(min_ndim, max_ndim + 1))
    return tuple(int(n) for n in rng.integers(1, max_size + 1, size=ndim))


def broadcast_pair(seed, max_ndim=4, max_size=4):
    """Two shapes that broadcast together: each drops some leading axes of a common shape and
    turns some of the others into 1."""
    rng = np.random.default_rng(seed)
    full = random_shape(rng, 2, max_ndim, max_size)
    shapes = []
    for _ in range(2):
        kept = () if rng.random() < 0.1 else full[int(rng.integers(0, len(full))):]
        shapes.append(tuple(1 if rng.random() < 0.35 else n for n in kept))
    return tuple(shapes)


def stand_in_topological_order(root_fn):
    """A correct topological order (Kahn's algorithm, no recursion), used in place of the student's
    Task 1.1 so that the tests of Task 1.2 grade the backward pass alone."""
    nodes, stack = set(), [root_fn]
    while stack:
        fn = stack.pop()
        if fn not in nodes:
            nodes.add(fn)
            stack.extend(t.grad_fn for t in fn.inputs if t.grad_fn is not None)
    uses = {fn: 0 for fn in nodes}           # how many inputs of each node come from other nodes
    users = {fn: [] for fn in nodes}
    for fn in nodes:
        for tensor in fn.inputs:
            if tensor.grad_fn is not None:
                uses[fn] += 1
                users[tensor.grad_fn].append(fn)
    ready = [fn for fn in nodes if uses[fn] == 0]
    order = []
    while ready:
        fn = ready.pop()
        order.append(fn)
        for user in users[fn]:
            uses[user] -= 1
            if uses[user] == 0:
                ready.append(user)
    return order


def stand_in_unbroadcast(grad, shape):
    """A correct ``unbroadcast``, used in place of the student's Task 1.3 so that the tests of
    Tasks 1.4 and 1.8 grade the backward rules alone."""
    leading = grad.ndim - len(shape)
    summed = grad.sum(axis=tuple(range(leading))) if leading else grad
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and summed.shape[i] != 1)
    return summed.sum(axis=axes, keepdims=True) if axes else summed


def stand_in_pow_derivative(pow_node):
    """A correct ``Pow.derivative`` (p · x^(p−1), part of Task 1.4), used in place of the student's
    so that the tests of Task 1.9 grade the JVP rules alone."""
    x, = pow_node.saved_tensors
    return pow_node.exponent * x ** (pow_node.exponent - 1)
