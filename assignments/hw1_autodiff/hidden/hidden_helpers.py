"""Helpers shared by the hidden tests of hw1 (never shipped to students).

A self-contained copy of the public tests' helpers.py (so that the hidden tests
run wherever the grader puts them, and a module named ``helpers`` from the
public tests cannot shadow it), plus random shapes and a stand-in topological
order for the tests that grade one task independently of another.

Every expected value in these tests comes from closed-form math or from
central finite differences computed here, in float64:

    ∂f/∂xᵢ ≈ (f(x + ε eᵢ) − f(x − ε eᵢ)) / 2ε        (error O(ε²))

The finite differences only ever run the *forward* of mytorch's operations
(code you do not write), so they are an independent check of your rules.
"""
import contextlib
import re

import numpy as np
import pytest

import mytorch

EPS = 1e-6     # step of the central differences
RTOL = 1e-6    # tolerances of a comparison with finite differences (float64)
ATOL = 1e-8


# ----- tensors ------------------------------------------------------------------------------------
def leaf(array, requires_grad=True):
    """A float64 leaf tensor (requiring a gradient by default) holding ``array``."""
    return mytorch.tensor(np.asarray(array, dtype=np.float64), requires_grad=requires_grad)


def const(array):
    """A float64 tensor that does not require a gradient."""
    return leaf(array, requires_grad=False)


def randn(shape, seed):
    """Standard normal float64 values of ``shape``, from a fixed seed."""
    return np.asarray(np.random.default_rng(seed).standard_normal(shape), dtype=np.float64)


def distinct(shape, seed, spacing=0.1):
    """Values at least ``spacing`` apart and never 0 (no ties for max, no kink for abs)."""
    size = int(np.prod(shape, dtype=np.int64))
    values = np.random.default_rng(seed).permutation(size) - size / 2 + 0.5
    return (values * spacing).reshape(shape)


def to_array(value):
    """The array of a tensor, or ``value`` as an array."""
    return value.data if isinstance(value, mytorch.Tensor) else np.asarray(value)


def as_tuple(grads):
    """A backward rule returns one array for one input, or a tuple: always a tuple here."""
    return grads if isinstance(grads, tuple) else (grads,)


# ----- finite differences -------------------------------------------------------------------------
def on_arrays(f):
    """``f`` (a function of tensors) as a function of float64 arrays, running forward only."""
    return lambda *arrays: np.asarray(f(*(const(a) for a in arrays)).data, dtype=np.float64)


def numerical_vjp(f, arrays, index, upstream, eps=EPS):
    """x̄ = ∂⟨ȳ, f(x₁, …, x_k)⟩ / ∂x_index, one coordinate at a time (``f`` maps arrays to an array)."""
    arrays = [np.array(a, dtype=np.float64) for a in arrays]
    x = arrays[index]
    grad = np.zeros_like(x)
    for i in range(x.size):
        values = []
        for sign in (1, -1):
            moved = x.copy()
            moved.reshape(-1)[i] += sign * eps
            args = [moved if j == index else a for j, a in enumerate(arrays)]
            values.append(np.sum(upstream * f(*args)))
        grad.reshape(-1)[i] = (values[0] - values[1]) / (2 * eps)
    return grad


def numerical_jvp(f, arrays, tangents, eps=EPS):
    """ẏ = (f(x + εv) − f(x − εv)) / 2ε, all inputs moved together along their tangents."""
    plus = f(*(np.asarray(a, dtype=np.float64) + eps * np.asarray(v) for a, v in zip(arrays, tangents)))
    minus = f(*(np.asarray(a, dtype=np.float64) - eps * np.asarray(v) for a, v in zip(arrays, tangents)))
    return (plus - minus) / (2 * eps)


def numerical_jacobian(f, x, eps=EPS):
    """The Jacobian of ``f`` (arrays to an array) at ``x``, of shape f(x).shape + x.shape."""
    x = np.array(x, dtype=np.float64)
    out_shape = np.shape(f(x))
    columns = []
    for i in range(x.size):
        e = np.zeros(x.size)
        e[i] = 1.0
        columns.append(numerical_jvp(f, [x], [e.reshape(x.shape)], eps).reshape(-1))
    return np.stack(columns, axis=-1).reshape(out_shape + x.shape)


# ----- checks -------------------------------------------------------------------------------------
def assert_close(actual, expected, what, rtol=RTOL, atol=ATOL):
    """``actual`` (array or tensor) has ``expected``'s shape and values; ``what`` names it in the message."""
    expected = to_array(expected)
    assert actual is not None, f"{what}: got None, expected an array of shape {expected.shape}"
    if isinstance(actual, mytorch.Tensor):
        actual = actual.data
    assert hasattr(actual, "shape"), f"{what}: expected an array, got {type(actual).__name__}"
    assert tuple(actual.shape) == tuple(expected.shape), (
        f"{what}: shape {tuple(actual.shape)}, expected {tuple(expected.shape)} "
        "(a gradient has the shape of its input)")
    np.testing.assert_allclose(np.asarray(actual, dtype=np.float64), expected, rtol=rtol, atol=atol,
                               err_msg=f"{what}: wrong values")


def assert_backward_matches_finite_differences(name, f, *arrays, seed=0, rtol=RTOL, atol=ATOL):
    """Apply ``f`` (one primitive) to float64 leaves, call ``y.grad_fn.backward(ȳ)`` for a random ȳ
    and compare every x̄ᵢ with central differences of the forward. Returns the gradients."""
    inputs = [leaf(a) for a in arrays]
    y = f(*inputs)
    assert y.grad_fn is not None, f"{name}: the output has no grad_fn"
    upstream = randn(y.shape, seed)
    grads = as_tuple(y.grad_fn.backward(upstream))
    assert len(grads) == len(inputs), (
        f"{name}.backward returned {len(grads)} gradient(s) for {len(inputs)} input(s)")
    for index, grad in enumerate(grads):
        expected = numerical_vjp(on_arrays(f), arrays, index, upstream)
        shapes = " and ".join(str(tuple(np.shape(a))) for a in arrays)
        assert_close(grad, expected, f"{name}.backward, gradient of input {index} (inputs of shapes "
                     f"{shapes})", rtol, atol)
    return grads


def assert_jvp_matches_finite_differences(name, f, primals, tangents, rtol=RTOL, atol=ATOL):
    """``mytorch.autodiff.jvp(f, primals, tangents)`` against (f(x + εv) − f(x − εv)) / 2ε."""
    primals = [np.asarray(p, dtype=np.float64) for p in primals]
    tangents = [np.asarray(v, dtype=np.float64) for v in tangents]
    value, tangent = mytorch.autodiff.jvp(f, tuple(const(p) for p in primals),
                                          tuple(const(v) for v in tangents))
    assert_close(value, on_arrays(f)(*primals), f"{name}: the value returned by jvp", 1e-12, 1e-12)
    assert_close(tangent, numerical_jvp(on_arrays(f), primals, tangents), f"{name}: the JVP", rtol, atol)


@contextlib.contextmanager
def raises(expected, match=None):
    """Like ``pytest.raises``, except that a NotImplementedError (an unfinished task) is never
    taken for the expected error, even though NotImplementedError is a RuntimeError."""
    try:
        yield
    except NotImplementedError:
        raise
    except expected as error:
        if match is not None and not re.search(match, str(error)):
            pytest.fail(f"{type(error).__name__} raised as expected, but its message {str(error)!r} "
                        f"does not match {match!r}")
        return
    pytest.fail(f"expected {expected.__name__} to be raised, but nothing was raised")


# ----- hidden-only helpers ------------------------------------------------------------------------
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
