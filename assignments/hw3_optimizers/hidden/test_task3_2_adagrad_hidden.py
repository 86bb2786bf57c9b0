"""Hidden tests of Task 3.2: Adagrad with random settings and shapes, a large ε, a learning-rate
schedule, skipped and zero gradients (the step count t, and so lr_decay, is per parameter), a long run,
groups with different options, and the update contract in more settings."""
import numpy as np
import pytest

from mytorch.optim import Adagrad

from helpers import adagrad_rule, assert_follows_rule
from hidden_helpers import (MORE_CONTRACT, MORE_CONTRACT_IDS, assert_follows_rule_through_events,
                            assert_groups_follow_their_options, assert_step_counts_are_per_parameter,
                            random_shapes)

pytestmark = pytest.mark.task3_2


def random_options(rng):
    return dict(lr=float(rng.uniform(0.05, 0.5)), lr_decay=float(rng.choice([0.0, 0.01, 0.2])),
                weight_decay=float(rng.choice([0.0, 0.1])),
                initial_accumulator_value=float(rng.choice([0.0, 0.1, 1.0])),
                eps=float(rng.choice([1e-10, 1e-3, 0.5])))


@pytest.mark.parametrize("seed", range(8))
def test_random_settings_and_shapes(seed):
    rng = np.random.default_rng(seed)
    assert_follows_rule(Adagrad, adagrad_rule, random_options(rng), shapes=random_shapes(rng),
                        seed=200 + seed)


@pytest.mark.parametrize("options", [
    dict(lr=0.2),
    dict(lr=0.3, lr_decay=0.1, weight_decay=0.1),
    dict(lr=0.3, initial_accumulator_value=0.5, eps=1e-2),
], ids=["lr", "lr_decay+weight_decay", "initial_accumulator_value+eps"])
def test_a_schedule_and_missing_gradients(options):
    optimizer, params = assert_follows_rule_through_events(Adagrad, adagrad_rule, options,
                                                           lr_after=options["lr"] / 2)
    assert_step_counts_are_per_parameter(optimizer, params)


def test_a_long_run_and_its_step_count():
    options = dict(lr=0.5, lr_decay=0.05, initial_accumulator_value=0.2)
    optimizer, (param,) = assert_follows_rule(Adagrad, adagrad_rule, options, shapes=[(3, 2)], seed=50,
                                              steps=100)
    assert optimizer.state[param].get("step") == 100, (
        f"state['step'] after 100 steps is {optimizer.state[param].get('step')}")


def test_a_large_eps_is_added_after_the_square_root():
    # √G + ε, not √(G + ε): with ε = 1 the two differ by far more than the tolerance.
    assert_follows_rule(Adagrad, adagrad_rule, dict(lr=1.0, eps=1.0), shapes=[(4,)], seed=51)


def test_groups_with_different_options():
    assert_groups_follow_their_options(Adagrad, adagrad_rule, dict(lr=0.2), [
        dict(),
        dict(lr=0.5, lr_decay=0.2),
        dict(initial_accumulator_value=1.0, eps=0.1),
        dict(weight_decay=0.3),
    ])


@pytest.mark.parametrize("options", [
    dict(lr=0.1, weight_decay=0.3),
    dict(lr=0.3, lr_decay=0.1, initial_accumulator_value=0.3),
], ids=["weight_decay", "lr_decay+initial_accumulator_value"])
@pytest.mark.parametrize("check", MORE_CONTRACT, ids=MORE_CONTRACT_IDS)
def test_the_update_contract_in_more_settings(check, options):
    check(Adagrad, adagrad_rule, options)
