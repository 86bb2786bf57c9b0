"""Helpers of hw1's probes (never shipped to students): random shapes, correct stand-ins for other
tasks, so that each task is graded on its own code alone, and primitives with rules of their own.
"""
import numpy as np

import mytorch
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


def stand_in_topological_order(root_fn):
    """A correct topological order (Kahn's algorithm, no recursion), used in place of the student's
    Task 1.1 so that the tests of Task 1.2 grade the backward pass alone."""
    nodes, stack = set(), [root_fn]
    while stack:
        fn = stack.pop()
        if fn not in nodes:
            nodes.add(fn)
            stack.extend(t.grad_fn for t in fn.inputs if t.grad_fn is not None)
    uses = {fn: 0 for fn in nodes}           # how many inputs of each node come from other nodes
    users = {fn: [] for fn in nodes}
    for fn in nodes:
        for tensor in fn.inputs:
            if tensor.grad_fn is not None:
                uses[fn] += 1
                users[tensor.grad_fn].append(fn)
    ready = [fn for fn in nodes if uses[fn] == 0]
    order = []
    while ready:
        fn = ready.pop()
        order.append(fn)
        for user in users[fn]:
            uses[user] -= 1
            if uses[user] == 0:
                ready.append(user)
    return order


def stand_in_unbroadcast(grad, shape):
    """A correct ``unbroadcast``, used in place of the student's Task 1.3 so that the tests of
    Tasks 1.4 and 1.8 grade the backward rules alone."""
    leading = grad.ndim - len(shape)
    summed = grad.sum(axis=tuple(range(leading))) if leading else grad
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and summed.shape[i] != 1)
    return summed.sum(axis=axes, keepdims=True) if axes else summed


def stand_in_pow_derivative(pow_node):
    """A correct ``Pow.derivative`` (p · x^(p−1), part of Task 1.4), used in place of the student's
    so that the tests of Task 1.9 grade the JVP rules alone."""
    x, = pow_node.saved_tensors
    return pow_node.exponent * x ** (pow_node.exponent - 1)


def stand_in_backward(root, grad=None, *, retain_graph=False, inputs=None):
    """A correct ``engine.backward`` (Task 1.2) over the stand-in order, used in place of the
    student's so that the probes of Tasks 1.10 and 1.11 grade the Jacobian and the gradient checker
    alone. Gradients accumulate into the leaves' ``.grad``; with ``inputs`` they are returned instead
    (zeros for an input the output does not reach)."""
    if not root.requires_grad:
        raise RuntimeError("the output does not require grad")
    grad = np.ones_like(root.data) if grad is None else np.asarray(grad, dtype=root.data.dtype)
    received = {}                            # id(leaf) -> (leaf, its gradient so far)

    def deliver(tensor, tensor_grad):
        if id(tensor) in received:
            tensor_grad = received[id(tensor)][1] + tensor_grad
        received[id(tensor)] = tensor, tensor_grad

    if root.grad_fn is None:
        deliver(root, grad)
    else:
        pending = {root.grad_fn: grad}
        for fn in reversed(stand_in_topological_order(root.grad_fn)):
            grads = fn.backward(pending.pop(fn))
            grads = grads if isinstance(grads, tuple) else (grads,)
            for tensor, needed, tensor_grad in zip(fn.inputs, fn.needs_input_grad, grads):
                if not needed:
                    continue
                if tensor.grad_fn is None:
                    deliver(tensor, tensor_grad)
                elif tensor.grad_fn in pending:
                    pending[tensor.grad_fn] = pending[tensor.grad_fn] + tensor_grad
                else:
                    pending[tensor.grad_fn] = tensor_grad
            if not retain_graph:
                fn.release()
    if inputs is not None:
        return tuple(received[id(t)][1] if id(t) in received else np.zeros_like(t.data) for t in inputs)
    for tensor, tensor_grad in received.values():
        tensor._accumulate_grad(tensor_grad)
    return None


def stand_in_jacobian(f, x, mode="reverse"):
    """A correct ``transforms.jacobian`` (Task 1.10), of shape f(x).shape + x.shape, built row by
    row with :func:`stand_in_backward` (the mode is ignored: gradcheck asks for reverse mode),
    used in place of the student's so that the probes of Task 1.11 grade the gradient checker alone."""
    x = mytorch.tensor(np.array(x.data), requires_grad=True)
    out = f(x)
    if not out.requires_grad:                # f does not depend on x
        return mytorch.tensor(np.zeros(out.shape + x.shape))
    rows = [stand_in_backward(out, e.reshape(out.shape), retain_graph=True, inputs=[x])[0]
            for e in np.eye(out.data.size)]
    return mytorch.tensor(np.stack(rows).reshape(out.shape + x.shape))


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
