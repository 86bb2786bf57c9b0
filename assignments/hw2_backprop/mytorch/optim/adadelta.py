"""Adadelta: Adagrad's per-weight step sizes, from running averages instead of sums."""
from mytorch.backend import namespace
from mytorch.optim.optimizer import Optimizer, average_squares_, check_non_negative, with_weight_decay


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012): steps of the size of the recent steps, over the size of the gradients.

    Symbols: g_t the gradient at step t, ρ the decay of the running averages
    (``rho``), E[g²] the running mean of squared gradients, E[Δw²] that of
    squared updates, ε a small constant (``eps``), η a learning rate that
    scales the update (``lr``; 1 in the paper); operations are elementwise::

        E[g²]_t  = ρ E[g²]_{t−1} + (1 − ρ) g_t²
        Δw_t     = √(E[Δw²]_{t−1} + ε) / √(E[g²]_t + ε) · g_t
        E[Δw²]_t = ρ E[Δw²]_{t−1} + (1 − ρ) Δw_t²
        w        ← w − η Δw_t

    The ratio RMS[Δw] / RMS[g] has the units of w, so no hand-tuned learning
    rate is needed, and the averages forget old gradients, unlike Adagrad's sum.
    Weight decay λ (``weight_decay``) adds the L2 term first: g_t ← g_t + λ w.
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0):
        check_non_negative(lr=lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        check_non_negative(eps=eps, weight_decay=weight_decay)
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay))

    def update(self, param, grad, state, group):
        raise NotImplementedError('part of hw3_optimizers: not needed in hw2_backprop')
