"""Helpers of hw3's public tests: a quadratic problem with a known gradient, the update rules of the
lectures written out in NumPy, and the checks that run a mytorch optimizer next to them.

The optimizer tests never call ``backward``: before every step they set each parameter's
``.grad`` to ∇J(w), computed here in closed form, so a trajectory depends on the update rule
alone. Each NumPy rule takes one step on one parameter, ``rule(w, g, state, **options)``,
returns the new w (a new array) and keeps its running averages in ``state``; its options carry
the names of the optimizer's constructor arguments.
"""
import numpy as np

import mytorch
from checks import assert_close, const, leaf  # noqa: F401

# assignment.toml, [tolerances]
TRAJECTORY_RTOL = 1e-7
TRAJECTORY_ATOL = 1e-12
TRAJECTORY_STEPS = 30


# ----- the problem ---------------------------------------------------------------------------------
class Quadratic:
    """J(w) = ½ (w − c)ᵀ A (w − c) over the entries of a parameter w of any shape, so ∇J(w) = A (w − c).

    A is symmetric with eigenvalues in [0.5, 2]: plain gradient descent is stable for η < 1.
    ``start`` lies a few units away from the minimum c; everything comes from ``seed``.
    """

    def __init__(self, shape, seed):
        rng = np.random.default_rng(seed)
        size = int(np.prod(shape, dtype=np.int64))
        rotation, _ = np.linalg.qr(rng.standard_normal((size, size)))
        self.shape = tuple(shape)
        self.curvature = rotation @ np.diag(rng.uniform(0.5, 2.0, size)) @ rotation.T
        self.center = rng.standard_normal(shape)
        self.start = self.center + 2.0 * rng.standard_normal(shape)

    def gradient(self, w):
        """A (w − c), in w's dtype."""
        flat = self.curvature @ (np.asarray(w, dtype=np.float64) - self.center).reshape(-1)
        return flat.reshape(np.shape(w)).astype(np.asarray(w).dtype)


# ----- the update rules, in the lectures' notation -------------------------------------------------
def sgd_rule(w, g, state, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
    """g ← g + λ w;  b₁ = g₁,  b_t = μ b_{t−1} + (1 − τ) g_t;
    w ← w − η b_t (momentum), w ← w − η (g_t + μ b_t) (Nesterov), w ← w − η g_t (neither)."""
    g = g + weight_decay * w
    if momentum == 0:
        return w - lr * g
    if "b" in state:
        state["b"] = momentum * state["b"] + (1 - dampening) * g
    else:
        state["b"] = g.copy()
    direction = g + momentum * state["b"] if nesterov else state["b"]
    return w - lr * direction


def adagrad_rule(w, g, state, lr, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
                 eps=1e-10):
    """G_t = G_{t−1} + g_t² (G₀ = initial_accumulator_value),  η_t = η / (1 + (t − 1) lr_decay),
    w ← w − η_t g_t / (√G_t + ε)."""
    t = state["t"] = state.get("t", 0) + 1
    g = g + weight_decay * w
    state["G"] = state.get("G", np.full_like(w, initial_accumulator_value)) + g ** 2
    eta_t = lr / (1 + (t - 1) * lr_decay)
    return w - eta_t * g / (np.sqrt(state["G"]) + eps)


def adadelta_rule(w, g, state, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0):
    """E[g²]_t = ρ E[g²]_{t−1} + (1 − ρ) g_t²,  Δw_t = √(E[Δw²]_{t−1} + ε) / √(E[g²]_t + ε) · g_t,
    E[Δw²]_t = ρ E[Δw²]_{t−1} + (1 − ρ) Δw_t²,  w ← w − η Δw_t."""
    g = g + weight_decay * w
    mean_g2 = rho * state.get("E[g²]", 0.0) + (1 - rho) * g ** 2
    mean_dw2 = state.get("E[Δw²]", np.zeros_like(w))
    delta = np.sqrt(mean_dw2 + eps) / np.sqrt(mean_g2 + eps) * g
    state["E[g²]"], state["E[Δw²]"] = mean_g2, rho * mean_dw2 + (1 - rho) * delta ** 2
    return w - lr * delta


def rmsprop_rule(w, g, state, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                 centered=False):
    """v_t = α v_{t−1} + (1 − α) g_t²;  centered: ḡ_t = α ḡ_{t−1} + (1 − α) g_t, √(v_t − ḡ_t²) for √v_t;
    w ← w − η g_t / (√v_t + ε), or with momentum b_t = μ b_{t−1} + g_t / (√v_t + ε), w ← w − η b_t."""
    g = g + weight_decay * w
    state["v"] = alpha * state.get("v", 0.0) + (1 - alpha) * g ** 2
    if centered:
        state["ḡ"] = alpha * state.get("ḡ", 0.0) + (1 - alpha) * g
        normalized = g / (np.sqrt(state["v"] - state["ḡ"] ** 2) + eps)
    else:
        normalized = g / (np.sqrt(state["v"]) + eps)
    if momentum > 0:
        state["b"] = momentum * state.get("b", 0.0) + normalized
        return w - lr * state["b"]
    return w - lr * normalized


def adam_rule(w, g, state, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False,
              decoupled_weight_decay=False):
    """m_t = β₁ m_{t−1} + (1 − β₁) g_t,  v_t = β₂ v_{t−1} + (1 − β₂) g_t²,
    m̂_t = m_t / (1 − β₁ᵗ),  v̂_t = v_t / (1 − β₂ᵗ)  (AMSGrad: v_t^max = max(v_{t−1}^max, v_t) for v_t),
    w ← w − η m̂_t / (√v̂_t + ε);  weight decay: g ← g + λ w (Adam), or first w ← w − η λ w (AdamW)."""
    beta1, beta2 = betas
    t = state["t"] = state.get("t", 0) + 1
    if decoupled_weight_decay:
        w = w - lr * weight_decay * w
    else:
        g = g + weight_decay * w
    state["m"] = beta1 * state.get("m", 0.0) + (1 - beta1) * g
    state["v"] = beta2 * state.get("v", 0.0) + (1 - beta2) * g ** 2
    if amsgrad:
        state["v_max"] = np.maximum(state.get("v_max", 0.0), state["v"])
    m_hat = state["m"] / (1 - beta1 ** t)
    v_hat = state["v_max" if amsgrad else "v"] / (1 - beta2 ** t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps)


def adamw_rule(w, g, state, weight_decay=1e-2, **options):
    """AdamW: Adam with decoupled weight decay (and AdamW's default λ)."""
    return adam_rule(w, g, state, weight_decay=weight_decay, decoupled_weight_decay=True, **options)


def gradient_descent_closed_form(problem, lr, steps):
    """Plain gradient descent on the quadratic has a closed form: w_t = c + (I − η A)ᵗ (w₀ − c)."""
    contraction = np.eye(len(problem.curvature)) - lr * problem.curvature
    offset = (problem.start - problem.center).reshape(-1)
    powers = [np.linalg.matrix_power(contraction, t) for t in range(steps + 1)]
    return np.stack([problem.center + (power @ offset).reshape(problem.shape) for power in powers])


def lecture_momentum(problem, lr, momentum, steps, nesterov=False):
    """The lectures' velocity form, v₀ = 0:  v_t = γ v_{t−1} + η ∇J(w_{t−1}),  w_t = w_{t−1} − v_t;
    for Nesterov the gradient is taken at the lookahead point, ∇J(w_{t−1} − γ v_{t−1}).

    Returns the points an optimizer that stores b = v / η holds: w_t, or for Nesterov the lookahead
    points w_t − γ v_t, (steps + 1, *shape).
    """
    w, v = problem.start.copy(), np.zeros_like(problem.start)
    points = [w.copy()]
    for _ in range(steps):
        at = w - momentum * v if nesterov else w
        v = momentum * v + lr * problem.gradient(at)
        w = w - v
        points.append(w - momentum * v if nesterov else w)
    return np.stack(points)


# ----- running an optimizer ------------------------------------------------------------------------
def describe(optimizer_class, options):
    """``SGD(lr=0.1, momentum=0.9)``: the optimizer under test, for the failure messages."""
    return f"{optimizer_class.__name__}({', '.join(f'{k}={v!r}' for k, v in options.items())})"


def mytorch_trajectory(optimizer, params, problems, steps, given_gradients=None):
    """Take ``steps`` steps of ``optimizer``; before each, every parameter's ``.grad`` is set to its
    problem's gradient. Returns one (steps + 1, *shape) array of values per parameter.
    ``given_gradients``, if a list, receives (the array handed to ``.grad``, a copy of it)."""
    history = [[p.data.copy()] for p in params]
    for _ in range(steps):
        for param, problem in zip(params, problems):
            param.grad = mytorch.tensor(problem.gradient(param.data))
            if given_gradients is not None:
                given_gradients.append((param.grad.data, param.grad.data.copy()))
        optimizer.step()
        for values, param in zip(history, params):
            values.append(param.data.copy())
    return [np.stack(values) for values in history]


def numpy_trajectory(rule, problem, steps, options, start=None, state=None):
    """The same steps with a NumPy ``rule``, from ``start`` (default: the problem's): (steps + 1, *shape).
    The rule's running averages are left in ``state``, if given."""
    w = problem.start.copy() if start is None else start.copy()
    state, points = {} if state is None else state, [w]
    for _ in range(steps):
        w = rule(w, problem.gradient(w), state, **options)
        points.append(w)
    return np.stack(points)


def assert_trajectory_close(actual, expected, what, rtol=TRAJECTORY_RTOL, atol=TRAJECTORY_ATOL):
    """Compare two trajectories step by step; the message names the first step that differs."""
    assert actual.shape == expected.shape, (
        f"{what}: trajectory of shape {actual.shape}, expected {expected.shape}")
    for t in range(1, len(expected)):
        if not np.allclose(actual[t], expected[t], rtol=rtol, atol=atol):
            hint = ""
            if np.array_equal(actual[t], actual[t - 1]):
                hint = " (the parameter did not move: update `param` in place, e.g. `param -= ...`)"
            np.testing.assert_allclose(actual[t], expected[t], rtol=rtol, atol=atol, err_msg=(
                f"{what}: the parameter after step {t} of {len(expected) - 1} is wrong{hint}; "
                f"the steps before agree"))


def assert_follows_rule(optimizer_class, rule, options, shapes=((3,),), seed=0, steps=TRAJECTORY_STEPS):
    """One optimizer over parameters of ``shapes`` (one quadratic each, from ``seed``, ``seed + 1``, …)
    follows ``rule`` at every step. Returns the optimizer and its parameters."""
    problems = [Quadratic(shape, seed + i) for i, shape in enumerate(shapes)]
    params = [leaf(problem.start) for problem in problems]
    optimizer = optimizer_class(params, **options)
    trajectories = mytorch_trajectory(optimizer, params, problems, steps)
    for index, (problem, actual) in enumerate(zip(problems, trajectories)):
        expected = numpy_trajectory(rule, problem, steps, options)
        what = f"{describe(optimizer_class, options)}, parameter {index} of shape {problem.shape}"
        assert_trajectory_close(actual, expected, what)
    return optimizer, params


def first_step(optimizer_class, options, seed=0):
    """One step of a fresh optimizer on a (5,) parameter: returns w₀, the gradient g₁ and w₁."""
    problem = Quadratic((5,), seed)
    param = leaf(problem.start)
    trajectory = mytorch_trajectory(optimizer_class([param], **options), [param], [problem], 1)[0]
    return problem.start, problem.gradient(problem.start), trajectory[1]


# ----- the contract of Optimizer.update ------------------------------------------------------------
def check_updates_in_place(optimizer_class, rule, options):
    """``update`` writes into the parameter's array: the Parameter keeps the same ``.data`` object."""
    problem = Quadratic((2, 3), 1)
    param = leaf(problem.start)
    array = param.data
    optimizer = optimizer_class([param], **options)
    mytorch_trajectory(optimizer, [param], [problem], 3)
    what = describe(optimizer_class, options)
    assert param.data is array, (f"{what}: param.data was replaced by a new array; update the array `param` "
                                 f"in place (param -= ..., param *= ...)")
    assert not np.array_equal(array, problem.start), (
        f"{what}: three steps left the parameter unchanged; `param = param - ...` only rebinds a local name, "
        f"write `param -= ...`")


def check_leaves_the_gradient_alone(optimizer_class, rule, options):
    """``update`` must not change ``grad`` (the caller's ``.grad``), at its step or any later one."""
    problem = Quadratic((4,), 2)
    param = leaf(problem.start)
    optimizer = optimizer_class([param], **options)
    given = []
    mytorch_trajectory(optimizer, [param], [problem], 5, given_gradients=given)
    for step, (array, copy) in enumerate(given, start=1):
        assert np.array_equal(array, copy), (
            f"{describe(optimizer_class, options)}: the gradient handed to step {step} changed (after 5 "
            f"steps it is {array}, it was {copy}); compute g + λw as a new array, and copy g before keeping "
            f"it in the state")


def check_skips_parameters_without_gradient(optimizer_class, rule, options):
    """A parameter whose ``.grad`` is None is left alone, and so is its state."""
    problems = [Quadratic((3,), 3), Quadratic((2,), 4)]
    moving, idle = leaf(problems[0].start), leaf(problems[1].start)
    optimizer = optimizer_class([moving, idle], **options)
    for _ in range(3):
        moving.grad = mytorch.tensor(problems[0].gradient(moving.data))
        optimizer.step()
    assert idle.grad is None and np.array_equal(idle.data, problems[1].start), (
        f"{describe(optimizer_class, options)}: a parameter without a gradient changed")
    assert not optimizer.state.get(idle), (
        f"{describe(optimizer_class, options)}: a parameter without a gradient got a state")
    expected = numpy_trajectory(rule, problems[0], 3, options)[-1]
    assert_close(moving.data, expected, f"{describe(optimizer_class, options)}: the parameter with a "
                 f"gradient, after 3 steps", TRAJECTORY_RTOL, TRAJECTORY_ATOL)


def check_groups_have_their_own_options(optimizer_class, rule, options):
    """Two param groups: the second sets its own lr (½ of the first's); each follows its own group."""
    problems = [Quadratic((3,), 5), Quadratic((2, 2), 6)]
    params = [leaf(problem.start) for problem in problems]
    second = dict(options, lr=options["lr"] / 2)
    groups = [{"params": [params[0]]}, {"params": [params[1]], "lr": second["lr"]}]
    optimizer = optimizer_class(groups, **options)
    trajectories = mytorch_trajectory(optimizer, params, problems, TRAJECTORY_STEPS)
    for index, group_options in enumerate([options, second]):
        expected = numpy_trajectory(rule, problems[index], TRAJECTORY_STEPS, group_options)
        assert_trajectory_close(trajectories[index], expected, f"{describe(optimizer_class, group_options)} "
                                f"in param group {index} (read the options from `group`)")


def check_float32_stays_float32(optimizer_class, rule, options):
    """float32 parameters and gradients stay float32 (and close to the float64 trajectory)."""
    problem = Quadratic((5,), 7)
    param = mytorch.tensor(problem.start.astype(np.float32), requires_grad=True)
    optimizer = optimizer_class([param], **options)
    actual = mytorch_trajectory(optimizer, [param], [problem], 5)[0]
    what = describe(optimizer_class, options)
    assert param.dtype == np.float32, f"{what} turned a float32 parameter into {param.dtype}"
    for name, value in optimizer.state[param].items():
        if isinstance(value, np.ndarray):
            assert value.dtype == np.float32, (
                f"{what}: state[{name!r}] of a float32 parameter is {value.dtype}")
    start = problem.start.astype(np.float32).astype(np.float64)
    expected = numpy_trajectory(rule, problem, 5, options, start=start)
    np.testing.assert_allclose(actual, expected, rtol=1e-4, atol=1e-5, err_msg=(
        f"{what}: 5 steps in float32, against float64"))


def check_a_new_lr_applies_from_the_next_step(optimizer_class, rule, options):
    """A learning-rate schedule sets ``group["lr"]`` between steps: the next steps use the new lr, and
    the state (velocity, running averages) carries over unchanged."""
    problem, half = Quadratic((3,), 8), dict(options, lr=options["lr"] / 2)
    param = leaf(problem.start)
    optimizer = optimizer_class([param], **options)
    first = mytorch_trajectory(optimizer, [param], [problem], 10)[0]
    optimizer.param_groups[0]["lr"] = half["lr"]
    second = mytorch_trajectory(optimizer, [param], [problem], 10)[0]
    state = {}
    before = numpy_trajectory(rule, problem, 10, options, state=state)
    after = numpy_trajectory(rule, problem, 10, half, start=before[-1], state=state)
    assert_trajectory_close(np.concatenate([first, second[1:]]), np.concatenate([before, after[1:]]), (
        f"{describe(optimizer_class, options)} with group['lr'] halved after step 10 (read lr from `group` "
        f"at every step; the state must not hold it: SGD's and RMSprop's velocity is b = v / η)"))


CONTRACT = [check_updates_in_place, check_leaves_the_gradient_alone, check_skips_parameters_without_gradient,
            check_groups_have_their_own_options, check_a_new_lr_applies_from_the_next_step,
            check_float32_stays_float32]
CONTRACT_IDS = ["in place", "grad unchanged", "grad None skipped", "param groups", "lr schedule", "float32"]


# ----- Task 3.6: the two test functions ------------------------------------------------------------
def np_quadratic(w, kappa):
    """f(w) = ½ (w₁² + κ w₂²) and ∇f = (w₁, κ w₂), for w of shape (2, ...)."""
    x, y = w[0], w[1]
    return (x * x + kappa * y * y) / 2, np.stack([x, kappa * y])


def np_rosenbrock(w, a=1.0, b=100.0):
    """f(w) = (a − w₁)² + b (w₂ − w₁²)² and ∇f = (−2 (a − w₁) − 4 b w₁ (w₂ − w₁²), 2 b (w₂ − w₁²))."""
    x, y = w[0], w[1]
    valley = y - x * x
    gradient = np.stack([-2 * (a - x) - 4 * b * x * valley, 2 * b * valley])
    return (a - x) * (a - x) + b * valley * valley, gradient


def numpy_minimize(function, start, rule, steps, options):
    """``steps`` steps of a NumPy ``rule`` on f = ``function`` (w ↦ (f(w), ∇f(w))) from ``start``: the
    losses before each step, (steps,), and the path, (steps + 1, 2), as ``convergence.minimize`` returns."""
    w, state, losses, path = np.array(start, dtype=np.float64), {}, [], []
    for _ in range(steps):
        value, gradient = function(w)
        losses.append(value)
        path.append(w)
        w = rule(w, gradient, state, **options)
    return np.array(losses), np.array(path + [w])
