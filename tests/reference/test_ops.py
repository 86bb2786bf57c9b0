"""Every primitive and composed operation of mytorch against PyTorch, in float64.

Shapes are drawn by hypothesis (with broadcasting for binary operations);
values are drawn inside each operation's domain and away from its kinks.
"""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

import mytorch

from oracle import assert_matches_torch

settings.register_profile("ops", max_examples=30, deadline=None)
settings.load_profile("ops")

shapes = array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=5)
seeds = st.integers(0, 2**32 - 1)


def draw(shape, seed, low=-2.0, high=2.0, away_from_zero=0.0):
    """Uniform values in [low, high], at least ``away_from_zero`` from 0 (to avoid kinks)."""
    rng = np.random.default_rng(seed)
    values = rng.uniform(low, high, size=shape)
    if away_from_zero:
        values = np.sign(values + (values == 0)) * np.maximum(np.abs(values), away_from_zero)
    return values


UNARY = {
    "neg": (lambda x: -x, lambda x: -x, {}),
    "exp": (mytorch.exp, torch.exp, {}),
    "log": (mytorch.log, torch.log, {"low": 0.2, "high": 3.0}),
    "sqrt": (mytorch.sqrt, torch.sqrt, {"low": 0.2, "high": 3.0}),
    "abs": (mytorch.abs, torch.abs, {"away_from_zero": 0.1}),
    "pow_3": (lambda x: x ** 3, lambda x: x ** 3, {}),
    "pow_-1.5": (lambda x: x ** -1.5, lambda x: x ** -1.5, {"low": 0.3, "high": 3.0}),
    "rpow": (lambda x: 2.0 ** x, lambda x: 2.0 ** x, {}),
    "relu": (mytorch.relu, torch.relu, {"away_from_zero": 0.1}),
    "leaky_relu": (lambda x: mytorch.leaky_relu(x, 0.2), lambda x: torch.nn.functional.leaky_relu(x, 0.2),
                   {"away_from_zero": 0.1}),
    "sigmoid": (mytorch.sigmoid, torch.sigmoid, {"low": -6, "high": 6}),
    "tanh": (mytorch.tanh, torch.tanh, {}),
    "scalar_arith": (lambda x: (3 - x) * 0.5 / 4 + 1, lambda x: (3 - x) * 0.5 / 4 + 1, {}),
}


@pytest.mark.parametrize("name", UNARY)
@given(shape=shapes, seed=seeds)
def test_unary(name, shape, seed):
    mt_fn, torch_fn, domain = UNARY[name]
    assert_matches_torch(mt_fn, torch_fn, draw(shape, seed, **domain), seed=seed)


BINARY = {
    "add": (lambda a, b: a + b, {}),
    "sub": (lambda a, b: a - b, {}),
    "mul": (lambda a, b: a * b, {}),
    "div": (lambda a, b: a / b, {"away_from_zero": 0.3}),
    "pow": (lambda a, b: a ** b, {"low": 0.2, "high": 2.0}),
}


@pytest.mark.parametrize("name", BINARY)
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=4), seed=seeds)
def test_binary_with_broadcasting(name, shapes, seed):
    fn, domain = BINARY[name]
    a_shape, b_shape = shapes.input_shapes
    assert_matches_torch(fn, fn, draw(a_shape, seed, **domain), draw(b_shape, seed + 1, **domain),
                         seed=seed)


@st.composite
def shape_and_dims(draw_from):
    """A shape and a reduction dim: None, one axis (maybe negative) or a tuple of axes."""
    shape = draw_from(shapes)
    axes = st.integers(-len(shape), len(shape) - 1)
    dim = draw_from(st.none() | axes | st.sets(st.integers(0, len(shape) - 1), min_size=1).map(tuple))
    return shape, dim


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("name", ["sum", "mean", "amax", "logsumexp"])
@given(case=shape_and_dims(), seed=seeds)
def test_reductions(name, keepdim, case, seed):
    shape, dim = case
    if dim is None and name == "logsumexp":
        dim = tuple(range(len(shape)))
    th_dim = tuple(range(len(shape))) if dim is None else dim
    assert_matches_torch(lambda x: getattr(mytorch, name)(x, dim, keepdim),
                         lambda x: getattr(torch, name)(x, th_dim, keepdim),
                         draw(shape, seed), seed=seed)


@given(shape=shapes, seed=seeds, keepdim=st.booleans())
def test_max_with_dim_returns_values_and_indices(shape, seed, keepdim):
    x = draw(shape, seed)
    values, indices = mytorch.max(mytorch.tensor(x), dim=-1, keepdim=keepdim)
    expected = torch.max(torch.tensor(x), dim=-1, keepdim=keepdim)
    np.testing.assert_array_equal(values.data, expected.values.numpy())
    np.testing.assert_array_equal(indices.data, expected.indices.numpy())
    assert_matches_torch(lambda t: t.max(dim=-1, keepdim=keepdim).values,
                         lambda t: t.max(dim=-1, keepdim=keepdim).values, x, seed=seed)


def test_numpy_style_axis_and_keepdims_are_accepted():
    x = mytorch.tensor(np.arange(6.0).reshape(2, 3))
    assert x.sum(axis=1, keepdims=True).shape == (2, 1)
    assert mytorch.mean(x, axis=0).tolist() == [1.5, 2.5, 3.5]
    with pytest.raises(TypeError, match="unexpected keyword"):
        x.sum(axes=1)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@given(shape=shapes, seed=seeds, data=st.data())
def test_softmax_family(name, shape, seed, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    assert_matches_torch(lambda x: getattr(mytorch, name)(x, dim=dim), lambda x: getattr(torch, name)(x, dim),
                         draw(shape, seed, -5, 5), seed=seed)


def test_log_softmax_and_logsumexp_are_stable_for_huge_logits():
    logits = np.array([[1e4, 0.0, -1e4], [-1e308, -1e308, 0.0]])
    np.testing.assert_allclose(mytorch.log_softmax(mytorch.tensor(logits), dim=1).data,
                               [[0.0, -1e4, -2e4], [-1e308, -1e308, 0.0]])
    np.testing.assert_allclose(mytorch.logsumexp(mytorch.tensor(logits), 1).data, [1e4, 0.0])


MATMUL_SHAPES = [((3, 4), (4, 5)), ((4,), (4, 5)), ((3, 4), (4,)), ((4,), (4,)),
                 ((2, 3, 4), (4, 5)), ((3, 4), (2, 4, 5)), ((2, 1, 3, 4), (5, 4, 2)), ((2, 3, 4), (4,))]


@pytest.mark.parametrize("a_shape,b_shape", MATMUL_SHAPES, ids=str)
def test_matmul(a_shape, b_shape):
    assert_matches_torch(lambda a, b: a @ b, torch.matmul, draw(a_shape, 1), draw(b_shape, 2))


@given(shape=shapes, seed=seeds, data=st.data())
def test_reshape_permute_and_transpose(shape, seed, data):
    x = draw(shape, seed)
    order = tuple(data.draw(st.permutations(range(len(shape)))))
    dim0, dim1 = data.draw(st.tuples(*[st.integers(-len(shape), len(shape) - 1)] * 2))
    assert_matches_torch(lambda t: t.reshape(-1, 1).view(t.shape[::-1]), lambda t: t.reshape(-1, 1).view(t.shape[::-1]), x)
    assert_matches_torch(lambda t: t.permute(order), lambda t: t.permute(order), x)
    assert_matches_torch(lambda t: mytorch.transpose(t, dim0, dim1), lambda t: torch.transpose(t, dim0, dim1), x)
    assert_matches_torch(lambda t: t.flatten().unsqueeze(0).squeeze(0), lambda t: t.flatten().unsqueeze(0).squeeze(0), x)


def test_T_reverses_dimensions():
    x = draw((2, 3, 4), 0)
    assert_matches_torch(lambda t: t.T, lambda t: t.permute(2, 1, 0), x)


INDICES = {
    "int": 1,
    "slice": slice(1, None, 2),
    "negative_and_ellipsis": (Ellipsis, -1),
    "new_axis": (None, slice(None), 0),
    "repeated_integers": np.array([0, 2, 2, 0, 1]),
    "two_arrays": (np.array([0, 1, 1]), np.array([2, 0, 2])),
    "boolean_mask": np.array([True, False, True]),
}


@pytest.mark.parametrize("name", INDICES)
def test_getitem(name):
    index = INDICES[name]
    th_index = tuple(torch.tensor(i) if isinstance(i, np.ndarray) else i for i in index) \
        if isinstance(index, tuple) else (torch.tensor(index) if isinstance(index, np.ndarray) else index)
    assert_matches_torch(lambda t: t[index], lambda t: t[th_index], draw((3, 4), 3))


def test_getitem_accepts_tensor_indices():
    x = mytorch.tensor(np.arange(5.0), requires_grad=True)
    x[mytorch.tensor(np.array([4, 4, 1]))].sum().backward()
    assert x.grad.tolist() == [0, 1, 0, 0, 2]


# Python lists (and tensors) inside an index, most with repeats: their gradients must add up,
# as for integer arrays. Each entry: the mytorch index and the same index for torch, where a
# nested list must be a tensor (torch 2.x still reads a list of lists as a tuple; NumPy does not).
LIST_INDICES = {
    "repeated_list": ([0, 0, 2], [0, 0, 2]),
    "negative_list": ([-1, 2, -1], [-1, 2, -1]),
    "list_and_slice": (([2, 0, 2], slice(1, None)), ([2, 0, 2], slice(1, None))),
    "int_and_list": ((1, [3, 0, 3]), (1, [3, 0, 3])),
    "ellipsis_and_list": ((Ellipsis, [3, 3, 1]), (Ellipsis, [3, 3, 1])),
    "none_and_list": ((None, [2, 2, 0]), (None, [2, 2, 0])),
    "nested_list": ([[0, 1], [1, 1]], torch.tensor([[0, 1], [1, 1]])),
    "two_lists": (([0, 0, 2], [1, 1, 3]), ([0, 0, 2], [1, 1, 3])),
    "tensor": (mytorch.tensor(np.array([2, 2, -1])), torch.tensor([2, 2, -1])),
    "tensor_and_slice": ((slice(None), mytorch.tensor(np.array([1, 1]))),
                         (slice(None), torch.tensor([1, 1]))),
    "zero_d_array_and_list": ((np.array(1), [0, 0]), (torch.tensor(1), [0, 0])),
    "bool_list": ([True, False, True], [True, False, True]),
    "bool_mask_and_list": (([True, False, True], [1, 1]), ([True, False, True], [1, 1])),
    "bool_tensor_mask": (mytorch.tensor(np.arange(12).reshape(3, 4) % 5 == 0),
                         torch.tensor(np.arange(12).reshape(3, 4) % 5 == 0)),
    "empty_list": ([], []),
}


@pytest.mark.parametrize("name", LIST_INDICES)
def test_getitem_with_lists_accumulates_like_torch(name):
    index, th_index = LIST_INDICES[name]
    assert_matches_torch(lambda t: t[index], lambda t: t[th_index], draw((3, 4), 4))


def test_getitem_repeated_list_index_adds_gradients():
    x = mytorch.tensor(np.zeros(4), requires_grad=True)
    x[[0, 0, 2]].sum().backward()
    assert x.grad.tolist() == [2, 0, 1, 0]


ZERO_D = {
    "sum": lambda t: t.sum(0), "mean": lambda t: t.mean(-1, keepdim=True), "amax": lambda t: t.amax(0),
    "max_dim": lambda t: t.max(-1).values, "logsumexp": lambda t: t.logsumexp(0),
    "softmax": lambda t: t.softmax(0), "log_softmax": lambda t: t.log_softmax(-1),
    "flatten": lambda t: t.flatten(), "squeeze": lambda t: t.squeeze(0),
    "transpose": lambda t: t.transpose(0, -1),
}


@pytest.mark.parametrize("name", ZERO_D)
def test_zero_dim_tensors_take_dim_0_and_minus_1(name):
    """As in torch, a 0-d tensor has one dimension for dim arguments (found by test_fuzz.py)."""
    assert_matches_torch(ZERO_D[name], ZERO_D[name], np.array(0.7))


def test_dim_out_of_range_is_an_index_error():
    with pytest.raises(IndexError, match="range"):
        mytorch.tensor(np.ones((2, 3))).sum(2)
    with pytest.raises(IndexError, match="range"):
        mytorch.tensor(np.array(1.0)).sum(1)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cat_and_stack(dim):
    a, b, c = draw((2, 3), 0), draw((2, 3), 1), draw((2, 3), 2)
    assert_matches_torch(lambda *t: mytorch.cat(t, dim), lambda *t: torch.cat(t, dim), a, b, c)
    assert_matches_torch(lambda *t: mytorch.concatenate(t, dim), lambda *t: torch.concatenate(t, dim), a, b)
    assert_matches_torch(lambda *t: mytorch.stack(t, dim), lambda *t: torch.stack(t, dim), a, b, c)


def test_composite_function_matches_finite_differences():
    """An MLP-like composition: reverse mode agrees with central differences (relative error < 1e-6)."""
    w, b = mytorch.tensor(draw((4, 3), 7)), mytorch.tensor(draw((3,), 8))

    def loss(x):
        hidden = mytorch.tanh(x @ w + b)
        return mytorch.log_softmax(hidden, dim=1)[:, 0].sum() + (hidden ** 2).mean()

    x = mytorch.tensor(draw((5, 4), 9), requires_grad=True)
    assert mytorch.autodiff.gradcheck(loss, (x,), tolerance=1e-6)


def test_the_derivative_of_a_zeroth_power_is_zero_even_at_zero():
    """d/dx x⁰ = 0 everywhere, as in torch; p · x^(p−1) would give 0 · ∞ = NaN at x = 0."""
    assert_matches_torch(lambda t: t ** 0, lambda t: t ** 0, np.array([0.0, 1.0, -2.0]))
