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
        # TODO Task 1.8 (backward of matmul): Ā = Ȳ Bᵀ, B̄ = Aᵀ Ȳ; a vector is a one-row (A) or one-column (B) matrix; unbroadcast batch axes.
        raise NotImplementedError('Task 1.8: backward of matmul')

    def jvp(self, da, db):
        # TODO Task 1.9 (forward mode: JVP rules): Ẏ = Ȧ B + A Ḃ.
        raise NotImplementedError('Task 1.9: forward mode: JVP rules')


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
        raise NotImplementedError('part of hw2_backprop: not needed in hw1_autodiff')

    def backward(self, grad):
        raise NotImplementedError('part of hw2_backprop: not needed in hw1_autodiff')

    def jvp(self, dx, dweight, dbias=None):
        raise NotImplementedError('part of hw2_backprop: not needed in hw1_autodiff')


def linear(x, weight, bias=None):
    """y = x Wᵀ + b, as ``torch.nn.functional.linear``: x (..., in), W (out, in), b (out,)."""
    if bias is None:
        return Linear.apply(x, weight)
    return Linear.apply(x, weight, bias)
