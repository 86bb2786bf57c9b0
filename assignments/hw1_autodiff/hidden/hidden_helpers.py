"""Helpers of hw1's probes (never shipped to students): random shapes, and primitives with rules of
their own, which solve no task of the assignment.
"""
import numpy as np

from mytorch.autodiff import Function


def random_shape(rng, min_ndim=0, max_ndim=4, max_size=4):
    """A random shape with ``min_ndim`` … ``max_ndim`` axes of sizes 1 … ``max_size``."""
    ndim = int(rng.integers(min_ndim, max_ndim + 1))
    return tuple(int(n) for n in rng.integers(1, max_size + 1, size=ndim))


def broadcast_pair(seed, max_ndim=4, max_size=4):
    """Two shapes that broadcast together: each drops some leading axes of a common shape and
    turns some of the others into 1."""
    rng = np.random.default_rng(seed)
    full = random_shape(rng, 2, max_ndim, max_size)
    shapes = []
    for _ in range(2):
        kept = () if rng.random() < 0.1 else full[int(rng.integers(0, len(full))):]
        shapes.append(tuple(1 if rng.random() < 0.35 else n for n in kept))
    return tuple(shapes)


# ----- primitives with rules of their own, for the hidden tests and probes of Tasks 1.2, 1.10, 1.11 ----
# They depend on no student rule, so that those tasks are graded on the engine, the Jacobian and the
# gradient checker alone.


class Square(Function):
    """y = x²."""

    def forward(self, x):
        self.save_for_backward(x)
        return x * x

    def backward(self, grad):
        x, = self.saved_tensors
        return 2 * x * grad

    def jvp(self, dx):
        x, = self.saved_tensors
        return 2 * x * dx


class Sin(Function):
    """y = sin x."""

    def forward(self, x):
        self.save_for_backward(x)
        return np.sin(x)

    def backward(self, grad):
        x, = self.saved_tensors
        return (np.cos(x) * grad,)               # a one-element tuple is a valid answer too

    def jvp(self, dx):
        x, = self.saved_tensors
        return np.cos(x) * dx


class Plus(Function):
    """y = a + b."""

    def forward(self, a, b):
        return a + b

    def backward(self, grad):
        return grad, grad

    def jvp(self, da, db):
        return da + db


class Times(Function):
    """y = a · b, with None for an input that needs no gradient."""

    def forward(self, a, b):
        self.save_for_backward(a, b)
        return a * b

    def backward(self, grad):
        a, b = self.saved_tensors
        return (grad * b if self.needs_input_grad[0] else None,
                grad * a if self.needs_input_grad[1] else None)

    def jvp(self, da, db):
        a, b = self.saved_tensors
        return da * b + a * db


class Total(Function):
    """y = Σ x."""

    def forward(self, x):
        self.shape = x.shape
        return x.sum()

    def backward(self, grad):
        return np.broadcast_to(grad, self.shape).copy()

    def jvp(self, dx):
        return dx.sum()


class Counting(Function):
    """y = 3x, counting the calls of its backward."""
    calls = 0

    def forward(self, x):
        return 3 * x

    def backward(self, grad):
        Counting.calls += 1
        return 3 * grad

    def jvp(self, dx):
        return 3 * dx


class Counted(Function):
    """y = tanh(M x) for a fixed M (5 × 3), counting the calls of its rules."""
    M = np.random.default_rng(0).standard_normal((5, 3))
    backward_calls = jvp_calls = 0

    def forward(self, x):
        y = np.tanh(x @ self.M.T)
        self.save_for_backward(y)
        return y

    def backward(self, grad):
        Counted.backward_calls += 1
        y, = self.saved_tensors
        return (grad * (1 - y ** 2)) @ self.M

    def jvp(self, dx):
        Counted.jvp_calls += 1
        y, = self.saved_tensors
        return (1 - y ** 2) * (dx @ self.M.T)


class Outer(Function):
    """y = x xᵀ for a vector x: a matrix output."""

    def forward(self, x):
        self.save_for_backward(x)
        return np.outer(x, x)

    def backward(self, grad):
        x, = self.saved_tensors
        return (grad + grad.T) @ x

    def jvp(self, dx):
        x, = self.saved_tensors
        return np.outer(dx, x) + np.outer(x, dx)


class Trace(Function):
    """y = Σᵢ Xᵢᵢ: a scalar output."""

    def forward(self, x):
        self.n = x.shape[0]
        return np.trace(x)

    def backward(self, grad):
        return grad * np.eye(self.n)

    def jvp(self, dx):
        return np.trace(dx)


class Cube(Function):
    """y = x³ elementwise, with a correct backward."""

    def forward(self, x):
        self.save_for_backward(x)
        return x ** 3

    def backward(self, grad):
        x, = self.saved_tensors
        return 3 * x ** 2 * grad

    def jvp(self, dx):
        x, = self.saved_tensors
        return 3 * x ** 2 * dx


class SlightlyWrongCube(Cube):
    """A backward rule off by a relative 1e-4."""

    def backward(self, grad):
        return super().backward(grad) * (1 + 1e-4)
