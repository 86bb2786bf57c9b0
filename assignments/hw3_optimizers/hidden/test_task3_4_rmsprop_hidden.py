"""Hidden tests of Task 3.4: RMSprop with every combination of centered, momentum and weight decay
(random α, ε and shapes), a learning-rate schedule with momentum (the velocity holds no learning
rate), skipped and zero gradients, a long centered run with momentum, groups with different options,
and the update contract in more settings."""
import itertools

import numpy as np
import pytest

from mytorch.optim import RMSprop

from helpers import assert_follows_rule, rmsprop_rule
from hidden_helpers import (MORE_CONTRACT, MORE_CONTRACT_IDS, assert_follows_rule_through_events,
                            assert_groups_follow_their_options, random_shapes)

pytestmark = pytest.mark.task3_4

COMBINATIONS = list(itertools.product([False, True], [0.0, 0.7], [0.0, 0.1]))


@pytest.mark.parametrize("centered, momentum, weight_decay", COMBINATIONS,
                         ids=[f"centered={c}-momentum={m}-weight_decay={w}" for c, m, w in COMBINATIONS])
def test_every_combination_of_options(centered, momentum, weight_decay):
    seed = COMBINATIONS.index((centered, momentum, weight_decay))
    rng = np.random.default_rng(seed)
    options = dict(lr=float(rng.uniform(0.005, 0.02)), alpha=float(rng.choice([0.5, 0.9, 0.99])),
                   eps=float(rng.choice([1e-8, 1e-3, 0.3])), centered=centered, momentum=momentum,
                   weight_decay=weight_decay)
    assert_follows_rule(RMSprop, rmsprop_rule, options, shapes=random_shapes(rng), seed=400 + seed)


@pytest.mark.parametrize("options", [
    dict(lr=0.01),
    dict(lr=0.01, momentum=0.9),
    dict(lr=0.01, alpha=0.9, centered=True, momentum=0.5, weight_decay=0.1),
], ids=["lr", "momentum", "centered+momentum+weight_decay"])
def test_a_schedule_and_missing_gradients(options):
    # With momentum, b_t = μ b_{t−1} + g_t / (√v_t + ε) holds no lr: a new lr scales the whole next step.
    assert_follows_rule_through_events(RMSprop, rmsprop_rule, options, lr_after=options["lr"] / 4)


def test_a_long_centered_run_with_momentum():
    assert_follows_rule(RMSprop, rmsprop_rule, dict(lr=0.01, alpha=0.95, centered=True, momentum=0.8),
                        shapes=[(4,)], seed=70, steps=150)


def test_groups_with_different_options():
    assert_groups_follow_their_options(RMSprop, rmsprop_rule, dict(lr=0.01), [
        dict(),
        dict(centered=True),
        dict(momentum=0.9, lr=0.005),
        dict(alpha=0.5, eps=1e-2, weight_decay=0.2),
        dict(centered=True, momentum=0.5),
    ])


@pytest.mark.parametrize("options", [
    dict(lr=0.01, momentum=0.9),
    dict(lr=0.01, centered=True, weight_decay=0.2),
], ids=["momentum", "centered+weight_decay"])
@pytest.mark.parametrize("check", MORE_CONTRACT, ids=MORE_CONTRACT_IDS)
def test_the_update_contract_in_more_settings(check, options):
    check(RMSprop, rmsprop_rule, options)
