"""Helpers of the hidden tests only (never shipped to students): random shapes, runs with a
learning-rate schedule and missing gradients, groups with options of their own, and correct
stand-ins for the optimizers, so that Task 3.6 is graded on its own code alone.

The NumPy update rules and the quadratic problem come from the public tests' module,
``tests/helpers.py`` (see conftest.py); the stand-ins are those rules, run in place.
"""
import numpy as np

import mytorch
from mytorch.optim import SGD, Adadelta, Adagrad, Adam, RMSprop

from helpers import (TRAJECTORY_STEPS, Quadratic, adadelta_rule, adagrad_rule, adam_rule,
                     assert_trajectory_close, check_float32_stays_float32, check_leaves_the_gradient_alone,
                     check_updates_in_place, describe, leaf, mytorch_trajectory, numpy_trajectory,
                     rmsprop_rule, sgd_rule)

# The contract checks that the hidden tests repeat in more settings.
MORE_CONTRACT = [check_updates_in_place, check_leaves_the_gradient_alone, check_float32_stays_float32]
MORE_CONTRACT_IDS = ["in place", "grad unchanged", "float32"]


def random_shapes(rng, count=None, max_ndim=3, max_size=4):
    """1 … 3 random shapes (``count`` if given) with 1 … ``max_ndim`` axes of sizes 1 … ``max_size``."""
    count = int(rng.integers(1, 4)) if count is None else count
    return [tuple(int(n) for n in rng.integers(1, max_size + 1, size=int(rng.integers(1, max_ndim + 1))))
            for _ in range(count)]


def assert_follows_rule_through_events(optimizer_class, rule, options, lr_after, steps=24, switch=12,
                                       quiet=(0, 1, 2, 3, 9, 10)):
    """Three parameters in one group. After step ``switch`` the group's lr becomes ``lr_after`` (what a
    learning-rate schedule does between steps). During the ``quiet`` steps, parameter 1 has
    ``.grad = None`` (skipped: it does not move and its state waits) and parameter 2 a gradient of
    zeros (a real step). Returns the optimizer and its parameters."""
    problems = [Quadratic((3,), 21), Quadratic((2, 2), 22), Quadratic((4,), 23)]
    params = [leaf(problem.start) for problem in problems]
    optimizer = optimizer_class(params, **options)
    actual, expected = [[p.data.copy()] for p in params], [[p.start.copy()] for p in problems]
    current, states = [p.start.copy() for p in problems], [{}, {}, {}]
    quiet_steps = [t + 1 for t in quiet]
    events = ["", f", .grad = None at steps {quiet_steps}", f", a zero gradient at steps {quiet_steps}"]
    for t in range(steps):
        lr = options["lr"] if t < switch else lr_after
        optimizer.param_groups[0]["lr"] = lr
        for index, (param, problem) in enumerate(zip(params, problems)):
            if t in quiet and index == 1:
                param.grad = None
                continue
            zero = t in quiet and index == 2
            param.grad = mytorch.tensor(np.zeros(problem.shape) if zero else problem.gradient(param.data))
            gradient = np.zeros(problem.shape) if zero else problem.gradient(current[index])
            current[index] = rule(current[index], gradient, states[index], **dict(options, lr=lr))
        optimizer.step()
        for index, param in enumerate(params):
            actual[index].append(param.data.copy())
            expected[index].append(current[index])
    for index in range(3):
        what = (f"{describe(optimizer_class, options)}, parameter {index}: lr set to {lr_after} after step "
                f"{switch}{events[index]}")
        assert_trajectory_close(np.stack(actual[index]), np.stack(expected[index]), what)
    return optimizer, params


def assert_step_counts_are_per_parameter(optimizer, params):
    """After :func:`assert_follows_rule_through_events`: ``state["step"]`` counts each parameter's steps."""
    steps = [optimizer.state[param].get("step") for param in params]
    assert steps == [24, 18, 24], (
        f"state['step'] of three parameters after 24 steps, the second one without a gradient at 6 of them: "
        f"{steps}, expected [24, 18, 24] (t counts the steps of each parameter)")


def assert_groups_follow_their_options(optimizer_class, rule, defaults, groups, steps=TRAJECTORY_STEPS):
    """One parameter in each of ``groups`` (dicts of options that override ``defaults``, the optimizer's
    arguments); every parameter follows the rule with its own group's options."""
    shapes = [(3,), (2,), (2, 2), (1, 3), (2, 1, 2)][:len(groups)]
    problems = [Quadratic(shape, 40 + index) for index, shape in enumerate(shapes)]
    params = [leaf(problem.start) for problem in problems]
    param_groups = [dict(group, params=[param]) for group, param in zip(groups, params)]
    trajectories = mytorch_trajectory(optimizer_class(param_groups, **defaults), params, problems, steps)
    for index, (group, problem) in enumerate(zip(groups, problems)):
        options = defaults | group
        what = (f"{describe(optimizer_class, options)} in param group {index} of {len(groups)} (read every "
                f"option from `group`)")
        assert_trajectory_close(trajectories[index], numpy_trajectory(rule, problem, steps, options), what)


# ----- stand-ins for Tasks 3.1–3.5 -----------------------------------------------------------------
def stand_in(rule):
    """An ``Optimizer.update`` that runs the NumPy ``rule`` with the group's options and writes the
    result into the parameter."""
    def update(self, param, grad, state, group):
        param[...] = rule(param, grad, state, **{k: v for k, v in group.items() if k != "params"})
    return update


STAND_INS = {SGD: sgd_rule, Adagrad: adagrad_rule, Adadelta: adadelta_rule, RMSprop: rmsprop_rule,
             Adam: adam_rule}


def use_stand_in_optimizers(monkeypatch):
    """Correct update rules for SGD, Adagrad, Adadelta, RMSprop, Adam and AdamW (which inherits Adam's)."""
    for optimizer_class, rule in STAND_INS.items():
        monkeypatch.setattr(optimizer_class, "update", stand_in(rule))
