"""Task 3.2: Adagrad (mytorch/optim/adagrad.py, ``Adagrad.update``).

    G_t = G_{t−1} + g_t²            (G₀ = initial_accumulator_value, elementwise)
    η_t = η / (1 + (t − 1) · lr_decay)
    w   ← w − η_t · g_t / (√G_t + ε)
Weight decay λ first: g_t ← g_t + λ w.

Every test sets ``.grad`` to the gradient of a quadratic J(w) = ½ (w − c)ᵀ A (w − c) before each
step and compares the parameter after every step (30 of them in most tests) with NumPy.
"""
import numpy as np
import pytest

from mytorch.optim import Adagrad

from helpers import (CONTRACT, CONTRACT_IDS, TRAJECTORY_ATOL, TRAJECTORY_RTOL, adagrad_rule, assert_close,
                     assert_follows_rule, first_step)

pytestmark = pytest.mark.task3_2


def test_the_first_step_has_length_lr_in_every_coordinate():
    # G₁ = g₁², so w₁ = w₀ − η g₁ / (|g₁| + ε): about η sign(g₁), whatever the gradient's size.
    w0, g, w1 = first_step(Adagrad, dict(lr=0.3))
    assert_close(w1, w0 - 0.3 * g / (np.abs(g) + 1e-10),
                 "Adagrad(lr=0.3), the first step: w₀ − η g / (|g| + ε)", TRAJECTORY_RTOL, TRAJECTORY_ATOL)


@pytest.mark.parametrize("options", [
    dict(lr=0.1),
    dict(lr=0.5, lr_decay=0.1),
    dict(lr=0.2, initial_accumulator_value=0.5, eps=1e-3),
    dict(lr=0.2, weight_decay=0.1),
    dict(lr=0.3, lr_decay=0.05, weight_decay=0.2, eps=1e-6),
], ids=["lr", "lr_decay", "initial_accumulator_value+eps", "weight_decay", "all"])
def test_trajectory(options):
    assert_follows_rule(Adagrad, adagrad_rule, options)


def test_parameters_of_several_shapes():
    assert_follows_rule(Adagrad, adagrad_rule, dict(lr=0.2, lr_decay=0.02), shapes=[(2, 3), (1,), (3, 1, 2)])


@pytest.mark.parametrize("options", [dict(lr=0.1), dict(lr=0.2, lr_decay=0.1, weight_decay=0.1)],
                         ids=["lr", "lr_decay+weight_decay"])
@pytest.mark.parametrize("check", CONTRACT, ids=CONTRACT_IDS)
def test_the_update_contract(check, options):
    check(Adagrad, adagrad_rule, options)
