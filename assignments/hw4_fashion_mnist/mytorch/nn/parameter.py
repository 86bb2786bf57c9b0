"""``Parameter``: a tensor that a :class:`~mytorch.nn.Module` learns."""
from mytorch._tensor import Tensor


class Parameter(Tensor):
    """A tensor marked as a learnable parameter: it requires a gradient by default.

    Assigning a Parameter as an attribute of a Module registers it, so that
    ``module.parameters()`` finds it (for the optimizer) and ``state_dict()``
    saves it. Like every new tensor, it holds its own copy of ``data``.
    """

    __slots__ = ()

    def __init__(self, data, requires_grad=True):
        super().__init__(data, requires_grad=requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()
