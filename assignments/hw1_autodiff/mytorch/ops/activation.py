"""Activation functions: (leaky) ReLU, sigmoid and tanh as primitives; softmax
and log-softmax composed from the stable log-sum-exp."""
from mytorch.autodiff.function import Function
from mytorch.ops.arithmetic import sub
from mytorch.ops.elementwise import exp
from mytorch.ops.reduction import logsumexp


class LeakyReLU(Function):
    """y = x if x > 0 else α x;  x̄ = ȳ if x > 0 else α ȳ;  ẏ likewise.

    ReLU is the case α = 0. The function is linear on each side of 0, so with
    its slope s = dy/dx (1 where x > 0, else α; α at the kink x = 0) all three
    rules are one multiplication:  y = s · x,  x̄ = s · ȳ,  ẏ = s · ẋ.
    """

    def __init__(self, negative_slope):
        self.negative_slope = negative_slope

    def forward(self, x):
        raise NotImplementedError('part of hw2_backprop: not needed in hw1_autodiff')

    def backward(self, grad):
        raise NotImplementedError('part of hw2_backprop: not needed in hw1_autodiff')

    def jvp(self, dx):
        return self.backward(dx)


class Sigmoid(Function):
    """y = σ(x) = 1 / (1 + e⁻ˣ);  x̄ = ȳ · y (1 − y);  ẏ = y (1 − y) ẋ.

    Computed as ½ (1 + tanh(x/2)), the same function without overflow in e⁻ˣ.
    """

    def forward(self, x):
        raise NotImplementedError('part of hw2_backprop: not needed in hw1_autodiff')

    def backward(self, grad):
        raise NotImplementedError('part of hw2_backprop: not needed in hw1_autodiff')

    def jvp(self, dx):
        return self.backward(dx)


class Tanh(Function):
    """y = tanh x;  x̄ = ȳ · (1 − y²);  ẏ = (1 − y²) ẋ."""

    def forward(self, x):
        raise NotImplementedError('part of hw2_backprop: not needed in hw1_autodiff')

    def backward(self, grad):
        raise NotImplementedError('part of hw2_backprop: not needed in hw1_autodiff')

    def jvp(self, dx):
        return self.backward(dx)


def relu(x):
    return LeakyReLU.apply(x, negative_slope=0.0)


def leaky_relu(x, negative_slope=0.01):
    return LeakyReLU.apply(x, negative_slope=negative_slope)


def sigmoid(x):
    return Sigmoid.apply(x)


def tanh(x):
    return Tanh.apply(x)


def log_softmax(x, dim=-1):
    """log softmax(x)_i = x_i − log Σ_j e^(x_j): stable, since log-sum-exp is."""
    raise NotImplementedError('part of hw2_backprop: not needed in hw1_autodiff')


def softmax(x, dim=-1):
    """softmax(x)_i = e^(x_i) / Σ_j e^(x_j), as exp(log_softmax(x)) to avoid overflow."""
    raise NotImplementedError('part of hw2_backprop: not needed in hw1_autodiff')
