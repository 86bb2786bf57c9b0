"""Optimizers: the update rules that turn gradients into parameter steps.

All share :class:`Optimizer`'s constructor and ``step`` shape, so a training
loop can pick one by name::

    optimizer = mytorch.optim.create("adam", model.parameters(), lr=1e-3)
"""
from mytorch.optim.adadelta import Adadelta
from mytorch.optim.adagrad import Adagrad
from mytorch.optim.adam import Adam, AdamW
from mytorch.optim.optimizer import Optimizer
from mytorch.optim.rmsprop import RMSprop
from mytorch.optim.sgd import SGD

OPTIMIZERS = {cls.__name__.lower(): cls for cls in (SGD, Adagrad, Adadelta, RMSprop, Adam, AdamW)}


def create(name, params, **options):
    """The optimizer called ``name`` (any case: ``"sgd"``, ``"Adam"``, ``"adamw"``, ...) over ``params``."""
    try:
        cls = OPTIMIZERS[name.lower()]
    except KeyError:
        raise ValueError(f"unknown optimizer {name!r}; valid names: {', '.join(sorted(OPTIMIZERS))}") \
            from None
    return cls(params, **options)


__all__ = ["OPTIMIZERS", "SGD", "Adadelta", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "create"]
