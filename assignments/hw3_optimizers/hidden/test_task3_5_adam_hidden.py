"""Hidden tests of Task 3.5: Adam, AMSGrad and AdamW with random settings and shapes, large ε (added
after the bias correction), AMSGrad with weight decay, β₁ = 0, Adam(decoupled_weight_decay=True) as
AdamW, AdamW's default decay, a learning-rate schedule (AdamW's decay uses the current lr), skipped and
zero gradients (t is per parameter), a long run, groups with different options, and the update contract
in more settings."""
import numpy as np
import pytest

from mytorch.optim import Adam, AdamW

from helpers import adam_rule, adamw_rule, assert_follows_rule
from hidden_helpers import (MORE_CONTRACT, MORE_CONTRACT_IDS, assert_follows_rule_through_events,
                            assert_groups_follow_their_options, assert_step_counts_are_per_parameter,
                            random_shapes)

pytestmark = pytest.mark.task3_5


def random_options(rng):
    betas = (float(rng.choice([0.0, 0.5, 0.9])), float(rng.choice([0.5, 0.9, 0.999])))
    return dict(lr=float(rng.uniform(0.01, 0.1)), betas=betas, eps=float(rng.choice([1e-8, 1e-3, 0.2])),
                weight_decay=float(rng.choice([0.0, 0.2])), amsgrad=bool(rng.integers(2)))


@pytest.mark.parametrize("seed", range(6))
def test_adam_with_random_settings_and_shapes(seed):
    rng = np.random.default_rng(seed)
    assert_follows_rule(Adam, adam_rule, random_options(rng), shapes=random_shapes(rng), seed=500 + seed)


@pytest.mark.parametrize("seed", range(4))
def test_adamw_with_random_settings_and_shapes(seed):
    rng = np.random.default_rng(10 + seed)
    assert_follows_rule(AdamW, adamw_rule, random_options(rng), shapes=random_shapes(rng), seed=510 + seed)


@pytest.mark.parametrize("options", [
    dict(lr=0.05, betas=(0.9, 0.5), amsgrad=True, weight_decay=0.3),
    dict(lr=0.05, betas=(0.9, 0.5), amsgrad=True, weight_decay=0.3, decoupled_weight_decay=True),
    dict(lr=0.1, eps=0.5),
    dict(lr=0.05, betas=(0.0, 0.9)),
], ids=["amsgrad+weight_decay", "amsgrad+decoupled", "eps=0.5", "beta1=0"])
def test_more_adam_settings(options):
    assert_follows_rule(Adam, adam_rule, options, shapes=[(3,), (2, 2)], seed=520)


def test_adamw_uses_its_default_weight_decay():
    assert_follows_rule(AdamW, adamw_rule, dict(lr=0.1), shapes=[(4,)], seed=521)


@pytest.mark.parametrize("optimizer_class, rule, options", [
    (Adam, adam_rule, dict(lr=0.05)),
    (Adam, adam_rule, dict(lr=0.05, betas=(0.8, 0.5), amsgrad=True, weight_decay=0.1)),
    (AdamW, adamw_rule, dict(lr=0.05, weight_decay=0.5)),
], ids=["Adam", "Adam amsgrad+weight_decay", "AdamW"])
def test_a_schedule_and_missing_gradients(optimizer_class, rule, options):
    optimizer, params = assert_follows_rule_through_events(optimizer_class, rule, options,
                                                           lr_after=options["lr"] / 5)
    assert_step_counts_are_per_parameter(optimizer, params)


def test_a_long_amsgrad_run_and_its_step_count():
    options = dict(lr=0.02, betas=(0.9, 0.99), amsgrad=True)
    optimizer, (param,) = assert_follows_rule(Adam, adam_rule, options, shapes=[(2, 3)], seed=80, steps=120)
    assert optimizer.state[param].get("step") == 120, (
        f"state['step'] after 120 steps is {optimizer.state[param].get('step')}")


def test_groups_with_different_options():
    assert_groups_follow_their_options(Adam, adam_rule, dict(lr=0.05), [
        dict(),
        dict(amsgrad=True, betas=(0.9, 0.5)),
        dict(weight_decay=0.3),
        dict(eps=0.1, lr=0.1),
        dict(weight_decay=0.3, decoupled_weight_decay=True),
    ])


@pytest.mark.parametrize("optimizer_class, rule, options", [
    (Adam, adam_rule, dict(lr=0.05, weight_decay=0.2)),
    (Adam, adam_rule, dict(lr=0.05, betas=(0.5, 0.5), amsgrad=True)),
    (AdamW, adamw_rule, dict(lr=0.05, weight_decay=0.2, amsgrad=True)),
], ids=["Adam weight_decay", "Adam amsgrad", "AdamW amsgrad"])
@pytest.mark.parametrize("check", MORE_CONTRACT, ids=MORE_CONTRACT_IDS)
def test_the_update_contract_in_more_settings(check, optimizer_class, rule, options):
    check(optimizer_class, rule, options)
