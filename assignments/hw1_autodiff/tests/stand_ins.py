"""hw1's stand-ins: the other tasks' code that a task's tests run on the way, answered from what the
reference's code answered in the same test (recorded.py), so that each test depends on its own task's
code alone. The public tests declare the ones they need (``STAND_INS``); the grader's hidden tests use
the same ones.

| stand-in                        | replaces (task)                   | under the tests of              |
|---------------------------------|-----------------------------------|---------------------------------|
| :data:`STAND_IN_ORDER`          | ``topological_order`` (1.1)       | the backward pass (1.2)         |
| :func:`unbroadcast_of`          | ``unbroadcast`` (1.3)             | add and mul (1.4), matmul (1.8) |
| :data:`STAND_IN_POW_DERIVATIVE` | ``Pow.derivative`` (1.4)          | Pow's JVP rule (1.9)            |
| :data:`STAND_IN_BACKWARD_PASS`  | the backward pass (1.2)           | the Jacobian (1.10)             |
| :data:`STAND_IN_JACOBIAN`       | ``jacobian`` (1.10)               | ``gradcheck`` (1.11)            |

A call is named by what the test fixes: shapes, the test's own arrays, and the nodes of a graph by
where :class:`NodesMade` saw them made. Nothing here computes what a task asks for: the answers are
recorded from the reference.
"""
from pathlib import Path

import numpy as np

import mytorch
from mytorch.autodiff import Function, engine, transforms
from mytorch.ops import arithmetic, linalg
from mytorch.ops.arithmetic import Pow
from recorded import NotRecorded, StandIn, fingerprint, linear_in


class NodesMade:
    """Every node that ``Function.apply`` makes while it is in place, in order, so that a recorded
    table can name the nodes of a graph by where they were made: a node by its distance back from
    the root (made last), which does not change when the code under test builds the graph more
    than once; its leaves by a node and an input position. Install it before the stand-ins that
    use it."""
    nodes, places = [], {}      # the nodes in order; id(node) -> its place (the list keeps them alive)

    @classmethod
    def install(cls, patch):
        real = Function.apply.__func__
        cls.nodes, cls.places = [], {}

        def apply(function, *inputs, **params):
            out = real(function, *inputs, **params)
            if getattr(out, "grad_fn", None) is not None:
                cls.places[id(out.grad_fn)] = len(cls.nodes)
                cls.nodes.append(out.grad_fn)
            return out
        patch.setattr(Function, "apply", classmethod(apply))

    @classmethod
    def index(cls, node):
        """Where ``node`` was made, or NotRecorded for a node made elsewhere."""
        index = cls.places.get(id(node))
        if index is None or cls.nodes[index] is not node:
            raise NotRecorded(f"a node of type {type(node).__name__} that this test did not make reached "
                              f"a stand-in")
        return index


# ----- Task 1.1's topological order, under the backward pass ---------------------------------------
def _order_of(real, root_fn):
    order = real(root_fn)
    root = NodesMade.index(root_fn)
    return order, [np.array([root - NodesMade.index(fn) for fn in order], dtype=np.int64)]


def _order_from(arrays, root_fn):
    root = NodesMade.index(root_fn)
    return [NodesMade.nodes[root - back] for back in arrays[0]]


STAND_IN_ORDER = StandIn(engine, "topological_order", "topological_order (Task 1.1)",
                         key=lambda root_fn: f"the graph of node {NodesMade.index(root_fn)} of this test",
                         save=_order_of, load=_order_from)


# ----- Task 1.3's unbroadcast, under the backward rules of add, mul and matmul ---------------------
def unbroadcast_of(module):
    """Task 1.3's ``unbroadcast`` as ``module`` imported it, answered from the reference's run: it is
    linear in ȳ, so its table holds its matrix for each pair of shapes a test asks."""
    save, load = linear_in(0)
    return StandIn(module, "unbroadcast", "unbroadcast (Task 1.3)",
                   key=lambda grad, shape: f"ȳ of shape {np.shape(grad)} to shape {tuple(shape)}",
                   save=save, load=load)


STAND_IN_UNBROADCAST = unbroadcast_of(arithmetic)
STAND_IN_UNBROADCAST_OF_MATMUL = unbroadcast_of(linalg)


# ----- Task 1.4's Pow.derivative, under Pow's JVP rule ------------------------------------------------------
STAND_IN_POW_DERIVATIVE = StandIn(
    Pow, "derivative", "Pow.derivative (Task 1.4)",
    key=lambda node: f"p = {node.exponent!r} at x {fingerprint(node.saved_tensors[0])}")


# ----- Task 1.2's backward pass, under the Jacobian ------------------------------------------------
def graph_of(root):
    """A text that names the graph that made ``root``, the same on every machine: the types of its
    nodes, as a depth-first walk from the root meets them, and the fingerprints of its leaves (the
    test's own arrays), never a value its nodes computed, whose rounding may differ."""
    parts, seen, stack = [], set(), [root.grad_fn]
    while stack:
        fn = stack.pop()
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        parts.append(type(fn).__name__)
        for tensor in reversed(fn.inputs):
            if tensor.grad_fn is None:
                parts.append(f"leaf {fingerprint(tensor.data)}")
            else:
                stack.append(tensor.grad_fn)
    return ", ".join(parts)


def _gradients_of(real, root, grad, retain_graph, inputs):
    """The reference's backward pass, with its table: the matrix of ȳ ↦ x̄ (it is linear in ȳ) for
    each input in ``inputs``, or, without them, for each leaf of the graph, named by a node (its
    distance back from the root) and an input position."""
    grad = np.ones_like(root.data) if grad is None else np.asarray(grad, dtype=root.data.dtype)
    root_index = NodesMade.index(root.grad_fn)
    graph = [fn for fn in engine.topological_order(root.grad_fn)]    # the reference's own, recording
    leaves = [(root_index - NodesMade.index(fn), position, tensor) for fn in graph
              for position, tensor in enumerate(fn.inputs) if tensor.grad_fn is None and tensor.requires_grad]
    targets = list(inputs) if inputs is not None else [leaf for *_, leaf in leaves]
    columns = [real(root, np.eye(1, grad.size, j).reshape(grad.shape), retain_graph=True, inputs=targets)
               for j in range(grad.size)]
    matrices = [np.stack([np.reshape(column[k], -1) for column in columns], axis=1)
                for k in range(len(targets))]
    result = real(root, grad, retain_graph=retain_graph, inputs=inputs)
    names = np.array([[back, position] for back, position, _ in leaves] if inputs is None else [],
                     dtype=np.int64)
    graph = np.array([root_index - NodesMade.index(fn) for fn in graph], dtype=np.int64)
    shapes = [np.array(target.shape, dtype=np.int64) for target in targets]
    return result, [names.reshape(-1, 2), graph, *matrices, *shapes]


def _gradients_from(arrays, root, grad, retain_graph, inputs):
    """The backward pass from its table: each x̄ = M ȳ, returned for ``inputs`` or added to the
    leaves' ``.grad``; the graph's nodes are released unless ``retain_graph``."""
    names, graph, rest = arrays[0], arrays[1], arrays[2:]
    matrices, shapes = rest[:len(rest) // 2], rest[len(rest) // 2:]
    grad = np.ones_like(root.data) if grad is None else np.asarray(grad, dtype=root.data.dtype)
    root_index = NodesMade.index(root.grad_fn)
    grads = [(matrix @ np.reshape(grad, -1)).astype(root.data.dtype).reshape(tuple(shape))
             for matrix, shape in zip(matrices, shapes)]
    if not retain_graph:
        for back in graph:
            NodesMade.nodes[root_index - back].release()
    if inputs is not None:
        return tuple(grads)
    for (back, position), leaf_grad in zip(names, grads):
        NodesMade.nodes[root_index - back].inputs[position]._accumulate_grad(leaf_grad)
    return None


STAND_IN_BACKWARD_PASS = StandIn(
    engine, "backward", "backward (Task 1.2)",
    key=lambda root, grad, retain_graph, inputs: (
        f"the output of shape {tuple(root.shape)} of the graph [{graph_of(root)}], "
        + ("every leaf" if inputs is None else f"inputs of shapes {[tuple(t.shape) for t in inputs]}")),
    save=_gradients_of, load=_gradients_from)


# ----- Task 1.10's jacobian, under gradcheck ---------------------------------------------------------------
def function_name(f, depth=3):
    """A name that tells a test's functions apart: its name, its line if the tests (or the probes)
    define it, in a file beside this one (never in the student's package, whose lines move) and, for
    a closure (such as the one gradcheck makes of f and its other inputs), what it closes over."""
    code = getattr(f, "__code__", None) or getattr(getattr(f, "__func__", None), "__code__", None)
    owner = getattr(f, "__self__", None)
    ours = code is not None and Path(code.co_filename).resolve().parent == Path(__file__).resolve().parent
    name = (f"{getattr(owner, '__name__', '')}.{getattr(f, '__qualname__', type(f).__name__)}"
            + (f" (line {code.co_firstlineno})" if ours else ""))
    cells = [cell.cell_contents for cell in getattr(f, "__closure__", None) or ()
             if cell.cell_contents is not None]
    described = ", ".join(_described(value, depth - 1) for value in cells)
    return name + (f" of [{described}]" if cells and depth else "")


def _described(value, depth):
    """A short text that tells a closure's values apart."""
    if isinstance(value, (mytorch.Tensor, np.ndarray)):
        return fingerprint(np.asarray(getattr(value, "data", value)))
    if isinstance(value, (tuple, list)):
        return f"({', '.join(_described(item, depth) for item in value)})"
    if callable(value):
        return function_name(value, depth)
    return repr(value) if isinstance(value, (int, float, str, bool)) else type(value).__name__


STAND_IN_JACOBIAN = StandIn(
    transforms, "jacobian", "jacobian (Task 1.10)",
    key=lambda f, x, mode: f"{function_name(f)} at x {fingerprint(np.asarray(x.data))}, mode={mode!r}")
