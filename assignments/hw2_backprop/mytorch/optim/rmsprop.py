"""RMSprop: divide each step by a running root mean square of the gradients."""
from mytorch.backend import namespace
from mytorch.optim.optimizer import (Optimizer, addcdiv_, average_squares_, check_non_negative, lerp_,
                                     with_weight_decay)


class RMSprop(Optimizer):
    """RMSprop (Hinton, 2012): Adagrad with a running average in place of the growing sum.

    Symbols: η the learning rate (``lr``), g_t the gradient at step t, α the
    smoothing constant (``alpha``), v_t the running mean of g², ε a small
    constant (``eps``); operations are elementwise::

        v_t = α v_{t−1} + (1 − α) g_t²
        w   ← w − η g_t / (√v_t + ε)

    Centered (``centered=True``): also track the mean gradient ḡ and divide by
    an estimate of the gradient's standard deviation instead of its RMS::

        ḡ_t = α ḡ_{t−1} + (1 − α) g_t
        w   ← w − η g_t / (√(v_t − ḡ_t²) + ε)

    With momentum μ (``momentum``), the normalized gradient feeds a velocity::

        b_t = μ b_{t−1} + g_t / (√v_t + ε)       (or the centered denominator)
        w   ← w − η b_t

    Weight decay λ (``weight_decay``) adds the L2 term first: g_t ← g_t + λ w.
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False):
        check_non_negative(lr=lr, eps=eps, momentum=momentum, weight_decay=weight_decay, alpha=alpha)
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered))

    def update(self, param, grad, state, group):
        raise NotImplementedError('part of hw3_optimizers: not needed in hw2_backprop')
