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
        # TODO Task 1.9 (forward mode: JVP rules): ẏ = y · ẋ.
        raise NotImplementedError('Task 1.9: forward mode: JVP rules')


class Log(Function):
    """y = ln x;  x̄ = ȳ / x;  ẏ = ẋ / x."""

    def forward(self, x):
        self.save_for_backward(x)
        return self.xp.log(x)

    def backward(self, grad):
        x, = self.saved_tensors
        return 1 / x

    def jvp(self, dx):
        # TODO Task 1.9 (forward mode: JVP rules): ẏ = ẋ / x.
        raise NotImplementedError('Task 1.9: forward mode: JVP rules')


class Abs(Function):
    """y = |x|;  x̄ = ȳ · sign(x);  ẏ = sign(x) · ẋ  (taking 0 at the kink x = 0)."""

    def forward(self, x):
        self.save_for_backward(self.xp.sign(x))
        return self.xp.abs(x)

    def backward(self, grad):
        sign, = self.saved_tensors
        return grad * sign

    def jvp(self, dx):
        # TODO Task 1.9 (forward mode: JVP rules): ẏ = sign(x) · ẋ.
        raise NotImplementedError('Task 1.9: forward mode: JVP rules')


def exp(x):
    return Exp.apply(x)


def log(x):
    return Log.apply(x)


def abs(x):
    return Abs.apply(x)


def sqrt(x):
    return pow(x, 0.5)
