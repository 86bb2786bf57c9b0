"""mytorch: a small deep-learning framework on NumPy and CuPy, with PyTorch's API.

Reverse mode lives in :mod:`mytorch.autodiff`, the primitives in
:mod:`mytorch.ops`, layers and losses in :mod:`mytorch.nn`, update rules in
:mod:`mytorch.optim` and data sets in :mod:`mytorch.data`.
"""
import numpy

from mytorch._tensor import Tensor, tensor  # noqa: I001  (Tensor first: the ops build on it)
from mytorch import autodiff, cuda, data, nn, ops, optim
from mytorch.autodiff import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from mytorch.creation import arange, full, ones, ones_like, rand, randn, zeros, zeros_like
from mytorch.ops import (abs, amax, argmax, cat, concatenate, exp, flatten, leaky_relu, log,
                         log_softmax, logsumexp, matmul, max, mean, permute, relu, reshape, sigmoid,
                         softmax, sqrt, squeeze, stack, sum, tanh, transpose, unsqueeze)
from mytorch.random import manual_seed
from mytorch.serialization import load, save

float16, float32, float64 = numpy.float16, numpy.float32, numpy.float64
int32, int64, uint8, bool = numpy.int32, numpy.int64, numpy.uint8, numpy.bool_

__version__ = "0.1.0"
