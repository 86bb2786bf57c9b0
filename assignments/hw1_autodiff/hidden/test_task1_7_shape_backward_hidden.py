"""Hidden tests of Task 1.7: backward of reshape, permute, indexing and concatenation,
called as ``y.grad_fn.backward(ȳ)``."""
import itertools

import numpy as np
import pytest

import mytorch

from helpers import as_tuple, assert_backward_matches_finite_differences, assert_close, leaf, randn

pytestmark = pytest.mark.task1_7


def rule(f, *arrays, seed=0):
    y = f(*(leaf(a) for a in arrays))
    upstream = randn(y.shape, seed)
    return as_tuple(y.grad_fn.backward(upstream)), upstream


RESHAPES = [
    ("reshape (2, 3, 4) → (4, 6)", lambda t: t.reshape(4, 6), (2, 3, 4)),
    ("reshape (2, 3, 4) → (3, -1)", lambda t: t.reshape((3, -1)), (2, 3, 4)),
    ("view → (24,)", lambda t: t.view(24), (2, 3, 4)),
    ("flatten(1)", lambda t: mytorch.flatten(t, 1), (2, 3, 4)),
    ("squeeze", lambda t: mytorch.squeeze(t), (1, 3, 1, 2)),
    ("unsqueeze(-1)", lambda t: mytorch.unsqueeze(t, -1), (3, 2)),
    ("reshape () → (1, 1)", lambda t: t.reshape(1, 1), ()),
    ("reshape (1,) → ()", lambda t: t.reshape(()), (1,)),
]


@pytest.mark.parametrize("name, f, shape", RESHAPES, ids=[case[0] for case in RESHAPES])
def test_reshapes(name, f, shape):
    x = randn(shape, 1)
    (grad,), upstream = rule(f, x)
    assert_close(grad, upstream.reshape(shape), f"Reshape.backward for {name}")


@pytest.mark.parametrize("dims", list(itertools.permutations(range(4)))[::3], ids=str)
def test_every_kind_of_permutation(dims):
    x = randn((2, 3, 4, 5), 2)
    (grad,), upstream = rule(lambda t: mytorch.permute(t, dims), x)
    assert_close(grad, np.transpose(upstream, np.argsort(dims)), f"Permute.backward for dims {dims}")


def test_transpose_with_negative_dims_and_T():
    assert_backward_matches_finite_differences("transpose(-1, 0)", lambda t: mytorch.transpose(t, -1, 0),
                                               randn((2, 3, 4), 3))
    assert_backward_matches_finite_differences(".T of a 3-d tensor", lambda t: t.T, randn((2, 3, 4), 4))


INDICES = [
    ("x[1, 2]", (1, 2)),
    ("x[-1]", -1),
    ("x[:, 1:3]", (slice(None), slice(1, 3))),
    ("x[::2, ::-1]", (slice(None, None, 2), slice(None, None, -1))),
    ("x[None, 1]", (None, 1)),
    ("x[..., 0]", (Ellipsis, 0)),
    ("x[[2, 0, 2, 2]]", np.array([2, 0, 2, 2])),
    ("x[[-1, 0, -1]]", np.array([-1, 0, -1])),
    ("x[:, [0, 0, 3]]", (slice(None), np.array([0, 0, 3]))),
    ("x[[0, 0, 1], [1, 1, 2]]", (np.array([0, 0, 1]), np.array([1, 1, 2]))),
    ("x[[[0, 1], [1, 1]]]", np.array([[0, 1], [1, 1]])),
    ("x[x > 0]", "mask"),
    ("x[[True, False, True]]", np.array([True, False, True])),
]


@pytest.mark.parametrize("name, index", INDICES, ids=[case[0] for case in INDICES])
def test_indexing(name, index):
    x = randn((3, 4), 5)
    if isinstance(index, str):
        index = x > 0
    assert_backward_matches_finite_differences(f"GetItem {name}", lambda t: t[index], x, seed=6)


def test_repeated_pairs_of_indices_add_up():
    x = randn((2, 3), 7)
    rows, cols = np.array([1, 1, 1, 0]), np.array([2, 2, 2, 0])
    y = leaf(x)[rows, cols]
    grad = as_tuple(y.grad_fn.backward(np.array([1.0, 2.0, 4.0, 8.0])))[0]
    expected = np.zeros((2, 3))
    expected[1, 2], expected[0, 0] = 7.0, 8.0
    assert_close(grad, expected, "GetItem.backward for x[[1, 1, 1, 0], [2, 2, 2, 0]]", rtol=0, atol=0)


def test_an_index_given_as_a_tensor():
    x = randn(5, 8)
    index = mytorch.tensor(np.array([4, 4, 1]))
    y = leaf(x)[index]
    grad = as_tuple(y.grad_fn.backward(np.array([1.0, 1.0, 3.0])))[0]
    assert_close(grad, np.array([0.0, 3.0, 0.0, 0.0, 2.0]), "GetItem.backward for an integer tensor index")


@pytest.mark.parametrize("dim", [0, 1, 2, -1, -2], ids=str)
def test_concatenation_along_every_dim(dim):
    shapes = []
    for size in (2, 1, 3):
        shape = [2, 3, 2]
        shape[dim] = size
        shapes.append(tuple(shape))
    arrays = [randn(shape, 9 + i) for i, shape in enumerate(shapes)]
    grads, upstream = rule(lambda *ts: mytorch.cat(list(ts), dim=dim), *arrays)
    assert len(grads) == 3, f"Concatenate.backward of 3 inputs returned {len(grads)} gradients"
    pieces = np.split(upstream, [2, 3], axis=dim)
    for i, (grad, piece) in enumerate(zip(grads, pieces)):
        assert_close(grad, piece, f"Concatenate.backward (dim={dim}), input {i} of shape {shapes[i]}")


def test_concatenation_of_many_and_of_an_empty_input():
    arrays = [randn((i % 3, 2), 20 + i) for i in range(7)]           # sizes 0, 1, 2, 0, 1, 2, 0
    grads, upstream = rule(lambda *ts: mytorch.cat(list(ts)), *arrays)
    bounds = np.cumsum([a.shape[0] for a in arrays])[:-1]
    for i, (grad, piece) in enumerate(zip(grads, np.split(upstream, bounds))):
        assert_close(grad, piece, f"Concatenate.backward, input {i} of shape {arrays[i].shape}")


def test_concatenation_of_one_input():
    (grad,), upstream = rule(lambda t: mytorch.cat([t], dim=1), randn((2, 3), 30))
    assert_close(grad, upstream, "Concatenate.backward of a single input")


def test_stack_is_a_concatenation_of_unsqueezed_inputs():
    a, b = randn((2, 3), 31), randn((2, 3), 32)
    y = mytorch.stack([leaf(a), leaf(b)], dim=1)
    upstream = randn((2, 2, 3), 33)
    grads = as_tuple(y.grad_fn.backward(upstream))
    assert_close(grads[0], upstream[:, 0:1], "Concatenate.backward inside stack(dim=1), input 0")
    assert_close(grads[1], upstream[:, 1:2], "Concatenate.backward inside stack(dim=1), input 1")
