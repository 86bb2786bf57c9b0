"""Seeded random numbers on either device.

``mytorch.manual_seed(s)`` makes initialisation, dropout and data shuffling
repeatable. NumPy draws from one global ``Generator``; CuPy from its own
seeded generator, so dropout masks on the GPU are made on the GPU.
"""
import numpy

from mytorch import backend

_generator = numpy.random.default_rng(0)


def manual_seed(seed):
    """Seed every generator mytorch uses."""
    global _generator
    _generator = numpy.random.default_rng(seed)
    if backend.cupy is not None:
        backend.cupy.random.seed(seed)


def generator(xp=numpy):
    """The generator for namespace ``xp`` (``numpy`` or ``cupy``)."""
    return _generator if xp is numpy else xp.random


def uniform(shape, low=0.0, high=1.0, dtype=numpy.float32, xp=numpy):
    """An array of ``shape`` drawn from U(low, high)."""
    return generator(xp).uniform(low, high, size=shape).astype(dtype, copy=False)


def normal(shape, mean=0.0, std=1.0, dtype=numpy.float32, xp=numpy):
    """An array of ``shape`` drawn from N(mean, std²)."""
    return generator(xp).normal(mean, std, size=shape).astype(dtype, copy=False)
