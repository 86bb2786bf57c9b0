"""``Module``: the base class of layers, losses and models.

A module is a function with state. Assigning a :class:`Parameter` or another
Module as an attribute registers it, in the order of assignment, so that
``model.parameters()`` walks the whole tree of sub-modules and a parameter's
name is its path in that tree: ``"0.weight"`` is the weight of the first
layer of a Sequential.

Saving and loading go through the names::

    mytorch.save(model.state_dict(), "model.npz")
    model.load_state_dict(mytorch.load("model.npz"))
"""
from collections import namedtuple

from mytorch import backend
from mytorch._tensor import Tensor
from mytorch.nn.parameter import Parameter

IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class Module:
    """Base class of all layers: subclasses set attributes in ``__init__`` and write ``forward``.

    ``module(*inputs)`` calls ``forward(*inputs)``. ``training`` is True after
    construction; ``eval()`` switches it off for the whole tree (Dropout then
    passes its input through unchanged).
    """

    def __init__(self):
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_modules", {})

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    # ----- registration -----------------------------------------------------------------
    def __setattr__(self, name, value):
        if isinstance(value, Parameter) or name in self.__dict__.get("_parameters", ()):
            self.register_parameter(name, value)
        elif isinstance(value, Module) or name in self.__dict__.get("_modules", ()):
            self.add_module(name, value)
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name):
        # Called only when normal lookup fails: registered members live in the two dicts.
        for members in ("_parameters", "_modules"):
            registered = self.__dict__.get(members, {})
            if name in registered:
                return registered[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __delattr__(self, name):
        for registered in (self._parameters, self._modules):
            if name in registered:
                del registered[name]
                return
        object.__delattr__(self, name)

    def register_parameter(self, name, param):
        """Register ``param`` (a Parameter, or None for an absent one such as ``bias=False``)."""
        self._check_new_name(name, "parameter")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign {type(param).__name__} as parameter {name!r} "
                            "(mytorch.nn.Parameter or None expected)")
        self._modules.pop(name, None)
        self.__dict__.pop(name, None)
        self._parameters[name] = param

    def add_module(self, name, module):
        """Register ``module`` as a child called ``name``."""
        self._check_new_name(name, "module")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"cannot assign {type(module).__name__} as child module {name!r} "
                            "(mytorch.nn.Module or None expected)")
        self._parameters.pop(name, None)
        self.__dict__.pop(name, None)
        self._modules[name] = module

    def _check_new_name(self, name, kind):
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot assign {kind} {name!r} before Module.__init__() call; "
                                 "call super().__init__() first")
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"{kind} name must be a non-empty string without '.', got {name!r}")

    # ----- walking the tree -------------------------------------------------------------
    def named_children(self):
        """(name, module) for each direct sub-module, in registration order."""
        seen = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self):
        for _, module in self.named_children():
            yield module

    def named_modules(self, memo=None, prefix=""):
        """(dotted name, module) for this module (named ``prefix``) and every descendant, once each."""
        memo = set() if memo is None else memo
        if id(self) in memo:
            return
        memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child.named_modules(memo, f"{prefix}.{name}" if prefix else name)

    def modules(self):
        for _, module in self.named_modules():
            yield module

    def _all_named_parameters(self, prefix="", recurse=True):
        """Every (dotted name, parameter) pair: a shared parameter (or module) once under each name."""
        raise NotImplementedError('part of hw2_backprop: not needed in hw1_autodiff')

    def named_parameters(self, prefix="", recurse=True):
        """(dotted name, parameter) for every parameter, each tensor once, in registration order.

        ``recurse=False`` lists only this module's own parameters.
        """
        seen = set()
        for name, param in self._all_named_parameters(prefix, recurse):
            if id(param) not in seen:
                seen.add(id(param))
                yield name, param

    def parameters(self, recurse=True):
        """The parameters, for an optimizer: ``optim.SGD(model.parameters(), lr=0.1)``."""
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def apply(self, fn):
        """Call ``fn(module)`` on every sub-module (children first) and on this one; returns self.

        For example ``model.apply(init_weights)`` to re-initialise every layer.
        """
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # ----- modes and gradients ----------------------------------------------------------
    def train(self, mode=True):
        """Set ``training = mode`` on this module and all its descendants; returns self."""
        if not isinstance(mode, bool):
            raise ValueError(f"training mode is expected to be a bool, got {mode!r}")
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self):
        """Evaluation mode, ``train(False)``: Dropout becomes the identity. Returns self."""
        return self.train(False)

    def zero_grad(self, set_to_none=True):
        """Forget every parameter's gradient: ``.grad = None``, or zeros in place."""
        for param in self.parameters():
            if set_to_none:
                param.grad = None
            elif param.grad is not None:
                param.grad.data.fill(0)

    # ----- state --------------------------------------------------------------------------
    def state_dict(self):
        """A dict, in registration order, from each parameter's dotted name to its value (detached)."""
        return {name: param.detach() for name, param in self._all_named_parameters()}

    def load_state_dict(self, state_dict, strict=True):
        """Copy values (tensors or arrays) into the parameters of the same names, in place.

        Each value is moved to its parameter's device and converted to its dtype.
        With ``strict`` (the default), a missing or unexpected name is an error;
        a shape mismatch always is. Nothing is copied when there is an error.
        Returns the named tuple (missing_keys, unexpected_keys).
        """
        own = dict(self._all_named_parameters())
        missing = [name for name in own if name not in state_dict]
        unexpected = [name for name in state_dict if name not in own]
        errors = []
        if strict and missing:
            errors.append(f"Missing key(s) in state_dict: {', '.join(map(repr, missing))}.")
        if strict and unexpected:
            errors.append(f"Unexpected key(s) in state_dict: {', '.join(map(repr, unexpected))}.")
        values = {}
        for name, param in own.items():
            if name not in state_dict:
                continue
            value = state_dict[name]
            value = value.data if isinstance(value, Tensor) else value
            if not hasattr(value, "shape"):
                errors.append(f"value for {name!r} is a {type(value).__name__}, expected a Tensor or "
                              "an array")
            elif tuple(value.shape) != tuple(param.shape):
                errors.append(f"size mismatch for {name!r}: copying a value of shape "
                              f"{tuple(value.shape)}, the parameter in the model has shape "
                              f"{tuple(param.shape)}.")
            else:
                values[name] = value
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                               + "\n\t".join(errors))
        for name, value in values.items():
            own[name].data[...] = backend.to_device(value, own[name].device)
        return IncompatibleKeys(missing, unexpected)

    def to(self, device=None, dtype=None):
        """Move (``"cpu"``, ``"cuda"``) and/or convert (``mytorch.float64``) every parameter in place.

        The parameters stay the same objects, so an optimizer made before
        still holds them. Their gradients move with them. Returns self.
        """
        if device is not None and not isinstance(device, str):
            device, dtype = None, device
        for param in self.parameters():
            for tensor in (param, param.grad):
                if tensor is None:
                    continue
                data = tensor.data if device is None else backend.to_device(tensor.data, device)
                tensor.data = data if dtype is None else data.astype(dtype, copy=False)
        return self

    # ----- printing -------------------------------------------------------------------------
    def extra_repr(self):
        """The settings printed between the parentheses, e.g. ``in_features=784, out_features=10``."""
        return ""

    def __repr__(self):
        """``Name(settings)``, or one indented line per child: ``(0): Linear(...)``."""
        extra = self.extra_repr()
        children = [f"({name}): " + repr(module).replace("\n", "\n  ")
                    for name, module in self._modules.items()]
        if not children:
            return f"{type(self).__name__}({extra})"
        lines = (extra.split("\n") if extra else []) + children
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"
