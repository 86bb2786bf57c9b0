"""hw2's stand-ins: the other tasks' code that a task's tests run on the way, replaced so that each test
depends on its own task's code alone. The public tests declare the ones they need (``STAND_INS``); the
grader's hidden tests use the same ones.

| stand-in                             | replaces (task)                           | in the tests of      |
|--------------------------------------|-------------------------------------------|----------------------|
| :data:`STAND_IN_LOG_SOFTMAX`         | ``log_softmax`` (2.2)                     | the losses (2.3)     |
| :data:`STAND_IN_CROSS_ENTROPY`       | ``cross_entropy`` (2.3)                   | training (2.6)       |
| :class:`Dense`, :class:`Squash`      | ``nn.Linear`` (2.1), tanh (2.2)           | ``Sequential`` (2.5) |
| :class:`Network`                     | ``nn.Linear``, tanh, ``Sequential`` (2.5) | training (2.6)       |
| :data:`STAND_IN_SQUASHED_SCORE_LOSS` | ``cross_entropy`` (2.3)                   | long training (2.6)  |

The first two answer what the reference's code answered in the same test (recorded.py): their inputs
are computed by the code under test, so each answers at the recorded point nearest its input,
linearised there (:class:`~recorded.Linearised`), and gradients flow through it. The others are the
tests' own and solve no task of hw2: a network of an affine layer of hw1's matmul and a squashing
function x / √(1 + x²) in place of tanh, and a loss of those squashed scores for training runs whose
every epoch would otherwise be recorded. Nothing here computes what a task asks for.
"""
import numpy as np

import mytorch
from mytorch import nn, ops, playground
from mytorch.autodiff import Function
from mytorch.nn import functional as F
from mytorch.nn.modules import loss as losses_module
from recorded import fingerprint, linearised_stand_in


# ----- Task 2.2's log_softmax, under the losses ---------------------------------------------------------
def _axis(dim, ndim):
    """``dim`` as a non-negative axis, when it names one of ``ndim``; else as it is."""
    return dim % ndim if -ndim <= dim < ndim else dim


STAND_IN_LOG_SOFTMAX = linearised_stand_in(    # answered at x − max x: a shift changes nothing
    F, "log_softmax", "log_softmax (Task 2.2)",
    key=lambda x, dim: f"an input of shape {tuple(x.shape)} ({x.dtype}) along axis {_axis(dim, x.ndim)}",
    centre=lambda x, dim: x - mytorch.tensor(np.max(x.data, axis=dim, keepdims=True)))


# ----- Task 2.3's cross_entropy, under the training loop ------------------------------------------------
_CROSS_ENTROPY_AT_POINTS = linearised_stand_in(
    F, "cross_entropy", "cross_entropy (Task 2.3)",
    key=lambda input, target, reduction: (
        f"logits of shape {tuple(input.shape)} ({input.dtype}) against the classes "
        f"{fingerprint(np.asarray(getattr(target, 'data', target)))}, reduction={reduction!r}"))


def _in_place_of_cross_entropy(patch, loss):
    """``loss(input, target, reduction="mean")`` in place of ``F.cross_entropy``, and of
    ``nn.CrossEntropyLoss`` with it, by ``patch`` (a MonkeyPatch)."""
    patch.setattr(F, "cross_entropy", loss)
    patch.setattr(losses_module.CrossEntropyLoss, "function", staticmethod(loss))


class RecordedCrossEntropy:
    """``F.cross_entropy``, and ``nn.CrossEntropyLoss`` with it, answered at the reference's recorded
    points (a linearised stand-in); the sum of the losses as N times their mean, so that a loop that
    sums and divides by N finds the points of one that takes the mean."""

    @staticmethod
    def install(patch):
        """Put the stand-in in place with ``patch`` (a MonkeyPatch)."""
        _CROSS_ENTROPY_AT_POINTS.install(patch)
        answered = F.cross_entropy

        def cross_entropy(input, target, reduction="mean"):
            if reduction == "sum":
                return answered(input, target, "mean") * float(len(target))
            return answered(input, target, reduction)
        _in_place_of_cross_entropy(patch, cross_entropy)


STAND_IN_CROSS_ENTROPY = RecordedCrossEntropy()


# ----- layers and a network of the tests' own, in place of Tasks 2.1, 2.2 and 2.5 -----------------------
class InverseSquareRootUnit(Function):
    """y = x / √(1 + x²) = x r with r = (1 + x²)^(−½);  x̄ = ȳ r³;  ẏ = r³ ẋ: a smooth squashing
    function into (−1, 1), like tanh, which no task of hw2 asks for; one primitive with rules of its
    own, so that the tests' networks train fast."""

    def forward(self, x):
        r = 1.0 / self.xp.sqrt(1.0 + x * x)
        self.save_for_backward(r)
        return x * r

    def backward(self, grad):
        r, = self.saved_tensors
        return grad * r ** 3

    def jvp(self, dx):
        return self.backward(dx)


def squash(x):
    """x / √(1 + x²) (:class:`InverseSquareRootUnit`), in place of tanh."""
    return InverseSquareRootUnit.apply(x)


class Squash(nn.Module):
    """:func:`squash` as a module."""

    def forward(self, x):
        return squash(x)


class Dense(nn.Module):
    """x ↦ x Wᵀ + b with hw1's matmul, holding the weight and bias of ``linear`` (an nn.Linear, which
    draws them with the public initialisation): the tests' affine layer, which runs no Task 2.1 code."""

    def __init__(self, linear):
        super().__init__()
        self.weight, self.bias = linear.weight, linear.bias

    def forward(self, x):
        return ops.matmul(x, ops.transpose(self.weight, 0, 1)) + self.bias


class Network(nn.Module):
    """An MLP of :class:`Dense` layers, one per nn.Linear of ``linears`` (whose initial weights it takes
    over: the same Parameter objects), with :func:`squash` between them; one layer is an affine map.
    It runs no code of Tasks 2.1, 2.2 or 2.5: its forward is written out, and it lists its parameters
    itself (``0.weight``, ``0.bias``, ``1.weight``, …) instead of walking the tree of modules, so that
    ``parameters()``, ``zero_grad()`` and ``to()`` need no Task 2.5 either."""

    def __init__(self, linears):
        super().__init__()
        self.layers = [Dense(linear) for linear in linears]

    def _all_named_parameters(self, prefix="", recurse=True):
        for index, layer in enumerate(self.layers):
            yield f"{index}.weight", layer.weight
            yield f"{index}.bias", layer.bias

    def forward(self, x):
        *hidden, last = self.layers
        for layer in hidden:
            x = squash(layer(x))
        return last(x)


def network_like_mlp(**sizes):
    """A :class:`Network` with the layers, and the initial weights, of ``playground.mlp(**sizes)``
    (its tanh becomes x / √(1 + x²))."""
    return Network(module for module in playground.mlp(**sizes) if isinstance(module, nn.Linear))


# ----- a loss of the tests' own, in place of Task 2.3's cross_entropy in long training runs -------------
def squashed_score_loss(input, target, reduction="mean"):
    """ℓₙ = Σ_c (squash(x[n, c]) − s[n, c])² for logits x (N, C) and classes y (N,), where s[n, c]
    is +1 for the class c = yₙ and −1 for the others; reduced as the cross-entropy is (mean, sum or
    none). No task asks for it: it stands in for the cross-entropy in training runs too long to record
    the reference's answers for, and a network trained on it learns the toy sets as well."""
    signs = 2.0 * np.eye(input.shape[1])[np.asarray(getattr(target, "data", target))] - 1.0
    gap = squash(input) - mytorch.tensor(signs.astype(input.dtype))
    losses = (gap * gap).sum(dim=1)
    if reduction == "none":
        return losses
    return losses.sum() if reduction == "sum" else losses.mean()


class SquashedScoreLoss:
    """:func:`squashed_score_loss` in place of ``F.cross_entropy`` and ``nn.CrossEntropyLoss``."""

    @staticmethod
    def install(patch):
        """Put it in place with ``patch`` (a MonkeyPatch)."""
        _in_place_of_cross_entropy(patch, squashed_score_loss)


STAND_IN_SQUASHED_SCORE_LOSS = SquashedScoreLoss()
