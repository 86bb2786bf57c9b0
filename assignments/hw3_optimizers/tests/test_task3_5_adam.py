"""Task 3.5: Adam, AMSGrad and AdamW (mytorch/optim/adam.py, ``Adam.update``; ``AdamW`` is Adam with
``decoupled_weight_decay=True``).

    m_t = β₁ m_{t−1} + (1 − β₁) g_t,   v_t = β₂ v_{t−1} + (1 − β₂) g_t²      (m₀ = v₀ = 0)
    m̂_t = m_t / (1 − β₁ᵗ),   v̂_t = v_t / (1 − β₂ᵗ)                            (bias correction)
    w   ← w − η m̂_t / (√v̂_t + ε)
AMSGrad: v_t^max = max(v_{t−1}^max, v_t) in place of v_t (then bias-corrected the same way).
Adam's weight decay is L2, g_t ← g_t + λ w; AdamW's is decoupled, first w ← w − η λ w.

Every test sets ``.grad`` to the gradient of a quadratic J(w) = ½ (w − c)ᵀ A (w − c) before each
step and compares the parameter after every step (30 of them in most tests) with NumPy.
"""
import numpy as np
import pytest

from mytorch.optim import Adam, AdamW

from helpers import (CONTRACT, CONTRACT_IDS, TRAJECTORY_ATOL, TRAJECTORY_RTOL, adam_rule, adamw_rule,
                     assert_close, assert_follows_rule, first_step)

pytestmark = pytest.mark.task3_5


def test_the_first_step_is_bias_corrected():
    # m̂₁ = g₁ and v̂₁ = g₁², so w₁ = w₀ − η g₁ / (|g₁| + ε); without the correction the step would be
    # (1 − β₁) / √(1 − β₂) = 0.1 / √0.001 ≈ 3.2 times larger.
    w0, g, w1 = first_step(Adam, dict(lr=0.05))
    assert_close(w1, w0 - 0.05 * g / (np.abs(g) + 1e-8),
                 "Adam(lr=0.05), the first step: w₀ − η g / (|g| + ε)", TRAJECTORY_RTOL, TRAJECTORY_ATOL)


@pytest.mark.parametrize("options", [
    dict(lr=0.05),
    dict(lr=0.05, betas=(0.5, 0.9), eps=1e-2),
    dict(lr=0.05, betas=(0.9, 0.5), amsgrad=True),
    dict(lr=0.05, weight_decay=0.3),
    dict(lr=0.05, betas=(0.8, 0.6), amsgrad=True, weight_decay=0.3),
], ids=["lr", "betas+eps", "amsgrad", "weight_decay", "amsgrad+weight_decay"])
def test_adam_trajectory(options):
    assert_follows_rule(Adam, adam_rule, options)


@pytest.mark.parametrize("options", [
    dict(lr=0.05, weight_decay=0.3),
    dict(lr=0.05, betas=(0.9, 0.5), weight_decay=0.3, amsgrad=True),
], ids=["weight_decay", "amsgrad+weight_decay"])
def test_adamw_decays_the_weights_outside_the_adaptive_step(options):
    assert_follows_rule(AdamW, adamw_rule, options)


def test_parameters_of_several_shapes():
    assert_follows_rule(Adam, adam_rule, dict(lr=0.05, amsgrad=True),
                        shapes=[(2, 3), (1,), (2, 1, 2)])


@pytest.mark.parametrize("optimizer_class, rule, options", [
    (Adam, adam_rule, dict(lr=0.05)),
    (Adam, adam_rule, dict(lr=0.05, amsgrad=True, weight_decay=0.1)),
    (AdamW, adamw_rule, dict(lr=0.05, weight_decay=0.1)),
], ids=["Adam", "Adam amsgrad+weight_decay", "AdamW"])
@pytest.mark.parametrize("check", CONTRACT, ids=CONTRACT_IDS)
def test_the_update_contract(check, optimizer_class, rule, options):
    check(optimizer_class, rule, options)
