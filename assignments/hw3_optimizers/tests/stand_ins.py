"""hw3's stand-ins: optimizers of the tests' own, which no task asks for, so that the tests of Task 3.6
(``minimize``) run none of your optimizers of Tasks 3.1–3.5 and depend on Task 3.6's code alone.

They register under their names in ``mytorch.optim.OPTIMIZERS`` (:data:`OPTIMIZERS`), where
``optim.create``, and so ``minimize``, finds them. Each comes with its rule in NumPy, in the form of
helpers.py's rules, ``rule(w, g, state, lr)``.
"""
from mytorch import optim


class Preconditioned(optim.Optimizer):
    """w ← w − η g / (1 + w²): a step that shrinks where |w| is large."""

    def __init__(self, params, lr=0.01):
        super().__init__(params, dict(lr=lr))

    def update(self, param, grad, state, group):
        param -= group["lr"] * grad / (1 + param * param)


class Slowing(optim.Optimizer):
    """w ← w − (η / t) g at step t: it keeps a state (the step count), which an optimizer made again
    at every step would forget."""

    def __init__(self, params, lr=0.01):
        super().__init__(params, dict(lr=lr))

    def update(self, param, grad, state, group):
        state["t"] = state.get("t", 0) + 1
        param -= (group["lr"] / state["t"]) * grad


OPTIMIZERS = {"preconditioned": Preconditioned, "slowing": Slowing}


def preconditioned_rule(w, g, state, lr=0.01):
    """:class:`Preconditioned`'s step in NumPy."""
    return w - lr * g / (1 + w * w)


def slowing_rule(w, g, state, lr=0.01):
    """:class:`Slowing`'s step in NumPy."""
    state["t"] = state.get("t", 0) + 1
    return w - (lr / state["t"]) * g
