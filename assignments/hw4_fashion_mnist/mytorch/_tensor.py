"""The Tensor: an array, the node that made it, and its gradient.

A tensor wraps a NumPy or CuPy array (``.data``). When it requires a gradient,
it remembers the primitive that produced it (``.grad_fn``), so that
``.backward()`` can apply the chain rule from it back to the leaves, where
gradients accumulate in ``.grad``. The arithmetic operators and methods here
only forward to the primitives in :mod:`mytorch.ops`.
"""
import numpy

from mytorch import backend
from mytorch.autodiff import engine


class Tensor:
    """An n-dimensional array that records the operations applied to it.

    Args:
        data: a NumPy/CuPy array (its dtype is kept), a Tensor, a Python number
            or a nested list (these become float32).
        requires_grad: whether gradients should flow to this tensor.
        device: ``"cpu"`` (NumPy) or ``"cuda"`` (CuPy); by default where ``data`` is.
        dtype: convert to this dtype (for example ``mytorch.float64``).
    """

    __slots__ = ("data", "requires_grad", "grad", "grad_fn", "tangent", "__weakref__")
    __array_ufunc__ = None  # ndarray <op> Tensor defers to Tensor's reflected operator

    def __init__(self, data, requires_grad=False, device=None, dtype=None):
        self.data = _to_array(data, dtype, device)
        self.grad = None
        self.grad_fn = None
        self.tangent = None
        self.requires_grad = False
        self.requires_grad_(requires_grad)

    @classmethod
    def _from_op(cls, data):
        """A new result tensor, without any input checking (used by primitives)."""
        out = object.__new__(Tensor)
        out.data, out.requires_grad, out.grad, out.grad_fn, out.tangent = data, False, None, None, None
        return out

    # ----- properties -------------------------------------------------------------------
    @property
    def shape(self):
        return self.data.shape

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def device(self):
        return backend.device_of(self.data)

    @property
    def is_leaf(self):
        """True for tensors made by the user rather than by an operation that records."""
        return self.grad_fn is None

    @property
    def T(self):
        """All dimensions reversed."""
        return ops.permute(self, tuple(reversed(range(self.ndim))))

    def size(self, dim=None):
        return self.shape if dim is None else self.shape[dim]

    def dim(self):
        return self.ndim

    def numel(self):
        return int(self.data.size)

    def __len__(self):
        return len(self.data)

    # ----- autograd ---------------------------------------------------------------------
    def requires_grad_(self, requires_grad=True):
        """Mark this leaf as needing a gradient (in place); returns ``self``."""
        if requires_grad and self.dtype.kind != "f":
            raise RuntimeError(f"only floating point tensors can require gradients, not {self.dtype}")
        self.requires_grad = bool(requires_grad)
        return self

    def backward(self, grad=None, retain_graph=False):
        """Accumulate d(self)/d(leaf), times ``grad``, into ``.grad`` of every leaf.

        ``grad`` may be omitted for a single-element tensor (it is then 1).
        The graph's saved values are freed unless ``retain_graph=True``, so a
        second ``backward`` through the same graph raises, as in PyTorch.
        """
        grad = None if grad is None else as_tensor(grad, like=self).data
        engine.backward(self, grad, retain_graph=retain_graph)

    def _accumulate_grad(self, grad):
        """``.grad += grad`` for a leaf, storing a fresh writable array."""
        if self.grad is None:
            self.grad = Tensor._from_op(grad if grad.flags.writeable else grad.copy())
        else:
            self.grad = Tensor._from_op(self.grad.data + grad)

    def detach(self):
        """The same data, cut from the graph: no gradient flows through the result."""
        return Tensor._from_op(self.data)

    # ----- conversion -------------------------------------------------------------------
    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise ValueError(f"only one element tensors can be converted to Python scalars, "
                             f"got shape {tuple(self.shape)}")
        return self.data.item()

    def numpy(self):
        """The data as a NumPy array (sharing memory); CPU tensors only."""
        if backend.namespace(self.data) is not numpy:
            raise TypeError("can't convert a cuda tensor to numpy: copy it with .cpu() first")
        if self.requires_grad:
            raise RuntimeError("can't call numpy() on a tensor that requires grad; use .detach().numpy()")
        return self.data

    def tolist(self):
        return self.data.tolist()

    def to(self, device=None, dtype=None):
        """A copy on ``device`` and/or converted to ``dtype``; ``self`` if nothing changes.

        This is the explicit host/GPU transfer. The result is a new leaf,
        with the same ``requires_grad``.
        """
        if isinstance(device, (numpy.dtype, type)):
            device, dtype = None, device
        data = self.data if device is None else backend.to_device(self.data, device)
        if dtype is not None:
            data = data.astype(dtype, copy=False)
        if data is self.data:
            return self
        return Tensor._from_op(data).requires_grad_(self.requires_grad)

    def cpu(self):
        return self.to("cpu")

    def cuda(self):
        return self.to("cuda")

    def float(self):
        return self.to(dtype=numpy.float32)

    def double(self):
        return self.to(dtype=numpy.float64)

    def __repr__(self):
        body = numpy.array2string(backend.to_device(self.data, "cpu"), separator=", ", prefix="tensor(")
        extras = [f"device='{self.device}'"] if self.device != "cpu" else []
        if self.dtype != numpy.float32:
            extras.append(f"dtype={self.dtype}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn={self.grad_fn!r}")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([body] + extras) + ")"

    # ----- operators (each forwards to a primitive or a composition of primitives) -------
    def __add__(self, other):
        return ops.add(self, other)

    def __radd__(self, other):
        return ops.add(other, self)

    def __sub__(self, other):
        return ops.sub(self, other)

    def __rsub__(self, other):
        return ops.sub(other, self)

    def __mul__(self, other):
        return ops.mul(self, other)

    def __rmul__(self, other):
        return ops.mul(other, self)

    def __truediv__(self, other):
        return ops.div(self, other)

    def __rtruediv__(self, other):
        return ops.div(other, self)

    def __pow__(self, exponent):
        return ops.pow(self, exponent)

    def __rpow__(self, base):
        return ops.pow(base, self)

    def __neg__(self):
        return ops.neg(self)

    def __matmul__(self, other):
        return ops.matmul(self, other)

    def __rmatmul__(self, other):
        return ops.matmul(other, self)

    def __getitem__(self, index):
        return ops.getitem(self, index)

    # Comparisons give boolean tensors and are not differentiable.
    def _compare(self, other, op):
        return Tensor._from_op(op(self.data, getattr(other, "data", other)))

    def __lt__(self, other):
        return self._compare(other, lambda a, b: a < b)

    def __le__(self, other):
        return self._compare(other, lambda a, b: a <= b)

    def __gt__(self, other):
        return self._compare(other, lambda a, b: a > b)

    def __ge__(self, other):
        return self._compare(other, lambda a, b: a >= b)

    def __eq__(self, other):
        return self._compare(other, lambda a, b: a == b)

    def __ne__(self, other):
        return self._compare(other, lambda a, b: a != b)

    __hash__ = object.__hash__

    # ----- methods, PyTorch-style -------------------------------------------------------
    def exp(self):
        return ops.exp(self)

    def log(self):
        return ops.log(self)

    def sqrt(self):
        return ops.sqrt(self)

    def abs(self):
        return ops.abs(self)

    def sum(self, dim=None, keepdim=False, **numpy_names):
        return ops.sum(self, dim, keepdim, **numpy_names)

    def mean(self, dim=None, keepdim=False, **numpy_names):
        return ops.mean(self, dim, keepdim, **numpy_names)

    def max(self, dim=None, keepdim=False, **numpy_names):
        return ops.max(self, dim, keepdim, **numpy_names)

    def amax(self, dim=None, keepdim=False):
        return ops.amax(self, dim, keepdim)

    def logsumexp(self, dim=None, keepdim=False):
        return ops.logsumexp(self, dim, keepdim)

    def argmax(self, dim=None, keepdim=False):
        return ops.argmax(self, dim, keepdim)

    def matmul(self, other):
        return ops.matmul(self, other)

    def pow(self, exponent):
        return ops.pow(self, exponent)

    def reshape(self, *shape):
        return ops.reshape(self, *shape)

    def view(self, *shape):
        return ops.reshape(self, *shape)

    def flatten(self, start_dim=0, end_dim=-1):
        return ops.flatten(self, start_dim, end_dim)

    def unsqueeze(self, dim):
        return ops.unsqueeze(self, dim)

    def squeeze(self, dim=None):
        return ops.squeeze(self, dim)

    def transpose(self, dim0, dim1):
        return ops.transpose(self, dim0, dim1)

    def permute(self, *dims):
        return ops.permute(self, *dims)

    def relu(self):
        return ops.relu(self)

    def sigmoid(self):
        return ops.sigmoid(self)

    def tanh(self):
        return ops.tanh(self)

    def softmax(self, dim=-1):
        return ops.softmax(self, dim)

    def log_softmax(self, dim=-1):
        return ops.log_softmax(self, dim)


def tensor(data, dtype=None, device=None, requires_grad=False):
    """Build a tensor from data, as ``torch.tensor`` does.

    A NumPy array keeps its dtype; Python numbers and lists become float32.
    """
    return Tensor(data, requires_grad=requires_grad, device=device, dtype=dtype)


def as_tensor(value, like=None):
    """``value`` as a Tensor: tensors pass through; numbers take ``like``'s dtype and device.

    A Python number in ``x * 2`` must not promote a float32 ``x`` to float64,
    nor move it off the GPU, so it becomes a 0-d array matching ``like``.
    """
    if isinstance(value, Tensor):
        return value
    if like is not None and isinstance(value, (int, float, bool)):
        return Tensor._from_op(backend.namespace(like.data).asarray(value, dtype=like.dtype))
    return Tensor(value)


def _to_array(data, dtype, device):
    """A fresh array for a new tensor (never a view of the caller's array, as in PyTorch)."""
    if isinstance(data, Tensor):
        data = data.data
    if backend.namespace(data) is numpy:
        keeps_dtype = isinstance(data, (numpy.ndarray, numpy.generic))
        data = numpy.array(data, dtype=dtype or (None if keeps_dtype else numpy.float32))
    else:
        data = data.astype(dtype or data.dtype)
    return data if device is None else backend.to_device(data, device)


from mytorch import ops  # noqa: E402  (the primitives are built on Tensor)
