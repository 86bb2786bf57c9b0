"""The primitive operation: one differentiable function and one node of the graph.

A primitive states three rules on raw arrays (NumPy or CuPy), for y = f(x_1, ..., x_k):

- ``forward(*arrays)``   computes  y = f(x_1, ..., x_k)
- ``backward(grad)``     computes  x̄_i = ȳ · ∂y/∂x_i    (vector-Jacobian product, reverse mode)
- ``jvp(*tangents)``     computes  ẏ = Σ_i ∂y/∂x_i · ẋ_i  (Jacobian-vector product, forward mode)

``Function.apply`` runs ``forward``, and, when an input requires a gradient,
keeps the instance as the output's ``grad_fn`` so that ``backward`` can run
later. When an input carries a tangent (see :func:`mytorch.autodiff.jvp`) it
runs ``jvp`` at once: forward mode travels with the values, as dual numbers do.
"""
from abc import ABC, abstractmethod

from mytorch.autodiff import mode
from mytorch.backend import namespace


class Function(ABC):
    """Base class of every primitive; an applied instance is a graph node.

    Attributes of an applied node:
        inputs:            the input tensors, in the order ``forward`` received them
        needs_input_grad:  one bool per input; a rule may skip work for ``False``
        xp:                the array namespace of the inputs (``numpy`` or ``cupy``)
    """

    inputs = ()
    needs_input_grad = ()
    _saved = ()
    _released = False

    @classmethod
    def apply(cls, *inputs, **params):
        """Apply the primitive to tensors (or numbers) and return the output tensor.

        ``params`` are the primitive's non-differentiable settings, such as
        ``dim=1``; they are passed to the constructor.
        """
        from mytorch._tensor import Tensor, as_tensor

        like = next((x for x in inputs if isinstance(x, Tensor)), None)
        tensors = tuple(as_tensor(x, like=like) for x in inputs)
        fn = cls(**params)
        fn.xp = namespace(tensors[0].data)
        _check_same_device(cls, tensors)
        out = Tensor._from_op(fn.forward(*(t.data for t in tensors)))
        if mode.is_grad_enabled() and any(t.requires_grad for t in tensors):
            fn.inputs = tensors
            fn.needs_input_grad = tuple(t.requires_grad for t in tensors)
            out.requires_grad = True
            out.grad_fn = fn
        if any(t.tangent is not None for t in tensors):
            tangents = (t.data * 0 if t.tangent is None else t.tangent for t in tensors)
            out.tangent = fn.jvp(*tangents)
        return out

    def save_for_backward(self, *arrays):
        """Keep the arrays that ``backward`` (and ``jvp``) will need."""
        self._saved = arrays

    @property
    def saved_tensors(self):
        """The arrays given to ``save_for_backward``, until the graph is freed."""
        if self._released:
            raise RuntimeError(
                f"Trying to backward through the graph a second time: {type(self).__name__}'s "
                "saved values were freed by the first backward. Pass retain_graph=True to the "
                "first call of backward() if you need to call it twice.")
        return self._saved

    def release(self):
        """Free the saved arrays after a backward pass that did not retain the graph."""
        self._saved = ()
        self._released = True

    @abstractmethod
    def forward(self, *arrays):
        """y = f(x_1, ..., x_k) on arrays; returns one array."""

    @abstractmethod
    def backward(self, grad):
        """Given ȳ, return x̄_i for every input (a tuple, or one array for one input)."""

    @abstractmethod
    def jvp(self, *tangents):
        """Given ẋ_i for every input (zeros where an input has none), return ẏ."""

    def __repr__(self):
        return f"<{type(self).__name__}Backward>"


def _check_same_device(cls, tensors):
    devices = {t.device for t in tensors}
    if len(devices) > 1:
        raise RuntimeError(
            f"{cls.__name__}: expected all tensors on the same device, got {sorted(devices)}; "
            "move them explicitly with .to(device)")
