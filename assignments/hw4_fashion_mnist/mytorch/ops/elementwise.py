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
        y, = self.saved_tensors
        return grad * y

    def jvp(self, dx):
        y, = self.saved_tensors
        return y * dx


class Log(Function):
    """y = ln x;  x̄ = ȳ / x;  ẏ = ẋ / x."""

    def forward(self, x):
        self.save_for_backward(x)
        return self.xp.log(x)

    def backward(self, grad):
        x, = self.saved_tensors
        return grad / x

    def jvp(self, dx):
        x, = self.saved_tensors
        return dx / x


class Abs(Function):
    """y = |x|;  x̄ = ȳ · sign(x);  ẏ = sign(x) · ẋ  (taking 0 at the kink x = 0)."""

    def forward(self, x):
        self.save_for_backward(self.xp.sign(x))
        return self.xp.abs(x)

    def backward(self, grad):
        sign, = self.saved_tensors
        return grad * sign

    def jvp(self, dx):
        sign, = self.saved_tensors
        return sign * dx


def exp(x):
    return Exp.apply(x)


def log(x):
    return Log.apply(x)


def abs(x):
    return Abs.apply(x)


def sqrt(x):
    return pow(x, 0.5)
