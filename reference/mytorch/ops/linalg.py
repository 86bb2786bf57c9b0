"""Matrix multiplication, with NumPy's rules for vectors and stacks of matrices."""
from mytorch.autodiff.function import Function
from mytorch.ops.arithmetic import unbroadcast


class MatMul(Function):
    """Y = A B.

    For matrices A (n, k), B (k, m) and Y (n, m):
        Ā = Ȳ Bᵀ  (n, k),   B̄ = Aᵀ Ȳ  (k, m),   Ẏ = Ȧ B + A Ḃ.
    A vector is treated as a one-row (A) or one-column (B) matrix, and leading
    "batch" dimensions broadcast, so their gradients are summed back.
    """

    def forward(self, a, b):
        self.save_for_backward(a, b)
        return a @ b

    def backward(self, grad):
        a, b = self.saved_tensors
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        grad = grad.reshape(grad.shape[:-1] + (1,) + grad.shape[-1:]) if a.ndim == 1 else grad
        grad = grad[..., None] if b.ndim == 1 else grad
        a_grad = b_grad = None
        if self.needs_input_grad[0]:
            a_grad = unbroadcast(grad @ b2.swapaxes(-1, -2), a2.shape).reshape(a.shape)
        if self.needs_input_grad[1]:
            b_grad = unbroadcast(a2.swapaxes(-1, -2) @ grad, b2.shape).reshape(b.shape)
        return a_grad, b_grad

    def jvp(self, da, db):
        a, b = self.saved_tensors
        return da @ b + a @ db


def matmul(a, b):
    return MatMul.apply(a, b)
