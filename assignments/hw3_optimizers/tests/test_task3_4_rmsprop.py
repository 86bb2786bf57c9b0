"""Task 3.4: RMSprop (mytorch/optim/rmsprop.py, ``RMSprop.update``).

    v_t = α v_{t−1} + (1 − α) g_t²                 (v₀ = 0, elementwise)
    w   ← w − η g_t / (√v_t + ε)
Centered: ḡ_t = α ḡ_{t−1} + (1 − α) g_t, and √(v_t − ḡ_t²) in place of √v_t.
Momentum μ:  b_t = μ b_{t−1} + g_t / (√v_t + ε)  (b₀ = 0),  w ← w − η b_t.
Weight decay λ first: g_t ← g_t + λ w.

Every test sets ``.grad`` to the gradient of a quadratic J(w) = ½ (w − c)ᵀ A (w − c) before each
step and compares the parameter after every step (30 of them in most tests) with NumPy.
"""
import numpy as np
import pytest

from mytorch.optim import RMSprop

from helpers import (CONTRACT, CONTRACT_IDS, TRAJECTORY_ATOL, TRAJECTORY_RTOL, assert_close,
                     assert_follows_rule, first_step, rmsprop_rule)

pytestmark = pytest.mark.task3_4


def test_the_first_step():
    # v₁ = (1 − α) g₁², so w₁ = w₀ − η g₁ / (√(1 − α) |g₁| + ε): about 10 η sign(g₁) for α = 0.99.
    w0, g, w1 = first_step(RMSprop, dict(lr=0.01, alpha=0.99))
    assert_close(w1, w0 - 0.01 * g / (np.sqrt(0.01) * np.abs(g) + 1e-8),
                 "RMSprop(lr=0.01, alpha=0.99), the first step: w₀ − η g / (√(1 − α) |g| + ε)",
                 TRAJECTORY_RTOL, TRAJECTORY_ATOL)


@pytest.mark.parametrize("options", [
    dict(lr=0.01),
    dict(lr=0.05, alpha=0.5, eps=1e-3),
    dict(lr=0.01, weight_decay=0.2),
    dict(lr=0.01, momentum=0.9),
    dict(lr=0.01, centered=True),
    dict(lr=0.01, alpha=0.9, centered=True, momentum=0.5, weight_decay=0.1),
], ids=["lr", "alpha+eps", "weight_decay", "momentum", "centered", "centered+momentum+weight_decay"])
def test_trajectory(options):
    assert_follows_rule(RMSprop, rmsprop_rule, options)


def test_parameters_of_several_shapes():
    assert_follows_rule(RMSprop, rmsprop_rule, dict(lr=0.01, momentum=0.5, centered=True),
                        shapes=[(2, 3), (1,), (1, 2, 2)])


@pytest.mark.parametrize("options", [
    dict(lr=0.01),
    dict(lr=0.01, centered=True, momentum=0.5, weight_decay=0.1),
], ids=["lr", "centered+momentum+weight_decay"])
@pytest.mark.parametrize("check", CONTRACT, ids=CONTRACT_IDS)
def test_the_update_contract(check, options):
    check(RMSprop, rmsprop_rule, options)
