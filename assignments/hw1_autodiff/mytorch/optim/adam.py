"""Adam and AdamW: momentum plus per-weight step sizes, with bias correction."""
from mytorch.backend import namespace
from mytorch.optim.optimizer import (Optimizer, addcdiv_, average_squares_, check_non_negative, lerp_,
                                     with_weight_decay)


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015): running averages of the gradient and of its square.

    Symbols: η the learning rate (``lr``), g_t the gradient at step t, β₁ and
    β₂ the decays of the two averages (``betas``), m_t the first moment
    (mean gradient), v_t the second moment (mean squared gradient), ε a small
    constant (``eps``); operations are elementwise::

        m_t = β₁ m_{t−1} + (1 − β₁) g_t
        v_t = β₂ v_{t−1} + (1 − β₂) g_t²
        m̂_t = m_t / (1 − β₁ᵗ),   v̂_t = v_t / (1 − β₂ᵗ)       (bias correction)
        w   ← w − η m̂_t / (√v̂_t + ε)

    Bias correction: m and v start at 0, so early averages are too small; at
    step t they are (1 − βᵗ) times the average they estimate, and dividing by
    that undoes it. The code folds it into the step as PyTorch does:
    w ← w − (η / (1 − β₁ᵗ)) · m_t / (√v_t / √(1 − β₂ᵗ) + ε).

    AMSGrad (``amsgrad=True``, Reddi et al., 2018): keep the largest second
    moment seen, v_t^max = max(v_{t−1}^max, v_t), and use it in place of v_t,
    so that a weight's step size never grows back.

    Weight decay λ (``weight_decay``) adds the L2 term to the gradient,
    g_t ← g_t + λ w, which then goes through the averages and gets divided
    by √v̂ like the rest of the gradient. See :class:`AdamW` for the decoupled form.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False,
                 decoupled_weight_decay=False):
        check_non_negative(lr=lr, eps=eps)
        for index, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Invalid beta parameter at index {index}: {beta}")
        check_non_negative(weight_decay=weight_decay)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad, decoupled_weight_decay=decoupled_weight_decay))

    def update(self, param, grad, state, group):
        raise NotImplementedError('part of hw3_optimizers: not needed in hw1_autodiff')


class AdamW(Adam):
    """AdamW (Loshchilov & Hutter, 2019): Adam with decoupled weight decay.

    Symbols as in :class:`Adam`, with λ the weight decay (``weight_decay``).
    The decay shrinks the weights directly, outside the adaptive step::

        w ← w − η λ w                  (that is, w ← (1 − ηλ) w)
        w ← w − η m̂_t / (√v̂_t + ε)    (Adam's step, with g_t the plain gradient)

    In Adam the L2 term λ w is divided by √v̂ with the gradient, so weights with
    large gradients are barely decayed; decoupled, every weight decays at the
    same rate ηλ, which regularizes as intended and generalizes better.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                         decoupled_weight_decay=True)
