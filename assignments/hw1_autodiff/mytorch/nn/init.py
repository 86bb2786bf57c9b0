"""Weight initialisation, in place, with PyTorch's names (``torch.nn.init``).

Each function overwrites ``tensor.data`` with draws from :mod:`mytorch.random`
(so ``mytorch.manual_seed`` makes them repeatable), on the tensor's device and
in its dtype, and returns the tensor.

The scaled schemes keep the variance of activations (Glorot / Xavier) or of
ReLU activations (He / Kaiming) roughly constant from layer to layer. They
need the fans of a weight of shape (out, in, *kernel):
    fan_in = in · Π kernel,   fan_out = out · Π kernel.
"""
import math

from mytorch import random
from mytorch.backend import namespace


def calculate_gain(nonlinearity, param=None):
    """The factor by which ``nonlinearity`` shrinks the standard deviation, to be undone.

    linear, conv*, sigmoid → 1;  tanh → 5/3;  relu → √2;
    leaky_relu with slope α (``param``, default 0.01) → √(2 / (1 + α²));  selu → 3/4.
    """
    if nonlinearity in ("linear", "identity", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                        "conv_transpose2d", "conv_transpose3d", "sigmoid"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        if isinstance(slope, bool) or not isinstance(slope, (int, float)):
            raise ValueError(f"negative_slope {slope!r} is not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity!r}")


def calculate_fan_in_and_fan_out(tensor):
    """(fan_in, fan_out) = (in · Π kernel, out · Π kernel) for a weight of shape (out, in, *kernel)."""
    if tensor.ndim < 2:
        raise ValueError("Fan in and fan out can not be computed for a tensor with fewer than 2 "
                         f"dimensions (shape {tuple(tensor.shape)})")
    receptive_field = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive_field, tensor.shape[0] * receptive_field


def _fan(tensor, mode):
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode {mode!r} is not supported, use 'fan_in' or 'fan_out'")
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor, a=0.0, b=1.0):
    """Fill with samples of U(a, b)."""
    tensor.data[...] = random.uniform(tensor.shape, a, b, dtype=tensor.dtype, xp=namespace(tensor.data))
    return tensor


def normal_(tensor, mean=0.0, std=1.0):
    """Fill with samples of N(mean, std²)."""
    tensor.data[...] = random.normal(tensor.shape, mean, std, dtype=tensor.dtype, xp=namespace(tensor.data))
    return tensor


def constant_(tensor, val):
    """Fill with the value ``val``."""
    tensor.data[...] = val
    return tensor


def zeros_(tensor):
    """Fill with 0."""
    return constant_(tensor, 0.0)


def ones_(tensor):
    """Fill with 1."""
    return constant_(tensor, 1.0)


def xavier_uniform_(tensor, gain=1.0):
    """Glorot uniform: U(−c, c) with c = gain · √(6 / (fan_in + fan_out)).

    The variance c² / 3 = gain² · 2 / (fan_in + fan_out) is that of :func:`xavier_normal_`.
    """
    raise NotImplementedError('part of hw2_backprop: not needed in hw1_autodiff')


def xavier_normal_(tensor, gain=1.0):
    """Glorot normal: N(0, σ²) with σ = gain · √(2 / (fan_in + fan_out))."""
    raise NotImplementedError('part of hw2_backprop: not needed in hw1_autodiff')


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu"):
    """He uniform: U(−c, c) with c = √3 · σ, σ = gain / √fan (the std of :func:`kaiming_normal_`).

    ``mode`` picks fan_in (keeps the forward variance) or fan_out (the
    backward one); ``a`` is the negative slope for the leaky_relu gain.
    """
    raise NotImplementedError('part of hw2_backprop: not needed in hw1_autodiff')


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu"):
    """He normal: N(0, σ²) with σ = gain / √fan; for ReLU, gain = √2 and σ = √(2 / fan_in)."""
    raise NotImplementedError('part of hw2_backprop: not needed in hw1_autodiff')
