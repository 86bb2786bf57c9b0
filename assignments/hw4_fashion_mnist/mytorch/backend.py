"""Array namespaces and devices: NumPy on the CPU, CuPy on a CUDA GPU.

Every operation in mytorch asks an array for its namespace, conventionally
called ``xp``, instead of naming ``numpy``. One implementation of each rule then
serves both devices, and nothing ever copies silently between host and GPU:
the only transfers are the explicit ones in :func:`to_device`.
"""
import numpy

try:
    import cupy
except ImportError:  # no GPU stack installed: mytorch runs on the CPU only
    cupy = None


def namespace(array):
    """Return the module that owns ``array``: ``numpy`` or ``cupy``."""
    if cupy is not None and isinstance(array, cupy.ndarray):
        return cupy
    return numpy


def parse_device(device):
    """Split ``"cpu"``, ``"cuda"`` or ``"cuda:1"`` into (kind, index)."""
    kind, _, index = str(device).partition(":")
    if kind not in ("cpu", "cuda") or (index and not index.isdigit()):
        raise ValueError(f"unknown device {device!r}: expected 'cpu', 'cuda' or 'cuda:N'")
    return kind, int(index or 0)


def device_of(array):
    """The device an array lives on, as a string: ``"cpu"`` or ``"cuda:N"``."""
    if namespace(array) is numpy:
        return "cpu"
    return f"cuda:{array.device.id}"


def namespace_for(device):
    """The array module that allocates on ``device``."""
    kind, _ = parse_device(device)
    if kind == "cpu":
        return numpy
    if cupy is None:
        raise RuntimeError(
            "device='cuda' needs CuPy; install it with `pip install cupy-cuda12x`")
    return cupy


def to_device(array, device):
    """Copy ``array`` to ``device``: the one place where host and GPU exchange data."""
    kind, index = parse_device(device)
    if device_of(array) == ("cpu" if kind == "cpu" else f"cuda:{index}"):
        return array
    if kind == "cpu":
        return cupy.asnumpy(array)
    xp = namespace_for(device)
    with xp.cuda.Device(index):
        return xp.asarray(array)


def scatter_add(target, index, values):
    """``target[index] += values``, adding repeated indices once per occurrence."""
    if namespace(target) is numpy:
        numpy.add.at(target, index, values)
    else:
        import cupyx
        cupyx.scatter_add(target, index, values)


def sliding_window_view(array, window_shape, axis):
    """A read-only view of all windows of ``window_shape`` along ``axis``."""
    return namespace(array).lib.stride_tricks.sliding_window_view(array, window_shape, axis=axis)
