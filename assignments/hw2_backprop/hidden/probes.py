"""hw2's probes: they run inside the sandbox, drive the student's layers, activations, losses,
initialisers, modules and training loop, and return plain values; the grader compares them with the
reference's values for the same probes.

A backward rule is graded by a gradient check (``check="gradient"``): for each case, ``analytic_<case>``
holds the gradients the student's rules give through ``y.backward(ȳ)``, ``numerical_<case>`` central
differences of the student's own forward (:mod:`finite_differences`), and every value is then compared
with the reference's too.
Gradient checks draw float64 inputs from fixed seeds, away from the kinks of ReLU and |x|; the kinks
themselves (x = 0 exactly) are probed against the reference's values, which follow PyTorch's
sub-gradients: relu'(0) = 0, leaky_relu'(0) = α, d|x|/dx at 0 = sign(0) = 0. Float32 inputs are probed
for float32 results (their dtype by name, their values at float32 precision). No expected value lives
here.

Every probe exercises one task's code alone, with the stand-ins of the public tests
(tests/stand_ins.py, shipped beside this file): where a task's code calls another task's, a stand-in
answers in its place what the reference's code answered in the reference's run of the same probe,
from a table the grader hands in as data; no solution code is here: ``log_softmax`` (Task 2.2) under
``cross_entropy`` (Task 2.3), and ``cross_entropy`` (Task 2.3) under the training loop (Task 2.6).
Their inputs are computed by the code under test, so each answers from the recorded point nearest its
input, linearised there (recorded.Linearised): at the same input it answers the reference's value bit
for bit, and an input that the reference's run never reached fails the task under test. Layers,
Sequential and the network's parameters do not need stand-ins: the probes of Tasks 2.5 and 2.6 build
their networks of the stand-ins' layers (an affine layer of hw1's matmul, and a primitive
x / √(1 + x²) in place of tanh), which solve no task of hw2.
"""
from collections import OrderedDict

import numpy as np

import finite_differences
import mytorch
from mytorch import nn, playground
from mytorch.data import toy
from mytorch.nn import functional as F
from mytorch.nn import init
from mytorch.ops import linalg
from probe_helpers import const, forward_of, gradient_pair, randn, stand_ins
from probing import probe
from stand_ins import STAND_IN_CROSS_ENTROPY, STAND_IN_LOG_SOFTMAX, Dense, Network, Squash, network_like_mlp

REDUCTIONS = ("mean", "sum", "none")


def away_from_kinks(shape, seed):
    """Values in [−3, 3], at least 0.1 away from 0, where ReLU and |x| have their kink."""
    return finite_differences.away_from([0.0], shape, seed, low=-3.0, high=3.0)


def labels(classes):
    """An int64 tensor of class indices."""
    return mytorch.tensor(np.asarray(classes, dtype=np.int64))


def gradient_values(cases):
    """The values of a gradient check over ``cases``: {case: (f, {input name: array})}, ``f`` a function of
    tensors.

    Each case applies ``f`` to float64 leaves and backpropagates a random ȳ with ``y.backward``; it gives
    the value "<case>" (the forward's output) and "<case>_<input>_grad" (each gradient), and the pair
    "analytic_<case>" (the gradients, joined) and "numerical_<case>" (the central differences of the
    forward at the same places) that the grader checks. A case with an input of more than
    COORDINATE_LIMIT elements pairs instead the inner products ⟨x̄, v⟩ and ⟨ȳ, J v⟩ along random
    directions v (probe_helpers.gradient_pair).
    """
    values = {}
    for number, (case, (f, inputs)) in enumerate(cases.items()):
        arrays = [np.asarray(a, dtype=np.float64) for a in inputs.values()]
        leaves = [mytorch.tensor(a, requires_grad=True) for a in arrays]
        y = f(*leaves)
        upstream = randn(y.shape, number)
        y.backward(mytorch.tensor(upstream))
        values[case] = y.data
        for name, x in zip(inputs, leaves):
            if x.grad is None:
                raise RuntimeError(f"{case}: no gradient reached the input {name!r}; a backward rule "
                                   f"returns one gradient per input")
            values[f"{case}_{name}_grad"] = x.grad.data
        grads = [x.grad.data for x in leaves]
        pair = gradient_pair(forward_of(f), arrays, upstream, grads, seed=number)
        values[f"analytic_{case}"], values[f"numerical_{case}"] = pair
    return values


def outputs_and_gradients(functions, x):
    """{name: output, name_grad: x̄ for ȳ = 1} of each of ``functions`` at ``x``. A warning is no verdict:
    a stable formula may overflow in a branch that it then discards (``where``); an unstable one
    returns an inf or a NaN, which the grader finds where the reference's value is finite."""
    values = {}
    for name, f in functions.items():
        leaf = mytorch.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
        with np.errstate(all="ignore"):
            y = f(leaf)
            y.backward(mytorch.tensor(np.ones(y.shape)))
        values[name], values[f"{name}_grad"] = y.data, leaf.grad.data
    return values


# ----- Task 2.1: the Linear primitive -------------------------------------------------------------
@probe("task2_1")
def linear_forward():
    x, w, b, v = randn((2, 3, 4), 1), randn((5, 4), 2), randn(5, 3), randn(4, 4)
    mytorch.manual_seed(0)
    layer = nn.Linear(3, 2, bias=False)
    y = layer(mytorch.tensor(randn((4, 3), 5).astype(np.float32)))
    y.backward(mytorch.tensor(randn(y.shape, 6).astype(np.float32)))
    return {"batch_of_matrices": F.linear(const(x), const(w), const(b)).data,
            "vector": F.linear(const(v), const(w), const(b)).data,
            "without_bias": F.linear(const(x[0]), const(w)).data,
            "float32_module": y.data, "float32_module_dtype": str(y.dtype),
            "float32_module_weight_grad": layer.weight.grad.data,
            "float32_module_weight_grad_dtype": str(layer.weight.grad.dtype)}


@probe("task2_1", check="gradient")
def linear_backward():
    constant = const(randn((4, 3), 9))
    return gradient_values({
        "vector": (F.linear, dict(x=randn(4, 5), w=randn((3, 4), 6), b=randn(3, 7))),
        "matrix": (F.linear, dict(x=randn((5, 4), 1), w=randn((3, 4), 2))),
        "batch": (F.linear, dict(x=randn((2, 3, 4), 3), w=randn((2, 4), 4), b=randn(2, 8))),
        "one_by_one": (F.linear, dict(x=randn((1, 1), 12), w=randn((1, 1), 13), b=randn(1, 14))),
        "constant_x": (lambda w, b: F.linear(constant, w, b), dict(w=randn((2, 3), 10), b=randn(2, 11))),
        "one_weight_used_twice": (lambda x, w, b: F.linear(F.linear(x, w), w, b),
                                  dict(x=randn((3, 4), 19), w=randn((4, 4), 23), b=randn(4, 24))),
        "two_layers": (lambda x, w1, w2, b: F.linear(F.linear(x, w1), w2, b),
                       dict(x=randn((3, 4), 15), w1=randn((5, 4), 16), w2=randn((2, 5), 17),
                            b=randn(2, 18))),
        # x needs a gradient where W (or b) does not: needs_input_grad differs between the inputs
        "constant_weight": (lambda x, b: F.linear(x, constant, b), dict(x=randn((2, 3), 25), b=randn(4, 26))),
        "constant_weight_without_bias": (lambda x: F.linear(x, constant), dict(x=randn((5, 3), 27))),
        "constant_bias": (lambda x, w: F.linear(x, w, const(randn(2, 28))),
                          dict(x=randn((3, 4), 29), w=randn((2, 4), 30))),
    })


@probe("task2_1")
def linear_backward_returns_one_gradient_per_input():
    """``Linear.backward`` called directly: the gradients it returns for the inputs that need one, and
    how many arrays it returns beyond its inputs (two inputs without a bias, three with one; a
    trailing None, as PyTorch allows, is no gradient)."""
    cases = {"without_bias": [(randn((4, 3), 40), True), (randn((2, 3), 41), True)],
             "vector_without_bias": [(randn(3, 42), True), (randn((2, 3), 43), True)],
             "with_bias": [(randn((4, 3), 44), True), (randn((2, 3), 45), True), (randn(2, 46), True)],
             "with_bias_and_a_constant_x": [(randn((2, 5, 3), 47), False), (randn((2, 3), 48), True),
                                            (randn(2, 49), True)]}
    values = {}
    for number, (case, inputs) in enumerate(cases.items()):
        tensors = [mytorch.tensor(a, requires_grad=needed) for a, needed in inputs]
        y = linalg.Linear.apply(*tensors)
        grads = y.grad_fn.backward(randn(y.shape, 50 + number))
        grads = grads if isinstance(grads, tuple) else (grads,)
        if len(grads) < len(inputs):
            raise RuntimeError(f"{case}: Linear.backward returned {len(grads)} gradients for {len(inputs)} "
                               f"inputs")
        values[f"{case}_gradients_beyond_the_inputs"] = sum(g is not None for g in grads[len(inputs):])
        for name, (_, needed), g in zip(("x", "weight", "bias"), inputs, grads):
            if needed:
                values[f"{case}_{name}_grad"] = np.asarray(g)
    return values


@probe("task2_1")
def linear_float32_gradients_and_a_second_backward():
    """A float32 layer keeps float32 gradients; a second forward and backward through the same weights
    adds its gradients to .grad."""
    x1, x2 = randn((4, 3), 30).astype(np.float32), randn((2, 5, 3), 31).astype(np.float32)
    w = mytorch.tensor(randn((2, 3), 32).astype(np.float32), requires_grad=True)
    b = mytorch.tensor(randn(2, 33).astype(np.float32), requires_grad=True)
    x = mytorch.tensor(x1, requires_grad=True)
    y = F.linear(x, w, b)
    y.backward(mytorch.tensor(randn(y.shape, 34).astype(np.float32)))
    values = {"output": y.data, "output_dtype": str(y.dtype), "x_grad": x.grad.data,
              "first_weight_grad": w.grad.data.copy(), "first_bias_grad": b.grad.data.copy(),
              "gradient_dtypes": " ".join(str(t.grad.dtype) for t in (x, w, b))}
    y2 = F.linear(mytorch.tensor(x2), w, b)
    y2.backward(mytorch.tensor(randn(y2.shape, 35).astype(np.float32)))
    values.update({"second_output": y2.data, "accumulated_weight_grad": w.grad.data,
                   "accumulated_bias_grad": b.grad.data})
    return values


@probe("task2_1", check="gradient")
def linear_backward_large():
    inputs = dict(x=randn((32, 50), 20), w=randn((40, 50), 21), b=randn(40, 22))
    return gradient_values({"layer": (F.linear, inputs)})


@probe("task2_1", check="gradient")
def linear_forward_mode():
    """``analytic_<case>``: the tangents of mytorch.autodiff.jvp, ``numerical_<case>``:
    (f(x + εv) − f(x − εv)) / 2ε."""
    values = {}
    for case, shapes in enumerate([[(4,), (3, 4)], [(5, 4), (3, 4), (3,)], [(2, 3, 2), (4, 2), (4,)]]):
        primals = [randn(shape, 10 * case + i) for i, shape in enumerate(shapes)]
        tangents = [randn(shape, 10 * case + 5 + i) for i, shape in enumerate(shapes)]
        _, tangent = mytorch.autodiff.jvp(F.linear, tuple(map(const, primals)), tuple(map(const, tangents)))
        values[f"analytic_{case}"] = tangent.data
        values[f"numerical_{case}"] = finite_differences.jvp(forward_of(F.linear), primals, tangents)
    return values


# ----- Task 2.2: activations ----------------------------------------------------------------------
ELEMENTWISE = {"relu": F.relu, "leaky_relu": F.leaky_relu, "leaky_relu_0_3": lambda x: F.leaky_relu(x, 0.3),
               "sigmoid": F.sigmoid, "tanh": F.tanh}


@probe("task2_2")
def activation_forwards():
    x = away_from_kinks((3, 4), 1)
    values = {name: f(const(x)).data for name, f in ELEMENTWISE.items()}
    for dim in (0, 1):
        values[f"softmax_dim{dim}"] = F.softmax(const(x), dim=dim).data
        values[f"log_softmax_dim{dim}"] = F.log_softmax(const(x), dim=dim).data
    modules = {"relu_module": nn.ReLU(), "leaky_relu_module": nn.LeakyReLU(0.2),
               "sigmoid_module": nn.Sigmoid(), "tanh_module": nn.Tanh(), "softmax_module": nn.Softmax(dim=0),
               "log_softmax_module": nn.LogSoftmax(dim=1)}
    values.update({name: layer(const(x)).data for name, layer in modules.items()})
    float32 = mytorch.tensor(np.linspace(-2, 2, 7, dtype=np.float32))
    for name, f in [*ELEMENTWISE.items(), ("softmax", F.softmax), ("log_softmax", F.log_softmax)]:
        values[f"{name}_float32_dtype"] = str(f(float32).dtype)
    return values


@probe("task2_2", check="gradient")
def elementwise_backward():
    shapes = [(3, 4), (2, 3, 2), (6,), (4, 1), (2, 2, 3)]
    cases = {name: (f, dict(x=away_from_kinks(shape, 30 + i)))
             for i, ((name, f), shape) in enumerate(zip(ELEMENTWISE.items(), shapes))}
    for i, (name, f) in enumerate(ELEMENTWISE.items()):
        cases[f"{name}_of_a_number"] = (f, dict(x=away_from_kinks((), 39 + i)))
    # ȳ reaches x by two paths: a backward that writes into its upstream gradient spoils the other
    for i, (name, f) in enumerate(ELEMENTWISE.items()):
        cases[f"{name}_added_to_its_input"] = (lambda t, f=f: f(t) + t, dict(x=away_from_kinks((2, 3), 47 + i)))
    return gradient_values(cases)


@probe("task2_2", check="gradient")
def elementwise_forward_mode():
    """``analytic_<name>``: the tangent of mytorch.autodiff.jvp, ``numerical_<name>``:
    (f(x + εv) − f(x − εv)) / 2ε, at inputs away from the kinks."""
    values = {}
    for i, (name, f) in enumerate(ELEMENTWISE.items()):
        x, v = away_from_kinks((3, 2), 60 + i), randn((3, 2), 70 + i)
        _, tangent = mytorch.autodiff.jvp(f, (const(x),), (const(v),))
        values[f"analytic_{name}"] = tangent.data
        values[f"numerical_{name}"] = finite_differences.jvp(forward_of(f), [x], [v])
    return values


@probe("task2_2")
def relu_and_leaky_relu_at_zero():
    """PyTorch's sub-gradients at the kink x = 0 (and −0.0): relu'(0) = 0, leaky_relu'(0) = α."""
    x = [[-2.0, -0.0, 0.0, 3.0], [0.0, 1e-300, -1e-300, 0.0]]
    values = outputs_and_gradients({"relu": F.relu, "leaky_relu": F.leaky_relu,
                                    "leaky_relu_0_3": lambda t: F.leaky_relu(t, 0.3),
                                    "relu_module": nn.ReLU(), "leaky_relu_module_0_2": nn.LeakyReLU(0.2)}, x)
    values.update({f"{name}_of_zero": value for name, value in outputs_and_gradients(
        {"relu": F.relu, "leaky_relu_0_3": lambda t: F.leaky_relu(t, 0.3)}, 0.0).items()})
    return values


@probe("task2_2")
def float32_activations_stay_float32():
    """Float32 in, float32 out, forward and backward; values judged at float32 precision. Inputs reach
    ±100, where e^100 overflows float32."""
    x = np.array([[-100.0, -3.5, -0.25, 0.0], [0.5, 2.0, 40.0, 100.0]], dtype=np.float32)
    upstream = randn(x.shape, 50).astype(np.float32)
    functions = {**ELEMENTWISE, "softmax_last_dim": lambda t: F.softmax(t, dim=-1),
                 "log_softmax_last_dim": lambda t: F.log_softmax(t, dim=-1),
                 "softmax_dim0": lambda t: F.softmax(t, dim=0), "log_softmax_dim0": lambda t: F.log_softmax(t, dim=0)}
    values = {}
    for name, f in functions.items():
        leaf = mytorch.tensor(x, requires_grad=True)
        with np.errstate(all="ignore"):
            y = f(leaf)
            y.backward(mytorch.tensor(upstream))
        values[name], values[f"{name}_grad"] = y.data, leaf.grad.data
        values[f"{name}_dtypes"] = f"{y.dtype} {leaf.grad.dtype}"
    return values


@probe("task2_2", check="gradient")
def softmax_backward():
    x = randn((2, 3, 4), 40)
    cases = {}
    for dim in (0, 1, 2, -1, -2, -3):
        name = f"dim{dim}" if dim >= 0 else {-1: "last_dim", -2: "dim_minus_2", -3: "dim_minus_3"}[dim]
        cases[f"softmax_{name}"] = (lambda t, dim=dim: F.softmax(t, dim=dim), dict(x=x))
        cases[f"log_softmax_{name}"] = (lambda t, dim=dim: F.log_softmax(t, dim=dim), dict(x=x))
    return gradient_values(cases)


@probe("task2_2")
def huge_inputs_stay_finite():
    return outputs_and_gradients({"sigmoid": F.sigmoid, "tanh": F.tanh,
                                  "softmax": lambda t: F.softmax(t, dim=1),
                                  "log_softmax": lambda t: F.log_softmax(t, dim=1)},
                                 [[1e4, -1e4, 0.0, 5e3], [-1e4, -1e4, -1e4, -1e4], [1e3, -1e3, 999.0, 0.0]])


# ----- Task 2.3: losses (log-softmax, Task 2.2, is a stand-in) ------------------------------------
@probe("task2_3", check="gradient")
def regression_loss_gradients():
    cases = {}
    for shape, reductions in [((3, 4), REDUCTIONS), ((), ("mean",))]:
        target = randn(shape, len(shape))
        inputs = dict(x=target + away_from_kinks(shape, 10 + len(shape)), target=target)
        for reduction in reductions:
            for name, loss in [("mse", F.mse_loss), ("l1", F.l1_loss)]:
                cases[f"{name}_{reduction}_{len(shape)}d"] = (
                    lambda x, t, loss=loss, reduction=reduction: loss(x, t, reduction=reduction), inputs)
    return gradient_values(cases)


@probe("task2_3", check="gradient")
def classification_loss_gradients():
    cases = {}
    for n, c, reduction in [(1, 1, "mean"), (1, 4, "sum"), (5, 3, "none"), (5, 3, "mean"), (7, 10, "sum")]:
        rng = np.random.default_rng(10 * n + c)
        logits, classes = 3 * rng.standard_normal((n, c)), labels(rng.integers(0, c, size=n))
        for name, loss in [("nll", F.nll_loss), ("cross_entropy", F.cross_entropy)]:
            cases[f"{name}_{reduction}_{n}x{c}"] = (
                lambda x, loss=loss, y=classes, reduction=reduction: loss(x, y, reduction=reduction),
                dict(x=logits))
    with stand_ins(STAND_IN_LOG_SOFTMAX):
        return gradient_values(cases)


@probe("task2_3")
def cross_entropy_of_huge_logits():
    logits = np.array([[1.0, 0.0, -1.0], [0.0, 0.5, 1.0], [2.0, 2.0, 0.0]])
    classes = labels([2, 2, 0])
    values = {}
    with stand_ins(STAND_IN_LOG_SOFTMAX):
        for power in (3, 4, 5):
            summed = {f"logits_1e{power}": lambda x: F.cross_entropy(x, classes, reduction="sum")}
            values.update(outputs_and_gradients(summed, logits * 10.0 ** power))
    return values


@probe("task2_3")
def losses_where_the_input_equals_the_target():
    """|x − t| has its kink where x = t: PyTorch's sub-gradient there is sign(0) = 0."""
    x = np.array([[0.5, -1.0, 2.0], [0.0, 3.0, -0.25]])
    t = np.array([[0.5, 0.0, 2.0], [1.0, 3.0, -0.25]])
    values = {}
    for reduction in REDUCTIONS:
        values.update(outputs_and_gradients(
            {f"l1_{reduction}": lambda a, r=reduction: F.l1_loss(a, const(t), reduction=r),
             f"mse_{reduction}": lambda a, r=reduction: F.mse_loss(a, const(t), reduction=r)}, x))
    values.update(outputs_and_gradients({"l1_of_equal_numbers": lambda a: F.l1_loss(a, const(1.5))}, 1.5))
    return values


@probe("task2_3")
def float32_losses_stay_float32():
    """Float32 logits and targets give float32 losses and gradients, judged at float32 precision."""
    x, t = randn((5, 3), 60).astype(np.float32), randn((5, 3), 61).astype(np.float32)
    classes = labels([0, 2, 1, 1, 0])
    losses = {"mse": lambda a: F.mse_loss(a, mytorch.tensor(t)), "l1": lambda a: F.l1_loss(a, mytorch.tensor(t)),
              "nll_sum": lambda a: F.nll_loss(a, classes, reduction="sum"),
              "cross_entropy": lambda a: F.cross_entropy(a, classes),
              "cross_entropy_none": lambda a: F.cross_entropy(a, classes, reduction="none")}
    values = {}
    with stand_ins(STAND_IN_LOG_SOFTMAX):
        for name, loss in losses.items():
            leaf = mytorch.tensor(x, requires_grad=True)
            y = loss(leaf)
            y.backward(mytorch.ones_like(y))
            values[name], values[f"{name}_grad"] = y.data, leaf.grad.data
            values[f"{name}_dtypes"] = f"{y.dtype} {leaf.grad.dtype}"
    return values


@probe("task2_3")
def loss_modules():
    x, t, classes = randn((4, 3), 9), randn((4, 3), 10), labels([1, 0, 2, 2])
    with stand_ins(STAND_IN_LOG_SOFTMAX):
        return {"mse_sum": nn.MSELoss(reduction="sum")(const(x), const(t)).data,
                "l1_mean": nn.L1Loss()(const(x), const(t)).data,
                "nll_mean": nn.NLLLoss()(const(x), classes).data,
                "cross_entropy_none": nn.CrossEntropyLoss(reduction="none")(const(x), classes).data}


# ----- Task 2.4: initialisers ---------------------------------------------------------------------
def spread(fills, settings):
    """The standard deviation and the largest |w| of each of ``fills``' draws for each setting
    {label: (shape, options)}, drawn into a float64 tensor after ``manual_seed(sum(shape))``, and
    whether every call returned the tensor it filled."""
    values, returns_its_tensor = {}, True
    for fill in fills:
        for label, (shape, options) in settings.items():
            w = mytorch.zeros(*shape, dtype=mytorch.float64)
            mytorch.manual_seed(sum(shape))
            returns_its_tensor &= fill(w, **options) is w
            name = f"{fill.__name__.rstrip('_')}_{label}"
            values[f"{name}_std"] = float(np.std(w.data))
            values[f"{name}_largest"] = float(np.abs(w.data).max())
    return {**values, "returns_its_tensor": returns_its_tensor}


@probe("task2_4")
def xavier_initialisers():
    return spread((init.xavier_uniform_, init.xavier_normal_),
                  {"default_400x250": ((400, 250), {}), "gain1_300x400": ((300, 400), dict(gain=1.0)),
                   "tanh_gain_500x60": ((500, 60), dict(gain=5 / 3)),
                   "tanh_gain_conv": ((32, 16, 3, 3), dict(gain=5 / 3)),
                   "gain2_conv1d": ((24, 12, 7), dict(gain=2.0))})


@probe("task2_4")
def kaiming_initialisers():
    settings = {"default_400x250": ((400, 250), {}),
                "relu_fan_in": ((300, 400), dict(nonlinearity="relu")),
                "leaky_0_2_fan_out": ((500, 60), dict(a=0.2, mode="fan_out")),
                "tanh_conv": ((32, 16, 3, 3), dict(nonlinearity="tanh")),
                "linear_fan_out_conv": ((20, 30, 5, 5), dict(mode="fan_out", nonlinearity="linear")),
                "relu_fan_out_conv1d": ((24, 12, 7), dict(mode="fan_out", nonlinearity="relu"))}
    values = spread((init.kaiming_uniform_, init.kaiming_normal_), settings)
    x = randn((256, 128), 0)
    mytorch.manual_seed(12)
    for _ in range(12):     # He's Var w = 2 / fan_in keeps E[x²] of ReLU activations constant
        w = init.kaiming_normal_(mytorch.zeros(128, 128, dtype=mytorch.float64), nonlinearity="relu")
        x = np.maximum(x @ w.data.T, 0)
    return {**values, "relu_stack_second_moment": float(np.mean(x ** 2))}


@probe("task2_4")
def initialisers_keep_float32_and_the_seed():
    values = {}
    for fill in (init.xavier_uniform_, init.xavier_normal_, init.kaiming_uniform_, init.kaiming_normal_):
        draws = []
        for _ in range(2):
            w = mytorch.zeros(30, 20)
            mytorch.manual_seed(11)
            fill(w)
            draws.append(w.data.copy())
        name = fill.__name__.rstrip("_")
        values[f"{name}_dtype"], values[f"{name}_draws"] = str(w.dtype), draws[1]
        values[f"{name}_repeats"] = bool(np.array_equal(*draws))
    return values


# ----- Task 2.5: Module and Sequential (of layers of the tests' own, which run no task's code) ----
def parameter(values):
    """A float64 Parameter holding ``values``."""
    return nn.Parameter(np.asarray(values, dtype=np.float64))


class Block(nn.Module):
    """Own parameters, a Sequential child, and absent members (a plain None and a None parameter)."""

    def __init__(self):
        super().__init__()
        self.gamma = parameter(np.ones(2))
        self.inner = nn.Sequential(nn.Linear(2, 2), nn.Tanh())
        self.absent = None
        self.register_parameter("beta", None)


class Tower(nn.Module):
    """A three-level tree: two Blocks around an absent child, then an own parameter."""

    def __init__(self):
        super().__init__()
        self.first = Block()
        self.add_module("missing", None)
        self.second = Block()
        self.top = parameter(np.zeros(1))


class Affine(nn.Module):
    """y = a x + b, with a and b parameters."""

    def __init__(self, a, b):
        super().__init__()
        self.a, self.b = parameter(a), parameter(b)

    def forward(self, x):
        return x * self.a + self.b


def names(pairs):
    """The names of (name, value) pairs, as one space-separated string."""
    return " ".join(name for name, _ in pairs)


def linear_layers(sizes, seed):
    """Two float64 nn.Linear layers of widths ``sizes`` = (in, hidden, out), drawn after
    ``manual_seed(seed)``: the initial weights of a two-layer network."""
    mytorch.manual_seed(seed)
    return tuple(nn.Linear(fan_in, fan_out, dtype=mytorch.float64)
                 for fan_in, fan_out in zip(sizes, sizes[1:]))


def by_place(first, last):
    """The parameters of two Dense layers by their place: {"first_weight": …, "last_bias": …}."""
    return {"first_weight": first.weight, "first_bias": first.bias, "last_weight": last.weight,
            "last_bias": last.bias}


@probe("task2_5")
def parameter_names():
    tower = Tower()
    shared, first, second = parameter(np.ones(3)), nn.Module(), nn.Module()
    first.w, second.w = shared, shared
    second.own = parameter(np.zeros(2))
    root = nn.Sequential(first, second, first)
    same_objects = [id(p) for p in tower.parameters()] == [id(p) for _, p in tower.named_parameters()]
    return {"tree": names(tower.named_parameters()),
            "with_prefix": names(tower.second.named_parameters(prefix="x")),
            "not_recursive": names(tower.named_parameters(recurse=False)),
            "child_not_recursive": names(tower.first.inner.named_parameters(recurse=False)),
            "parameters_are_the_named_ones": same_objects,
            "shared_once": names(root.named_parameters()),
            "state_dict_of_shared": names(root.state_dict().items())}


@probe("task2_5")
def state_dict_round_trip_and_zero_grad():
    mytorch.manual_seed(0)
    source, target = Tower(), Tower()
    target.load_state_dict(source.state_dict())
    values = {"state_dict_names": names(source.state_dict().items()),
              "loaded": np.concatenate([p.data.ravel() for p in target.parameters()])}
    for p in target.parameters():
        p.grad = mytorch.ones_like(p)
    target.zero_grad()
    values["zero_grad_clears_all"] = all(p.grad is None for p in target.parameters())
    target.to(mytorch.float64)
    values["dtypes_after_to"] = " ".join(str(p.dtype) for p in target.parameters())
    return values


@probe("task2_5")
def sequential_forward():
    x = randn(6, 1)
    inner = nn.Sequential(Affine(2.0, 1.0), Affine(-1.0, 0.5))
    outer = nn.Sequential(OrderedDict(pre=Affine(3.0, 0.0), body=inner, post=Affine(1.0, -4.0)))
    with_dropout = nn.Sequential(Affine(1.5, 0.5), nn.Dropout(0.5), Squash())
    values = {"nested": outer(const(x)).data, "slice": outer[1:](const(x)).data,
              "empty_is_the_identity": nn.Sequential()(const(x)).data,
              "one_module": nn.Sequential(Affine(-2.0, 0.25))(const(x)).data,
              "last_by_negative_index": outer[-1](const(x)).data,
              "nested_names": names(outer.named_parameters()),
              "eval_reaches_every_module": not any(m.training for m in with_dropout.eval().modules()),
              "with_dropout_in_eval": with_dropout(const(x)).data}
    mytorch.manual_seed(3)
    values["train_reaches_every_module"] = all(m.training for m in with_dropout.train().modules())
    values["with_dropout_in_training"] = with_dropout(const(x)).data
    return values


@probe("task2_5")
def gradients_through_a_sequential_mlp():
    first, last = linear_layers((3, 4, 2), seed=1)
    model = nn.Sequential(Dense(first), Squash(), Dense(last))
    y = model(const(randn((5, 3), 2)))
    y.sum().backward()
    return {"output": y.data, "count": len(list(model.parameters())),
            **{f"{name}_grad": p.grad.data for name, p in by_place(model[0], model[2]).items()}}


# ----- Task 2.6: training on the toy sets (networks of the tests' own; cross_entropy a stand-in) --
def train(dataset, seed, epochs, **sizes):
    """Train :func:`network_like_mlp` (``**sizes``) in float64 with lr = 0.5 on 200 points of ``dataset``
    (a function of mytorch.data.toy); returns the loss of every epoch and the final training accuracy."""
    points, classes = dataset(n_samples=200, noise=0.1, seed=seed)
    points = points.astype(np.float64)
    mytorch.manual_seed(seed)
    model = network_like_mlp(**sizes).to(mytorch.float64)
    losses = playground.train_classifier(model, points, classes, lr=0.5, epochs=epochs)
    return np.asarray(losses, dtype=np.float64), playground.accuracy(model, points, classes)


@probe("task2_6")
def steps_of_a_two_layer_network():
    points, classes = toy.circles(n_samples=30, noise=0.1, seed=3)
    points = points.astype(np.float64)
    runs = {"one_step": (0.1, 1), "two_steps": (0.7, 2), "five_steps": (1.5, 5)}
    values = {}
    with stand_ins(STAND_IN_CROSS_ENTROPY):
        for run, (lr, epochs) in runs.items():
            model = Network(linear_layers((2, 3, 2), seed=4))
            before = by_place(*model.layers)
            losses = playground.train_classifier(model, points, classes, lr=lr, epochs=epochs)
            values[f"{run}_losses"] = np.asarray(losses, dtype=np.float64)
            values[f"{run}_losses_are_floats"] = all(type(loss) is float for loss in losses)
            values[f"{run}_in_place"] = all(before[name] is p for name, p in by_place(*model.layers).items())
            values.update({f"{run}_{name}": p.data for name, p in by_place(*model.layers).items()})
    return values


@probe("task2_6")
def learn_the_spiral():
    with stand_ins(STAND_IN_CROSS_ENTROPY):
        losses, accuracy = train(toy.spiral, seed=1, epochs=800)
    return {"losses": losses, "accuracy": accuracy}


@probe("task2_6")
def learn_circles_and_xor():
    values = {}
    with stand_ins(STAND_IN_CROSS_ENTROPY):
        for dataset in (toy.circles, toy.xor):
            losses, accuracy = train(dataset, seed=2, epochs=100, hidden=16)
            values[f"{dataset.__name__}_losses"], values[f"{dataset.__name__}_accuracy"] = losses, accuracy
    return values


PLAYGROUND = dict(n_samples=400, noise=0.1, seed=0, lr=0.5, epochs=1000)    # the playground's defaults


@probe("task2_6", check="threshold")
def the_playground_learns_every_toy_set():
    """``<set>_accuracy``: the training accuracy of :func:`network_like_mlp` (float32, 2 → 32 → 32 → 2,
    with the initial weights of ``playground.mlp()``) after ``train_classifier`` with the playground's
    defaults on spiral, circles and xor; the bound each must reach lives in assignment.toml's
    ``[tasks.thresholds]``."""
    settings, values = dict(PLAYGROUND), {}
    lr, epochs, seed = settings.pop("lr"), settings.pop("epochs"), settings["seed"]
    with stand_ins(STAND_IN_CROSS_ENTROPY):
        for dataset in (toy.spiral, toy.circles, toy.xor):
            points, classes = dataset(**settings)
            mytorch.manual_seed(seed)
            model = network_like_mlp()
            losses = playground.train_classifier(model, points, classes, lr=lr, epochs=epochs)
            values[f"{dataset.__name__}_losses"] = np.asarray(losses, dtype=np.float64)
            values[f"{dataset.__name__}_accuracy"] = playground.accuracy(model, points, classes)
    return values


@probe("task2_6")
def float32_training():
    points, classes = toy.xor(n_samples=50, noise=0.1, seed=5)
    with stand_ins(STAND_IN_CROSS_ENTROPY):
        mytorch.manual_seed(5)
        model = network_like_mlp(hidden=8, layers=1)
        first = model.layers[0].weight.data.copy()
        losses = playground.train_classifier(model, points, classes, lr=0.5, epochs=20)
        return {"dtype": str(model.layers[0].weight.dtype), "epochs": len(losses),
                "weights_changed": not np.array_equal(first, model.layers[0].weight.data),
                "loss_decreased": bool(losses[-1] < losses[0])}
