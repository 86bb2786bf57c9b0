"""Helpers of hw4's public tests: the course-wide checks (checks.py), IDX files built byte by byte,
convolution and max pooling written as plain loops, the MLP in NumPy, and access to Fashion-MNIST."""
import math
import struct

import numpy as np
import pytest

import mytorch
from mytorch import nn
from mytorch.data import find_fashion_mnist

from checks import (ATOL, EPS, RTOL, as_tuple, assert_backward_matches_finite_differences,  # noqa: F401
                    assert_close, assert_jvp_matches_finite_differences, const, leaf, numerical_jvp,
                    numerical_vjp, on_arrays, raises, randn, to_array)

# ----- IDX files ------------------------------------------------------------------------------------
# Each IDX type code with its struct format character (written big-endian with ">") and the
# native NumPy type that parse_idx must return.
IDX_TYPES = {
    0x08: ("B", np.uint8),
    0x09: ("b", np.int8),
    0x0B: ("h", np.int16),
    0x0C: ("i", np.int32),
    0x0D: ("f", np.float32),
    0x0E: ("d", np.float64),
}


def idx_header(type_code, shape):
    """Magic 0x00 0x00, the type code, the number of dimensions, then each size as a big-endian uint32."""
    return bytes([0, 0, type_code, len(shape)]) + struct.pack(f">{len(shape)}I", *shape)


def idx_bytes(array, type_code):
    """The IDX file of ``array``: the header, then the values one by one, big-endian, row-major."""
    array = np.asarray(array)
    values = array.reshape(-1).tolist()
    return idx_header(type_code, array.shape) + struct.pack(f">{len(values)}{IDX_TYPES[type_code][0]}",
                                                            *values)


def idx_sample(type_code, shape, seed):
    """Values of ``shape`` that use the whole range of the type, so that a wrong byte order shows."""
    rng = np.random.default_rng(seed)
    dtype = IDX_TYPES[type_code][1]
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return rng.integers(info.min, info.max, size=shape, endpoint=True, dtype=dtype)
    return (rng.standard_normal(shape) * 1e3).astype(dtype)


# ----- convolution and max pooling as loops ---------------------------------------------------------
def out_size(size, kernel, stride, padding):
    """⌊(n + 2p − k) / s⌋ + 1 along each spatial axis."""
    return tuple((n + 2 * p - k) // s + 1 for n, k, s, p in zip(size, kernel, stride, padding))


def pad_image(x, padding, value=0.0):
    """x (N, C, H, W) in a frame of ``padding`` entries of ``value`` along H and W (float64)."""
    n, c, h, w = x.shape
    ph, pw = padding
    out = np.full((n, c, h + 2 * ph, w + 2 * pw), value, dtype=np.float64)
    out[:, :, ph:ph + h, pw:pw + w] = x
    return out


def windows(x, kernel, stride, padding, value=0.0):
    """Every window of the padded image, entry by entry:
    (n, c, i, j, p, q) → x_pad[n, c, i·s_H + p, j·s_W + q], a (N, C, H_out, W_out, k_H, k_W) array."""
    n, c = x.shape[:2]
    x_pad = pad_image(x, padding, value)
    h_out, w_out = out_size(x.shape[2:], kernel, stride, padding)
    result = np.empty((n, c, h_out, w_out, *kernel))
    for i in range(h_out):
        for j in range(w_out):
            for p in range(kernel[0]):
                for q in range(kernel[1]):
                    result[:, :, i, j, p, q] = x_pad[:, :, i * stride[0] + p, j * stride[1] + q]
    return result


def naive_im2col(x, kernel, stride, padding):
    """X[(c, p, q), (i, j, n)] = x_pad[n, c, i·s_H + p, j·s_W + q], rows and columns in row-major order."""
    n, c = x.shape[:2]
    h_out, w_out = out_size(x.shape[2:], kernel, stride, padding)
    every = windows(x, kernel, stride, padding)
    cols = np.empty((c * kernel[0] * kernel[1], h_out * w_out * n))
    for ci in range(c):
        for p in range(kernel[0]):
            for q in range(kernel[1]):
                row = (ci * kernel[0] + p) * kernel[1] + q
                for i in range(h_out):
                    for j in range(w_out):
                        for ni in range(n):
                            cols[row, (i * w_out + j) * n + ni] = every[ni, ci, i, j, p, q]
    return cols


def naive_col2im(cols, input_shape, kernel, stride, padding):
    """Each column entry X[(c, p, q), (i, j, n)] added back to the pixel it came from,
    (n, c, i·s_H + p − p_H, j·s_W + q − p_W)."""
    n, c, height, width = input_shape
    h_out, w_out = out_size((height, width), kernel, stride, padding)
    image = np.zeros((n, c, height + 2 * padding[0], width + 2 * padding[1]))
    for ci in range(c):
        for p in range(kernel[0]):
            for q in range(kernel[1]):
                row = (ci * kernel[0] + p) * kernel[1] + q
                for i in range(h_out):
                    for j in range(w_out):
                        for ni in range(n):
                            image[ni, ci, i * stride[0] + p, j * stride[1] + q] += \
                                cols[row, (i * w_out + j) * n + ni]
    return image[:, :, padding[0]:padding[0] + height, padding[1]:padding[1] + width]


def naive_conv2d(x, w, stride, padding, bias=None):
    """y[n, o, i, j] = Σ_{c,p,q} w[o, c, p, q] · x_pad[n, c, i·s_H + p, j·s_W + q] (+ b[o])."""
    out = np.einsum("ncijpq,ocpq->noij", windows(x, w.shape[2:], stride, padding), w)
    return out if bias is None else out + bias[None, :, None, None]


def naive_max_pool2d(x, kernel, stride, padding):
    """(y, x̄ for ȳ = 1): the maximum of each window (padding is −∞), and a gradient that counts,
    for every pixel, the windows whose first maximum (in row-major window order) it is."""
    every = windows(x, kernel, stride, padding, value=-np.inf)
    n, c, h_out, w_out = every.shape[:4]
    flat = every.reshape(n, c, h_out, w_out, -1)
    first = flat.argmax(axis=-1)        # NumPy's argmax picks the first of equal maxima
    grad = np.zeros((n, c, x.shape[2] + 2 * padding[0], x.shape[3] + 2 * padding[1]))
    for index in np.ndindex(n, c, h_out, w_out):
        p, q = divmod(int(first[index]), kernel[1])
        grad[index[0], index[1], index[2] * stride[0] + p, index[3] * stride[1] + q] += 1
    values = flat.max(axis=-1)
    return values, grad[:, :, padding[0]:padding[0] + x.shape[2], padding[1]:padding[1] + x.shape[3]]


def distinct(shape, seed):
    """Values of ``shape`` at least 0.01 apart (a shuffled grid): no ties for max pooling, even
    after a finite-difference step."""
    size = int(np.prod(shape))
    return (np.random.default_rng(seed).permutation(size) * 0.01 - size * 0.005).reshape(shape)


# ----- the MLP -------------------------------------------------------------------------------------
def layers_of(model, kind):
    """The modules of type ``kind`` anywhere in ``model``, in order."""
    return [module for module in model.modules() if isinstance(module, kind)]


def forward_in_numpy(model, x):
    """The MLP in eval mode, from its Linear layers: relu(W h + b) for each one but the last,
    then W h + b, starting from the flattened images."""
    h = x.reshape(len(x), -1).astype(np.float64)
    linears = layers_of(model, nn.Linear)
    for index, layer in enumerate(linears):
        h = h @ layer.weight.data.T + layer.bias.data
        if index < len(linears) - 1:
            h = np.maximum(h, 0)
    return h


# ----- Fashion-MNIST --------------------------------------------------------------------------------
def require_fashion_mnist():
    """The folder of the verified Fashion-MNIST files (``mytorch.data.find_fashion_mnist``, no
    download); fails with what to do when the files are not on this machine."""
    try:
        return find_fashion_mnist(download=False)
    except FileNotFoundError as error:
        pytest.fail("Fashion-MNIST is not on this machine. Run `python -m mytorch.data.fashion_mnist` "
                    "once: it downloads the four files and verifies them. Then run the tests again.\n\n"
                    f"{error}", pytrace=False)


def mean_cross_entropy(model, images, labels):
    """The mean cross-entropy of ``model`` (put in eval mode) on NumPy images and labels, in NumPy."""
    model.eval()
    with mytorch.no_grad():
        logits = np.asarray(model(mytorch.tensor(images)).data, dtype=np.float64)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float(-log_probs[np.arange(len(labels)), labels].mean())


def assert_one_epoch_halves_the_loss(untrained, model, history, images, labels):
    """After one epoch of train.train on ``images`` and ``labels`` (their first 2000 or fewer), from
    ``untrained`` to ``model``: one finite training loss in ``history``, and the mean cross-entropy on
    those images less than half what it was."""
    before, after = mean_cross_entropy(untrained, images, labels), mean_cross_entropy(model, images, labels)
    assert len(history.train_loss) == 1 and math.isfinite(history.train_loss[0]), (
        f"history.train_loss is {history.train_loss}, expected one finite number per epoch")
    assert after < 0.5 * before, (
        f"one epoch on {len(labels)} images took the loss on them from {before:.3f} to {after:.3f} only; "
        "expected less than half (does each batch run the loss, zero_grad, backward and optimizer.step?)")
