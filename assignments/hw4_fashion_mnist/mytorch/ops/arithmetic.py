"""Arithmetic primitives: addition, multiplication, negation and powers.

Subtraction and division are not primitives: a − b = a + (−b) and
a / b = a · b⁻¹, so their gradients follow from these rules.

Broadcasting: when an input of shape (3, 1) meets one of shape (4, 3, 5), it is
copied along the new leading axis and along its axis of size 1. A copied value
influences every copy, so its gradient is the *sum* over the copies:
:func:`unbroadcast` sums the upstream gradient back to the input's shape.
"""
from mytorch.autodiff.function import Function


def unbroadcast(grad, shape):
    """Sum ``grad`` over the axes that broadcasting added to an input of ``shape``.

    grad: array of the output's shape (..., *broadcast shape)
    returns: array of ``shape``
    """
    if grad.shape == shape:
        return grad
    leading = grad.ndim - len(shape)
    stretched = tuple(leading + i for i, n in enumerate(shape) if n == 1 and grad.shape[leading + i] != 1)
    return grad.sum(axis=tuple(range(leading)) + stretched, keepdims=True).reshape(shape)


class Add(Function):
    """y = a + b;  ā = ȳ,  b̄ = ȳ (each summed to its own shape);  ẏ = ȧ + ḃ."""

    def forward(self, a, b):
        self.shapes = a.shape, b.shape
        return a + b

    def backward(self, grad):
        a_shape, b_shape = self.shapes
        return unbroadcast(grad, a_shape), unbroadcast(grad, b_shape)

    def jvp(self, da, db):
        return da + db


class Mul(Function):
    """y = a · b;  ā = ȳ · b,  b̄ = ȳ · a;  ẏ = ȧ · b + a · ḃ."""

    def forward(self, a, b):
        self.save_for_backward(a, b)
        return a * b

    def backward(self, grad):
        a, b = self.saved_tensors
        return unbroadcast(grad * b, a.shape), unbroadcast(grad * a, b.shape)

    def jvp(self, da, db):
        a, b = self.saved_tensors
        return da * b + a * db


class Neg(Function):
    """y = −x;  x̄ = −ȳ;  ẏ = −ẋ."""

    def forward(self, x):
        return -x

    def backward(self, grad):
        return -grad

    def jvp(self, dx):
        return -dx


class Pow(Function):
    """y = xᵖ for a constant p;  x̄ = ȳ · p xᵖ⁻¹;  ẏ = p xᵖ⁻¹ ẋ."""

    def __init__(self, exponent):
        self.exponent = exponent

    def forward(self, x):
        self.save_for_backward(x)
        return x ** self.exponent

    def derivative(self):
        x, = self.saved_tensors
        if self.exponent == 0:      # x⁰ is constant: p · x^(p−1) would give 0 · ∞ at x = 0
            return self.xp.zeros_like(x)
        return self.exponent * x ** (self.exponent - 1)

    def backward(self, grad):
        return grad * self.derivative()

    def jvp(self, dx):
        return self.derivative() * dx


def add(a, b):
    return Add.apply(a, b)


def sub(a, b):
    return add(a, neg(b))


def mul(a, b):
    return Mul.apply(a, b)


def div(a, b):
    if isinstance(b, (int, float)):
        return mul(a, 1.0 / b)
    return mul(a, pow(b, -1.0))


def neg(x):
    return Neg.apply(x)


def pow(base, exponent):
    """baseᵉˣᵖᵒⁿᵉⁿᵗ. A tensor exponent uses aᵇ = exp(b · log a), so the base must be positive."""
    from mytorch.ops.elementwise import exp, log
    from mytorch._tensor import Tensor, as_tensor

    if isinstance(exponent, Tensor):
        return exp(mul(exponent, log(as_tensor(base, like=exponent))))
    return Pow.apply(base, exponent=exponent)
