"""The convolution and max-pooling primitives against PyTorch, in float64.

Shapes, strides and paddings are drawn by hypothesis; pooling inputs have
distinct values, so that no window has two maxima (a tie is a kink).
"""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given, settings
from hypothesis import strategies as st

import mytorch
from mytorch.ops.convolution import Conv2d, MaxPool2d, conv2d, max_pool2d, output_size

from helpers import assert_jvp_matches_vjp, distinct_values
from oracle import assert_matches_torch

seeds = st.integers(0, 2**32 - 1)
pairs = st.integers(1, 3) | st.tuples(st.integers(1, 3), st.integers(1, 3))


@st.composite
def conv_cases(draw):
    """(x shape, w shape, stride, padding) with the kernel fitting the padded input."""
    kernel = draw(st.tuples(st.integers(1, 3), st.integers(1, 3)))
    padding = draw(st.integers(0, 2) | st.tuples(st.integers(0, 2), st.integers(0, 2)))
    pad = padding if isinstance(padding, tuple) else (padding, padding)
    height, width = (draw(st.integers(max(1, k - 2 * p), 7)) for k, p in zip(kernel, pad))
    n, c_in, c_out = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 4))
    return (n, c_in, height, width), (c_out, c_in, *kernel), draw(pairs), padding


@st.composite
def pool_cases(draw):
    """(x shape, kernel_size, stride, padding) with padding at most half the kernel, as PyTorch requires."""
    kernel = draw(st.tuples(st.integers(1, 3), st.integers(1, 3)))
    padding = tuple(draw(st.integers(0, k // 2)) for k in kernel)
    stride = draw(st.none() | pairs)
    height, width = (draw(st.integers(k, 7)) for k in kernel)
    return (draw(st.integers(1, 3)), draw(st.integers(1, 3)), height, width), kernel, stride, padding


@settings(max_examples=25, deadline=None)
@given(case=conv_cases(), seed=seeds)
def test_conv2d_matches_torch(case, seed):
    x_shape, w_shape, stride, padding = case
    rng = np.random.default_rng(seed)
    assert_matches_torch(lambda x, w: conv2d(x, w, stride, padding),
                         lambda x, w: TF.conv2d(x, w, stride=stride, padding=padding),
                         rng.standard_normal(x_shape), rng.standard_normal(w_shape), seed=seed)


@settings(max_examples=25, deadline=None)
@given(case=pool_cases(), seed=seeds)
def test_max_pool2d_matches_torch(case, seed):
    x_shape, kernel, stride, padding = case
    assert_matches_torch(lambda x: max_pool2d(x, kernel, stride, padding),
                         lambda x: TF.max_pool2d(x, kernel, stride, padding),
                         distinct_values(x_shape, seed), seed=seed)


@settings(max_examples=25, deadline=None)
@given(case=conv_cases(), seed=seeds)
def test_conv2d_jvp_agrees_with_backward(case, seed):
    x_shape, w_shape, stride, padding = case
    rng = np.random.default_rng(seed)
    assert_jvp_matches_vjp(lambda x, w: Conv2d.apply(x, w, stride=stride, padding=padding),
                           rng.standard_normal(x_shape), rng.standard_normal(w_shape), seed=seed)


@settings(max_examples=25, deadline=None)
@given(case=pool_cases(), seed=seeds)
def test_max_pool2d_jvp_agrees_with_backward(case, seed):
    x_shape, kernel, stride, padding = case
    assert_jvp_matches_vjp(lambda x: MaxPool2d.apply(x, kernel_size=kernel, stride=stride, padding=padding),
                           distinct_values(x_shape, seed), seed=seed)


def test_overlapping_windows_add_their_gradients():
    """A pixel inside several 3×3 windows at stride 1 collects ȳ from each of them."""
    x = mytorch.tensor(np.zeros((1, 1, 4, 4)), requires_grad=True)
    w = mytorch.tensor(np.ones((1, 1, 3, 3)))
    conv2d(x, w).sum().backward()
    np.testing.assert_array_equal(x.grad.data[0, 0], [[1, 2, 2, 1], [2, 4, 4, 2], [2, 4, 4, 2], [1, 2, 2, 1]])


def test_max_pool2d_ties_send_the_gradient_to_the_first_maximum():
    x = mytorch.tensor(np.ones((1, 1, 2, 2)), requires_grad=True)
    max_pool2d(x, 2).sum().backward()
    th = torch.ones((1, 1, 2, 2), dtype=torch.float64, requires_grad=True)
    TF.max_pool2d(th, 2).sum().backward()
    np.testing.assert_array_equal(x.grad.data, th.grad.numpy())
    assert x.grad.data.sum() == 1


def test_first_layer_skips_the_input_gradient():
    """An input that needs no gradient gets None from backward, and the weight still gets its own."""
    rng = np.random.default_rng(0)
    x = mytorch.tensor(rng.standard_normal((2, 1, 5, 5)))
    w = mytorch.tensor(rng.standard_normal((3, 1, 3, 3)), requires_grad=True)
    y = conv2d(x, w, padding=1)
    x_grad, w_grad = y.grad_fn.backward(np.ones(y.shape))
    assert x_grad is None and w_grad.shape == w.shape


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept(dtype):
    x = mytorch.tensor(np.ones((2, 3, 6, 6), dtype), requires_grad=True)
    w = mytorch.tensor(np.ones((4, 3, 3, 3), dtype), requires_grad=True)
    y = max_pool2d(conv2d(x, w, padding=1), 2, padding=1)
    y.sum().backward()
    assert y.dtype == x.grad.dtype == w.grad.dtype == dtype


def test_transposed_layouts_give_the_same_values():
    """Outputs are transposed views; a layer fed one, or a C-ordered copy, computes the same thing."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 2, 8, 8))
    w1, w2 = rng.standard_normal((4, 2, 3, 3)), rng.standard_normal((5, 4, 3, 3))
    hidden = max_pool2d(conv2d(mytorch.tensor(x), mytorch.tensor(w1), padding=1), 2)
    assert not hidden.data.flags.c_contiguous
    chained = conv2d(hidden, mytorch.tensor(w2), stride=2)
    copied = conv2d(mytorch.tensor(np.ascontiguousarray(hidden.data)), mytorch.tensor(w2), stride=2)
    np.testing.assert_allclose(chained.data, copied.data, rtol=1e-12)


def test_output_size_formula():
    assert output_size((28, 28), (3, 3), (1, 1), (1, 1)) == (28, 28)
    assert output_size((7, 8), (3, 2), (2, 3), (1, 0)) == (4, 3)


@pytest.mark.parametrize("x_shape,w_shape,match", [
    ((2, 3, 5, 5), (4, 2, 3, 3), "same C_in"),
    ((3, 5, 5), (4, 3, 3, 3), "same C_in"),
    ((1, 1, 2, 2), (1, 1, 3, 3), "does not fit"),
])
def test_conv2d_rejects_bad_shapes(x_shape, w_shape, match):
    with pytest.raises(ValueError, match=match):
        conv2d(mytorch.zeros(*x_shape), mytorch.zeros(*w_shape))


def test_max_pool2d_rejects_bad_arguments():
    with pytest.raises(ValueError, match="at most half"):
        max_pool2d(mytorch.zeros(1, 1, 4, 4), 2, padding=2)
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        max_pool2d(mytorch.zeros(4, 4), 2)
    with pytest.raises(ValueError, match="does not fit"):
        max_pool2d(mytorch.zeros(1, 1, 1, 4), 2)


def test_exported_from_mytorch_ops():
    assert mytorch.ops.conv2d is conv2d and mytorch.ops.max_pool2d is max_pool2d
