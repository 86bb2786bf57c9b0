"""Layers and losses as functions of tensors (``torch.nn.functional``), usually imported as F.

Everything here is composed from the primitives of :mod:`mytorch.ops`, so
reverse and forward mode come for free. Shapes: N is the batch size and C
the number of classes or channels.
"""
from mytorch import ops, random
from mytorch._tensor import Tensor
from mytorch.backend import device_of, namespace
from mytorch.ops import leaky_relu, linear, log_softmax, logsumexp, relu, sigmoid, softmax, tanh

__all__ = ["conv2d", "cross_entropy", "dropout", "l1_loss", "leaky_relu", "linear", "log_softmax",
           "logsumexp", "max_pool2d", "mse_loss", "nll_loss", "relu", "sigmoid", "softmax", "tanh"]

REDUCTIONS = ("mean", "sum", "none")


def check_probability(p):
    """Return the dropout probability ``p`` after checking that it is a number in [0, 1]."""
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p <= 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p!r}")
    return p


def check_reduction(reduction):
    """Return ``reduction`` after checking that it is 'mean', 'sum' or 'none'."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"{reduction!r} is not a valid value for reduction; use one of {REDUCTIONS}")
    return reduction




def conv2d(input, weight, bias=None, stride=1, padding=0):
    """y = w ⋆ x + b, the cross-correlation of :func:`mytorch.ops.conv2d` plus a bias per channel.

    x (N, C_in, H, W), w (C_out, C_in, kH, kW), b (C_out) → y (N, C_out, H_out, W_out);
    b[o] is added to every pixel of output channel o.
    """
    out = ops.conv2d(input, weight, stride=stride, padding=padding)
    return out if bias is None else out + ops.reshape(bias, (1, -1, 1, 1))


def max_pool2d(input, kernel_size, stride=None, padding=0):
    """The largest entry of each window:  x (N, C, H, W) → y (N, C, H_out, W_out).

    ``stride`` defaults to ``kernel_size``; padding adds −∞.
    """
    return ops.max_pool2d(input, kernel_size, stride=stride, padding=padding)


def dropout(input, p=0.5, training=True):
    """Inverted dropout: y = x · m / (1 − p), with m ~ Bernoulli(1 − p) drawn for every entry.

    Each entry is zeroed with probability p and the survivors are scaled so that
    E[y] = x; at evaluation (``training=False``) y = x. The mask is drawn with
    :mod:`mytorch.random` on the input's device.
    """
    check_probability(p)
    if not training or p == 0:
        return input
    xp = namespace(input.data)
    keep = random.uniform(input.shape, dtype=input.dtype, xp=xp) >= p
    scale = keep.astype(input.dtype) / (1 - p) if p < 1 else xp.zeros(input.shape, dtype=input.dtype)
    return input * Tensor._from_op(scale)


def _reduce(loss, reduction):
    """The per-entry losses (``'none'``), their ``'sum'`` or their ``'mean'``."""
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _check_same_shape(name, input, target):
    if tuple(input.shape) != tuple(target.shape):
        raise ValueError(f"{name}: target shape {tuple(target.shape)} differs from input shape "
                         f"{tuple(input.shape)}; they must be equal (no broadcasting)")


def mse_loss(input, target, reduction="mean"):
    """Mean squared error: ℓᵢ = (xᵢ − yᵢ)², then reduced (mean by default)."""
    check_reduction(reduction)
    _check_same_shape("mse_loss", input, target)
    raise NotImplementedError('part of hw2_backprop: not needed in hw1_autodiff')


def l1_loss(input, target, reduction="mean"):
    """Mean absolute error: ℓᵢ = |xᵢ − yᵢ|, then reduced (mean by default)."""
    check_reduction(reduction)
    _check_same_shape("l1_loss", input, target)
    raise NotImplementedError('part of hw2_backprop: not needed in hw1_autodiff')


def _class_indices(name, input, target):
    """Check input (N, C) against target (N,) of integer classes in [0, C); return target's array."""
    classes = target.data if isinstance(target, Tensor) else target
    if input.ndim != 2:
        raise ValueError(f"{name}: expected input of shape (N, C), got {tuple(input.shape)}")
    if getattr(classes, "dtype", None) is None or classes.dtype.kind not in "iu":
        raise TypeError(f"{name}: target must hold integer class indices (an int64 tensor), got "
                        f"{getattr(classes, 'dtype', type(classes).__name__)}")
    if tuple(classes.shape) != input.shape[:1]:
        raise ValueError(f"{name}: expected target of shape ({input.shape[0]},) for input of shape "
                         f"{tuple(input.shape)}, got {tuple(classes.shape)}")
    if device_of(classes) != input.device:
        raise RuntimeError(f"{name}: target is on {device_of(classes)} but input is on {input.device}; "
                           "move one of them with .to(device)")
    if classes.size and (int(classes.min()) < 0 or int(classes.max()) >= input.shape[1]):
        raise IndexError(f"{name}: target values must lie in [0, {input.shape[1] - 1}], got values "
                         f"from {int(classes.min())} to {int(classes.max())}")
    return classes


def _negative_log_likelihood(log_probs, classes, reduction):
    """ℓₙ = −log_probs[n, classesₙ], picked with advanced indexing log_probs[arange(N), classes]."""
    raise NotImplementedError('part of hw2_backprop: not needed in hw1_autodiff')


def nll_loss(input, target, reduction="mean"):
    """Negative log-likelihood: ℓₙ = −x[n, yₙ], for log-probabilities x (N, C) and classes y (N,).

    ``target`` holds integer class indices in [0, C). The gradient is −1 at
    the picked entries (divided by N for the mean) and 0 elsewhere.
    """
    check_reduction(reduction)
    return _negative_log_likelihood(input, _class_indices("nll_loss", input, target), reduction)


def cross_entropy(input, target, reduction="mean"):
    """ℓₙ = −log softmax(xₙ)[yₙ] = log Σ_c e^(x[n, c]) − x[n, yₙ], for logits x (N, C) and classes y (N,).

    That is nll_loss(log_softmax(x, 1), y); log-softmax goes through the
    stable log-sum-exp, so logits of 10⁴ give finite losses and gradients.
    """
    check_reduction(reduction)
    classes = _class_indices("cross_entropy", input, target)
    raise NotImplementedError('part of hw2_backprop: not needed in hw1_autodiff')
