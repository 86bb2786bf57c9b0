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


class Linear(Function):
    """The affine map of a fully connected layer, fused into one primitive.

    For a batch X (N, in), weights W (out, in) and bias b (out,):
        Y = X Wᵀ + b                                  (N, out)
        X̄ = Ȳ W                                      (N, in)
        W̄ = Ȳᵀ X                                     (out, in)
        b̄ = Σ_n Ȳ_n                                  (out,)
        Ẏ = Ẋ Wᵀ + X Ẇᵀ + ḃ
    Leading batch dimensions beyond N are allowed and flattened for W̄ and b̄.
    One node instead of three (transpose, matmul, add) keeps the graph small,
    and W̄ comes out in W's own memory layout, ready for the optimizer.
    """

    def forward(self, x, weight, bias=None):
        self.save_for_backward(x, weight)
        y = x @ weight.T
        if bias is not None:
            y += bias
        return y

    def backward(self, grad):
        x, weight = self.saved_tensors
        grad_rows = grad.reshape(-1, grad.shape[-1])
        x_grad = grad @ weight if self.needs_input_grad[0] else None
        weight_grad = grad_rows.T @ x.reshape(-1, x.shape[-1]) if self.needs_input_grad[1] else None
        if len(self.needs_input_grad) == 2:
            return x_grad, weight_grad
        return x_grad, weight_grad, grad_rows.sum(axis=0)

    def jvp(self, dx, dweight, dbias=None):
        x, weight = self.saved_tensors
        dy = dx @ weight.T + x @ dweight.T
        return dy if dbias is None else dy + dbias


def linear(x, weight, bias=None):
    """y = x Wᵀ + b, as ``torch.nn.functional.linear``: x (..., in), W (out, in), b (out,)."""
    if bias is None:
        return Linear.apply(x, weight)
    return Linear.apply(x, weight, bias)
