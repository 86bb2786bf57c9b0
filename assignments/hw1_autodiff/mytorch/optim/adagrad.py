"""Adagrad: a learning rate per weight, shrinking with the gradients seen so far."""
from mytorch.backend import namespace
from mytorch.optim.optimizer import Optimizer, addcdiv_, check_non_negative, with_weight_decay


class Adagrad(Optimizer):
    """Adagrad (Duchi et al., 2011): divide each weight's step by its accumulated gradient size.

    Symbols: η the learning rate (``lr``), g_t the gradient at step t, G_t the
    elementwise sum of squared gradients, ε a small constant against division
    by zero (``eps``); operations are elementwise::

        G_t = G_{t−1} + g_t²              (G_0 = initial_accumulator_value)
        η_t = η / (1 + (t − 1) · lr_decay)
        w   ← w − η_t · g_t / (√G_t + ε)

    Weights with large past gradients take small steps and rarely updated
    weights keep large ones; since G only grows, every step size decays.
    Weight decay λ (``weight_decay``) adds the L2 term first: g_t ← g_t + λ w.
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10):
        check_non_negative(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                           initial_accumulator_value=initial_accumulator_value, eps=eps)
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, eps=eps))

    def update(self, param, grad, state, group):
        raise NotImplementedError('part of hw3_optimizers: not needed in hw1_autodiff')
