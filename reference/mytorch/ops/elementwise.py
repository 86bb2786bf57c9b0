"""Elementwise primitives of one input: exp, log and abs (sqrt is x^½)."""
from mytorch.autodiff.function import Function
from mytorch.ops.arithmetic import pow


class Exp(Function):
    """y = eˣ;  x̄ = ȳ · y;  ẏ = y · ẋ."""

    def forward(self, x):
        y = self.xp.exp(x)
        self.save_for_backward(y)
        return y

    def backward(self, grad):
        ### BEGIN SOLUTION task1_5
        ### TODO x̄ = ȳ · y, with y = eˣ saved by forward.
        y, = self.saved_tensors
        return grad * y
        ### END SOLUTION

    def jvp(self, dx):
        ### BEGIN SOLUTION task1_9
        ### TODO ẏ = y · ẋ.
        y, = self.saved_tensors
        return y * dx
        ### END SOLUTION


class Log(Function):
    """y = ln x;  x̄ = ȳ / x;  ẏ = ẋ / x."""

    def forward(self, x):
        self.save_for_backward(x)
        return self.xp.log(x)

    def backward(self, grad):
        ### BEGIN SOLUTION task1_5
        ### TODO x̄ = ȳ / x.
        x, = self.saved_tensors
        return grad / x
        ### END SOLUTION

    def jvp(self, dx):
        ### BEGIN SOLUTION task1_9
        ### TODO ẏ = ẋ / x.
        x, = self.saved_tensors
        return dx / x
        ### END SOLUTION


class Abs(Function):
    """y = |x|;  x̄ = ȳ · sign(x);  ẏ = sign(x) · ẋ  (taking 0 at the kink x = 0)."""

    def forward(self, x):
        self.save_for_backward(self.xp.sign(x))
        return self.xp.abs(x)

    def backward(self, grad):
        ### BEGIN SOLUTION task1_5
        ### TODO x̄ = ȳ · sign(x).
        sign, = self.saved_tensors
        return grad * sign
        ### END SOLUTION

    def jvp(self, dx):
        ### BEGIN SOLUTION task1_9
        ### TODO ẏ = sign(x) · ẋ.
        sign, = self.saved_tensors
        return sign * dx
        ### END SOLUTION


def exp(x):
    return Exp.apply(x)


def log(x):
    return Log.apply(x)


def abs(x):
    return Abs.apply(x)


def sqrt(x):
    return pow(x, 0.5)
