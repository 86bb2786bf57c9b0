"""Stochastic gradient descent, with momentum and Nesterov momentum."""
from mytorch.optim.optimizer import Optimizer, check_non_negative, with_weight_decay


class SGD(Optimizer):
    """Stochastic gradient descent: w ← w − η g_t.

    Symbols: w the parameters, η the learning rate (``lr``), g_t = ∇J(w) the
    gradient at step t, γ the momentum (``momentum``), v_t the velocity.

    Momentum (lecture form)::

        v_t = γ v_{t−1} + η ∇J(w)
        w   ← w − v_t

    Nesterov momentum (lecture form): the gradient is taken at the lookahead
    point w − γ v_{t−1}, where the momentum is about to carry the weights::

        v_t = γ v_{t−1} + η ∇J(w − γ v_{t−1})
        w   ← w − v_t

    PyTorch (and this class) stores b = v / η, the velocity in gradient units
    (the same while η is constant), with a dampening τ (``dampening``)::

        b_t = μ b_{t−1} + (1 − τ) g_t       (b_1 = g_1: no dampening at the first step)
        momentum:  w ← w − η b_t
        Nesterov:  w ← w − η (g_t + μ b_t)

    Why the Nesterov lines are the lecture's algorithm: substitute the
    lookahead variable w̃ = w − γ v (μ = γ, τ = 0), so the weights PyTorch
    stores are w̃ and g_t = ∇J(w̃_{t−1}) is the gradient the lecture asks for.
    Then w̃_t = w_t − γ v_t = (w_{t−1} − v_t) − γ v_t = w̃_{t−1} + γ v_{t−1} − (1 + γ) v_t,
    and with γ v_{t−1} = v_t − η g_t this is w̃_t = w̃_{t−1} − η g_t − γ v_t
    = w̃_{t−1} − η (g_t + γ b_t). No second gradient evaluation is needed, and
    at convergence (v → 0) w̃ and w coincide.

    Weight decay λ (``weight_decay``) adds the L2 term first: g_t ← g_t + λ w.

    Args:
        params: tensors, or dicts of per-group options (see :class:`Optimizer`).
        lr: η.  momentum: γ (μ).  dampening: τ.  weight_decay: λ.
        nesterov: use Nesterov momentum (needs momentum > 0 and dampening = 0).
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False):
        check_non_negative(lr=lr, momentum=momentum, weight_decay=weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov))

    def update(self, param, grad, state, group):
        raise NotImplementedError('part of hw3_optimizers: not needed in hw2_backprop')
