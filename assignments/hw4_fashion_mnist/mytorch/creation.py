"""Tensor factories with PyTorch's names: zeros, ones, full, arange, rand, randn."""
import numpy

from mytorch import backend, random
from mytorch._tensor import Tensor


def _factory(make, size, dtype, device, requires_grad):
    shape = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else tuple(size)
    xp = backend.namespace_for(device)
    return Tensor(make(xp, shape, dtype or numpy.float32), requires_grad=requires_grad)


def zeros(*size, dtype=None, device="cpu", requires_grad=False):
    return _factory(lambda xp, shape, dt: xp.zeros(shape, dt), size, dtype, device, requires_grad)


def ones(*size, dtype=None, device="cpu", requires_grad=False):
    return _factory(lambda xp, shape, dt: xp.ones(shape, dt), size, dtype, device, requires_grad)


def full(size, fill_value, dtype=None, device="cpu", requires_grad=False):
    return _factory(lambda xp, shape, dt: xp.full(shape, fill_value, dt), (size,), dtype, device,
                    requires_grad)


def zeros_like(t, dtype=None, requires_grad=False):
    return zeros(t.shape, dtype=dtype or t.dtype, device=t.device, requires_grad=requires_grad)


def ones_like(t, dtype=None, requires_grad=False):
    return ones(t.shape, dtype=dtype or t.dtype, device=t.device, requires_grad=requires_grad)


def arange(start, end=None, step=1, dtype=None, device="cpu"):
    """Evenly spaced values in [start, end); integers give int64, as in PyTorch."""
    start, end = (0, start) if end is None else (start, end)
    values = numpy.arange(start, end, step)
    return Tensor(values, dtype=dtype, device=device)


def rand(*size, dtype=None, device="cpu", requires_grad=False):
    """Samples of U(0, 1)."""
    return _factory(lambda xp, shape, dt: random.uniform(shape, dtype=dt, xp=xp), size, dtype, device,
                    requires_grad)


def randn(*size, dtype=None, device="cpu", requires_grad=False):
    """Samples of N(0, 1)."""
    return _factory(lambda xp, shape, dt: random.normal(shape, dtype=dt, xp=xp), size, dtype, device,
                    requires_grad)
