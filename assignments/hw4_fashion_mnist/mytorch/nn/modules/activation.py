"""Activation functions as modules (they hold no parameters)."""
from mytorch.nn import functional as F
from mytorch.nn.module import Module


class ReLU(Module):
    """y = max(x, 0)."""

    def forward(self, input):
        return F.relu(input)


class LeakyReLU(Module):
    """y = x if x > 0 else negative_slope · x."""

    def __init__(self, negative_slope=0.01):
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class Sigmoid(Module):
    """y = 1 / (1 + e⁻ˣ)."""

    def forward(self, input):
        return F.sigmoid(input)


class Tanh(Module):
    """y = tanh x."""

    def forward(self, input):
        return F.tanh(input)


class _AlongDim(Module):
    """An activation that normalises the slices along one dimension, ``dim``."""

    def __init__(self, dim):
        super().__init__()
        self.dim = dim

    def extra_repr(self):
        return f"dim={self.dim}"


class Softmax(_AlongDim):
    """y = e^(xᵢ) / Σⱼ e^(xⱼ) along ``dim``: each slice becomes a probability distribution."""

    def forward(self, input):
        return F.softmax(input, self.dim)


class LogSoftmax(_AlongDim):
    """y = xᵢ − log Σⱼ e^(xⱼ) along ``dim``, the log of Softmax computed stably."""

    def forward(self, input):
        return F.log_softmax(input, self.dim)
