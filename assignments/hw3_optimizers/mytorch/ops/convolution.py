"""Convolution and max pooling over images, as primitives.

Images are (N, C, H, W): a batch of N images of C channels. A k_H × k_W window
moved with stride s over the image padded by p gives outputs of size

    H_out = ⌊(H + 2 p_H − k_H) / s_H⌋ + 1,   likewise W_out.

Both primitives visit the windows by kernel offset (p, q) rather than by output
pixel: the entries at offset (p, q) of all the windows form one strided slice
of the padded image, ``x_pad[..., p : p + s_H·H_out : s_H, q : q + s_W·W_out : s_W]``,
so the loops run k_H·k_W times, each step on whole arrays.

Convolution is one matrix product after *im2col*, which copies every window
into a column of a matrix; its backward rule adds the columns back (*col2im*).

Memory layout: the matrix puts the channel first and the batch last, so the
convolution's output comes out of the product as a (C, H, W, N) array in
memory, which is returned as a transposed view of shape (N, C, H, W) (the
layout of cuda-convnet). Every array operation accepts such a view as it is and
keeps its layout, so the next layer receives it again, and the strided slices
of im2col and col2im then move runs of W_out·N contiguous numbers rather than
W_out. Layouts change speed only, never values.
"""
from mytorch.autodiff.function import Function
from mytorch.backend import namespace, sliding_window_view


def _pair(value):
    """``3`` → (3, 3); a pair stays a pair."""
    return (value, value) if isinstance(value, int) else tuple(value)


def output_size(size, kernel, stride, padding):
    """(H_out, W_out), each ⌊(n + 2p − k) / s⌋ + 1, for the spatial ``size`` (H, W)."""
    return tuple((n + 2 * pad - k) // s + 1 for n, k, s, pad in zip(size, kernel, stride, padding))


def _check_output_size(name, size, kernel, stride, padding):
    out = output_size(size, kernel, stride, padding)
    if min(out) < 1:
        raise ValueError(f"{name}: a {kernel} kernel with padding {padding} does not fit an input of "
                         f"spatial size {tuple(size)}")
    return out


def _window_offsets(kernel, stride, out):
    """For each kernel offset (p, q): (index, rows, cols), the slices of the padded image it visits.

    index = p·k_W + q is the offset's position in a flattened window;
    rows = p : p + s_H·H_out : s_H and cols = q : q + s_W·W_out : s_W.
    """
    for p in range(kernel[0]):
        for q in range(kernel[1]):
            yield (p * kernel[1] + q, slice(p, p + stride[0] * out[0], stride[0]),
                   slice(q, q + stride[1] * out[1], stride[1]))


def _pad(x, padding, value):
    """x (N, C, H, W) surrounded by ``padding`` entries of ``value`` along H and W, in x's memory layout."""
    ph, pw = padding
    if ph == pw == 0:
        return x
    n, c, h, w = x.shape
    padded = namespace(x).full_like(x, value, shape=(n, c, h + 2 * ph, w + 2 * pw))
    padded[:, :, ph:ph + h, pw:pw + w] = x
    return padded


def _unpad(x, padding):
    """The interior of x (N, C, H + 2p_H, W + 2p_W): the inverse of :func:`_pad`, as a view."""
    ph, pw = padding
    return x[:, :, ph:x.shape[2] - ph, pw:x.shape[3] - pw]


def im2col(x, kernel, stride, padding):
    """Every window of x as a column: x (N, C, H, W) → X (C·k_H·k_W, H_out·W_out·N).

    X[(c, p, q), (i, j, n)] = x_pad[n, c, i·s_H + p, j·s_W + q]. The windows
    are a strided view of the padded image; the reshape makes the one copy.
    """
    raise NotImplementedError('part of hw4_fashion_mnist: not needed in hw3_optimizers')


def col2im(cols, input_shape, kernel, stride, padding):
    """The adjoint of :func:`im2col`: X̄ (C·k_H·k_W, H_out·W_out·N) → x̄ (N, C, H, W).

    Each pixel receives the sum of the entries of every window that covered
    it, one strided slice add per kernel offset (p, q).
    """
    raise NotImplementedError('part of hw4_fashion_mnist: not needed in hw3_optimizers')


class Conv2d(Function):
    """y = w ⋆ x, the cross-correlation of PyTorch's ``conv2d`` (without bias).

    x (N, C_in, H, W), w (C_out, C_in, k_H, k_W) → y (N, C_out, H_out, W_out):
        y[n, o, i, j] = Σ_{c,p,q} w[o, c, p, q] · x_pad[n, c, i·s_H + p, j·s_W + q]

    With X = im2col(x) (C_in·k_H·k_W, H_out·W_out·N) and W = w as a matrix
    (C_out, C_in·k_H·k_W), this is one product, Y = W X, so
        W̄ = Ȳ Xᵀ,   x̄ = col2im(Wᵀ Ȳ),   Ẏ = Ẇ X + W Ẋ  with Ẋ = im2col(ẋ).
    """

    def __init__(self, stride=1, padding=0):
        self.stride, self.padding = _pair(stride), _pair(padding)

    def forward(self, x, w):
        if x.ndim != 4 or w.ndim != 4 or x.shape[1] != w.shape[1]:
            raise ValueError(f"conv2d: expected input (N, C_in, H, W) and weight (C_out, C_in, kH, kW) "
                             f"with the same C_in, got shapes {tuple(x.shape)} and {tuple(w.shape)}")
        self.kernel = w.shape[2:]
        self.out = _check_output_size("conv2d", x.shape[2:], self.kernel, self.stride, self.padding)
        self.input_shape = x.shape
        cols = im2col(x, self.kernel, self.stride, self.padding)
        self.save_for_backward(cols, w)
        return self._product(w, cols)

    def _product(self, w, cols):
        """Y = W X as the image (N, C_out, H_out, W_out), a view of the (C_out, H_out, W_out, N) product."""
        y = w.reshape(w.shape[0], -1) @ cols
        return y.reshape(w.shape[0], *self.out, self.input_shape[0]).transpose(3, 0, 1, 2)

    def backward(self, grad):
        raise NotImplementedError('part of hw4_fashion_mnist: not needed in hw3_optimizers')

    def jvp(self, dx, dw):
        cols, w = self.saved_tensors
        return self._product(dw, cols) + self._product(w, im2col(dx, self.kernel, self.stride, self.padding))


class MaxPool2d(Function):
    """y = the largest entry of each window (padding counts as −∞).

    x (N, C, H, W) → y (N, C, H_out, W_out):  y[n, c, i, j] = max_{p,q} x_pad[n, c, i·s_H + p, j·s_W + q].
    Only the first maximal entry of each window, at offset a = argmax, passes derivatives on:
        x̄_pad[n, c, i·s_H + a_p, j·s_W + a_q] += ȳ[n, c, i, j];   ẏ[n, c, i, j] = ẋ_pad at that entry.
    """

    def __init__(self, kernel_size, stride=None, padding=0):
        self.kernel = _pair(kernel_size)
        self.stride = self.kernel if stride is None else _pair(stride)
        self.padding = _pair(padding)

    def forward(self, x):
        if x.ndim != 4:
            raise ValueError(f"max_pool2d: expected input (N, C, H, W), got shape {tuple(x.shape)}")
        if any(2 * p > k for p, k in zip(self.padding, self.kernel)):
            raise ValueError(f"max_pool2d: padding {self.padding} must be at most half the kernel "
                             f"size {self.kernel}")
        self.out = _check_output_size("max_pool2d", x.shape[2:], self.kernel, self.stride, self.padding)
        raise NotImplementedError('part of hw4_fashion_mnist: not needed in hw3_optimizers')

    def backward(self, grad):
        raise NotImplementedError('part of hw4_fashion_mnist: not needed in hw3_optimizers')

    def jvp(self, dx):
        argmax, _ = self.saved_tensors
        dx = _pad(dx, self.padding, 0)
        return sum(dx[:, :, rows, cols] * (argmax == index)
                   for index, rows, cols in _window_offsets(self.kernel, self.stride, self.out))


def conv2d(x, w, stride=1, padding=0):
    """The cross-correlation of x (N, C_in, H, W) with w (C_out, C_in, kH, kW); no bias."""
    return Conv2d.apply(x, w, stride=stride, padding=padding)


def max_pool2d(x, kernel_size, stride=None, padding=0):
    """The maximum of each kernel_size window of x (N, C, H, W); stride defaults to kernel_size."""
    return MaxPool2d.apply(x, kernel_size=kernel_size, stride=stride, padding=padding)
