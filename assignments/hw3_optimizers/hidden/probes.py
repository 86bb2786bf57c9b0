"""hw3's probes: they run inside the sandbox, drive the student's optimizers and return plain
values; the grader compares them with the reference's values for the same probes.

Every optimizer probe runs 30 steps on quadratics J(w) = ½ (w − c)ᵀ A (w − c) whose gradient is
handed to ``.grad`` before each step, so a trajectory depends on the update rule alone. No
expected value lives here, and no other task's solution: the convergence probes register the
optimizers that the public tests of Task 3.6 use too (tests/stand_ins.py), which no task asks for:
w ← w − η g/(1 + w²), and a step η/t that needs its state.

The reference's trajectories agree with ``torch.optim``'s in float64 to 1e-10 relative, in every
setting probed here (a learning rate changed between steps, ``.grad = None`` or a zero gradient on
some steps, two parameters handed one gradient array, gradients of size 1e-10, dampening without
momentum, ρ = 0, β₁ = 0, Adam with decoupled_weight_decay), and so do the momentum buffers and step
counts read from the state.
"""
import numpy as np

import mytorch
from mytorch import convergence, optim
from mytorch.optim import SGD, Adadelta, Adagrad, Adam, AdamW, RMSprop
from probing import probe
from stand_ins import Preconditioned, Slowing

STEPS = 30
SWITCH = 15                          # the step after which the events probes change every group's lr
QUIET = (0, 1, 2, 3, 9, 10)          # the steps at which the events probes' second parameter has no .grad
TINY = 1e-10                         # the scale of the tiny-gradient probes' problems


def quadratic(shape, seed, scale=1.0):
    """(start, gradient function) of a quadratic with curvatures in [0.5, 2] around a random centre;
    ``scale`` shrinks the centre and the start, and so the gradients, by that factor."""
    rng = np.random.default_rng(seed)
    size = int(np.prod(shape))
    rotation, _ = np.linalg.qr(rng.standard_normal((size, size)))
    curvature = rotation @ np.diag(rng.uniform(0.5, 2.0, size)) @ rotation.T
    center = scale * rng.standard_normal(shape)
    start = center + 2.0 * scale * rng.standard_normal(shape)
    def gradient(w):
        return (curvature @ (w.astype(np.float64) - center).reshape(-1)).reshape(shape).astype(w.dtype)
    return start, gradient


def state_values(optimizer, params, keys, labels=None):
    """{"<label of parameter i>_state_<key>": the entry ``key`` of parameter i's state} for the entries the
    handout names (``"momentum_buffer"`` as a float64 copy, ``"step"`` as a float), None where it is
    missing; parameter i's label is labels[i], by default "param<i>"."""
    values = {}
    for i, param in enumerate(params):
        label = labels[i] if labels else f"param{i}"
        state = optimizer.state.get(param, {})
        for key in keys:
            value = state.get(key)
            if value is not None:
                value = np.array(value, dtype=np.float64) if key == "momentum_buffer" else float(value)
            values[f"{label}_state_{key}"] = value
    return values


def state_keeps_the_dtype(optimizer, params):
    """Whether every floating array of a parameter's shape in its state (its buffers) has its dtype."""
    return all(value.dtype == param.dtype
               for param in params for value in optimizer.state.get(param, {}).values()
               if isinstance(value, np.ndarray) and value.dtype.kind == "f" and value.shape == param.shape)


def trajectories(optimizer_class, groups, shapes=((3,), (2, 2)), dtype=np.float64, seed=0, scale=1.0,
                 defaults=None, state_keys=()):
    """Run ``optimizer_class`` over one parameter per shape for STEPS steps.

    groups: a list of option dicts, one param group each (parameters dealt round-robin).
    defaults: options passed to the constructor (the groups' defaults).
    state_keys: entries of each parameter's state to return after the last step (see state_values).
    Returns {"param<i>": (STEPS + 1, *shape) array}, divided by ``scale``, whether each step
    left ``.grad`` alone, the parameters' dtype and whether their state arrays kept it.
    """
    problems = [quadratic(shape, seed + i, scale) for i, shape in enumerate(shapes)]
    params = [mytorch.tensor(start.astype(dtype), requires_grad=True) for start, _ in problems]
    param_groups = [{"params": params[k::len(groups)], **options} for k, options in enumerate(groups)]
    optimizer = optimizer_class(param_groups, **(defaults or {}))
    history, grad_untouched = [[p.data.copy()] for p in params], True
    for _ in range(STEPS):
        given = []
        for param, (_, gradient) in zip(params, problems):
            param.grad = mytorch.tensor(gradient(param.data))
            given.append(param.grad.data.copy())
        optimizer.step()
        grad_untouched &= all(np.array_equal(p.grad.data, g) for p, g in zip(params, given))
        for values, param in zip(history, params):
            values.append(param.data.copy())
    values = {f"param{i}": np.stack(h) / scale for i, h in enumerate(history)}
    return {**values, **state_values(optimizer, params, state_keys), "grad_untouched": bool(grad_untouched),
            "dtype": str(params[0].dtype), "state_keeps_the_dtype": state_keeps_the_dtype(optimizer, params)}


def trajectories_through_events(optimizer_class, groups, seed=0, defaults=None, state_keys=()):
    """Four parameters in each of ``groups`` (option dicts; ``defaults`` go to the constructor), for
    STEPS steps, with the events of a real training loop:

    - after step SWITCH every group's lr becomes a third of its own (a learning-rate schedule);
    - the second parameter of each group has ``.grad = None`` at the QUIET steps: it must not move,
      and its state (its step count t, its averages) must wait, as in torch.optim;
    - the third parameter, of the first one's shape, is handed the first one's gradient array itself
      (``x + y`` hands both leaves one array): its state must be its own;
    - the fourth parameter, of shape (2, 1, 2), is handed a gradient of zeros at the QUIET steps: a real
      step, which advances its state (momentum keeps it moving).
    ``state_keys``: entries of each parameter's state to return after the last step (see state_values).
    """
    params, problems, param_groups = [], [], []
    for k, options in enumerate(groups):
        own = [quadratic(shape, seed + 4 * k + i) for i, shape in enumerate([(3,), (2, 2), (3,), (2, 1, 2)])]
        own_params = [mytorch.tensor(start, requires_grad=True) for start, _ in own]
        params += own_params
        problems += own
        param_groups.append({"params": own_params, **options})
    optimizer = optimizer_class(param_groups, **(defaults or {}))
    history, grad_untouched = [[p.data.copy()] for p in params], True
    for t in range(STEPS):
        if t == SWITCH:
            for group in optimizer.param_groups:
                group["lr"] = group["lr"] / 3
        given = []
        for k in range(len(groups)):
            first, quiet, sharing, zero = params[4 * k: 4 * k + 4]
            first.grad = mytorch.tensor(problems[4 * k][1](first.data))
            quiet.grad = None if t in QUIET else mytorch.tensor(problems[4 * k + 1][1](quiet.data))
            sharing.grad = first.grad
            zero.grad = mytorch.tensor(np.zeros(zero.shape) if t in QUIET else problems[4 * k + 3][1](zero.data))
            given += [(p, p.grad.data.copy()) for p in (first, quiet, zero) if p.grad is not None]
        optimizer.step()
        grad_untouched &= all(np.array_equal(p.grad.data, g) for p, g in given)
        for values, param in zip(history, params):
            values.append(param.data.copy())
    quiet_steps = "_".join(str(t + 1) for t in QUIET)
    names = ["param", f"param_without_grad_at_steps_{quiet_steps}", "param_handed_the_first_params_grad_array",
             f"param_with_zero_grad_at_steps_{quiet_steps}"]
    labels = [f"group{k}_{name}" for k in range(len(groups)) for name in names]
    values = {label: np.stack(h) for label, h in zip(labels, history)}
    shorts = ["param", "param_without_grad", "param_sharing_grad", "param_with_zero_grad"]   # names ≤ 64 chars
    state_labels = [f"group{k}_{short}" for k in range(len(groups)) for short in shorts]
    return {**values, **state_values(optimizer, params, state_keys, state_labels),
            "grad_untouched": bool(grad_untouched)}


# ----- Task 3.1: SGD, momentum, Nesterov ------------------------------------------------------------
@probe("task3_1")
def sgd_plain_weight_decay_alone_and_the_defaults():
    # momentum = 0 is plain SGD whatever the dampening (torch.optim ignores it without momentum).
    return trajectories(SGD, [dict(lr=0.3), dict(lr=0.1, weight_decay=0.05), dict(), dict(lr=0.2, dampening=0.5)],
                        shapes=((3,), (2, 2), (3,), (2, 1, 2)))


@probe("task3_1")
def sgd_momentum_and_dampening():
    return trajectories(SGD, [dict(lr=0.05, momentum=0.9), dict(lr=0.1, momentum=0.5, dampening=0.3)],
                        state_keys=["momentum_buffer"])


@probe("task3_1")
def sgd_nesterov_alone_and_with_weight_decay():
    return trajectories(SGD, [dict(lr=0.05, momentum=0.9, nesterov=True),
                              dict(lr=0.05, momentum=0.7, nesterov=True, weight_decay=0.1)], seed=3)


@probe("task3_1")
def sgd_float32():
    return trajectories(SGD, [dict(lr=0.1, momentum=0.8), dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.1)],
                        dtype=np.float32, seed=5)


@probe("task3_1")
def sgd_through_an_lr_change_a_missing_grad_and_a_shared_grad():
    return trajectories_through_events(SGD, [dict(lr=0.1, momentum=0.8, dampening=0.2, weight_decay=0.05),
                                             dict(lr=0.05, momentum=0.9, nesterov=True)],
                                       seed=20, state_keys=["momentum_buffer"])


# ----- Task 3.2: Adagrad --------------------------------------------------------------------------
@probe("task3_2")
def adagrad_default():
    return trajectories(Adagrad, [dict(lr=0.5)])


# initial_accumulator_value goes to the constructor: torch.optim.Adagrad fills G₀ from its constructor's
# argument and ignores a param group's own value (the reference reads the group's, where both are equal).
@probe("task3_2")
def adagrad_decay_and_accumulator():
    options = dict(lr=0.4, lr_decay=0.05, initial_accumulator_value=0.3, weight_decay=0.02)
    return trajectories(Adagrad, [{}], defaults=options, seed=7)


@probe("task3_2")
def adagrad_each_option_alone_and_the_defaults():
    groups = [dict(lr=0.5, lr_decay=0.1), dict(lr=0.5, weight_decay=0.1), dict(lr=0.5, eps=0.1), dict()]
    values = trajectories(Adagrad, groups, shapes=((3,), (2, 2), (3,), (1, 3)), seed=30)
    alone = trajectories(Adagrad, [{}], defaults=dict(lr=0.5, initial_accumulator_value=0.5), seed=32)
    return {**values, **{f"with_only_initial_accumulator_value_{key}": value for key, value in alone.items()}}


@probe("task3_2")
def adagrad_through_an_lr_change_a_missing_grad_and_a_shared_grad():
    options = dict(lr=0.5, lr_decay=0.05, initial_accumulator_value=0.2, weight_decay=0.02)
    return trajectories_through_events(Adagrad, [{}], defaults=options, seed=24, state_keys=["step"])


@probe("task3_2")
def adagrad_gradients_of_size_1e_minus_10_where_eps_matters():
    # ε = 1e-10 is as large as √G: w ← w − η g / (√G + ε), with ε outside the root, shows.
    return trajectories(Adagrad, [dict(lr=5e-11), dict(lr=5e-11, lr_decay=0.1)], scale=TINY, seed=31)


@probe("task3_2")
def adagrad_float32():
    options = dict(lr=0.4, lr_decay=0.05, initial_accumulator_value=0.3, weight_decay=0.02)
    return trajectories(Adagrad, [{}, dict(eps=1.0)], defaults=options, dtype=np.float32, seed=8)


# ----- Task 3.3: Adadelta -------------------------------------------------------------------------
@probe("task3_3")
def adadelta_default():
    return trajectories(Adadelta, [dict()])


@probe("task3_3")
def adadelta_options():
    return trajectories(Adadelta, [dict(lr=2.0, rho=0.8, eps=1e-4, weight_decay=0.1)], seed=9)


@probe("task3_3")
def adadelta_each_option_alone():
    groups = [dict(lr=3.0), dict(rho=0.7), dict(eps=1e-3), dict(weight_decay=0.5)]
    return trajectories(Adadelta, groups, shapes=((3,), (2, 2), (3,), (2,)), seed=33)


@probe("task3_3")
def adadelta_through_an_lr_change_a_missing_grad_and_a_shared_grad():
    return trajectories_through_events(Adadelta, [dict(lr=3.0, rho=0.8, weight_decay=0.05)], seed=26)


@probe("task3_3")
def adadelta_gradients_of_size_1e_minus_10_where_eps_matters():
    # E[g²] ≈ 1e-20: ε = 1e-6 inside both roots dominates them; with ε = 1e-19 both terms count.
    return trajectories(Adadelta, [dict(lr=0.5), dict(lr=1e-4, eps=1e-19)], scale=TINY, seed=34)


@probe("task3_3")
def adadelta_limiting_cases_rho_0_and_eps_1():
    # ρ = 0: E[g²]_t = g_t², E[Δw²]_t = Δw_t². ε = 1: it sits inside both square roots.
    return trajectories(Adadelta, [dict(rho=0.0, eps=1e-2), dict(lr=0.5, eps=1.0)], seed=35)


@probe("task3_3")
def adadelta_float32():
    return trajectories(Adadelta, [dict(lr=5.0, rho=0.8, eps=1e-3, weight_decay=0.1)], dtype=np.float32, seed=10)


# ----- Task 3.4: RMSprop --------------------------------------------------------------------------
@probe("task3_4")
def rmsprop_plain():
    return trajectories(RMSprop, [dict(lr=0.05)])


@probe("task3_4")
def rmsprop_centered_with_momentum():
    return trajectories(RMSprop, [dict(lr=0.02, alpha=0.9, centered=True, momentum=0.7, weight_decay=0.01)],
                        seed=11)


@probe("task3_4")
def rmsprop_momentum():
    return trajectories(RMSprop, [dict(lr=0.01, momentum=0.9, eps=1e-3)], seed=12)


@probe("task3_4")
def rmsprop_each_option_alone_and_the_defaults():
    groups = [dict(lr=0.03, alpha=0.8), dict(lr=0.03, centered=True), dict(lr=0.03, weight_decay=0.2),
              dict(lr=0.03, eps=0.1), dict(lr=0.01, momentum=0.6), dict()]
    return trajectories(RMSprop, groups, shapes=((3,), (2, 2), (3,), (2,), (1, 3), (2,)), seed=35)


@probe("task3_4")
def rmsprop_through_an_lr_change_a_missing_grad_and_a_shared_grad():
    groups = [dict(lr=0.02, momentum=0.8), dict(lr=0.02, centered=True),
              dict(lr=0.01, alpha=0.9, centered=True, momentum=0.5, weight_decay=0.05)]
    return trajectories_through_events(RMSprop, groups, seed=36)


@probe("task3_4")
def rmsprop_gradients_of_size_1e_minus_10_where_eps_matters():
    # √v ≈ 1e-10: ε = 1e-8 outside the root dominates it; with ε = 1e-10 both terms count.
    groups = [dict(lr=1e-8), dict(lr=1e-10, eps=1e-10, centered=True), dict(lr=5e-9, momentum=0.5)]
    return trajectories(RMSprop, groups, shapes=((3,), (2, 2), (3,)), scale=TINY, seed=37)


@probe("task3_4")
def rmsprop_float32():
    groups = [dict(lr=0.02, alpha=0.9, centered=True, momentum=0.7, weight_decay=0.01), dict(lr=0.02)]
    return trajectories(RMSprop, groups, dtype=np.float32, seed=15)


# ----- Task 3.5: Adam, AMSGrad, AdamW -------------------------------------------------------------
@probe("task3_5")
def adam_default():
    return trajectories(Adam, [dict(lr=0.1)])


@probe("task3_5")
def adam_amsgrad_with_weight_decay():
    return trajectories(Adam, [dict(lr=0.2, betas=(0.8, 0.99), amsgrad=True, weight_decay=0.05)], seed=13)


@probe("task3_5")
def adamw():
    return trajectories(AdamW, [dict(lr=0.1, weight_decay=0.1), dict(lr=0.05), dict(lr=0.1, amsgrad=True)],
                        shapes=((3,), (2, 2), (3,)), seed=14)


@probe("task3_5")
def adam_each_option_alone_and_the_defaults():
    groups = [dict(lr=0.1, betas=(0.5, 0.9)), dict(lr=0.1, amsgrad=True), dict(lr=0.1, weight_decay=0.3),
              dict(lr=0.1, eps=0.1), dict()]
    return trajectories(Adam, groups, shapes=((3,), (2, 2), (3,), (2,), (1, 3)), seed=38)


@probe("task3_5")
def adam_through_an_lr_change_a_missing_grad_and_a_shared_grad():
    return trajectories_through_events(Adam, [dict(lr=0.1, betas=(0.8, 0.95)),
                                              dict(lr=0.1, amsgrad=True, weight_decay=0.1)], seed=40,
                                       state_keys=["step"])


@probe("task3_5")
def adamw_through_an_lr_change_a_missing_grad_and_a_shared_grad():
    return trajectories_through_events(AdamW, [dict(lr=0.1, weight_decay=0.2)], seed=42, state_keys=["step"])


@probe("task3_5")
def adam_limiting_cases_and_decoupled_weight_decay_asked_of_adam():
    # β₁ = 0 (no first moment), a large ε (added after the bias correction), and Adam itself with
    # decoupled_weight_decay=True (AdamW's rule) and AMSGrad.
    groups = [dict(lr=0.05, betas=(0.0, 0.9)), dict(lr=0.1, eps=0.5),
              dict(lr=0.05, betas=(0.9, 0.5), amsgrad=True, weight_decay=0.3, decoupled_weight_decay=True)]
    return trajectories(Adam, groups, shapes=((3,), (2, 2), (2, 1, 2)), seed=44)


@probe("task3_5")
def adam_float32():
    groups = [dict(lr=0.1, amsgrad=True, weight_decay=0.05), dict(lr=0.1, betas=(0.8, 0.99))]
    values = trajectories(Adam, groups, dtype=np.float32, seed=45)
    adamw = trajectories(AdamW, [dict(lr=0.1, weight_decay=0.1)], dtype=np.float32, seed=46)
    return {**values, **{f"adamw_{key}": value for key, value in adamw.items()}}


@probe("task3_5")
def adam_gradients_of_size_1e_minus_10_where_eps_matters():
    # √v̂ ≈ 1e-10: ε = 1e-8 outside the root dominates it; with ε = 1e-10 both terms count.
    groups = [dict(lr=1e-8), dict(lr=1e-10, eps=1e-10), dict(lr=1e-8, amsgrad=True)]
    return trajectories(Adam, groups, shapes=((3,), (2, 2), (3,)), scale=TINY, seed=43)


# ----- Task 3.6: the convergence comparison -------------------------------------------------------
@probe("task3_6")
def loss_functions_and_gradients():
    grid = np.stack(np.meshgrid(np.linspace(-2, 2, 5), np.linspace(-1, 3, 4)))
    values = {"quadratic_grid": convergence.quadratic_loss(mytorch.tensor(grid), 13.0).numpy(),
              "rosenbrock_grid": convergence.rosenbrock_loss(mytorch.tensor(grid), 0.5, 30.0).numpy()}
    for name, function in [("quadratic", lambda w: convergence.quadratic_loss(w, 13.0)),
                           ("rosenbrock", convergence.rosenbrock_loss),
                           ("rosenbrock_a_negative", lambda w: convergence.rosenbrock_loss(w, a=-1.5, b=7.0))]:
        w = mytorch.tensor(np.array([0.7, -1.3]), requires_grad=True)
        function(w).backward()
        values[f"{name}_gradient"] = w.grad.numpy()
    # A grid of shape (2, 2, 1, 3), point by point: the values and the gradient of their sum.
    grid = np.random.default_rng(4).uniform(-2, 2, size=(2, 2, 1, 3))
    for name, function in [("quadratic", lambda w: convergence.quadratic_loss(w, 0.3)),
                           ("rosenbrock", lambda w: convergence.rosenbrock_loss(w, 2.0, 11.0))]:
        w = mytorch.tensor(grid, requires_grad=True)
        loss = function(w)
        values[f"{name}_4d_grid"] = loss.detach().numpy()
        loss.sum().backward()
        values[f"{name}_4d_grid_gradient_of_the_sum"] = w.grad.numpy()
    return values


@probe("task3_6")
def minimize_the_plane_problems():
    optim.OPTIMIZERS["probe_gd"] = Preconditioned
    optim.OPTIMIZERS["probe_slowing"] = Slowing
    values = {}
    for name, problem in [("quadratic", convergence.quadratic(condition=5.0)),
                          ("rosenbrock", convergence.rosenbrock(start=(-1.0, 1.5)))]:
        run = convergence.minimize(problem, "probe_gd", 40, lr=0.002 if name == "rosenbrock" else 0.1)
        values[f"{name}_losses"], values[f"{name}_path"] = np.asarray(run.losses), np.asarray(run.path)
    run = convergence.minimize(convergence.quadratic(condition=8.0, start=(1.5, -1.0)), "probe_slowing", 40,
                               lr=0.2)
    values["quadratic_slowing_losses"], values["quadratic_slowing_path"] = (np.asarray(run.losses),
                                                                           np.asarray(run.path))
    return values


@probe("task3_6")
def minimize_the_spiral_mlp():
    optim.OPTIMIZERS["probe_gd"] = Preconditioned
    run = convergence.minimize(convergence.spiral_mlp(n_samples=60, seed=2), "probe_gd", 25, lr=0.3)
    return {"losses": np.asarray(run.losses), "path_is_none": run.path is None}
