"""Task 3.1: SGD, momentum and Nesterov momentum (mytorch/optim/sgd.py, ``SGD.update``).

Plain SGD:   w ← w − η g_t
Momentum, the lectures' form (v₀ = 0):   v_t = γ v_{t−1} + η ∇J(w),   w ← w − v_t
Nesterov, the lectures' form:   v_t = γ v_{t−1} + η ∇J(w − γ v_{t−1}),   w ← w − v_t
The stored form (b = v / η, dampening τ):   b₁ = g₁,  b_t = μ b_{t−1} + (1 − τ) g_t,
    w ← w − η b_t  (momentum),   w ← w − η (g_t + μ b_t)  (Nesterov, whose w is the lookahead point)
Weight decay λ first: g_t ← g_t + λ w.

Every test sets ``.grad`` to the gradient of a quadratic J(w) = ½ (w − c)ᵀ A (w − c) before each
step and compares the parameter after every step (30 of them in most tests) with NumPy.
"""
import pytest

from mytorch.optim import SGD

from helpers import (CONTRACT, CONTRACT_IDS, TRAJECTORY_STEPS, Quadratic, assert_follows_rule,
                     assert_trajectory_close, describe, gradient_descent_closed_form, leaf, lecture_momentum,
                     mytorch_trajectory, sgd_rule)

pytestmark = pytest.mark.task3_1


@pytest.mark.parametrize("lr", [0.1, 0.6])
def test_plain_sgd_is_gradient_descent_in_closed_form(lr):
    problem = Quadratic((3,), 0)
    param = leaf(problem.start)
    actual = mytorch_trajectory(SGD([param], lr=lr), [param], [problem], TRAJECTORY_STEPS)[0]
    assert_trajectory_close(actual, gradient_descent_closed_form(problem, lr, TRAJECTORY_STEPS),
                            f"SGD(lr={lr}): w_t = c + (I − ηA)ᵗ (w₀ − c)")


@pytest.mark.parametrize("nesterov", [False, True], ids=["momentum", "Nesterov"])
@pytest.mark.parametrize("lr, momentum", [(0.05, 0.9), (0.2, 0.5)])
def test_momentum_is_the_lectures_velocity_form(lr, momentum, nesterov):
    # For Nesterov the optimizer holds the lookahead point w − γ v, where the lecture takes the gradient.
    problem = Quadratic((4,), 1)
    param = leaf(problem.start)
    optimizer = SGD([param], lr=lr, momentum=momentum, nesterov=nesterov)
    actual = mytorch_trajectory(optimizer, [param], [problem], TRAJECTORY_STEPS)[0]
    expected = lecture_momentum(problem, lr, momentum, TRAJECTORY_STEPS, nesterov)
    stored = "the lookahead point w − γ v" if nesterov else "w"
    what = describe(SGD, dict(lr=lr, momentum=momentum, nesterov=nesterov))
    assert_trajectory_close(actual, expected, f"{what} against v_t = γ v_{{t−1}} + η ∇J, at {stored}")


@pytest.mark.parametrize("options", [
    dict(lr=0.1, weight_decay=0.1),
    dict(lr=0.05, momentum=0.9, dampening=0.5),
    dict(lr=0.05, momentum=0.8, weight_decay=0.2),
    dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.2),
], ids=["weight_decay", "dampening", "momentum+weight_decay", "nesterov+weight_decay"])
def test_options_follow_the_stored_form(options):
    assert_follows_rule(SGD, sgd_rule, options)


def test_parameters_of_several_shapes():
    assert_follows_rule(SGD, sgd_rule, dict(lr=0.05, momentum=0.9, nesterov=True),
                        shapes=[(2, 3), (1,), (2, 1, 2)])


@pytest.mark.parametrize("options", [
    dict(lr=0.05, momentum=0.9),
    dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.1),
], ids=["momentum", "nesterov+weight_decay"])
@pytest.mark.parametrize("check", CONTRACT, ids=CONTRACT_IDS)
def test_the_update_contract(check, options):
    check(SGD, sgd_rule, options)
