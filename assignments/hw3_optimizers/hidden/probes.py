"""hw3's probes: they run inside the sandbox, drive the student's optimizers and return plain
values; the grader compares them with the reference's values for the same probes.

Every optimizer probe runs 30 steps on quadratics J(w) = ½ (w − c)ᵀ A (w − c) whose gradient is
handed to ``.grad`` before each step, so a trajectory depends on the update rule alone. No
expected value lives here, and no other task's solution: the convergence probes register a
plain gradient-descent optimizer of their own.
"""
import numpy as np

import mytorch
from mytorch import convergence, optim
from mytorch.optim import SGD, Adadelta, Adagrad, Adam, AdamW, RMSprop
from probing import probe

STEPS = 30


def quadratic(shape, seed):
    """(start, gradient function) of a quadratic with curvatures in [0.5, 2] around a random centre."""
    rng = np.random.default_rng(seed)
    size = int(np.prod(shape))
    rotation, _ = np.linalg.qr(rng.standard_normal((size, size)))
    curvature = rotation @ np.diag(rng.uniform(0.5, 2.0, size)) @ rotation.T
    center = rng.standard_normal(shape)
    start = center + 2.0 * rng.standard_normal(shape)
    def gradient(w):
        return (curvature @ (w.astype(np.float64) - center).reshape(-1)).reshape(shape).astype(w.dtype)
    return start, gradient


def trajectories(optimizer_class, groups, shapes=((3,), (2, 2)), dtype=np.float64, seed=0):
    """Run ``optimizer_class`` over one parameter per shape for STEPS steps.

    groups: a list of option dicts, one param group each (parameters dealt round-robin).
    Returns {"param<i>": (STEPS + 1, *shape) array}, and whether each step left ``.grad`` alone.
    """
    problems = [quadratic(shape, seed + i) for i, shape in enumerate(shapes)]
    params = [mytorch.tensor(start.astype(dtype), requires_grad=True) for start, _ in problems]
    param_groups = [{"params": params[k::len(groups)], **options} for k, options in enumerate(groups)]
    optimizer = optimizer_class(param_groups)
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
    values = {f"param{i}": np.stack(h) for i, h in enumerate(history)}
    return {**values, "grad_untouched": bool(grad_untouched), "dtype": str(params[0].dtype)}


# ----- Task 3.1: SGD, momentum, Nesterov ------------------------------------------------------------
@probe("task3_1")
def sgd_plain_and_weight_decay():
    return trajectories(SGD, [dict(lr=0.3), dict(lr=0.1, weight_decay=0.05)])


@probe("task3_1")
def sgd_momentum_and_dampening():
    return trajectories(SGD, [dict(lr=0.05, momentum=0.9), dict(lr=0.1, momentum=0.5, dampening=0.3)])


@probe("task3_1")
def sgd_nesterov():
    return trajectories(SGD, [dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)], seed=3)


@probe("task3_1")
def sgd_float32():
    return trajectories(SGD, [dict(lr=0.1, momentum=0.8)], dtype=np.float32, seed=5)


# ----- Task 3.2: Adagrad --------------------------------------------------------------------------
@probe("task3_2")
def adagrad_default():
    return trajectories(Adagrad, [dict(lr=0.5)])


@probe("task3_2")
def adagrad_decay_and_accumulator():
    options = dict(lr=0.4, lr_decay=0.05, initial_accumulator_value=0.3, weight_decay=0.02)
    return trajectories(Adagrad, [options], seed=7)


# ----- Task 3.3: Adadelta -------------------------------------------------------------------------
@probe("task3_3")
def adadelta_default():
    return trajectories(Adadelta, [dict()])


@probe("task3_3")
def adadelta_options():
    return trajectories(Adadelta, [dict(lr=2.0, rho=0.8, eps=1e-4, weight_decay=0.1)], seed=9)


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


# ----- Task 3.5: Adam, AMSGrad, AdamW -------------------------------------------------------------
@probe("task3_5")
def adam_default():
    return trajectories(Adam, [dict(lr=0.1)])


@probe("task3_5")
def adam_amsgrad_with_weight_decay():
    return trajectories(Adam, [dict(lr=0.2, betas=(0.8, 0.99), amsgrad=True, weight_decay=0.05)], seed=13)


@probe("task3_5")
def adamw():
    return trajectories(AdamW, [dict(lr=0.1, weight_decay=0.1), dict(lr=0.05)], seed=14)


# ----- Task 3.6: the convergence comparison -------------------------------------------------------
class PlainGradientDescent(optim.Optimizer):
    """w ← w − η g: the probe's own optimizer, so that Task 3.6 is graded without Tasks 3.1–3.5."""

    def __init__(self, params, lr=0.01):
        super().__init__(params, dict(lr=lr))

    def update(self, param, grad, state, group):
        param -= group["lr"] * grad


@probe("task3_6")
def loss_functions_and_gradients():
    grid = np.stack(np.meshgrid(np.linspace(-2, 2, 5), np.linspace(-1, 3, 4)))
    values = {"quadratic_grid": convergence.quadratic_loss(mytorch.tensor(grid), 13.0).numpy(),
              "rosenbrock_grid": convergence.rosenbrock_loss(mytorch.tensor(grid), 0.5, 30.0).numpy()}
    for name, function in [("quadratic", lambda w: convergence.quadratic_loss(w, 13.0)),
                           ("rosenbrock", convergence.rosenbrock_loss)]:
        w = mytorch.tensor(np.array([0.7, -1.3]), requires_grad=True)
        function(w).backward()
        values[f"{name}_gradient"] = w.grad.numpy()
    return values


@probe("task3_6")
def minimize_the_plane_problems():
    optim.OPTIMIZERS["probe_gd"] = PlainGradientDescent
    values = {}
    for name, problem in [("quadratic", convergence.quadratic(condition=5.0)),
                          ("rosenbrock", convergence.rosenbrock(start=(-1.0, 1.5)))]:
        run = convergence.minimize(problem, "probe_gd", 40, lr=0.002 if name == "rosenbrock" else 0.1)
        values[f"{name}_losses"], values[f"{name}_path"] = np.asarray(run.losses), np.asarray(run.path)
    return values


@probe("task3_6")
def minimize_the_spiral_mlp():
    optim.OPTIMIZERS["probe_gd"] = PlainGradientDescent
    run = convergence.minimize(convergence.spiral_mlp(n_samples=60, seed=2), "probe_gd", 25, lr=0.3)
    return {"losses": np.asarray(run.losses), "path_is_none": run.path is None}
