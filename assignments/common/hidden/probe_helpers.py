"""Helpers that the probes of every assignment share: one source, never rewritten per assignment.

The grader ships this file into the sandbox beside the probes, as ``probe_helpers``, as it ships
``finite_differences``; it is never released to students (``assignments/common/hidden/``).

- seeded random inputs (:func:`randn`) and float64 tensors (:func:`leaf`, :func:`const`);
- :func:`forward_of`: a function of tensors as a function of arrays, running the forward only, which
  is what central differences need;
- :func:`gradient_pair`: the two values of a gradient check, the student's analytic gradients and
  central differences of the student's forward, which the grader's "gradient" check compares:
  coordinate by coordinate for small inputs, along random directions v by the inner-product identity
  ⟨x̄, v⟩ = ⟨ȳ, J v⟩ for inputs of more than COORDINATE_LIMIT elements;
- the stand-ins, which answer for other tasks' code while a probe runs, so that each task is graded
  on its own code and no solution code enters the sandbox: the machinery is recorded.py (shipped
  from the assignment's public tests, which use it too; the names the probes use most are imported
  here), and this module points it at the tables the grader hands each probe, ``probing``
  (RECORDING, TABLES, RECORDED); an assignment's own stand-ins live in its public
  ``tests/stand_ins.py``, shipped too.
"""
import numpy as np

import finite_differences
import mytorch
import probing
import recorded
from recorded import fingerprint, linearised_stand_in, stand_ins  # noqa: F401  (the probes' imports)

recorded.read_from(probing)

COORDINATE_LIMIT = 64   # inputs larger than this are checked along random directions


def randn(shape, seed):
    """Standard normal float64 values of ``shape``, from a fixed seed."""
    return np.asarray(np.random.default_rng(seed).standard_normal(shape), dtype=np.float64)


def leaf(array, requires_grad=True):
    """A float64 leaf tensor holding a copy of ``array``, requiring a gradient by default."""
    return mytorch.tensor(np.array(array, dtype=np.float64), requires_grad=requires_grad)


def const(array):
    """A float64 tensor that requires no gradient."""
    return leaf(array, requires_grad=False)


def forward_of(f):
    """``f`` (tensors to a tensor) as a function of float64 arrays, running the forward only."""
    return lambda *arrays: np.asarray(f(*(const(a) for a in arrays)).data, dtype=np.float64)


def joined(arrays):
    """One array as it is; several arrays flattened and joined end to end."""
    if len(arrays) == 1:
        return np.asarray(arrays[0])
    return np.concatenate([np.reshape(np.asarray(a, dtype=np.float64), -1) for a in arrays])


def gradient_pair(forward, inputs, upstream, grads, seed=0):
    """(analytic, numerical) of a gradient check of ⟨ȳ, forward(x₁, …, x_k)⟩.

    forward: float64 arrays to an array (see :func:`forward_of`); inputs: the arrays x₁ … x_k;
    upstream: ȳ, of the output's shape; grads: the student's x̄₁ … x̄_k. For small inputs the pair is
    the gradients joined and the central differences of the forward at the same places; when an input
    has more than COORDINATE_LIMIT elements, the inner products ⟨x̄, v⟩ and ⟨ȳ, J v⟩ along random
    directions v (seeded by ``seed``). A gradient whose shape is not its input's raises a ValueError
    that names both shapes as the student's arrays have them.
    """
    for position, (x, grad) in enumerate(zip(inputs, grads)):
        if np.shape(grad) != np.shape(x):
            raise ValueError(f"the gradient of input {position} has shape {np.shape(grad)}, but that input "
                             f"has shape {np.shape(x)}: a gradient x̄ always has its input's shape")
    if max(np.size(x) for x in inputs) > COORDINATE_LIMIT:
        return finite_differences.inner_product_check(forward, inputs, upstream, grads, seed=seed)
    return joined(grads), joined([finite_differences.vjp(forward, inputs, position, upstream)
                                  for position in range(len(inputs))])
