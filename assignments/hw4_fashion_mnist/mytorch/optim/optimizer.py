"""The optimizer base class and the in-place array steps its subclasses share.

An optimizer holds the parameters in *groups*: each group is a dict with its
``"params"`` list and its own options (``"lr"``, ``"momentum"``, ...), the
options a group leaves out being filled from the optimizer's defaults. Every
step walks the groups and, for each parameter that has a gradient, calls the
subclass's :meth:`Optimizer.update` on raw arrays, with that parameter's
``state`` dict (its running averages, its step count) and its group.

The updates happen in place, on ``param.data`` and on the state's buffers,
under :func:`mytorch.no_grad`: an optimizer step is not part of the model, so
no graph is recorded, and the parameters and buffers are never reallocated.

The helpers below (``lerp_``, ``average_squares_``, ``addcdiv_``) do what
PyTorch's fused pointwise operations do (``lerp_``, ``mul_().addcmul_()``,
``addcdiv_``) in PyTorch's order of operations, so that a trajectory matches
``torch.optim``'s to rounding. PyTorch's CPU kernels also
fuse their final multiply and add into one rounding (an FMA), which NumPy
cannot do, so single steps may differ in the last bit.
"""
from abc import ABC, abstractmethod
from collections import defaultdict

from mytorch._tensor import Tensor
from mytorch.autodiff import enable_grad, no_grad
from mytorch.backend import namespace


class Optimizer(ABC):
    """Base class of the optimizers, with ``torch.optim.Optimizer``'s interface.

    Args:
        params: an iterable of tensors, or of dicts ``{"params": [...], "lr": ..., ...}``
            giving each group of parameters its own options.
        defaults: the options of a group that does not set them.

    Attributes:
        param_groups: list of dicts, one per group, each with ``"params"`` and every option.
        state: dict from a parameter (the tensor itself) to its dict of buffers.
    """

    def __init__(self, params, defaults):
        if isinstance(params, Tensor):
            raise TypeError("params should be an iterable of Tensors or dicts, but got a Tensor; "
                            "wrap it in a list: [param]")
        self.defaults = defaults
        self.state = defaultdict(dict)
        self.param_groups = []
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group):
        """Add a group (a dict with ``"params"`` and, optionally, its own options)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, set):
            raise TypeError("optimizer parameters need to be an ordered collection (a set's order "
                            "changes between runs); use a list instead")
        group = {**self.defaults, **param_group,
                 "params": [params] if isinstance(params, Tensor) else list(params)}
        seen = {id(p) for other in self.param_groups for p in other["params"]}
        for param in group["params"]:
            if not isinstance(param, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is "
                                f"{type(param).__name__}")
            if not param.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
            if id(param) in seen:
                raise ValueError("a parameter appears twice in the optimizer (in one group or in "
                                 "two), so it would be updated twice per step")
            seen.add(id(param))
        self.param_groups.append(group)

    def zero_grad(self, set_to_none=True):
        """Forget the gradients: ``.grad = None`` (the default), or set them to zeros.

        The zeros are a new array: two leaves may share one gradient array (``x + y``
        hands both the same ȳ), so filling it in place would reach a leaf outside
        this optimizer.
        """
        for group in self.param_groups:
            for param in group["params"]:
                if set_to_none or param.grad is None:
                    param.grad = None
                else:
                    param.grad = Tensor(namespace(param.data).zeros_like(param.grad.data))

    def step(self, closure=None):
        """Update every parameter that has a gradient; parameters whose ``.grad`` is None are skipped.

        ``closure``, if given, re-evaluates the model and returns the loss
        (it runs with gradients enabled, before the update); ``step`` returns it.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                for param in group["params"]:
                    if param.grad is not None:
                        self.update(_at_least_1d(param.data), _at_least_1d(param.grad.data),
                                    self.state[param], group)
        return loss

    @abstractmethod
    def update(self, param, grad, state, group):
        """Update one parameter in place.

        param: the parameter's array, to update in place (a 0-d parameter comes as a
               one-element view, so that in-place steps reach it)
        grad:  its gradient's array, read only (the caller's ``.grad`` must not change)
        state: the parameter's dict of buffers, empty at the first step
        group: the parameter's group, with every option
        """


def _at_least_1d(array):
    """A 0-d array as a one-element view of it, any other array as it is.

    Arithmetic on 0-d arrays returns scalars, not arrays, and an in-place step
    such as ``buffer *= momentum`` or ``sqrt(x, out=x)`` on a scalar does not
    reach the parameter or its state; a view of shape (1,) writes through.
    """
    return array.reshape(1) if array.ndim == 0 else array


def check_non_negative(**options):
    """Raise torch.optim's ValueError for an option below zero, e.g. ``Invalid learning rate: -1``."""
    for name, value in options.items():
        if not value >= 0.0:
            what = {"lr": "learning rate", "eps": "epsilon value"}.get(name, f"{name} value")
            raise ValueError(f"Invalid {what}: {value}")


def with_weight_decay(param, grad, weight_decay):
    """g + λ w: the gradient of J(w) + (λ/2)‖w‖² (L2 regularization), as a new array.

    The caller's gradient is left untouched; without decay, ``grad`` itself is returned.
    """
    return grad + weight_decay * param if weight_decay != 0 else grad


def lerp_(average, target, weight):
    """average ← average + weight · (target − average), in place: an exponential moving average.

    With weight = 1 − β this is average ← β · average + (1 − β) · target.
    As ``torch.lerp``, a weight of ½ or more is computed from the other end,
    target − (target − average) · (1 − weight), for accuracy.
    """
    difference = target - average
    if abs(weight) < 0.5:
        difference *= weight
        average += difference
    else:
        difference *= 1 - weight
        namespace(average).subtract(target, difference, out=average)


def average_squares_(average, values, decay):
    """average ← decay · average + (1 − decay) · values², in place: the running mean of squares.

    PyTorch's ``average.mul_(decay).addcmul_(values, values, value=1 - decay)``.
    """
    average *= decay
    term = (1 - decay) * values
    term *= values
    average += term


def addcdiv_(target, numerator, denominator, value):
    """target ← target + value · numerator / denominator, in place (``torch.addcdiv_``'s order)."""
    term = value * numerator
    term /= denominator
    target += term
