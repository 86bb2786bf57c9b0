"""Differential fuzzing: random small programs over mytorch's public API, run in mytorch and in
PyTorch (float64). Both must agree on the value, on the gradient of every leaf (under a random
upstream gradient) and on the forward-mode tangent: ``oracle.assert_matches_torch`` checks all three.

Programs
    A program has 1–3 leaves (arrays of small random shapes) and 1–6 steps. Its value ``x``
    starts as leaf 0; each step replaces ``x`` by one operation of the table ``OPS`` applied to
    ``x`` and, for operations of two or more tensors, to *partners*: ``x`` itself, an earlier
    leaf of the shape asked for, or a new leaf. A leaf used twice, or ``x * x``, tests that
    gradients from several paths add up.

Generation
    Each operation of ``OPS`` states when it applies to the current value (its shape; its
    values for log, division, ...) and how to draw its arguments from it, so that every drawn
    program is valid by construction. Programs are drawn step by step while running them in
    torch: a step whose result is empty, larger than 1000 entries, not finite or beyond ±1000
    is dropped, which keeps magnitudes, and so roundoff, small enough for the oracle's
    tolerances (rtol 1e-10, atol 1e-12) to hold as they are.

Kinks and ties, on purpose
    Half the leaves hold multiples of 0.5, so zeros and equal entries are frequent and the
    subgradient conventions are checked too, PyTorch's being the reference: relu'(0) = 0,
    leaky_relu'(0) = slope, abs'(0) = 0, l1_loss at equal entries, max() and amax() share
    the gradient evenly among ties, max(dim) and max_pool2d give it to the first maximum.
    A kink or a tie is only trusted where x is exact, the same to the last bit in both
    libraries (see ``programs``): after a softmax, say, two entries equal in torch may differ
    by an ulp in mytorch, and either answer would be right.

Known divergences
    The generator steers around the one place where mytorch differs from torch on purpose:
    an int index split from an array index by a slice, an Ellipsis or None, where mytorch
    follows NumPy's rules (hw1's handout says so). A strict xfail test at the end of this file
    pins it, and fails once mytorch changes.

Reading a failure
    hypothesis prints the shrunk program as Python-like lines (``Program.__repr__``): the
    leaves, then one ``x = op(x, partners, arguments)`` per step, with the operation's name
    as in ``OPS``. ``--hypothesis-show-statistics`` shows how often each operation was drawn.
"""
import operator
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, broadcastable_shapes

import mytorch

from oracle import assert_matches_torch

MAX_LEAVES, MAX_STEPS, MAX_SIZE, MAX_ABS = 3, 6, 1000, 1e3
# 1–4 dimensions, and 0 now and then (0-d values mostly come from reductions).
SHAPES = st.sampled_from([1, 2, 3, 4] * 3 + [0]).flatmap(
    lambda ndim: array_shapes(min_dims=ndim, max_dims=ndim, min_side=1, max_side=4))
REDUCTIONS = st.sampled_from(["mean", "sum", "none"])
ARITHMETIC = {"add": operator.add, "sub": operator.sub, "mul": operator.mul,
              "truediv": operator.truediv, "pow": operator.pow}
DOMAINS = {"any": lambda v: True,
           "positive": lambda v: bool(v.min() >= 0.1),
           "nonzero": lambda v: bool(v.abs().min() >= 0.1)}
positive, nonzero = DOMAINS["positive"], DOMAINS["nonzero"]


# ----- the table of operations ----------------------------------------------------------------
@dataclass(frozen=True)
class Need:
    """A partner tensor that a step asks for: its shape and the domain of its values."""
    shape: tuple
    domain: str = "any"


@dataclass(frozen=True)
class Op:
    """One operation of the table.

    applies(x):            whether it may follow the current value x (a torch tensor)
    draw(draw, x):         (keyword arguments, [Need, ...]) drawn for x, or None to skip it here
    call(lib, x, *partners, **kwargs):  the operation, with lib = mytorch or torch
    torch_call:            the same for torch, where the two APIs differ
    weight:                how many times more often than others it is drawn, when it applies
    exact(**kwargs):       whether it is exact on values that are on_grid (see programs)
    fragile:               "kink" if its derivative jumps where x (minus its partner, for a
                           loss) is 0, "tie" if where entries of x are equal
    """
    name: str
    draw: Callable
    call: Callable
    applies: Callable = lambda x: True
    torch_call: Callable = None
    weight: int = 1
    exact: Callable = lambda **kwargs: False
    fragile: str = None


class Const:
    """A constant tensor argument (an index or class labels): ``tensor([...])`` in both libraries."""

    def __init__(self, values):
        self.values = values

    def to(self, lib):
        array = np.array(self.values)
        return array if lib is np else lib.tensor(array)

    def __repr__(self):
        return f"tensor({self.values!r})"


def no_args(draw, x):
    return {}, []


def unary(name, call, **options):
    return Op(name, no_args, call, **options)


def always(**kwargs):
    return True


def exact_arithmetic(op, **kwargs):
    return op in ("add", "sub", "mul")


def an_axis(ndim):
    """An axis of a tensor with ``ndim`` dimensions, maybe negative (0 or −1 for a 0-d tensor)."""
    return st.integers(-(ndim or 1), (ndim or 1) - 1)


def draw_dims(draw, x, none=True):
    """None, one axis or a tuple of distinct axes (each maybe negative)."""
    choices = [an_axis(x.ndim)] + [st.none()] * none
    if x.ndim:
        choices.append(st.lists(st.integers(0, x.ndim - 1), min_size=1, max_size=x.ndim, unique=True)
                       .flatmap(lambda axes: st.tuples(*[st.sampled_from([a, a - x.ndim]) for a in axes])))
    return draw(st.one_of(choices))


def draw_reduction(draw, x):
    return {"fn": draw(st.sampled_from(["sum", "mean"])), "dim": draw_dims(draw, x),
            "keepdim": draw(st.booleans())}, []


def draw_amax_or_logsumexp(draw, x):
    return {"fn": draw(st.sampled_from(["amax", "logsumexp"])), "dim": draw_dims(draw, x, none=False),
            "keepdim": draw(st.booleans())}, []


def draw_scalar_arithmetic(draw, x):
    """x ∘ c or c ∘ x with a Python number c (an int or a float)."""
    op, c = draw(st.sampled_from(list(ARITHMETIC))), draw(st.sampled_from([2, -1.5, 0.5, 3]))
    swap = draw(st.booleans())
    if op == "truediv" and swap and not nonzero(x):
        swap = False
    if op == "pow":   # c ** x, with c > 0 (x ** c is the operation "power")
        swap, c = True, abs(c)
    return {"op": op, "c": c, "swap": swap}, []


def draw_power(draw, x):
    p = draw(st.sampled_from([2, 3, -1, 0, 0.5, 1.5, -0.5]))
    domain = {2: "any", 3: "any", -1: "nonzero", 0: "any"}.get(p, "positive")
    return ({"p": p}, []) if DOMAINS[domain](x) else None


def draw_tensor_arithmetic(draw, x):
    """x ∘ y or y ∘ x, y of a shape that broadcasts with x's (the result may be larger than x)."""
    op, swap = draw(st.sampled_from(list(ARITHMETIC))), draw(st.booleans())
    shape, domain = draw(broadcastable_shapes(tuple(x.shape), max_dims=4, max_side=4)), "any"
    if op == "truediv":     # the divisor stays away from 0
        swap = swap and nonzero(x)
        domain = "any" if swap else "nonzero"
    if op == "pow":         # a ** b = exp(b log a): the base must be positive
        swap = swap or not positive(x)
        domain = "positive" if swap else "any"
    return {"op": op, "swap": swap}, [Need(shape, domain)]


def draw_matmul(draw, x):
    """x @ y or y @ x, with y a vector, a matrix or a batch of matrices fitting x."""
    swap, m = draw(st.booleans()), draw(st.integers(1, 3))
    form = draw(st.sampled_from(["vector", "matrix", "batch"]))
    k = x.shape[-2] if swap and x.ndim >= 2 else x.shape[-1]
    matrix = (m, k) if swap else (k, m)
    shape = {"vector": (k,), "matrix": matrix,
             "batch": draw(broadcastable_shapes(tuple(x.shape[:-2]), max_dims=2, max_side=3)) + matrix}[form]
    return {"swap": swap}, [Need(shape)]


def draw_cat(draw, x):
    dim = draw(an_axis(x.ndim))
    shape = list(x.shape)
    shape[dim] = draw(st.integers(1, 3))
    fn, x_first = draw(st.sampled_from(["cat", "concatenate"])), draw(st.booleans())
    return {"fn": fn, "dim": dim, "x_first": x_first}, [Need(tuple(shape))]


def draw_stack(draw, x):
    dim, x_first = draw(st.integers(-x.ndim - 1, x.ndim)), draw(st.booleans())
    return {"dim": dim, "x_first": x_first}, [Need(tuple(x.shape))]


def draw_linear(draw, x):
    out = draw(st.integers(1, 4))
    return {}, [Need((out, x.shape[-1]))] + [Need((out,))] * draw(st.booleans())


def draw_conv2d(draw, x):
    _, channels, height, width = x.shape
    padding, stride, out = draw(st.integers(0, 1)), draw(st.integers(1, 2)), draw(st.integers(1, 3))
    kernel = tuple(draw(st.integers(1, min(3, n + 2 * padding))) for n in (height, width))
    bias = [Need((out,))] * draw(st.booleans())
    return {"stride": stride, "padding": padding}, [Need((out, channels) + kernel)] + bias


def draw_max_pool2d(draw, x):
    padding = draw(st.integers(0, 1))   # at most half the kernel, as both libraries require
    kernel = draw(st.integers(max(1, 2 * padding), min(3, min(x.shape[2:]) + 2 * padding)))
    return {"kernel_size": kernel, "stride": draw(st.none() | st.integers(1, 2)), "padding": padding}, []


def draw_pair_loss(draw, x):
    fn, reduction = draw(st.sampled_from(["mse_loss", "l1_loss"])), draw(REDUCTIONS)
    return {"fn": fn, "reduction": reduction}, [Need(tuple(x.shape))]


def draw_class_loss(draw, x):
    n, classes = x.shape
    target = draw(st.lists(st.integers(0, classes - 1), min_size=n, max_size=n))
    return {"fn": draw(st.sampled_from(["cross_entropy", "nll_loss"])), "target": Const(target),
            "reduction": draw(REDUCTIONS)}, []


def draw_reshape(draw, x):
    """A random factorisation of x's size into 0–4 dimensions, maybe with one −1."""
    size, factors = x.numel(), []
    for p in range(2, x.numel() + 1):
        while size % p == 0:
            factors.append(p)
            size //= p
    shape = [1] * draw(st.integers(1 if factors else 0, 4))
    for p in factors:
        shape[draw(st.integers(0, len(shape) - 1))] *= p
    if shape and draw(st.booleans()):
        shape[draw(st.integers(0, len(shape) - 1))] = -1
    return {"shape": tuple(shape)}, []


def draw_flatten(draw, x):
    start, end = sorted(draw(st.lists(st.integers(0, max(x.ndim - 1, 0)), min_size=2, max_size=2)))
    negate = lambda d: draw(st.sampled_from([d, d - x.ndim])) if x.ndim else d  # noqa: E731
    return {"start_dim": negate(start), "end_dim": negate(end)}, []


def draw_index_part(draw, n, length):
    """An index for one dimension of size n; every array part picks ``length`` entries, so they broadcast."""
    kind = draw(st.sampled_from(["int", "slice", "list", "nested", "tensor", "bool"]))
    axis = st.integers(-n, n - 1)
    if kind == "int":
        return draw(axis)
    if kind == "slice":
        start, stop = draw(st.none() | axis), draw(st.none() | st.integers(-n, n))
        part = slice(start, stop, draw(st.sampled_from([None, 1, 2, 3])))
        return part if len(range(n)[part]) else slice(None, None, part.step)
    if kind == "bool" and length <= n:
        picked = draw(st.permutations(range(n)))[:length]
        return [i in picked for i in range(n)]
    picks = st.lists(axis, min_size=length, max_size=length)   # repeats welcome
    if kind == "nested":
        return [draw(picks), draw(picks)]
    return Const(draw(picks)) if kind == "tensor" else draw(picks)


def draw_index(draw, shape):
    """A whole boolean mask, or a tuple of per-dimension parts with maybe an Ellipsis and Nones."""
    ndim = len(shape)
    if ndim and draw(st.integers(0, 4)) == 0:
        size = int(np.prod(shape))
        mask = np.array(draw(st.lists(st.booleans(), min_size=size, max_size=size))).reshape(shape)
        mask.flat[draw(st.integers(0, size - 1))] = True   # never empty
        return draw(st.sampled_from([mask.tolist(), Const(mask.tolist())]))
    k = draw(st.integers(0, ndim))                 # dimensions indexed explicitly
    split = draw(st.none() | st.integers(0, k))    # the Ellipsis's place among them, if any
    sizes = shape[:k] if split is None else shape[:split] + shape[ndim - (k - split):]
    length = draw(st.integers(1, 3))
    parts = [draw_index_part(draw, n, length) for n in sizes]
    if split is not None:
        parts.insert(split, Ellipsis)
    for _ in range(draw(st.integers(0, 2))):
        parts.insert(draw(st.integers(0, len(parts))), None)
    return parts[0] if len(parts) == 1 and draw(st.booleans()) else tuple(parts)


def index_for(lib, index):
    """The index for ``lib``: Const parts become its tensors; for torch, lists become tensors too
    (torch 2.x still reads a list of lists as a tuple; mytorch, like NumPy, as an array)."""
    def convert(part):
        if isinstance(part, Const):
            return part.to(lib)
        return torch.tensor(part) if isinstance(part, list) and lib is torch else part
    return tuple(map(convert, index)) if isinstance(index, tuple) else convert(index)


def draw_getitem(draw, x):
    index = draw_index(draw, tuple(x.shape))
    entries = np.arange(x.numel()).reshape(x.shape)
    picked = torch.tensor(entries)[index_for(torch, index)].numpy()
    if not np.array_equal(entries[index_for(np, index)], picked):
        return None   # a known divergence: see test_known_divergence_int_slice_array_index
    return {"index": index}, []


F = lambda lib: lib.nn.functional  # noqa: E731

OPS = [   # getitem first: hypothesis draws the first entry most often, and indexing has most forms
    Op("getitem", draw_getitem, lambda lib, x, index: x[index_for(lib, index)], weight=4, exact=always),
    unary("neg", lambda lib, x: -x, exact=always),
    Op("scalar_arithmetic", draw_scalar_arithmetic,
       lambda lib, x, op, c, swap: ARITHMETIC[op](c, x) if swap else ARITHMETIC[op](x, c),
       exact=exact_arithmetic),
    Op("tensor_arithmetic", draw_tensor_arithmetic,
       lambda lib, x, y, op, swap: ARITHMETIC[op](y, x) if swap else ARITHMETIC[op](x, y), weight=2,
       exact=exact_arithmetic),
    Op("power", draw_power, lambda lib, x, p: x ** p, exact=lambda p: p in (2, 3)),
    unary("exp", lambda lib, x: lib.exp(x)),
    unary("log", lambda lib, x: lib.log(x), applies=positive, weight=2),
    unary("sqrt", lambda lib, x: lib.sqrt(x), applies=positive, weight=2),
    unary("abs", lambda lib, x: lib.abs(x), exact=always, fragile="kink"),
    unary("relu", lambda lib, x: F(lib).relu(x), exact=always, fragile="kink"),
    Op("leaky_relu", lambda draw, x: ({"slope": draw(st.sampled_from([0.01, 0.2]))}, []),
       lambda lib, x, slope: F(lib).leaky_relu(x, slope), fragile="kink"),
    unary("sigmoid", lambda lib, x: F(lib).sigmoid(x)),
    unary("tanh", lambda lib, x: F(lib).tanh(x)),
    Op("softmax", lambda draw, x: ({"fn": draw(st.sampled_from(["softmax", "log_softmax"])),
                                    "dim": draw(an_axis(x.ndim))}, []),
       lambda lib, x, fn, dim: getattr(F(lib), fn)(x, dim)),
    Op("sum_or_mean", draw_reduction,
       lambda lib, x, fn, dim, keepdim: getattr(x, fn)(dim=dim, keepdim=keepdim),
       exact=lambda fn, **kwargs: fn == "sum"),
    unary("max", lambda lib, x: x.max(), exact=always, fragile="tie"),
    Op("max_dim", lambda draw, x: ({"dim": draw(an_axis(x.ndim)), "keepdim": draw(st.booleans())}, []),
       lambda lib, x, dim, keepdim: x.max(dim, keepdim).values, exact=always, fragile="tie"),
    Op("amax_or_logsumexp", draw_amax_or_logsumexp,
       lambda lib, x, fn, dim, keepdim: getattr(lib, fn)(x, dim, keepdim),
       exact=lambda fn, **kwargs: fn == "amax", fragile="tie"),
    Op("reshape", draw_reshape, lambda lib, x, shape: x.reshape(shape), exact=always),
    # mytorch's view is reshape; torch's view refuses some strides (after a permute), so: reshape.
    Op("view", draw_reshape, lambda lib, x, shape: x.view(*shape),
       torch_call=lambda lib, x, shape: x.reshape(shape), exact=always),
    Op("permute", lambda draw, x: ({"dims": tuple(draw(st.permutations(range(x.ndim))))}, []),
       lambda lib, x, dims: x.permute(dims), exact=always),
    Op("transpose", lambda draw, x: ({"dim0": draw(an_axis(x.ndim)), "dim1": draw(an_axis(x.ndim))}, []),
       lambda lib, x, dim0, dim1: lib.transpose(x, dim0, dim1), exact=always),
    unary("T", lambda lib, x: x.T, applies=lambda x: x.ndim == 2, weight=3, exact=always),
    Op("flatten", draw_flatten, lambda lib, x, start_dim, end_dim: x.flatten(start_dim, end_dim),
       exact=always),
    Op("squeeze", lambda draw, x: ({"dim": draw(st.none() | an_axis(x.ndim))}, []),
       lambda lib, x, dim: x.squeeze() if dim is None else x.squeeze(dim), exact=always),
    Op("unsqueeze", lambda draw, x: ({"dim": draw(st.integers(-x.ndim - 1, x.ndim))}, []),
       lambda lib, x, dim: x.unsqueeze(dim), applies=lambda x: x.ndim < 4, exact=always),
    Op("cat", draw_cat,
       lambda lib, x, y, fn, dim, x_first: getattr(lib, fn)([x, y] if x_first else [y, x], dim),
       applies=lambda x: x.ndim >= 1, exact=always),
    Op("stack", draw_stack, lambda lib, x, y, dim, x_first: lib.stack([x, y] if x_first else [y, x], dim),
       applies=lambda x: x.ndim < 4, exact=always),
    Op("matmul", draw_matmul, lambda lib, x, y, swap: y @ x if swap else x @ y, applies=lambda x: x.ndim >= 1,
       exact=always),
    Op("linear", draw_linear, lambda lib, x, *weight_and_bias: F(lib).linear(x, *weight_and_bias),
       applies=lambda x: x.ndim >= 1, exact=always),
    Op("conv2d", draw_conv2d, lambda lib, x, *weight_and_bias, stride, padding:
       F(lib).conv2d(x, *weight_and_bias, stride=stride, padding=padding),
       applies=lambda x: x.ndim == 4, weight=4, exact=always),
    Op("max_pool2d", draw_max_pool2d, lambda lib, x, **kwargs: F(lib).max_pool2d(x, **kwargs),
       applies=lambda x: x.ndim == 4, weight=4, exact=always, fragile="tie"),
    Op("mse_or_l1_loss", draw_pair_loss,
       lambda lib, x, y, fn, reduction: getattr(F(lib), fn)(x, y, reduction=reduction), fragile="kink"),
    Op("class_loss", draw_class_loss,
       lambda lib, x, fn, target, reduction: getattr(F(lib), fn)(x, target.to(lib), reduction=reduction),
       applies=lambda x: x.ndim == 2, weight=4),
]
OPS_BY_NAME = {op.name: op for op in OPS}


# ----- programs -------------------------------------------------------------------------------
class Step:
    """``x = op(x, *partners, **kwargs)``; a partner is "x" or the number of a leaf."""

    def __init__(self, op, partners, kwargs):
        self.op, self.partners, self.kwargs = op, partners, kwargs

    def apply(self, lib, x, leaves):
        op = OPS_BY_NAME[self.op]
        call = op.torch_call if lib is torch and op.torch_call else op.call
        return call(lib, x, *(x if p == "x" else leaves[p] for p in self.partners), **self.kwargs)

    def __repr__(self):
        args = ["x"] + [p if p == "x" else f"leaf{p}" for p in self.partners]
        return f"x = {self.op}({', '.join(args + [f'{k}={v!r}' for k, v in self.kwargs.items()])})"


class Program:
    """Leaves (arrays), steps, and the seed of the upstream gradient and tangents.

    A plain class, not a dataclass, so that hypothesis prints a failure with ``__repr__``.
    """

    def __init__(self, leaves, seed):
        self.leaves, self.steps, self.seed = leaves, [], seed

    def run(self, lib, *leaves):
        x = leaves[0]
        for step in self.steps:
            x = step.apply(lib, x, leaves)
        return x

    def __repr__(self):
        leaves = [f"leaf{i} = np.array({a.tolist()!r})  # shape {a.shape}" for i, a in enumerate(self.leaves)]
        return "\n".join(["", *leaves, "x = leaf0", *map(repr, self.steps), f"# seed={self.seed}"])


def draw_leaf(draw, shape, domain="any"):
    """Uniform values in [−2, 2], or (half the time) multiples of 0.5 there, for zeros and ties."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    values = rng.integers(-4, 5, size=shape) / 2 if draw(st.booleans()) else rng.uniform(-2, 2, size=shape)
    values = np.asarray(values, dtype=np.float64)
    if domain == "positive":
        values = np.abs(values) + 0.5
    elif domain == "nonzero":
        values = values + np.where(values >= 0, 0.5, -0.5)
    return values


def draw_partner(draw, need, x, leaves):
    """"x", the number of a fitting leaf, or "new" (a new leaf), or None when none is possible."""
    def fits(v):
        return tuple(v.shape) == tuple(need.shape) and DOMAINS[need.domain](torch.as_tensor(v))

    choices = (["new"] * (len(leaves) < MAX_LEAVES) + [i for i, leaf in enumerate(leaves) if fits(leaf)]
               + ["x"] * fits(x))
    return draw(st.sampled_from(choices)) if choices else None


def acceptable(y):
    return 0 < y.numel() <= MAX_SIZE and bool(torch.isfinite(y).all()) and float(y.abs().max()) <= MAX_ABS


def on_grid(v):
    """Whether every entry is a multiple of 2⁻¹²: with |v| ≤ 1000, products and sums of a few
    dozen such numbers are exact in float64, whatever the order of the operations."""
    v = torch.as_tensor(v) * 4096
    return bool((v == v.round()).all())


def near_kink_or_tie(kind, x, partners):
    """Whether x (minus its partner, for a loss) is within roundoff of 0, or (a tie) two
    entries of x are within roundoff of each other, exactly equal ones included."""
    if kind == "kink":
        v = x - partners[0] if partners else x
        return bool((v.abs() <= 1e-9).any())
    v = x.flatten().sort().values
    return bool((v.diff() <= 1e-9 * v[1:].abs().clamp(min=1)).any())


@st.composite
def programs(draw):
    """Programs drawn step by step, each step run in torch to pick the next one.

    ``exact`` follows whether x is bit-for-bit the same in both libraries: true while every
    value so far is on_grid and was made by an operation with ``exact``. Only then may a
    fragile operation meet x at a kink or a tie; elsewhere a last-bit difference between the
    libraries could move x across the kink, or break the tie differently in each.
    """
    program = Program([draw_leaf(draw, draw(SHAPES))], seed=draw(st.integers(0, 2**32 - 1)))
    x = torch.tensor(program.leaves[0])
    exact = on_grid(x)
    length = draw(st.sampled_from(range(1, MAX_STEPS + 1)))
    for _ in range(2 * length):                 # a step may be skipped: try twice as often
        if len(program.steps) == length:
            break
        op = draw(st.sampled_from([op for op in OPS if op.applies(x) for _ in range(op.weight)]))
        drawn = op.draw(draw, x)
        if drawn is None:
            continue
        kwargs, needs = drawn
        leaves, partners = list(program.leaves), []
        for need in needs:
            partner = draw_partner(draw, need, x, leaves)
            if partner == "new":
                leaves.append(draw_leaf(draw, need.shape, need.domain))
                partner = len(leaves) - 1
            partners.append(partner)
        if None in partners:
            continue
        values = [x if p == "x" else torch.tensor(leaves[p]) for p in partners]
        inputs_exact = exact and all(map(on_grid, values))
        if op.fragile and not inputs_exact and near_kink_or_tie(op.fragile, x, values):
            continue
        step = Step(op.name, tuple(partners), kwargs)
        y = step.apply(torch, x, [torch.tensor(leaf) for leaf in leaves])
        if acceptable(y):
            program.leaves, x = leaves, y
            program.steps.append(step)
            exact = inputs_exact and op.exact(**kwargs) and on_grid(y)
    return program


@settings(max_examples=1500, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(program=programs())
def test_random_programs_match_torch(program):
    for step in program.steps:
        event(step.op)
    assert_matches_torch(lambda *leaves: program.run(mytorch, *leaves),
                         lambda *leaves: program.run(torch, *leaves),
                         *program.leaves, seed=program.seed)


# ----- the known divergence: mytorch differs from torch here, and the fuzzer does not go there -----
@pytest.mark.xfail(strict=True, raises=AssertionError,
                   reason="an int and an array index split by a slice (an Ellipsis, None): mytorch "
                   "follows NumPy (the array's dimensions go first), torch applies the int first "
                   "(they stay in place)")
def test_known_divergence_int_slice_array_index():
    assert_matches_torch(lambda t: t[0, :, [0, 1]], lambda t: t[0, :, [0, 1]],
                         np.arange(24.0).reshape(2, 3, 4))
