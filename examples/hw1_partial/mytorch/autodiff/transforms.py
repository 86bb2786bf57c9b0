"""Function transforms: derivatives of Python functions of tensors.

For f: ℝⁿ → ℝᵐ with Jacobian J (m × n) at x:

- ``jvp(f, (x,), (v,))``  returns f(x) and J v   (forward mode: one pass per direction v)
- ``vjp(f, x)``           returns f(x) and u ↦ uᵀ J  (reverse mode: one pass per cotangent u)
- ``grad(f)``             returns x ↦ ∇f(x) = Jᵀ · 1 for a scalar f
- ``jacobian(f, x, mode)`` builds J column by column (forward) or row by row (reverse)

The names and argument orders follow ``torch.func``.
"""
from mytorch.autodiff import engine, mode as grad_mode
from mytorch.backend import namespace


def _tensor_module():
    # mytorch.tensor imports this package, so it is looked up when first needed.
    from mytorch import _tensor as tensor
    return tensor


def _as_tuple(values):
    return tuple(values) if isinstance(values, (tuple, list)) else (values,)


def jvp(f, primals, tangents):
    """Evaluate ``f(*primals)`` and its directional derivative along ``tangents``.

    primals:  a tensor or a tuple of tensors x_1, …, x_k
    tangents: directions v_1, …, v_k of the same shapes
    returns:  (f(x), Σ_i ∂f/∂x_i · v_i), both tensors of f's output shape
    """
    tensor = _tensor_module()
    primals, tangents = _as_tuple(primals), _as_tuple(tangents)
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: got {len(primals)} primals but {len(tangents)} tangents")
    inputs = []
    for i, (primal, tangent) in enumerate(zip(primals, tangents)):
        x = tensor.Tensor._from_op(tensor.as_tensor(primal).data)
        x.tangent = tensor.as_tensor(tangent, like=x).data
        if x.tangent.shape != x.data.shape:
            raise ValueError(f"jvp: tangent {i} has shape {x.tangent.shape}, primal has {x.data.shape}")
        inputs.append(x)
    out = f(*inputs)
    tangent = out.tangent if out.tangent is not None else out.data * 0  # f ignores its input
    return out.detach(), tensor.Tensor._from_op(tangent)


def vjp(f, *primals):
    """Evaluate ``f(*primals)`` and return it with its vector-Jacobian product function.

    returns: (f(x), vjp_fn) where vjp_fn(u) is the tuple (uᵀ ∂f/∂x_1, …, uᵀ ∂f/∂x_k)
    """
    return _vjp(f, primals, range(len(primals)))


def _vjp(f, primals, wrt):
    tensor = _tensor_module()
    wrt = set(wrt)
    inputs = [tensor.Tensor(p, requires_grad=True) if i in wrt else p for i, p in enumerate(primals)]
    with grad_mode.enable_grad():
        out = f(*inputs)
    leaves = [inputs[i] for i in sorted(wrt)]

    def vjp_fn(cotangent):
        if not out.requires_grad:  # f does not depend on its inputs
            return tuple(tensor.Tensor._from_op(x.data * 0) for x in leaves)
        cotangent = tensor.as_tensor(cotangent, like=out).data
        grads = engine.backward(out, cotangent, retain_graph=True, inputs=leaves)
        return tuple(tensor.Tensor._from_op(g) for g in grads)

    return out.detach(), vjp_fn


def grad(f, argnums=0):
    """The gradient function of a scalar-valued ``f``, with respect to argument(s) ``argnums``.

    ``grad(f)(x)`` has the shape of x; with a tuple ``argnums`` it returns a tuple.
    """
    positions = argnums if isinstance(argnums, tuple) else (argnums,)

    def gradient(*args):
        out, vjp_fn = _vjp(f, args, positions)
        if out.data.size != 1:
            raise RuntimeError(f"grad needs a function with a scalar output, got shape {tuple(out.shape)}")
        grads = vjp_fn(out.data * 0 + 1)
        return grads if isinstance(argnums, tuple) else grads[0]

    return gradient


def jacobian(f, x, mode="reverse"):
    """The Jacobian of ``f`` at ``x``, of shape ``f(x).shape + x.shape``.

    mode="reverse": one vjp per output entry i gives row i, eᵢᵀ J.
    mode="forward": one jvp per input entry j gives column j, J eⱼ.
    Both build the same matrix; they differ in cost (m passes versus n).
    """
    # TODO Task 1.10 (the Jacobian in both modes): Reverse: one vjp per output entry gives a row; forward: one jvp per input entry gives a column.
    raise NotImplementedError('Task 1.10: the Jacobian in both modes')
