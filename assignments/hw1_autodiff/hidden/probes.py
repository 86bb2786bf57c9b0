"""hw1's probes: they run inside the sandbox, drive the student's automatic differentiation and
return plain values; the grader compares them with the reference's values for the same probes.

A backward rule is called directly, as ``y.grad_fn.backward(ȳ)``, and each gradient it gives,
``analytic_<case>``, comes with central differences of the operation's *forward* at the same place,
``numerical_<case>`` (``finite_differences``, float64): the grader first checks that every such pair
agrees (check="gradient"), then compares every value with the reference's. A JVP rule's tangent is
paired the same way with central differences along the tangent, and the Jacobian built in reverse
mode, ``reverse_<case>``, with the one built in forward mode, ``forward_<case>`` (check="modes").
Inputs of a gradient check stay away from kinks and ties; the kinks (|x| and xᵖ at 0), the ties of
max (shared by max() and amax, sent to the returned index by max(x, dim), as in PyTorch), repeated
indices given as lists, tuples of lists or arrays, 0-d tensors and extreme values get probes of their
own (check="reference"), and so do float32 inputs, whose gradients and tangents must stay float32
(``<case>_dtype``), and rules called twice on one node (``rule_twice``). Every probe of Task 1.11 asks
both that gradcheck accepts correct rules and that it rejects wrong ones.

Each probe exercises its own task's code alone. Where that code calls another task's, a stand-in
takes its place while the probe runs (:func:`with_stand_ins`): it answers what the reference's code
answered in the reference's run of the same probe, from a table the grader hands in as data. They
are the public tests' own (tests/stand_ins.py, shipped beside this file): ``unbroadcast`` (Task 1.3)
under Add, Mul and MatMul, ``Pow.derivative`` (Task 1.4) under Pow's JVP, the topological order
(Task 1.1) under the backward pass, the backward pass (Task 1.2) under the Jacobian, and the
Jacobian (Task 1.10) under gradcheck; no solution code is here. Task 1.1 sorts graphs of library
operations built forward only; the probes of Tasks 1.2, 1.10 and 1.11 run on primitives with rules
of their own, from hidden_helpers or defined here. No expected value lives here.
"""
import functools
import itertools
import re

import numpy as np

import finite_differences
import mytorch
from hidden_helpers import (Counted, Counting, Cube, Outer, Plus, Sin, SlightlyWrongCube, Square, Times,
                            Total, Trace, broadcast_pair)
from mytorch.autodiff import Function, engine, transforms
from mytorch.autodiff.gradcheck import GradcheckError, gradcheck, numerical_jacobian, relative_error
from mytorch.ops import arithmetic
from mytorch.ops.arithmetic import Mul
from mytorch.ops.elementwise import Abs, Exp, Log
from probe_helpers import COORDINATE_LIMIT, const, forward_of, gradient_pair, leaf, randn, stand_ins
from probing import probe
from stand_ins import (STAND_IN_BACKWARD_PASS, STAND_IN_JACOBIAN, STAND_IN_ORDER, STAND_IN_POW_DERIVATIVE,
                       STAND_IN_UNBROADCAST, STAND_IN_UNBROADCAST_OF_MATMUL, NodesMade)

MODES = ("reverse", "forward")
NAME_ROOM = 43    # characters for a case's name and its inputs' shapes (see described)


def distinct(shape, seed, spacing=0.1):
    """Values at least ``spacing`` apart and never 0, in a random order: no ties for max."""
    size = int(np.prod(shape, dtype=np.int64))
    values = np.random.default_rng(seed).permutation(size) - size / 2 + 0.5
    return (values * spacing).reshape(shape)


def to_array(value, what):
    """A copy of ``value`` (a tensor, an array or a number) as a NumPy array; anything else raises a
    TypeError in which ``what`` names the value."""
    value = value.data if isinstance(value, mytorch.Tensor) else value
    if not isinstance(value, (np.ndarray, np.generic, int, float)) or isinstance(value, bool):
        raise TypeError(f"{what}: expected an array, got {type(value).__name__}")
    return np.array(value)


def case(f, *arrays, wrt=None):
    """One case of a check: ``f`` (tensors to a tensor) applied to ``arrays``; ``wrt``: the positions
    of the inputs that require a gradient (backward) or move (forward), all by default."""
    return f, arrays, tuple(range(len(arrays))) if wrt is None else wrt


def shape_token(shape):
    """A shape as a value name writes it, and the grader reads back as a shape (verdicts.words):
    (2, 3) → "s2x3", (5,) → "s5", () → "scalar"."""
    return "s" + "x".join(map(str, shape)) if shape else "scalar"


def described(cases):
    """``cases`` ({name: :func:`case`}) with each name followed by the shapes of its inputs, so that a
    message names a case as the student's arrays have it: "pow3" → "pow3_of_s3x2", which a message
    writes "pow3 of (3, 2)". Where the shapes would make the name too long for a value's name (64
    characters, with "analytic_" before and "_a_dtype" after), it says how many inputs there are."""
    named = {}
    for name, (f, arrays, wrt) in cases.items():
        shapes = "_and_".join(shape_token(np.shape(a)) for a in arrays)
        named[f"{name}_of_{shapes if len(name) + len(shapes) <= NAME_ROOM else f'{len(arrays)}_inputs'}"] = \
            (f, arrays, wrt)
    return named


def with_stand_ins(*replaced):
    """Run the decorated probe with every :class:`~probe_helpers.StandIn` of ``replaced`` in place;
    each is undone when the probe ends, even when it fails."""
    def decorate(function):
        @functools.wraps(function)
        def patched():
            with stand_ins(*replaced):
                return function()
        return patched
    return decorate


def error_message(call, expected):
    """The message of the ``expected`` exception that ``call()`` raises, or None when it raises none.
    NotImplementedError (an unfinished task) propagates, although it is a RuntimeError."""
    try:
        call()
    except NotImplementedError:
        raise
    except expected as error:
        return str(error)
    return None


# ----- Gradient checks of backward and JVP rules ----------------------------------------------------------
def by_the_rules(y, upstream, leaves):
    """The leaves' gradients from the backward rules alone: ``y.grad_fn.backward(ȳ)``, then the rules
    of the nodes that made its inputs, path by path (fine for the few nodes of a probe)."""
    found = {}

    def visit(fn, grad):
        grads = fn.backward(grad)
        grads = grads if isinstance(grads, tuple) else (grads,)
        if len(grads) != len(fn.inputs):
            raise ValueError(f"{type(fn).__name__}.backward returned {len(grads)} gradients for "
                             f"{len(fn.inputs)} inputs")
        for position, (tensor, needed, tensor_grad) in enumerate(zip(fn.inputs, fn.needs_input_grad, grads)):
            if needed:
                tensor_grad = to_array(tensor_grad, f"{type(fn).__name__}.backward, input {position}")
                if tensor.grad_fn is None:
                    found[id(tensor)] = found.get(id(tensor), 0) + tensor_grad
                else:
                    visit(tensor.grad_fn, tensor_grad)

    visit(y.grad_fn, upstream)
    return [np.asarray(found.get(id(x), np.zeros(x.shape))) for x in leaves]


def by_the_engine(y, upstream, leaves):
    """The leaves' gradients from the student's backward pass: ``y.backward(ȳ)``, then their ``.grad``
    (zeros where there is none)."""
    y.backward(upstream)
    return [np.zeros(x.shape) if x.grad is None else to_array(x.grad, "x.grad") for x in leaves]


def rule_of(f, x, upstream=None):
    """x̄ from the backward rules of ``f`` (tensor to tensor) at ``x``, for ȳ (random by default)."""
    x = leaf(x)
    y = f(x)
    return by_the_rules(y, randn(y.shape, 0) if upstream is None else upstream, [x])[0]


def float32_rules(cases, seed=0):
    """The gradients of every case {name: :func:`case`} from the backward rules, on float32 inputs with a
    float32 ȳ: ``<name>`` (``<name>_<input>`` for several inputs) and the name of its dtype,
    ``<name>_dtype`` (``<name>_<input>_dtype``), which stays float32 as in PyTorch."""
    values = {}
    for number, (name, (f, arrays, wrt)) in enumerate(described(cases).items()):
        leaves = [mytorch.tensor(np.array(a, dtype=np.float32), requires_grad=i in wrt)
                  for i, a in enumerate(arrays)]
        y = f(*leaves)
        upstream = randn(y.shape, seed + number).astype(np.float32)
        for i, grad in zip(wrt, by_the_rules(y, upstream, [leaves[i] for i in wrt])):
            key = f"{name}_{chr(ord('a') + i)}" if len(wrt) > 1 else name
            values[key], values[f"{key}_dtype"] = grad, str(grad.dtype)
    return values


def rule_twice(f, x, upstream=None):
    """x̄ from the backward rule of the node that made ``f(x)``, called twice on one node with one ȳ,
    as ``backward(retain_graph=True)`` twice does: (the first x̄, the second x̄, whether ȳ is unchanged).
    A rule that changes what forward saved, or ȳ, in place gives another second answer."""
    y = f(leaf(x))
    upstream = randn(y.shape, 1) if upstream is None else upstream
    before = np.array(upstream, copy=True)
    first = to_array(y.grad_fn.backward(upstream), "the first gradient")
    second = to_array(y.grad_fn.backward(upstream), "the second gradient")
    return first, second, bool(np.array_equal(upstream, before))


def rules_twice(cases):
    """:func:`rule_twice` for each {name: (f, x)}: ``<name>_first``, ``<name>_second`` and
    ``<name>_leaves_the_upstream_unchanged``."""
    values = {}
    for name, (f, x) in cases.items():
        first, second, unchanged = rule_twice(f, x)
        values.update({f"{name}_first": first, f"{name}_second": second,
                       f"{name}_leaves_the_upstream_unchanged": unchanged})
    return values


def jvp_tangent(f, x, v, dtype=np.float64):
    """The tangent of ``jvp(f, (x,), (v,))`` at ``x`` along ``v``, both of ``dtype``."""
    x, v = np.asarray(x, dtype=dtype), np.asarray(v, dtype=dtype)
    return to_array(mytorch.autodiff.jvp(f, (mytorch.tensor(x),), (mytorch.tensor(v),))[1], "the tangent")


def gradient_check(cases, gradients=by_the_rules, seed=0):
    """Check the gradients of ⟨ȳ, f(x₁, …, x_k)⟩ of every case against central differences of f.

    cases: {name: :func:`case`}, named in the values with their inputs' shapes (:func:`described`);
    each gets leaves holding its arrays and a random ȳ, and
    ``gradients(y, ȳ, leaves)`` gives the gradients of its ``wrt`` leaves. The pair
    ``analytic_<case>`` and ``numerical_<case>`` holds the gradient of a single input and its central
    differences; for several inputs, their gradients joined, each gradient also as ``<case>_<input>``
    (inputs a, b, c, …). Where an input is large, the pair holds instead the inner products ⟨x̄, v⟩
    and ⟨ȳ, J v⟩ along random directions v.
    """
    values = {}
    for number, (name, (f, arrays, wrt)) in enumerate(described(cases).items()):
        leaves = [leaf(a, requires_grad=i in wrt) for i, a in enumerate(arrays)]
        y = f(*leaves)
        upstream = randn(y.shape, seed + number)
        grads = gradients(y, upstream, [leaves[i] for i in wrt])

        def moved(*chosen, f=f, arrays=arrays, wrt=wrt):
            """f's forward as a function of the ``wrt`` inputs, the others held still."""
            args = list(arrays)
            for i, array in zip(wrt, chosen):
                args[i] = array
            return forward_of(f)(*args)

        inputs = [arrays[i] for i in wrt]
        large = max(np.size(a) for a in inputs) > COORDINATE_LIMIT
        pair = gradient_pair(moved, inputs, upstream, grads, seed=seed + number)
        values[f"analytic_{name}"], values[f"numerical_{name}"] = pair
        if large or len(wrt) > 1:
            values.update({f"{name}_{chr(ord('a') + i)}": grad for i, grad in zip(wrt, grads)})
    return values


def jvp_check(cases, seed=100):
    """Check ``mytorch.autodiff.jvp`` of every case along random tangents v (zero for the inputs not
    in ``wrt``): its tangent, ``analytic_<case>``, is paired with central differences of the forward,
    (f(x + εv) − f(x − εv)) / 2ε, ``numerical_<case>``."""
    values = {}
    for number, (name, (f, arrays, wrt)) in enumerate(described(cases).items()):
        tangents = [randn(np.shape(a), seed + 10 * number + i) if i in wrt else np.zeros(np.shape(a))
                    for i, a in enumerate(arrays)]
        _, tangent = mytorch.autodiff.jvp(f, tuple(map(const, arrays)), tuple(map(const, tangents)))
        values[f"analytic_{name}"] = to_array(tangent, f"the tangent of {name}")
        values[f"numerical_{name}"] = finite_differences.jvp(forward_of(f), arrays, tangents)
    return values


def reduction_cases(reduce, dims, x):
    """Cases of ``reduce(t, dim=…, keepdim=…)`` on ``x``, for every dim of ``dims``, kept or dropped."""
    return {f"dim{number}_{'kept' if keepdim else 'dropped'}":
            case(lambda t, dim=dim, keepdim=keepdim: reduce(t, dim=dim, keepdim=keepdim), x)
            for number, dim in enumerate(dims) for keepdim in (False, True)}


def concatenation_case(dim, sizes, seed):
    """A case of ``mytorch.cat(…, dim)`` on inputs of three axes of size 2, except along ``dim``, where
    they have ``sizes``."""
    shapes = [tuple(size if axis == dim % 3 else 2 for axis in range(3)) for size in sizes]
    arrays = [randn(shape, seed + i) for i, shape in enumerate(shapes)]
    return case(lambda *ts: mytorch.cat(list(ts), dim=dim), *arrays)


# ----- Task 1.1: topological sort ----------------------------------------------------------------------
def reachable_nodes(root_fn):
    """Every node that ``root_fn`` depends on, itself included."""
    seen, stack = set(), [root_fn]
    while stack:
        fn = stack.pop()
        if fn not in seen:
            seen.add(fn)
            stack.extend(t.grad_fn for t in fn.inputs if t.grad_fn is not None)
    return seen


def order_of(root_fn):
    """``topological_order(root_fn)`` as a list, refused unless it holds graph nodes only."""
    order = engine.topological_order(root_fn)
    if not isinstance(order, (list, tuple)) or not all(isinstance(fn, Function) for fn in order):
        raise TypeError(f"topological_order should return a list of graph nodes, got {type(order).__name__}")
    return list(order)


def order_report(root):
    """What makes the order of the graph below ``root`` (a tensor) topological: its length, how many
    reachable nodes it misses, how many others it holds, whether each node comes once and after the
    nodes of its inputs, and whether the root's node comes last."""
    order = order_of(root.grad_fn)
    position = {fn: i for i, fn in enumerate(order)}
    reachable = reachable_nodes(root.grad_fn)
    return {"count": len(order), "missing": len(reachable - set(order)), "extra": len(set(order) - reachable),
            "once_each": len(order) == len(position),
            "inputs_first": all(position.get(t.grad_fn, len(order)) < position[fn]
                                for fn in order for t in fn.inputs if t.grad_fn is not None),
            "root_last": bool(order) and order[-1] is root.grad_fn}


def order_reports(roots):
    """The entries of :func:`order_report` for each {name: root tensor}, as ``<name>_<entry>``."""
    return {f"{name}_{key}": value for name, root in roots.items()
            for key, value in order_report(root).items()}


def random_graph(seed, size=60):
    """The root of a random graph of ``size`` library operations over 3 leaves and a constant."""
    rng = np.random.default_rng(seed)
    values = [leaf(randn(3, seed + i)) for i in range(3)] + [const(randn(3, seed + 3))]
    unary = [mytorch.exp, lambda t: -t, lambda t: t * 0.5, lambda t: mytorch.reshape(t, 3)]
    binary = [mytorch.ops.add, mytorch.ops.mul, lambda a, b: a - b]
    for _ in range(size):
        if rng.random() < 0.4:
            values.append(unary[rng.integers(len(unary))](values[rng.integers(len(values))]))
        else:
            i, j = rng.integers(len(values), size=2)
            values.append(binary[rng.integers(len(binary))](values[i], values[j]))
    root = values[-1]
    for _ in range(3):                           # tie in a few more nodes
        root = root + values[rng.integers(4, len(values))]
    return mytorch.sum(root)


class NoRules(Function):
    """y = x + 1, whose rules must not run while the graph is only sorted."""

    def forward(self, x):
        return x + 1

    def backward(self, grad):
        raise AssertionError("topological_order must not call backward")

    def jvp(self, dx):
        raise AssertionError("topological_order must not call jvp")


@probe("task1_1")
def topological_order_of_random_graphs():
    reports = [order_report(random_graph(seed)) for seed in range(6)]
    return {key: np.array([report[key] for report in reports]) for key in reports[0]}


@probe("task1_1")
def topological_order_where_one_order_is_valid():
    x = leaf(randn(3, 11))
    y = mytorch.exp(x)
    z = mytorch.log(y)
    w = y * z                                    # uses y directly and through z: the order is y, z, w
    order = order_of(w.grad_fn)
    only_leaves = leaf(randn(3, 12)) * leaf(randn(3, 13))
    inner = mytorch.exp(x) * 2.0
    mytorch.sum(mytorch.log(inner))              # a node after the one the order starts from
    nodes = [y.grad_fn, z.grad_fn, w.grad_fn]
    return {"positions_of_y_z_w": np.array([order.index(fn) if fn in order else -1 for fn in nodes]),
            "count": len(order), **order_reports({"only_leaves": only_leaves, "from_inner_node": inner})}


@probe("task1_1")
def topological_order_of_deep_and_wide_graphs():
    x = leaf(randn(1, 15))
    chain = x
    for _ in range(20_000):                      # tens of thousands deep, as the handout says
        chain = -chain
    ladder = leaf(randn(2, 16))
    for _ in range(5_000):                       # each rung uses the previous value twice
        ladder = ladder + mytorch.exp(ladder * 1e-3) * 1e-3
    wide = mytorch.cat([mytorch.exp(x * float(i)) for i in range(1_000)], dim=0)
    return {"chain_starts_at_the_leaf": order_of(chain.grad_fn)[0].inputs[0] is x,
            **order_reports({"chain": chain, "ladder": ladder, "wide": wide})}


@probe("task1_1")
def topological_order_only_reads_the_graph():
    x = leaf(randn(3, 18))
    a = NoRules.apply(x)
    y = NoRules.apply(a * a)
    inputs_before = [(fn, fn.inputs) for fn in reachable_nodes(y.grad_fn)]
    same_twice = order_of(y.grad_fn) == order_of(y.grad_fn)
    with mytorch.no_grad():
        c = mytorch.exp(x)                       # computed from x, but not recorded
    cut = mytorch.log(x * x) * c + mytorch.exp(x).detach()
    return {"same_order_twice": same_twice,
            "graph_unchanged": all(fn.inputs is inputs for fn, inputs in inputs_before),
            **order_reports({"no_rules": y, "cut_by_no_grad_and_detach": cut})}


# ----- Task 1.2: the backward pass -------------------------------------------------------------------
class Forgetful(Times):
    """A wrong rule: None for an input that needs a gradient."""

    def backward(self, grad):
        a, b = self.saved_tensors
        return grad * b, None


class Widening(Square):
    """A wrong rule: a gradient longer than its input."""

    def backward(self, grad):
        return np.concatenate([super().backward(grad), grad])


def random_program(seed, n_leaves=3, size=25):
    """A function of ``n_leaves`` tensors: a random straight-line program of the primitives above,
    whose last value, plus three others, is summed squared."""
    rng = np.random.default_rng(seed)
    program, count = [], n_leaves
    for _ in range(size):
        if rng.random() < 0.5:
            program.append(([Square, Sin, Counting][rng.integers(3)], (int(rng.integers(count)),)))
        else:
            positions = tuple(int(i) for i in rng.integers(count, size=2))
            program.append(([Plus, Times][rng.integers(2)], positions))
        count += 1
    tail = [int(i) for i in rng.integers(n_leaves, count, size=3)]

    def run(*leaves):
        values = list(leaves)
        for op, positions in program:
            values.append(op.apply(*(values[i] for i in positions)))
        out = values[-1]
        for i in tail:
            out = Plus.apply(out, values[i])
        return Total.apply(Times.apply(out, out))
    return run


def saved_values_freed(tensor):
    """Whether reading the saved values of the node that made ``tensor`` raises, as it does once a
    backward pass without retain_graph has released the node."""
    return error_message(lambda: tensor.grad_fn.saved_tensors, RuntimeError) is not None


@probe("task1_2", check="gradient")
@with_stand_ins(NodesMade, STAND_IN_ORDER)
def backward_pass_on_random_programs():
    Counting.calls = 0
    cases = {f"program{seed}": case(random_program(seed), *(0.5 * randn(3, seed * 10 + i) for i in range(3)))
             for seed in range(6)}
    return {**gradient_check(cases, by_the_engine), "counting_backward_calls": Counting.calls}


@probe("task1_2", check="gradient")
@with_stand_ins(NodesMade, STAND_IN_ORDER)
def backward_pass_through_shared_and_constant_nodes():
    constant, unused = const(randn(3, 21)), leaf(randn(3, 5))

    def diamond(x):                              # h feeds 21 nodes: its rule runs once, last
        h = Counting.apply(x)
        total = Square.apply(h)
        for _ in range(20):
            total = Plus.apply(total, Sin.apply(h))
        return Total.apply(total)

    def with_a_constant(x):                      # Σ c² sin x, where Times returns None for c
        Square.apply(unused)
        return Total.apply(Times.apply(Times.apply(constant, Sin.apply(x)), constant))

    Counting.calls = 0
    values = gradient_check({"diamond": case(diamond, randn(3, 1)),
                             "x_plus_x": case(lambda x: Total.apply(Plus.apply(x, x)), randn(3, 2)),
                             "y_times_y": case(lambda y: Total.apply(Times.apply(y, y)), randn(3, 3)),
                             "with_a_constant": case(with_a_constant, randn(3, 20))}, by_the_engine)
    return {**values, "diamond_backward_calls": Counting.calls,
            "constant_has_no_grad": constant.grad is None, "unused_leaf_has_no_grad": unused.grad is None}


@probe("task1_2", check="gradient")
@with_stand_ins(NodesMade, STAND_IN_ORDER)
def backward_pass_returns_gradients_for_inputs():
    def f(s, t):
        return Total.apply(Times.apply(Square.apply(s), t))

    def g(t):
        return Total.apply(Sin.apply(Square.apply(t)))

    arrays, z = [randn(3, 6), randn(3, 7)], randn(4, 8)
    x, w = (leaf(a) for a in arrays)
    grads = engine.backward(f(x, w), np.ones(()), retain_graph=True, inputs=[x, w])
    if not (isinstance(grads, tuple) and len(grads) == 2):
        raise TypeError(f"backward(y, ȳ, inputs=[x, w]) should return a tuple of two gradients, got "
                        f"{type(grads).__name__}")
    values = {"nothing_accumulated": x.grad is None and w.grad is None,
              "analytic_grad_transform": to_array(mytorch.autodiff.grad(g)(const(z)), "grad(f)(z)"),
              "numerical_grad_transform": finite_differences.vjp(forward_of(g), [z], 0, np.ones(()))}
    for i, (name, grad) in enumerate(zip(["x", "w"], grads)):
        values[f"analytic_inputs_{name}"] = to_array(grad, f"the gradient returned for {name}")
        values[f"numerical_inputs_{name}"] = finite_differences.vjp(forward_of(f), arrays, i, np.ones(()))
    return values


@probe("task1_2")
@with_stand_ins(NodesMade, STAND_IN_ORDER)
def backward_pass_frees_or_retains_the_graph():
    x = leaf(randn(3, 9))
    h = Square.apply(x)
    y = Total.apply(Times.apply(h, h))
    for _ in range(3):
        y.backward(retain_graph=True)
    retained = {"retained_grad": to_array(x.grad, "x.grad"),
                "retained_values_kept": not saved_values_freed(h)}
    x = leaf(randn(3, 10))
    h = Square.apply(x)
    z = Times.apply(h, h)
    Total.apply(z).backward()
    return {**retained, "freed_grad": to_array(x.grad, "x.grad"),
            "freed_every_node": saved_values_freed(h) and saved_values_freed(z)}


@probe("task1_2")
@with_stand_ins(NodesMade, STAND_IN_ORDER)
def backward_pass_reports_wrong_rules_and_goes_deep():
    x, w = leaf(randn(3, 11)), leaf(randn(3, 12))
    forgetful = error_message(lambda: Total.apply(Forgetful.apply(x, w)).backward(), RuntimeError) or ""
    widening = error_message(lambda: Total.apply(Square.apply(Widening.apply(Sin.apply(x)))).backward(),
                             RuntimeError) or ""
    deep = leaf(np.array([0.3]))
    y = deep
    for _ in range(20_000):                      # tens of thousands deep, as the handout says
        y = Plus.apply(y, const(np.array([1e-5])))
    Total.apply(Square.apply(y)).backward()
    return {"names_forgetful": "Forgetful" in forgetful, "names_widening": "Widening" in widening,
            "deep_chain_grad": to_array(deep.grad, "x.grad")}


@probe("task1_2")
@with_stand_ins(NodesMade, STAND_IN_ORDER)
def backward_pass_accumulates_over_graphs_calls_and_float32():
    x = leaf(randn(3, 22))
    Total.apply(Square.apply(x)).backward()
    first = to_array(x.grad, "x.grad")
    Total.apply(Sin.apply(x)).backward()         # a second graph on the same leaf adds to x.grad
    second = to_array(x.grad, "x.grad")
    y = Total.apply(Times.apply(x, Counting.apply(x)))
    y.backward(retain_graph=True)                # the same graph twice: added twice
    y.backward(np.array(2.0))
    w = mytorch.tensor(randn(3, 23).astype(np.float32), requires_grad=True)
    Total.apply(Times.apply(Square.apply(w), Plus.apply(w, w))).backward()
    single = leaf(np.array(1.5))                 # the output is the leaf itself: x̄ = ȳ
    engine.backward(single, np.array(3.0))
    return {"after_one_graph": first, "after_a_second_graph": second,
            "after_the_same_graph_twice": to_array(x.grad, "x.grad"),
            "float32_grad": to_array(w.grad, "x.grad"), "float32_grad_dtype": str(to_array(w.grad, "x.grad").dtype),
            "of_a_leaf_output": to_array(single.grad, "x.grad")}


# ----- Task 1.3: gradients under broadcasting -------------------------------------------------------------
def unbroadcast_check(pairs):
    """Check ``unbroadcast(ȳ, shape)`` for each {name: (ȳ's shape, shape)}: it is the gradient of
    broadcasting an x of ``shape`` to ȳ's shape, so central differences of ``np.broadcast_to`` give it.
    Returns the pairs ``analytic_<name>_<ȳ's shape>_to_<shape>`` and ``numerical_…`` (shapes as
    :func:`shape_token` writes them)."""
    values = {}
    for number, (name, (grad_shape, shape)) in enumerate(pairs.items()):
        grad = randn(grad_shape, number)
        name = f"{name}_{shape_token(grad_shape)}_to_{shape_token(shape)}"
        values[f"analytic_{name}"] = to_array(arithmetic.unbroadcast(grad, shape),
                                              f"unbroadcast(ȳ of shape {grad_shape}, {shape})")
        values[f"numerical_{name}"] = finite_differences.vjp(lambda x, to=grad_shape: np.broadcast_to(x, to),
                                                             [randn(shape, number + 1)], 0, grad)
    return values


@probe("task1_3", check="gradient")
def unbroadcast_random_patterns():
    pairs = {}
    for seed in range(10):
        shapes = broadcast_pair(seed)
        for name, shape in zip("ab", shapes):
            pairs[f"pattern{seed}_{name}"] = np.broadcast_shapes(*shapes), shape
    return unbroadcast_check(pairs)


@probe("task1_3", check="gradient")
def unbroadcast_edge_cases():
    pairs = [((), ()), ((1, 1), ()), ((5,), (1,)), ((1,), (1,)), ((2, 3, 4), (1, 1, 4)),
             ((2, 1, 4), (1, 1, 4)), ((3, 1), (1,)), ((2, 3, 1, 5), (3, 1, 1)), ((4, 1, 1), (1, 1, 1)),
             ((3, 4), (4,)),
             ((0,), (1,)), ((2, 0, 3), (1, 1, 3)), ((0, 4), (4,)), ((3, 0), (3, 1))]   # copied 0 times: x̄ = 0
    grad = np.arange(24, dtype=np.float64).reshape(2, 3, 4)   # integers: every order of summing is exact
    before = grad.copy()
    exact = {f"integers_to_{rows}_{columns}": to_array(arithmetic.unbroadcast(grad, (rows, columns)),
                                                       "unbroadcast")
             for rows, columns in [(3, 1), (1, 4)]}
    return {**unbroadcast_check({f"edge{number}": pair for number, pair in enumerate(pairs)}), **exact,
            "upstream_unchanged": bool(np.array_equal(grad, before))}


# ----- Task 1.4: backward of add, mul, neg and pow --------------------------------------------------------
def broadcasting_cases(f, first_seed):
    """Cases of the binary ``f`` on six random broadcasting patterns, and on both inputs broadcast."""
    cases = {}
    for seed in range(6):
        shape_a, shape_b = broadcast_pair(first_seed + seed)
        cases[f"pattern{seed}"] = case(f, randn(shape_a, seed), randn(shape_b, seed + 50))
    cases["both_broadcast"] = case(f, randn((2, 1, 3), 3), randn((4, 1), 4))
    return cases


@probe("task1_4", check="gradient")
@with_stand_ins(STAND_IN_UNBROADCAST)
def add_backward_under_broadcasting():
    return gradient_check({**broadcasting_cases(mytorch.ops.add, 0),
                           "scalars": case(mytorch.ops.add, randn((), 5), randn((), 6)),
                           "number_plus_x": case(lambda t: 3.0 + t, randn((2, 3), 10))})


@probe("task1_4", check="gradient")
@with_stand_ins(STAND_IN_UNBROADCAST)
def mul_backward_under_broadcasting():
    rng = np.random.default_rng(20)
    return gradient_check({**broadcasting_cases(mytorch.ops.mul, 20),
                           "scalar_times_vector": case(mytorch.ops.mul, randn((), 7), randn(3, 8)),
                           "x_times_x": case(lambda t: Mul.apply(t, t), randn(4, 12)),
                           "large_values": case(mytorch.ops.mul, rng.uniform(-20, 20, (5, 4)),
                                                rng.uniform(-20, 20, 4))})


@probe("task1_4", check="gradient")
@with_stand_ins(STAND_IN_UNBROADCAST)
def neg_and_pow_backward():
    cases = {"neg": case(mytorch.ops.neg, randn((2, 3), 9)), "neg_0d": case(mytorch.ops.neg, randn((), 9)),
             "pow_0d": case(lambda t: t ** 3, np.array(1.7))}
    for number, exponent in enumerate([0, 1, 4, -3, 2.0, 1.5, -0.5, 0.25]):
        x = randn((3, 2), 14) if float(exponent).is_integer() else np.abs(randn((3, 2), 14)) + 0.3
        x = np.where(np.abs(x) < 0.2, 0.7, x)    # away from 0 (negative powers, x⁰'s 0 · x⁻¹)
        cases[f"pow{number}"] = case(lambda t, p=exponent: t ** p, x)
    return gradient_check(cases)


@probe("task1_4", check="gradient")
@with_stand_ins(STAND_IN_UNBROADCAST)
def sub_and_div_backward_and_the_upstream_gradient():
    a, b = randn((2, 3), 15), np.abs(randn(3, 16)) + 0.5
    values = gradient_check({"sub": case(lambda s, t: s - t, a, b), "div": case(lambda s, t: s / t, a, b)})
    upstream = randn((2, 3), 19)                 # Add hands one ȳ to both inputs: no rule may change it
    before = upstream.copy()
    for name, f in [("neg", mytorch.ops.neg), ("mul", lambda t: t * t), ("add", lambda t: t + t),
                    ("pow", lambda t: t ** 2)]:
        rule_of(f, a, upstream)
        values[f"{name}_leaves_the_upstream_unchanged"] = bool(np.array_equal(upstream, before))
    return values


@probe("task1_4")
@with_stand_ins(STAND_IN_UNBROADCAST)
def pow_backward_at_zero_and_float32_gradients():
    signed, positive, ones = np.array([0.0, -1.5, 2.0]), np.array([0.0, 0.5, 2.0]), np.ones(3)
    values = {f"pow_{name}_at_zero": rule_of(lambda t, p=p: t ** p, positive if p == 0.5 else signed, ones)
              for name, p in [("two", 2), ("three", 3), ("one", 1), ("two_point_zero", 2.0), ("one_half", 0.5),
                              ("zero", 0), ("zero_point_zero", 0.0)]}   # x⁰ is constant: 0, also at x = 0
    values["sqrt_at_zero"] = rule_of(mytorch.sqrt, positive, ones)
    shape_a, shape_b = (2, 1, 3), (4, 1)
    a, b = randn(shape_a, 24), randn(shape_b, 25)
    positive = np.abs(randn((2, 3), 26)) + 0.5
    return {**values, **float32_rules({
        "add": case(mytorch.ops.add, a, b), "mul": case(mytorch.ops.mul, a, b), "sub": case(lambda s, t: s - t, a, b),
        "neg": case(mytorch.ops.neg, a), "square": case(lambda t: t ** 2, a), "cube": case(lambda t: t ** 3, a),
        "sqrt": case(lambda t: t ** 0.5, positive), "reciprocal": case(lambda t: t ** -1.0, positive),
        "div": case(lambda s, t: s / t, a, positive[0]), "number_times_x": case(lambda t: 2.5 * t, a),
        "zeroth_power": case(lambda t: t ** 0, a)})}


# ----- Task 1.5: backward of exp, log and abs -------------------------------------------------------------
@probe("task1_5", check="gradient")
def exp_backward():
    return gradient_check({f"shape{number}": case(Exp.apply, 2 * randn(shape, number))
                           for number, shape in enumerate([(), (1,), (7,), (2, 3, 4)])})


@probe("task1_5", check="gradient")
def log_backward():
    return gradient_check({f"shape{number}": case(Log.apply, np.exp(randn(shape, number)))
                           for number, shape in enumerate([(), (5,), (3, 2, 2)])})


@probe("task1_5", check="gradient")
def abs_backward_away_from_zero():
    cases = {}
    for number, shape in enumerate([(), (7,), (4, 5)]):
        cases[f"shape{number}"] = case(Abs.apply, finite_differences.away_from([0.0], shape, seed=number))
    return gradient_check(cases)


@probe("task1_5")
def elementwise_backward_at_special_points():
    x = randn(4, 9)
    return {"exp_of_extremes": rule_of(Exp.apply, np.array([-700.0, -30.0, 0.0, 20.0, 300.0]),
                                       np.array([1.0, -2.0, 0.5, 1e-3, 1e-100])),
            "log_near_zero_and_far": rule_of(Log.apply, np.array([1e-8, 1e-3, 1.0, 1e6]),
                                             np.array([1e-9, 1.0, 2.0, 3.0])),
            "abs_at_signed_zeros": rule_of(Abs.apply, np.array([[0.0, -1.5, 2.0], [3.0, 0.0, -0.0]])),
            **{f"{op.__name__.lower()}_of_a_zero_upstream": rule_of(op.apply, values, np.zeros(4))
               for op, values in [(Exp, x), (Log, np.abs(x) + 1), (Abs, x)]}}


@probe("task1_5")
def elementwise_backward_twice_and_in_float32():
    x, with_zeros = randn((2, 3), 27), np.array([[0.0, -1.5, 2.0], [-0.0, 0.5, 0.0]])
    return {**rules_twice({"exp": (Exp.apply, x), "log": (Log.apply, np.abs(x) + 0.5), "abs": (Abs.apply, with_zeros)}),
            **float32_rules({"exp": case(Exp.apply, x), "log": case(Log.apply, np.abs(x) + 0.5),
                             "abs_with_zeros": case(Abs.apply, with_zeros), "abs": case(Abs.apply, x)})}


# ----- Task 1.6: backward of sum, max and logsumexp -------------------------------------------------------
@probe("task1_6", check="gradient")
def sum_backward_over_every_kind_of_dim():
    dims = [None, 0, 1, 3, -1, -3, (0, 1), (1, 3), (-1, 0), (0, 1, 2, 3), ()]
    return gradient_check({**reduction_cases(mytorch.sum, dims, randn((2, 3, 1, 4), 1)),
                           "numpy_names": case(lambda t: mytorch.sum(t, axis=1, keepdims=True),
                                               randn((3, 4), 2)),
                           "of_0d": case(mytorch.sum, np.array(2.5))})


@probe("task1_6", check="gradient")
def max_backward_without_ties():
    return gradient_check({**reduction_cases(mytorch.amax, [None, 0, 2, -1, (0, 2), (1, -1)],
                                             distinct((2, 3, 4), seed=3)),
                           "values_of_max_with_dim": case(lambda t: mytorch.max(t, dim=1).values,
                                                          distinct((3, 5), seed=5))}, seed=4)


@probe("task1_6")
def max_backward_with_ties():
    x = np.zeros((2, 3, 2))
    x[0, :, 0] = [1.0, 1.0, 0.0]                 # two tied maxima
    x[0, :, 1] = [5.0, 5.0, 5.0]                 # three
    x[1, :, 0] = [-1.0, 2.0, -3.0]               # one
    x[1, :, 1] = [4.0, 4.0, 4.0]
    three_ties = np.array([[3.0, 1.0, 3.0], [3.0, -2.0, 0.0]])
    return {"whole_tensor": rule_of(mytorch.amax, three_ties, np.array(6.0)),
            "middle_dim": rule_of(lambda t: mytorch.amax(t, dim=1), x, np.array([[6.0, 6.0], [6.0, 12.0]])),
            "middle_dim_kept": rule_of(lambda t: mytorch.amax(t, dim=1, keepdim=True), x)}


@probe("task1_6", check="gradient")
def logsumexp_backward():
    dims = [None, 0, -1, (0, 2), (2, 1, 0)]
    return gradient_check(reduction_cases(mytorch.logsumexp, dims, randn((2, 3, 2), 7)), seed=8)


@probe("task1_6")
def logsumexp_backward_at_extreme_values():
    extremes = np.array([[1e4, 1e4 - 1.0, -1e4], [-1e4, -1e4, -1e4], [0.0, 50.0, -50.0]])
    return {"huge_and_tiny": rule_of(lambda t: mytorch.logsumexp(t, dim=1, keepdim=True), extremes),
            "minus_infinity": rule_of(lambda t: mytorch.logsumexp(t, dim=-1),
                                      np.array([[-np.inf, 0.0, np.log(3.0)], [1.0, -np.inf, 1.0]])),
            "sum_over_all_entries": float(rule_of(mytorch.logsumexp, randn((4, 3), 9), np.array(1.0)).sum())}


@probe("task1_6")
def max_backward_follows_torch_for_ties_with_and_without_dim():
    ties = np.array([[3.0, 1.0, 3.0], [3.0, -2.0, 3.0], [0.0, 0.0, -1.0]])
    values = {"max_of_all_shares_ties": rule_of(mytorch.max, ties, np.array(6.0)),
              "tensor_max_method_shares_ties": rule_of(lambda t: t.max(), ties, np.array(6.0))}
    for dim in (0, 1, -1):                      # max(x, dim) sends ȳ to the index it returns: the first
        for keepdim in (False, True):
            kept = "kept" if keepdim else "dropped"
            name = f"dim_minus_{-dim}" if dim < 0 else f"dim_{dim}"
            values[f"max_with_{name}_{kept}_goes_to_its_index"] = rule_of(
                lambda t, dim=dim, keepdim=keepdim: mytorch.max(t, dim=dim, keepdim=keepdim).values, ties)
            values[f"amax_with_{name}_{kept}_shares_ties"] = rule_of(
                lambda t, dim=dim, keepdim=keepdim: mytorch.amax(t, dim=dim, keepdim=keepdim), ties)
    return values


@probe("task1_6", check="gradient")
def reductions_backward_of_0d_tensors_and_of_a_row():
    cases = {}
    for name, reduce in {"sum": mytorch.sum, "amax": mytorch.amax, "logsumexp": mytorch.logsumexp}.items():
        for dim_name, dim in [("all", None), ("dim_0", 0), ("dim_minus_1", -1)]:
            for keepdim in (False, True):
                cases[f"{name}_{dim_name}_{'kept' if keepdim else 'dropped'}"] = case(
                    lambda t, reduce=reduce, dim=dim, keepdim=keepdim: reduce(t, dim=dim, keepdim=keepdim),
                    np.array(1.3))
    cases["max_with_dim_0"] = case(lambda t: mytorch.max(t, dim=0).values, np.array(-0.4))
    for name, reduce in {"sum": mytorch.sum, "amax": mytorch.amax, "logsumexp": mytorch.logsumexp}.items():
        for dim_name, dim in [("minus_1", -1), ("minus_2", -2), ("0_and_minus_1", (0, -1))]:
            cases[f"{name}_of_a_row_dim_{dim_name}"] = case(
                lambda t, reduce=reduce, dim=dim: reduce(t, dim=dim), distinct((1, 3), seed=39))
    return gradient_check(cases)


@probe("task1_6")
def reductions_backward_twice_and_in_float32():
    x = distinct((2, 3, 4), seed=28)
    reductions = {"sum_dim_1": lambda t: mytorch.sum(t, dim=1), "sum_kept": lambda t: mytorch.sum(t, dim=(0, -1), keepdim=True),
                  "amax_dim_minus_1": lambda t: mytorch.amax(t, dim=-1), "amax_all": mytorch.amax,
                  "max_values_dim_0_kept": lambda t: mytorch.max(t, dim=0, keepdim=True).values,
                  "logsumexp_dim_2": lambda t: mytorch.logsumexp(t, dim=2),
                  "logsumexp_kept": lambda t: mytorch.logsumexp(t, dim=(1, 2), keepdim=True)}
    return {**rules_twice({name: (f, x) for name, f in reductions.items()}),
            **float32_rules({name: case(f, x) for name, f in reductions.items()})}


# ----- Task 1.7: backward of reshape, permute, indexing and concatenation ---------------------------------
@probe("task1_7", check="gradient")
def reshape_and_permute_backward():
    reshapes = [(lambda t: t.reshape(4, 6), (2, 3, 4)), (lambda t: t.reshape((3, -1)), (2, 3, 4)),
                (lambda t: t.view(24), (2, 3, 4)), (lambda t: mytorch.flatten(t, 1), (2, 3, 4)),
                (mytorch.squeeze, (1, 3, 1, 2)), (lambda t: mytorch.unsqueeze(t, -1), (3, 2)),
                (lambda t: t.reshape(1, 1), ()), (lambda t: t.reshape(()), (1,))]
    cases = {f"reshape{number}": case(f, randn(shape, 1)) for number, (f, shape) in enumerate(reshapes)}
    for number, dims in enumerate(list(itertools.permutations(range(4)))[::4]):
        cases[f"permute{number}"] = case(lambda t, dims=dims: mytorch.permute(t, dims),
                                         randn((2, 3, 4, 5), 2))
    cases["transpose_negative_dims"] = case(lambda t: mytorch.transpose(t, -1, 0), randn((2, 3, 4), 3))
    cases["T_of_3d"] = case(lambda t: t.T, randn((2, 3, 4), 4))
    return gradient_check(cases)


@probe("task1_7", check="gradient")
def getitem_backward():
    x = randn((3, 4), 5)
    indices = [(1, 2), -1, (slice(None), slice(1, 3)), (slice(None, None, 2), slice(None, None, -1)),
               (None, 1), (Ellipsis, 0), np.array([2, 0, 2, 2]), np.array([-1, 0, -1]),
               (slice(None), np.array([0, 0, 3])), (np.array([1, 1, 1, 0]), np.array([2, 2, 2, 0])),
               np.array([[0, 1], [1, 1]]), x > 0, np.array([True, False, True]),
               mytorch.tensor(np.array([2, 2, 1]))]     # repeated indices add up
    return gradient_check({f"index{number}": case(lambda t, index=index: t[index], x)
                           for number, index in enumerate(indices)}, seed=6)


@probe("task1_7", check="gradient")
def concatenate_backward():
    cases = {f"dim{number}": concatenation_case(dim, (2, 1, 3), seed=9)
             for number, dim in enumerate([0, 1, 2, -1, -2])}
    cases["many_with_empty"] = case(lambda *ts: mytorch.cat(list(ts)),
                                    *(randn((i % 3, 2), 20 + i) for i in range(7)))
    cases["one_input"] = case(lambda t: mytorch.cat([t], dim=1), randn((2, 3), 30))
    cases["stack"] = case(lambda s, t: mytorch.stack([s, t], dim=1), randn((2, 3), 31), randn((2, 3), 32))
    return gradient_check(cases)


@probe("task1_7", check="gradient")
def getitem_backward_with_python_lists_and_repeated_indices():
    x = randn((3, 4), 29)
    indices = {"repeated_list": [0, 0, 2], "repeated_list_of_negatives": [-1, 2, -1, -1],
               "tuple_of_repeated_lists": ([0, 0, 2], [1, 1, 3]), "slice_and_repeated_list": (slice(None), [3, 3, 0]),
               "integer_and_repeated_list": (1, [2, 2, 0]), "boolean_list": [True, False, True],
               "repeated_2d_arrays": (np.array([[0, 0], [2, 2]]), np.array([[1, 1], [3, 3]])),
               "repeated_tensor_in_a_tuple": (mytorch.tensor(np.array([2, 2])), slice(1, 3)),
               "empty_list": []}
    cases = {name: case(lambda t, index=index: t[index], x) for name, index in indices.items()}
    scalar = np.array(0.7)
    cases.update({"of_0d_with_none": case(lambda t: t[None], scalar), "of_0d_with_ellipsis": case(lambda t: t[...], scalar),
                  "of_0d_with_empty_tuple": case(lambda t: t[()], scalar),
                  "stack_of_0d": case(lambda s, t: mytorch.stack([s, t]), scalar, np.array(-1.1)),
                  "reshape_0d_to_1d": case(lambda t: mytorch.flatten(t), scalar),
                  "unsqueeze_negative_dim": case(lambda t: mytorch.unsqueeze(t, -2), randn((2, 3), 30)),
                  "squeeze_negative_dim": case(lambda t: mytorch.squeeze(t, -1), randn((2, 1), 31))})
    return gradient_check(cases, seed=7)


@probe("task1_7")
def shape_backward_twice_and_in_float32():
    x = randn((2, 3, 4), 32)
    shape_ops = {"reshape": lambda t: t.reshape(4, 6), "permute": lambda t: mytorch.permute(t, (2, 0, 1)),
                 "repeated_list_index": lambda t: t[[1, 1, 0]], "repeated_array_index": lambda t: t[:, np.array([2, 2])],
                 "slice": lambda t: t[:, 1:, ::2], "boolean_mask": lambda t: t[t.data > 0]}
    values = {**rules_twice({name: (f, x) for name, f in shape_ops.items()}),
              **float32_rules({name: case(f, x) for name, f in shape_ops.items()})}
    values.update(float32_rules({"cat": case(lambda s, t: mytorch.cat([s, t], dim=-1), x, randn((2, 3, 1), 33))}))
    return values


# ----- Task 1.8: backward of matmul -----------------------------------------------------------------------
@probe("task1_8", check="gradient")
@with_stand_ins(STAND_IN_UNBROADCAST_OF_MATMUL)
def matmul_backward_on_every_kind_of_shape():
    shapes = [((1, 1), (1, 1)), ((1, 4), (4, 1)), ((4,), (4,)), ((4,), (4, 1)), ((1, 4), (4,)),
              ((3,), (2, 3, 4)), ((2, 4, 3), (3,)), ((2, 1, 3, 4), (5, 4, 2)), ((3, 4), (2, 2, 4, 3)),
              ((2, 1, 2, 3), (1, 3, 3, 2)), ((1, 2, 3), (3, 2)), ((5, 2, 3), (3, 4))]
    return gradient_check({f"shapes{number}": case(mytorch.matmul, randn(a, number), randn(b, 40 + number))
                           for number, (a, b) in enumerate(shapes)}, seed=3)


@probe("task1_8", check="gradient")
@with_stand_ins(STAND_IN_UNBROADCAST_OF_MATMUL)
def matmul_backward_of_larger_matrices():
    return gradient_check({"matrices": case(mytorch.matmul, randn((40, 30), 4), randn((30, 20), 5)),
                           "batch": case(mytorch.matmul, randn((6, 8, 9), 6), randn((9, 7), 7))}, seed=8)


@probe("task1_8", check="gradient")
@with_stand_ins(STAND_IN_UNBROADCAST_OF_MATMUL)
def matmul_backward_when_one_input_needs_no_gradient():
    a, b, upstream = randn((2, 3, 4), 10), randn((4, 5), 11), randn((2, 3, 5), 12)
    values = gradient_check({"only_a": case(mytorch.matmul, a, b, wrt=(0,)),
                             "only_b": case(mytorch.matmul, a, b, wrt=(1,))})
    before = upstream.copy()
    grads = mytorch.matmul(leaf(a), leaf(b)).grad_fn.backward(upstream)
    return {**values, "one_entry_per_input": isinstance(grads, tuple) and len(grads) == 2,
            "upstream_unchanged": bool(np.array_equal(upstream, before))}


@probe("task1_8")
@with_stand_ins(STAND_IN_UNBROADCAST_OF_MATMUL)
def matmul_backward_in_float32():
    shapes = [((3, 4), (4, 2)), ((4,), (4, 3)), ((2, 3), (3,)), ((4,), (4,)), ((2, 1, 3, 4), (5, 4, 2))]
    return float32_rules({f"shapes{number}": case(mytorch.matmul, randn(a, 50 + number), randn(b, 60 + number))
                          for number, (a, b) in enumerate(shapes)})


# ----- Task 1.9: forward mode: JVP rules ------------------------------------------------------------------
@probe("task1_9", check="gradient")
@with_stand_ins(STAND_IN_POW_DERIVATIVE)
def jvp_of_arithmetic_and_elementwise_rules():
    cases = {}
    for seed in range(4):
        shape_a, shape_b = broadcast_pair(seed + 40)
        a, b = randn(shape_a, seed), randn(shape_b, seed + 1)
        cases[f"add{seed}"], cases[f"mul{seed}"] = case(mytorch.ops.add, a, b), case(mytorch.ops.mul, a, b)
    for number, exponent in enumerate([0, 1, 3, -2, 0.5, -0.5, 2.5]):
        x = randn((3, 3), 6) if float(exponent).is_integer() else np.abs(randn((3, 3), 6)) + 0.3
        cases[f"pow{number}"] = case(lambda t, p=exponent: t ** p, np.where(np.abs(x) < 0.2, -0.6, x))
    x = randn((2, 3, 2), 7)
    with_a_zero = finite_differences.away_from([0.0], (2, 3, 2), seed=8)
    with_a_zero[0, 0, 0] = 0.0                  # abs' kink: central differences give 0 there, as sign(0) does
    cases.update({"x_times_x": case(lambda t: t * t, randn(4, 1)),
                  "x_plus_x": case(lambda t: t + t, randn(4, 1)),
                  "mul_only_a_moves": case(mytorch.ops.mul, randn((2, 3), 3), randn(3, 4), wrt=(0,)),
                  "neg_0d": case(mytorch.ops.neg, np.array(0.7)), "exp_0d": case(mytorch.exp, np.array(-1.3)),
                  "log_0d": case(mytorch.log, np.array(2.2)), "abs_0d": case(mytorch.abs, np.array(-0.4)),
                  "exp": case(mytorch.exp, x), "log": case(mytorch.log, np.exp(x)),
                  "abs_with_a_zero": case(mytorch.abs, with_a_zero)})
    return jvp_check(cases)


@probe("task1_9", check="gradient")
def jvp_of_reductions():
    dims, x = [None, 0, -1, (2, 0, 1)], distinct((2, 3, 4), seed=9)
    reductions = {"sum": mytorch.sum, "amax": mytorch.amax, "logsumexp": mytorch.logsumexp}
    return jvp_check({f"{name}_{key}": reduction for name, reduce in reductions.items()
                      for key, reduction in reduction_cases(reduce, dims, x).items()})


@probe("task1_9")
def jvp_of_max_with_ties_and_logsumexp_of_large_values():
    def tangent(f, x, v):
        return to_array(mytorch.autodiff.jvp(f, (const(x),), (const(v),))[1], "the tangent")

    x = np.array([[[2.0, 0.0], [2.0, 1.0], [-1.0, 1.0]]])
    v = np.array([[[1.0, 10.0], [3.0, 20.0], [100.0, 40.0]]])
    return {"max_of_all_with_ties": tangent(mytorch.amax, x, v),
            "max_over_a_middle_dim_with_ties": tangent(lambda t: mytorch.amax(t, dim=1), x, v),
            "logsumexp_of_large_values": tangent(lambda t: mytorch.logsumexp(t, dim=1),
                                                 np.array([[1000.0, 1001.0], [-1000.0, -1000.0]]),
                                                 np.array([[1.0, 2.0], [3.0, 5.0]]))}


@probe("task1_9", check="gradient")
def jvp_of_shape_rules():
    shape_ops = [lambda t: t.reshape(3, 8), mytorch.flatten, lambda t: mytorch.unsqueeze(t, 0),
                 lambda t: t[np.array([1, 1, 0])], lambda t: t[:, np.array([2, 0, 2]), 1:],
                 lambda t: t[t.data > 0], lambda t: t[..., None, ::-1],
                 lambda t: mytorch.stack([t, t * 2.0], dim=1)]
    cases = {f"shape_op{number}": case(f, randn((2, 3, 4), 12)) for number, f in enumerate(shape_ops)}
    for number, dims in enumerate(itertools.permutations(range(3))):
        cases[f"permute{number}"] = case(lambda t, dims=dims: mytorch.permute(t, dims), randn((2, 3, 4), 10))
    for number, dim in enumerate([0, 1, -1]):
        cases[f"cat{number}"] = concatenation_case(dim, (1, 3, 2), seed=13)
    return jvp_check(cases)


@probe("task1_9", check="gradient")
def jvp_of_matmul_and_a_small_network():
    weight, bias = randn((4, 3), 18), randn(3, 19)

    def network(x):
        hidden = mytorch.matmul(x, const(weight)) + const(bias)
        scores = mytorch.log(mytorch.exp(hidden) + 1.0)             # softplus
        return mytorch.mean(mytorch.logsumexp(scores, dim=1) - scores[:, 0])

    shapes = [((4,), (4,)), ((2, 3), (3,)), ((3,), (2, 3, 4)), ((2, 1, 3, 4), (5, 4, 2)), ((3, 4), (2, 4, 3))]
    cases = {f"matmul{number}": case(mytorch.matmul, randn(a, 14), randn(b, 15))
             for number, (a, b) in enumerate(shapes)}
    cases["matmul_only_b_moves"] = case(mytorch.matmul, randn(3, 4), randn((3, 2), 5), wrt=(1,))
    cases["network"] = case(network, randn((5, 4), 20))
    return jvp_check(cases)


@probe("task1_9")
@with_stand_ins(STAND_IN_POW_DERIVATIVE)
def jvp_at_kinks_ties_repeated_indices_0d_and_in_float32():
    ties = np.array([[3.0, 1.0, 3.0], [3.0, -2.0, 3.0], [0.0, 0.0, -1.0]])
    v = np.arange(1.0, 10.0).reshape(3, 3) ** 2
    signed, positive, dx = np.array([0.0, -1.5, 2.0, -0.0]), np.array([0.0, 0.5, 2.0, 0.0]), np.array([1.0, 2.0, 3.0, 4.0])
    values = {"abs_at_zeros": jvp_tangent(mytorch.abs, signed, dx),
              **{f"pow_{name}_at_zero": jvp_tangent(lambda t, p=p: t ** p, positive if p == 0.5 else signed, dx)
                 for name, p in [("two", 2), ("three", 3), ("one", 1), ("one_half", 0.5)]},
              "max_of_all_shares_ties": jvp_tangent(mytorch.max, ties, v),
              "repeated_list_index": jvp_tangent(lambda t: t[[0, 0, 2]], ties, v),
              "tuple_of_repeated_lists": jvp_tangent(lambda t: t[[0, 0, 2], [1, 1, 2]], ties, v)}
    for dim in (0, -1):
        for keepdim in (False, True):
            name = f"dim_{dim}_{'kept' if keepdim else 'dropped'}".replace("-", "minus_")
            values[f"max_with_{name}_goes_to_its_index"] = jvp_tangent(
                lambda t, dim=dim, keepdim=keepdim: mytorch.max(t, dim=dim, keepdim=keepdim).values, ties, v)
            values[f"amax_with_{name}_shares_ties"] = jvp_tangent(
                lambda t, dim=dim, keepdim=keepdim: mytorch.amax(t, dim=dim, keepdim=keepdim), ties, v)
    for name, reduce in {"sum": mytorch.sum, "amax": mytorch.amax, "logsumexp": mytorch.logsumexp}.items():
        for dim in (None, 0, -1):
            for keepdim in (False, True):
                key = f"{name}_of_0d_dim_{dim}_{'kept' if keepdim else 'dropped'}".replace("-", "minus_")
                values[key] = jvp_tangent(lambda t, r=reduce, d=dim, k=keepdim: r(t, dim=d, keepdim=k),
                                          np.array(0.8), np.array(-2.5))
    return {**values, **float32_tangents()}


def float32_tangents():
    """The tangents of a few operations on float32 values along a float32 direction, each with the
    name of its dtype (``<op>_dtype``), which stays float32."""
    x, y = randn((2, 3), 34), randn((3, 2), 35)
    ops = {"add": lambda t: t + t * 2.0, "neg": lambda t: -t, "pow": lambda t: t ** 3, "exp": mytorch.exp,
           "log": lambda t: mytorch.log(mytorch.abs(t) + 0.5), "sum": lambda t: mytorch.sum(t, dim=1),
           "amax": lambda t: mytorch.amax(t, dim=0, keepdim=True), "logsumexp": lambda t: mytorch.logsumexp(t, dim=-1),
           "reshape_permute": lambda t: mytorch.permute(t.reshape(3, 2), (1, 0)), "getitem": lambda t: t[[1, 1, 0]],
           "cat": lambda t: mytorch.cat([t, t * 3.0], dim=1), "matmul": lambda t: mytorch.matmul(t, const(y).float())}
    values = {}
    for name, f in ops.items():
        tangent = jvp_tangent(f, x, randn((2, 3), 36), dtype=np.float32)
        values[f"float32_{name}"], values[f"float32_{name}_dtype"] = tangent, str(tangent.dtype)
    return values


# ----- Task 1.10: the Jacobian in both modes --------------------------------------------------------------
class SquareAsMatrix(Function):
    """y = [[x²]] for a 0-d x."""

    def forward(self, x):
        self.save_for_backward(x)
        return np.reshape(x * x, (1, 1))

    def backward(self, grad):
        x, = self.saved_tensors
        return 2 * x * grad[0, 0]

    def jvp(self, dx):
        x, = self.saved_tensors
        return np.reshape(2 * x * dx, (1, 1))


def both_modes(cases):
    """``jacobian(f, x)`` of each case {name: (f, x)} in both modes, as ``reverse_<case>`` and
    ``forward_<case>``."""
    return {f"{mode}_{name}": to_array(transforms.jacobian(f, const(x), mode=mode), f"jacobian ({mode})")
            for name, (f, x) in cases.items() for mode in MODES}


@probe("task1_10", check="modes")
@with_stand_ins(NodesMade, STAND_IN_BACKWARD_PASS)
def jacobian_of_a_non_square_map_and_its_cost():
    x = const(randn(3, 1))
    values, calls, passes = {}, {}, []
    backward = engine.backward                   # the stand-in: count backward passes, not rules
    with stand_ins() as patch:
        patch.setattr(engine, "backward", lambda *args, **kwargs: passes.append(1) or backward(*args, **kwargs))
        for mode in (*MODES, "default"):
            Counted.jvp_calls, passes[:] = 0, []
            options = {} if mode == "default" else {"mode": mode}
            values[f"{mode}_tanh_of_Mx"] = to_array(transforms.jacobian(Counted.apply, x, **options),
                                                    f"jacobian ({mode})")
            calls[mode] = len(passes), Counted.jvp_calls
    outputs, inputs = Counted.M.shape
    return {**values, "one_backward_per_output_entry_in_reverse_mode": calls["reverse"] == (outputs, 0),
            "one_jvp_per_input_entry_in_forward_mode": calls["forward"][0] == 0
            and inputs <= calls["forward"][1] <= inputs + 1,        # one more may find the output's shape
            "default_mode_is_reverse": calls["default"] == calls["reverse"]}


@probe("task1_10", check="modes")
@with_stand_ins(NodesMade, STAND_IN_BACKWARD_PASS)
def jacobian_of_matrix_and_scalar_outputs():
    return both_modes({"outer": (Outer.apply, randn(3, 5)), "trace": (Trace.apply, randn((3, 3), 6)),
                       "composition": (lambda t: Outer.apply(Counted.apply(t)), randn(3, 9))})


@probe("task1_10", check="modes")
@with_stand_ins(NodesMade, STAND_IN_BACKWARD_PASS)
def jacobian_edge_cases():
    c = const(randn((2, 2), 7))
    values = both_modes({"of_a_0d_input": (SquareAsMatrix.apply, np.array(0.4)),
                         "of_a_constant_function": (lambda t: c, randn((3, 1), 8))})
    x = const(randn(3, 11))
    before = x.data.copy()
    for mode in MODES:
        transforms.jacobian(Counted.apply, x, mode=mode)
    unknown = error_message(lambda: transforms.jacobian(Counted.apply, x, mode="backward"), ValueError)
    return {**values, "unknown_mode_names_the_modes": any(mode in (unknown or "") for mode in MODES),
            "input_unchanged": bool(np.array_equal(x.data, before)) and x.grad is None and x.tangent is None}


# ----- Task 1.11: a gradient checker ----------------------------------------------------------------------
class Bilinear(Function):
    """y = a W b for a (2, 3), a fixed W (3, 4) and b (4, 2); b̄ is wrong in one entry of the Jacobian,
    ∂y₁₁/∂b₃₁."""
    W = randn((3, 4), 0)

    def forward(self, a, b):
        self.save_for_backward(a, b)
        return a @ self.W @ b

    def backward(self, grad):
        a, b = self.saved_tensors
        grad_b = (a @ self.W).T @ grad
        grad_b[3, 1] += grad[1, 1]
        return grad @ (self.W @ b).T, grad_b

    def jvp(self, da, db):
        a, b = self.saved_tensors
        return da @ self.W @ b + a @ self.W @ db


class GoodBilinear(Bilinear):
    """y = a W b with correct rules."""

    def backward(self, grad):
        a, b = self.saved_tensors
        return grad @ (self.W @ b).T, (a @ self.W).T @ grad


class Product(Function):
    """y = [x₀ x₁] for a vector x of 2: at x = 0 every derivative is exactly 0."""

    def forward(self, x):
        self.save_for_backward(x)
        return np.reshape(x[0] * x[1], 1)

    def backward(self, grad):
        x, = self.saved_tensors
        return grad[0] * x[::-1]

    def jvp(self, dx):
        x, = self.saved_tensors
        return np.reshape(dx[0] * x[1] + x[0] * dx[1], 1)


def gradcheck_outcome(f, inputs, **options):
    """Whether ``gradcheck(f, inputs, **options)`` accepts f, and the integers of the index that its
    GradcheckError names (none when it accepts)."""
    try:
        return gradcheck(f, inputs, **options) is True, np.zeros(0, dtype=np.int64)
    except GradcheckError as error:
        found = re.search(r"\((\d+(?:, \d+)*)\)", str(error))
        return False, np.array([int(n) for n in found[1].split(", ")] if found else [], dtype=np.int64)


class CubeTooSmall(Cube):
    """y = x³ whose backward is a relative 1e-3 too small."""

    def backward(self, grad):
        return super().backward(grad) * (1 - 1e-3)


class CubeTooLarge(Cube):
    """y = x³ whose backward is a relative 1e-3 too large."""

    def backward(self, grad):
        return super().backward(grad) * (1 + 1e-3)


def accepts_and_rejects(correct, wrong):
    """Whether gradcheck accepts every case of ``correct`` and rejects every case of ``wrong``, each
    {name: (f, inputs, options)}; as ``accepts_<name>`` and ``rejects_<name>``. A gradcheck that
    always says True, or always raises, gets one of them wrong: every probe of Task 1.11 asks both."""
    values = {f"accepts_{name}": gradcheck_outcome(f, inputs, **options)[0]
              for name, (f, inputs, options) in correct.items()}
    values.update({f"rejects_{name}": not gradcheck_outcome(f, inputs, **options)[0]
                   for name, (f, inputs, options) in wrong.items()})
    return values


@probe("task1_11")
@with_stand_ins(STAND_IN_JACOBIAN)
def relative_error_values_and_gradcheck_at_every_scale():
    rng = np.random.default_rng(1)
    a, n = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    tiny_a, tiny_n = rng.standard_normal(100) * 1e-6, rng.standard_normal(100) * 1e-6
    values = {name: to_array(error, f"relative_error ({name})") for name, error in [
        ("random", relative_error(a, n)), ("swapped", relative_error(n, a)),
        ("of_equal_values", relative_error(a, a)), ("tiny", relative_error(tiny_a, tiny_n)),
        ("below_the_default_floor", relative_error(np.array([1e-10, 0.0]), np.array([3e-10, 0.0]))),
        ("below_a_given_floor", relative_error(np.array([3e-5, 0.0]), np.array([1e-5, 0.0]), floor=1e-3)),
        ("above_a_given_floor", relative_error(np.array([3.0]), np.array([1.0]), floor=1e-3)),
        ("of_0d", relative_error(np.array(2.0), np.array(1.0)))]}
    small, large = leaf(np.array([2e-3, -3e-3, 1e-3])), leaf(np.array([40.0, -25.0, 60.0]))
    return {**values, **accepts_and_rejects(
        {"zero_derivatives": (Product.apply, (leaf(np.zeros(2)),), {}),
         "tiny_derivatives": (Cube.apply, (small,), {}), "huge_derivatives": (Cube.apply, (large,), {}),
         "an_error_below_a_loose_tolerance": (CubeTooSmall.apply, (large,), {"tolerance": 1e-2})},
        {"a_gradient_too_small": (CubeTooSmall.apply, (large,), {}),
         "a_gradient_too_large": (CubeTooLarge.apply, (large,), {}),
         "tiny_gradients_too_small": (CubeTooSmall.apply, (small,), {}),
         "tiny_gradients_too_large": (CubeTooLarge.apply, (small,), {})})}


@probe("task1_11")
@with_stand_ins(STAND_IN_JACOBIAN)
def numerical_jacobian_values_and_gradcheck_of_several_inputs():
    values = {}
    for number, (shape, rows) in enumerate([((3,), 4), ((2, 3), 2), ((), 3)]):
        matrix = const(randn((rows, max(1, int(np.prod(shape)))), 4))

        def linear(t, matrix=matrix):
            """x ↦ A vec(x)."""
            return mytorch.matmul(matrix, mytorch.reshape(t, -1))

        values[f"linear{number}"] = numerical_jacobian(linear, (leaf(randn(shape, 3)),), 0)
    values["sum_of_squares"] = numerical_jacobian(lambda t: mytorch.sum(t * t), (leaf(randn((2, 3), 5)),), 0)
    values["cube_with_eps"] = numerical_jacobian(lambda t: t ** 3, (leaf(randn(3, 6)),), 0, eps=1e-2)
    arrays = [randn(2, 7), randn((2, 2), 8), randn(2, 9)]
    inputs = (leaf(arrays[0]), const(arrays[1]), leaf(arrays[2]))
    values["last_of_three"] = numerical_jacobian(lambda s, t, u: mytorch.matmul(t, s * u), inputs, 2)
    first_ignored = (leaf(randn(3, 10)), leaf(randn(2, 11)))
    values["ignored_input"] = numerical_jacobian(lambda s, t: t * 2.0, first_ignored, 0)
    values = {name: to_array(value, f"numerical_jacobian ({name})") for name, value in values.items()}
    a, b = leaf(randn((2, 3), 37)), leaf(randn((4, 2), 38))
    accepted, index = gradcheck_outcome(Bilinear.apply, (a, b))
    return {**values, "inputs_unchanged": all(np.array_equal(t.data, a) for t, a in zip(inputs, arrays)),
            "second_input_wrong_index": index, **accepts_and_rejects(
                {"two_inputs": (GoodBilinear.apply, (a, b), {}),
                 "a_wrong_input_that_needs_no_gradient": (Bilinear.apply, (a, const(b.data)), {})},
                {"a_wrong_second_input": (Bilinear.apply, (a, b), {}),
                 "a_wrong_second_input_of_a_constant_first": (Bilinear.apply, (const(a.data), b), {})})}


@probe("task1_11")
@with_stand_ins(STAND_IN_JACOBIAN)
def gradcheck_accepts_correct_rules_and_rejects_wrong_ones():
    a, b = leaf(randn((2, 3), 12)), leaf(randn((4, 2), 13))
    cube_input = leaf(np.abs(randn(4, 16)) + 0.5)
    values = accepts_and_rejects(
        {"bilinear": (GoodBilinear.apply, (a, b), {}), "zero_derivatives": (Product.apply, (leaf(np.zeros(2)),), {}),
         "slightly_wrong_with_a_loose_tolerance": (SlightlyWrongCube.apply, (cube_input,), {"tolerance": 1e-3}),
         "wrong_input_that_needs_no_grad": (Bilinear.apply, (a, const(b.data)), {})},
        {"slightly_wrong": (SlightlyWrongCube.apply, (cube_input,), {})})
    values["bilinear_accepted"], values["bilinear_index"] = gradcheck_outcome(
        Bilinear.apply, (leaf(randn((2, 3), 14)), leaf(randn((4, 2), 15))))
    x = leaf(randn(3, 19))
    wrong = np.diag(3 * x.data ** 2)
    wrong[2, 1] = 0.1
    with stand_ins() as patch:  # an analytic Jacobian wrong in entry (2, 1)
        patch.setattr(transforms, "jacobian", lambda f, value, mode="reverse": mytorch.tensor(wrong))
        values["wrong_entry_accepted"], values["wrong_entry_index"] = gradcheck_outcome(Cube.apply, (x,))
    return values
