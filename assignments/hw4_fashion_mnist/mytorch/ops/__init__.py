"""The primitive operations of mytorch and the functions composed from them.

Each module defines a few :class:`~mytorch.autodiff.function.Function`
subclasses (the primitives, each with a forward, backward and JVP rule) and
the plain functions users call.
"""
from mytorch.ops.activation import leaky_relu, log_softmax, relu, sigmoid, softmax, tanh
from mytorch.ops.arithmetic import add, div, mul, neg, pow, sub
from mytorch.ops.convolution import conv2d, max_pool2d
from mytorch.ops.elementwise import abs, exp, log, sqrt
from mytorch.ops.linalg import linear, matmul
from mytorch.ops.reduction import amax, argmax, logsumexp, max, mean, sum
from mytorch.ops.shape import (cat, concatenate, flatten, getitem, permute, reshape, squeeze, stack,
                               transpose, unsqueeze, view)

__all__ = [
    "abs", "add", "amax", "argmax", "cat", "concatenate", "conv2d", "div", "exp", "flatten", "getitem",
    "leaky_relu", "linear", "log", "log_softmax", "logsumexp", "matmul", "max", "max_pool2d", "mean", "mul", "neg",
    "permute", "pow", "relu", "reshape", "sigmoid", "softmax", "sqrt", "squeeze", "stack",
    "sub", "sum", "tanh", "transpose", "unsqueeze", "view",
]
