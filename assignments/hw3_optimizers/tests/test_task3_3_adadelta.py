"""Task 3.3: Adadelta (mytorch/optim/adadelta.py, ``Adadelta.update``).

    E[g²]_t  = ρ E[g²]_{t−1} + (1 − ρ) g_t²                      (E[g²]₀ = E[Δw²]₀ = 0)
    Δw_t     = √(E[Δw²]_{t−1} + ε) / √(E[g²]_t + ε) · g_t
    E[Δw²]_t = ρ E[Δw²]_{t−1} + (1 − ρ) Δw_t²
    w        ← w − η Δw_t
Weight decay λ first: g_t ← g_t + λ w.

Every test sets ``.grad`` to the gradient of a quadratic J(w) = ½ (w − c)ᵀ A (w − c) before each
step and compares the parameter after every step (30 of them in most tests) with NumPy.
"""
import numpy as np
import pytest

from mytorch.optim import Adadelta

from helpers import (CONTRACT, CONTRACT_IDS, TRAJECTORY_ATOL, TRAJECTORY_RTOL, adadelta_rule, assert_close,
                     assert_follows_rule, first_step)

pytestmark = pytest.mark.task3_3


def test_the_first_step():
    # E[Δw²]₀ = 0 and E[g²]₁ = (1 − ρ) g₁², so Δw₁ = √ε / √((1 − ρ) g₁² + ε) · g₁: tiny for a small ε.
    w0, g, w1 = first_step(Adadelta, dict(lr=1.0, rho=0.9, eps=1e-6))
    expected = w0 - np.sqrt(1e-6) / np.sqrt(0.1 * g ** 2 + 1e-6) * g
    assert_close(w1, expected, "Adadelta(rho=0.9, eps=1e-6), the first step: √ε / √((1 − ρ) g₁² + ε) · g₁",
                 TRAJECTORY_RTOL, TRAJECTORY_ATOL)


@pytest.mark.parametrize("options", [
    dict(lr=1.0),
    dict(lr=1.0, rho=0.5, eps=1e-3),
    dict(lr=20.0, rho=0.95, eps=1e-4),
    dict(lr=5.0, weight_decay=0.2),
], ids=["defaults", "rho+eps", "lr", "weight_decay"])
def test_trajectory(options):
    assert_follows_rule(Adadelta, adadelta_rule, options)


def test_parameters_of_several_shapes():
    assert_follows_rule(Adadelta, adadelta_rule, dict(lr=10.0, eps=1e-4),
                        shapes=[(2, 3), (1,), (2, 2, 1)])


@pytest.mark.parametrize("options", [dict(lr=1.0), dict(lr=5.0, rho=0.8, eps=1e-4, weight_decay=0.1)],
                         ids=["defaults", "rho+eps+weight_decay"])
@pytest.mark.parametrize("check", CONTRACT, ids=CONTRACT_IDS)
def test_the_update_contract(check, options):
    check(Adadelta, adadelta_rule, options)
