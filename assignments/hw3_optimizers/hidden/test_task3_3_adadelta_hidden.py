"""Hidden tests of Task 3.3: Adadelta with random settings and shapes, the limiting cases ρ = 0 and a
large ε, a learning-rate schedule, skipped and zero gradients, a long run, groups with different
options, and the update contract in more settings."""
import numpy as np
import pytest

from mytorch.optim import Adadelta

from helpers import adadelta_rule, assert_follows_rule
from hidden_helpers import (MORE_CONTRACT, MORE_CONTRACT_IDS, assert_follows_rule_through_events,
                            assert_groups_follow_their_options, random_shapes)

pytestmark = pytest.mark.task3_3


def random_options(rng):
    return dict(lr=float(rng.choice([1.0, 5.0, 30.0])), rho=float(rng.choice([0.5, 0.9, 0.99])),
                eps=float(rng.choice([1e-6, 1e-3, 0.1])), weight_decay=float(rng.choice([0.0, 0.1])))


@pytest.mark.parametrize("seed", range(8))
def test_random_settings_and_shapes(seed):
    rng = np.random.default_rng(seed)
    assert_follows_rule(Adadelta, adadelta_rule, random_options(rng), shapes=random_shapes(rng),
                        seed=300 + seed)


@pytest.mark.parametrize("options", [
    dict(lr=1.0, rho=0.0, eps=1e-2),
    dict(lr=0.5, rho=0.9, eps=1.0),
], ids=["rho=0", "eps=1"])
def test_limiting_cases(options):
    # ρ = 0: E[g²]_t = g_t², E[Δw²]_t = Δw_t². A large ε: it sits inside both square roots.
    assert_follows_rule(Adadelta, adadelta_rule, options, shapes=[(3,), (2, 2)], seed=60)


@pytest.mark.parametrize("options", [
    dict(lr=1.0),
    dict(lr=10.0, rho=0.8, eps=1e-4, weight_decay=0.1),
], ids=["defaults", "rho+eps+weight_decay"])
def test_a_schedule_and_missing_gradients(options):
    assert_follows_rule_through_events(Adadelta, adadelta_rule, options, lr_after=options["lr"] * 3)


def test_a_long_run():
    assert_follows_rule(Adadelta, adadelta_rule, dict(lr=30.0, rho=0.9, eps=1e-4), shapes=[(2, 3)], seed=61,
                        steps=150)


def test_groups_with_different_options():
    assert_groups_follow_their_options(Adadelta, adadelta_rule, dict(lr=1.0), [
        dict(),
        dict(lr=20.0, rho=0.5),
        dict(eps=1e-2),
        dict(weight_decay=0.2, rho=0.95),
    ])


@pytest.mark.parametrize("options", [
    dict(lr=1.0, weight_decay=0.3),
    dict(lr=5.0, rho=0.5, eps=1e-3),
], ids=["weight_decay", "rho+eps"])
@pytest.mark.parametrize("check", MORE_CONTRACT, ids=MORE_CONTRACT_IDS)
def test_the_update_contract_in_more_settings(check, options):
    check(Adadelta, adadelta_rule, options)
