"""Reductions: sum, max and logsumexp along dimensions (mean is a scaled sum).

Arguments follow PyTorch (``dim``, ``keepdim``); NumPy's ``axis`` and
``keepdims`` are accepted as aliases. A reduced output has fewer dimensions
than its input, so a backward rule first puts the removed axes back (size 1)
and then broadcasts ȳ over them.
"""
import math
from collections import namedtuple

from mytorch.autodiff.function import Function
from mytorch.ops.arithmetic import mul
from mytorch._tensor import Tensor


def reduction_axes(dim, ndim):
    """``dim`` (None, an int or a tuple, negatives allowed) as a sorted tuple of axes.

    As in PyTorch, a 0-d tensor takes dim 0 or −1, as if it had one axis of
    size 1: there is nothing to reduce, so its axes are ().
    """
    if dim is None:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    rank = ndim or 1
    for d in dims:
        if not -rank <= d < rank:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-rank}, {rank - 1}], "
                             f"but got {d})")
    return tuple(sorted(d % ndim for d in dims)) if ndim else ()


def restore_axes(grad, axes, keepdim):
    """Reinsert the reduced ``axes`` (as size 1) into an output-shaped gradient."""
    return grad if keepdim else grad.reshape(_kept_shape(grad.shape, axes))


def _kept_shape(reduced_shape, axes):
    shape = list(reduced_shape)
    for axis in axes:
        shape.insert(axis, 1)
    return tuple(shape)


class Sum(Function):
    """y = Σ_axes x;  x̄ = ȳ broadcast over the summed axes;  ẏ = Σ_axes ẋ."""

    def __init__(self, dim=None, keepdim=False):
        self.dim, self.keepdim = dim, keepdim

    def forward(self, x):
        self.axes = reduction_axes(self.dim, x.ndim)
        self.input_shape = x.shape
        return x.sum(axis=self.axes, keepdims=self.keepdim)

    def backward(self, grad):
        return self.xp.broadcast_to(restore_axes(grad, self.axes, self.keepdim), self.input_shape)

    def jvp(self, dx):
        return dx.sum(axis=self.axes, keepdims=self.keepdim)


class Max(Function):
    """y = max_axes x;  x̄ = ȳ at the maximal entries, shared equally among ties.

    The gradient flows only to where the maximum was attained:
    x̄ = ȳ · 1[x = y] / #{x = y};  ẏ = Σ_axes ẋ · 1[x = y] / #{x = y}.
    With ``first_only`` (``max(x, dim)``, as ``torch.max(x, dim)``) ties are not
    shared: all of ȳ goes to the first maximal entry, the one ``indices`` names.
    """

    def __init__(self, dim=None, keepdim=False, first_only=False):
        self.dim, self.keepdim, self.first_only = dim, keepdim, first_only

    def forward(self, x):
        self.axes = reduction_axes(self.dim, x.ndim)
        y = x.max(axis=self.axes, keepdims=True)
        is_max = (x == y).astype(x.dtype)
        if self.first_only and self.axes:   # one axis: keep the first maximal entry along it
            is_max = is_max * (is_max.cumsum(axis=self.axes[0]) == 1)
        self.save_for_backward(is_max / is_max.sum(axis=self.axes, keepdims=True))
        return y if self.keepdim else y.reshape([n for i, n in enumerate(y.shape) if i not in self.axes])

    def backward(self, grad):
        share, = self.saved_tensors
        return restore_axes(grad, self.axes, self.keepdim) * share

    def jvp(self, dx):
        share, = self.saved_tensors
        return (dx * share).sum(axis=self.axes, keepdims=self.keepdim)


class LogSumExp(Function):
    """y = log Σ_axes eˣ, computed stably as m + log Σ e^(x−m) with m = max x.

    Its derivative is the softmax p = e^(x−y):  x̄ = ȳ · p;  ẏ = Σ_axes p · ẋ.
    """

    def __init__(self, dim=None, keepdim=False):
        self.dim, self.keepdim = dim, keepdim

    def forward(self, x):
        xp = self.xp
        self.axes = reduction_axes(self.dim, x.ndim)
        m = x.max(axis=self.axes, keepdims=True)
        y = xp.log(xp.exp(x - m).sum(axis=self.axes, keepdims=True)) + m
        self.save_for_backward(xp.exp(x - y))
        return y if self.keepdim else y.reshape([n for i, n in enumerate(y.shape) if i not in self.axes])

    def backward(self, grad):
        softmax, = self.saved_tensors
        return restore_axes(grad, self.axes, self.keepdim) * softmax

    def jvp(self, dx):
        softmax, = self.saved_tensors
        return (softmax * dx).sum(axis=self.axes, keepdims=self.keepdim)


MaxResult = namedtuple("max", ["values", "indices"])


def _dim_args(dim, keepdim, numpy_names):
    """Accept NumPy's ``axis=``/``keepdims=`` as aliases of ``dim``/``keepdim``."""
    unknown = set(numpy_names) - {"axis", "keepdims"}
    if unknown:
        raise TypeError(f"unexpected keyword argument(s) {sorted(unknown)}")
    return numpy_names.get("axis", dim), numpy_names.get("keepdims", keepdim)


def sum(x, dim=None, keepdim=False, **numpy_names):
    dim, keepdim = _dim_args(dim, keepdim, numpy_names)
    return Sum.apply(x, dim=dim, keepdim=keepdim)


def mean(x, dim=None, keepdim=False, **numpy_names):
    """(1/n) Σ_axes x, with n the number of entries reduced."""
    dim, keepdim = _dim_args(dim, keepdim, numpy_names)
    count = math.prod(x.shape[axis] for axis in reduction_axes(dim, x.ndim))
    return mul(sum(x, dim, keepdim), 1.0 / count)


def amax(x, dim=None, keepdim=False):
    """The largest entries along ``dim`` (all of them by default)."""
    return Max.apply(x, dim=dim, keepdim=keepdim)


def max(x, dim=None, keepdim=False, **numpy_names):
    """As ``torch.max``: the largest entry, or with ``dim`` a pair (values, indices)."""
    dim, keepdim = _dim_args(dim, keepdim, numpy_names)
    if dim is None:
        return amax(x)
    # as torch.max(x, dim): ȳ goes to the entry ``indices`` names, the first of tied maxima
    return MaxResult(Max.apply(x, dim=dim, keepdim=keepdim, first_only=True), argmax(x, dim, keepdim))


def argmax(x, dim=None, keepdim=False):
    """Indices of the largest entries (int64, not differentiable)."""
    if x.ndim == 0 and dim is not None:
        dim = reduction_axes(dim, 0) or None   # checks dim; a 0-d tensor's only index is 0
    return Tensor._from_op(x.data.argmax(axis=dim, keepdims=keepdim))


def logsumexp(x, dim=None, keepdim=False):
    return LogSumExp.apply(x, dim=dim, keepdim=keepdim)
