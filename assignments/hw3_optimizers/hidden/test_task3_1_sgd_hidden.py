"""Hidden tests of Task 3.1: SGD with random settings and shapes, a learning-rate schedule, skipped and
zero gradients, the momentum buffer after many steps, groups with different options, a long Nesterov
run to the minimum, and the update contract in more settings."""
import numpy as np
import pytest

from mytorch.optim import SGD

from helpers import (TRAJECTORY_ATOL, TRAJECTORY_RTOL, Quadratic, assert_close, assert_follows_rule, leaf,
                     mytorch_trajectory, numpy_trajectory, sgd_rule)
from hidden_helpers import (MORE_CONTRACT, MORE_CONTRACT_IDS, assert_follows_rule_through_events,
                            assert_groups_follow_their_options, random_shapes)

pytestmark = pytest.mark.task3_1


def random_options(rng):
    momentum = float(rng.choice([0.0, 0.5, 0.9]))
    nesterov = momentum > 0 and bool(rng.integers(2))
    return dict(lr=float(rng.uniform(0.01, 0.3)), momentum=momentum,
                dampening=0.0 if nesterov else float(rng.choice([0.0, 0.3])),
                weight_decay=float(rng.choice([0.0, 0.1])), nesterov=nesterov)


@pytest.mark.parametrize("seed", range(8))
def test_random_settings_and_shapes(seed):
    rng = np.random.default_rng(seed)
    assert_follows_rule(SGD, sgd_rule, random_options(rng), shapes=random_shapes(rng), seed=100 + seed)


@pytest.mark.parametrize("options", [
    dict(lr=0.1),
    dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.1),
    dict(lr=0.05, momentum=0.8, nesterov=True),
], ids=["plain", "momentum+dampening+weight_decay", "nesterov"])
def test_a_schedule_and_missing_gradients(options):
    # b = v / η holds no learning rate, so a new lr changes the next steps only.
    assert_follows_rule_through_events(SGD, sgd_rule, options, lr_after=options["lr"] / 3)


def test_the_momentum_buffer_after_many_steps():
    options = dict(lr=0.02, momentum=0.9, dampening=0.3, weight_decay=0.05)
    optimizer, (param,) = assert_follows_rule(SGD, sgd_rule, options, shapes=[(2, 3)], seed=30, steps=50)
    state = {}
    numpy_trajectory(sgd_rule, Quadratic((2, 3), 30), 50, options, state=state)
    assert "momentum_buffer" in optimizer.state[param], (
        "SGD with momentum keeps b in state['momentum_buffer']")
    assert_close(optimizer.state[param]["momentum_buffer"], state["b"],
                 "state['momentum_buffer'] after 50 steps: b₁ = g₁, b_t = μ b_{t−1} + (1 − τ) g_t",
                 TRAJECTORY_RTOL, TRAJECTORY_ATOL)


def test_groups_with_different_options():
    assert_groups_follow_their_options(SGD, sgd_rule, dict(lr=0.1), [
        dict(),
        dict(lr=0.05, momentum=0.9, nesterov=True),
        dict(momentum=0.5, dampening=0.5, weight_decay=0.2),
        dict(lr=0.02, momentum=0.9),
    ])


def test_nesterov_converges_to_the_minimum():
    problem = Quadratic((5,), 34)
    param = leaf(problem.start)
    mytorch_trajectory(SGD([param], lr=0.1, momentum=0.8, nesterov=True), [param], [problem], 300)
    assert_close(param.data, problem.center, "SGD(lr=0.1, momentum=0.8, nesterov=True) after 300 steps: "
                 "the minimum c of the quadratic", 1e-8, 1e-8)


@pytest.mark.parametrize("options", [
    dict(lr=0.05, momentum=0.9, dampening=0.4),
    dict(lr=0.05, momentum=0.9, nesterov=True),
    dict(lr=0.1, weight_decay=0.3),
], ids=["dampening", "nesterov", "weight_decay"])
@pytest.mark.parametrize("check", MORE_CONTRACT, ids=MORE_CONTRACT_IDS)
def test_the_update_contract_in_more_settings(check, options):
    check(SGD, sgd_rule, options)
