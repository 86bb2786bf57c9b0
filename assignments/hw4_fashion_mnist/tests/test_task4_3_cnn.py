"""Task 4.3 (bonus): convolution and max pooling (mytorch/ops/convolution.py ``im2col``, ``col2im``,
``Conv2d.backward``, ``MaxPool2d.forward``, ``MaxPool2d.backward``).

im2col: X[(c, p, q), (i, j, n)] = x_pad[n, c, i·s_H + p, j·s_W + q], of shape (C·k_H·k_W, H_out·W_out·N)
with H_out = ⌊(H + 2p_H − k_H) / s_H⌋ + 1; col2im is its adjoint, ⟨im2col(x), Y⟩ = ⟨x, col2im(Y)⟩.
Convolution Y = W X has the gradients W̄ = Ȳ Xᵀ and x̄ = col2im(Wᵀ Ȳ). Max pooling takes the largest
entry of each window (padding is −∞) and routes ȳ to the window's first maximum.
Expected values come from plain loops over every window and from central finite differences.
"""
import numpy as np
import pytest

import mytorch
from mytorch import models
from mytorch.nn import functional as F
from mytorch.ops.convolution import Conv2d, col2im, im2col

from helpers import (as_tuple, assert_backward_matches_finite_differences, assert_close, const, distinct,
                     leaf, naive_col2im, naive_conv2d, naive_im2col, naive_max_pool2d, numerical_vjp,
                     on_arrays, out_size, randn)

pytestmark = pytest.mark.task4_3

# (input shape (N, C, H, W), kernel, stride, padding)
GEOMETRIES = [
    ((2, 3, 5, 5), (3, 3), (1, 1), (0, 0)),
    ((2, 2, 6, 5), (3, 2), (2, 1), (1, 0)),
    ((1, 1, 4, 4), (2, 2), (2, 2), (1, 1)),
    ((3, 2, 7, 6), (1, 3), (1, 2), (0, 1)),
]


def geometry_id(geometry):
    shape, kernel, stride, padding = geometry
    return f"x{shape}-k{kernel}-s{stride}-p{padding}".replace(" ", "")


by_geometry = pytest.mark.parametrize("geometry", GEOMETRIES, ids=geometry_id)


# ----- im2col and col2im ----------------------------------------------------------------------------
@by_geometry
def test_im2col_puts_every_window_in_a_column(geometry):
    shape, kernel, stride, padding = geometry
    x = randn(shape, 0)
    assert_close(im2col(x, kernel, stride, padding), naive_im2col(x, kernel, stride, padding),
                 f"im2col, {geometry_id(geometry)}: "
                 "X[(c, p, q), (i, j, n)] = x_pad[n, c, i·s_H + p, j·s_W + q]", 1e-12, 1e-12)


@by_geometry
def test_col2im_adds_every_column_back(geometry):
    shape, kernel, stride, padding = geometry
    h_out, w_out = out_size(shape[2:], kernel, stride, padding)
    cols = randn((shape[1] * kernel[0] * kernel[1], h_out * w_out * shape[0]), 1)
    assert_close(col2im(cols, shape, kernel, stride, padding),
                 naive_col2im(cols, shape, kernel, stride, padding),
                 f"col2im, {geometry_id(geometry)}: each pixel sums the entries of the windows covering it",
                 1e-12, 1e-12)


@by_geometry
def test_col2im_is_the_adjoint_of_im2col(geometry):
    shape, kernel, stride, padding = geometry
    x = randn(shape, 2)
    cols = im2col(x, kernel, stride, padding)
    y = randn(cols.shape, 3)
    left, right = np.sum(cols * y), np.sum(x * col2im(y, shape, kernel, stride, padding))
    assert np.isclose(left, right, rtol=1e-12, atol=1e-12), (
        f"⟨im2col(x), Y⟩ = {left:.12g} but ⟨x, col2im(Y)⟩ = {right:.12g}, {geometry_id(geometry)}")


# ----- convolution ----------------------------------------------------------------------------------
def conv_inputs(geometry, seed, out_channels=3):
    shape, kernel, stride, padding = geometry
    return randn(shape, seed), randn((out_channels, shape[1], *kernel), seed + 1), stride, padding


@by_geometry
def test_conv2d_forward_with_bias(geometry):
    x, w, stride, padding = conv_inputs(geometry, 4)
    b = randn(w.shape[0], 6)
    assert_close(F.conv2d(const(x), const(w), const(b), stride, padding),
                 naive_conv2d(x, w, stride, padding, b),
                 f"F.conv2d, {geometry_id(geometry)}: y[n, o, i, j] = Σ w[o, c, p, q] x_pad[n, c, i·s_H + p, "
                 "j·s_W + q] + b[o]", 1e-10, 1e-12)


@by_geometry
def test_conv2d_backward_matches_finite_differences(geometry):
    x, w, stride, padding = conv_inputs(geometry, 7)
    assert_backward_matches_finite_differences(
        f"Conv2d {geometry_id(geometry)}", lambda x, w: Conv2d.apply(x, w, stride=stride, padding=padding),
        x, w)


def test_conv2d_backward_for_the_weight_alone():
    x, w, stride, padding = conv_inputs(GEOMETRIES[1], 9)
    y = Conv2d.apply(const(x), leaf(w), stride=stride, padding=padding)
    upstream = randn(y.shape, 11)
    grads = as_tuple(y.grad_fn.backward(upstream))
    assert len(grads) == 2, f"Conv2d.backward must return one entry per input (x, w), got {len(grads)}"
    expected = numerical_vjp(on_arrays(lambda x, w: Conv2d.apply(x, w, stride=stride, padding=padding)),
                             [x, w], 1, upstream)
    assert_close(grads[1], expected, "Conv2d.backward with x constant: W̄ = Ȳ Xᵀ")


# ----- max pooling ----------------------------------------------------------------------------------
POOLS = [
    ((2, 2, 4, 4), (2, 2), (2, 2), (0, 0)),
    ((1, 3, 5, 5), (3, 3), (2, 2), (1, 1)),     # overlapping windows, padding
    ((2, 1, 6, 5), (2, 3), (1, 2), (1, 1)),     # rectangular kernel
]
by_pool = pytest.mark.parametrize("geometry", POOLS, ids=geometry_id)


@by_pool
def test_max_pool2d_forward(geometry):
    shape, kernel, stride, padding = geometry
    x = randn(shape, 12)
    expected, _ = naive_max_pool2d(x, kernel, stride, padding)
    assert_close(F.max_pool2d(const(x), kernel, stride, padding), expected,
                 f"max_pool2d, {geometry_id(geometry)}: the largest entry of each window", 0, 0)


@by_pool
def test_max_pool2d_backward_matches_finite_differences(geometry):
    shape, kernel, stride, padding = geometry
    assert_backward_matches_finite_differences(
        f"MaxPool2d {geometry_id(geometry)}", lambda x: F.max_pool2d(x, kernel, stride, padding),
        distinct(shape, 13))


def test_ties_route_the_gradient_to_the_first_maximum():
    # Every entry equal: each 2×2 window (stride 1) passes ȳ to its top-left entry.
    x = leaf(np.zeros((1, 1, 3, 3)))
    y = F.max_pool2d(x, 2, stride=1)
    y.backward(mytorch.tensor(np.ones((1, 1, 2, 2))))
    expected = [[1, 1, 0], [1, 1, 0], [0, 0, 0]]
    assert_close(x.grad, np.array(expected, dtype=np.float64)[None, None],
                 "max_pool2d on equal entries: each window's gradient goes to its first (top-left) entry")
    # Maxima at window offsets (0, 1) and (1, 0): the first in row-major order is (0, 1).
    x = leaf(np.array([[[[0.0, 5.0], [5.0, 1.0]]]]))
    F.max_pool2d(x, 2).sum().backward()
    assert_close(x.grad, np.array([[[[0.0, 1.0], [0.0, 0.0]]]]),
                 "max_pool2d: of two equal maxima the first in row-major window order gets ȳ")


def test_padding_never_wins():
    x = distinct((1, 2, 3, 3), 14) - 10.0          # every entry negative, below the padding's 0
    expected, grad = naive_max_pool2d(x, (2, 2), (2, 2), (1, 1))
    inputs = leaf(x)
    y = F.max_pool2d(inputs, 2, padding=1)
    assert_close(y, expected, "max_pool2d with padding 1 on negative inputs (padding is −∞, not 0)", 0, 0)
    y.sum().backward()
    assert_close(inputs.grad, grad, "max_pool2d with padding: the gradient of sum(y)")


def test_the_cnn_maps_images_to_logits_and_trains_every_parameter():
    mytorch.manual_seed(0)
    model = models.cnn()
    x = mytorch.tensor(randn((2, 1, 28, 28), 15).astype(np.float32))
    logits = model(x)
    assert tuple(logits.shape) == (2, 10), (
        f"cnn() maps (2, 1, 28, 28) to {tuple(logits.shape)}, expected (2, 10)")
    logits.sum().backward()
    for name, param in model.named_parameters():
        assert param.grad is not None and param.grad.shape == param.shape, (
            f"{name} got no gradient of its shape")
        assert np.all(np.isfinite(param.grad.numpy())), f"{name}: the gradient is not finite"
