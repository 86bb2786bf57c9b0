"""Helpers of hw2's probes (never shipped to students): layers and a network of the probes' own, built
from hw1's operations (public in the template) and a primitive with rules of its own, which solve no
task of hw2. The probes of Tasks 2.5 and 2.6 run them in place of ``nn.Linear`` (Task 2.1), tanh
(Task 2.2) and ``Sequential`` (Task 2.5), so that a mistake in those tasks costs nothing there.
"""
from mytorch import nn, ops
from mytorch.autodiff import Function


class InverseSquareRootUnit(Function):
    """y = x / √(1 + x²) = x r with r = (1 + x²)^(−½);  x̄ = ȳ r³;  ẏ = r³ ẋ: a smooth squashing
    function into (−1, 1), like tanh, which no task of hw2 asks for; one primitive with rules of its
    own, so that the probes' networks train fast."""

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
    draws them with the public initialisation): the probes' affine layer, which runs no Task 2.1 code."""

    def __init__(self, linear):
        super().__init__()
        self.weight, self.bias = linear.weight, linear.bias

    def forward(self, x):
        return ops.matmul(x, ops.transpose(self.weight, 0, 1)) + self.bias


class Network(nn.Module):
    """An MLP of :class:`Dense` layers, one per nn.Linear of ``linears`` (whose initial weights it takes
    over: the same Parameter objects), with :func:`squash` between them. It runs no code of Tasks 2.1,
    2.2 or 2.5: its forward is written out, and it lists its parameters itself (``0.weight``,
    ``0.bias``, ``1.weight``, …) instead of walking the tree of modules, so that ``parameters()``,
    ``zero_grad()`` and ``to()`` need no Task 2.5 either."""

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
