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
- :class:`StandIn` and :func:`stand_ins`: another task's function replaced, while a probe runs, by
  the answers the reference's function gave in the reference's run of the same probe, recorded as
  data (probing.TABLES), so that each task is graded on its own code and no solution code enters
  the sandbox.
"""
import contextlib
import hashlib
import inspect

import numpy as np
import pytest

import finite_differences
import mytorch
import probing

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
    directions v (seeded by ``seed``).
    """
    if max(np.size(x) for x in inputs) > COORDINATE_LIMIT:
        return finite_differences.inner_product_check(forward, inputs, upstream, grads, seed=seed)
    return joined(grads), joined([finite_differences.vjp(forward, inputs, position, upstream)
                                  for position in range(len(inputs))])


class NotRecorded(LookupError):
    """A stand-in was asked something the reference's run never asked it in this probe."""


class StandIn:
    """Another task's function, ``owner.attribute``, answered from the reference's run.

    In the reference's run (probing.RECORDING) the reference's own function runs, and ``save(real,
    *args, **kwargs)`` returns ``(result, arrays)``: what the call returns, and the arrays to record
    for it under ``key(*args, **kwargs)``, a short text that names the call ("ȳ of shape (2, 3) to
    (3,)"). In a submission's run the stand-in looks the key up in probing.TABLES and returns
    ``load(arrays, *args, **kwargs)``; a key the reference never recorded raises
    :class:`NotRecorded`, naming ``what`` was asked and the key: the task under test called the
    other task's code in a way the reference did not. The key must depend only on what the probe
    fixes (shapes, its own inputs, the nodes it built), never on values the code under test computes;
    ``load`` applies the recorded arrays to those values instead (a linear map, for instance).

    By default a call's result is recorded as it is: an array, a tensor (returned without a graph)
    or a tuple of them.
    """

    def __init__(self, owner, attribute, what, key, save=None, load=None):
        self.owner, self.attribute, self.what, self.key = owner, attribute, what, key
        self.save = save or (lambda real, *args, **kwargs: _packed(real(*args, **kwargs)))
        self.load = load or (lambda arrays, *args, **kwargs: _unpacked(arrays))

    def install(self, patch):
        """Put the recording or the replaying function in place with ``patch`` (a MonkeyPatch).
        Either one passes ``key``, ``save`` and ``load`` the call's arguments as the real function
        would bind them, defaults filled in and in its order, however the caller wrote them."""
        real = getattr(self.owner, self.attribute)
        signature = inspect.signature(real)

        def bound(args, kwargs):
            call = signature.bind(*args, **kwargs)
            call.apply_defaults()
            return call.args, call.kwargs

        def recording(*args, **kwargs):
            args, kwargs = bound(args, kwargs)
            result, arrays = self.save(real, *args, **kwargs)
            _record(self.what, self.key(*args, **kwargs), arrays)
            return result

        def replaying(*args, **kwargs):
            args, kwargs = bound(args, kwargs)
            return self.load(_recorded(self.what, self.key(*args, **kwargs)), *args, **kwargs)

        patch.setattr(self.owner, self.attribute, recording if probing.RECORDING else replaying)


def _entry(what, key):
    """The value name of a table entry: probing.TABLE_PREFIX and a hash of what and key."""
    return probing.TABLE_PREFIX + hashlib.sha256(f"{what}\n{key}".encode()).hexdigest()[:24]


def _record(what, key, arrays):
    """Record ``arrays`` (a list) for ``key``: an entry names its arrays' count, and each array is a
    value of its own. Recording a key twice with other arrays is a mistake of the probe's key."""
    name = _entry(what, key)
    arrays = [np.asarray(array) for array in arrays]
    earlier = probing.RECORDED.get(name)
    if earlier is not None and (earlier != len(arrays) or not all(
            np.array_equal(a, probing.RECORDED[f"{name}_{i}"], equal_nan=True) for i, a in enumerate(arrays))):
        raise AssertionError(f"the stand-in for {what} recorded two answers for one key, {key}: its key "
                             f"must name everything its answer depends on")
    probing.RECORDED[name] = len(arrays)
    probing.RECORDED.update({f"{name}_{i}": array for i, array in enumerate(arrays)})


def _recorded(what, key):
    """The arrays recorded for ``key``, or NotRecorded."""
    name = _entry(what, key)
    if name not in probing.TABLES:
        raise NotRecorded(f"{what} (another task's code, answered from the reference's run while this "
                          f"task is graded) was asked for {key}, which the reference never asked it here: "
                          f"the code under test calls it differently")
    return [np.array(probing.TABLES[f"{name}_{i}"]) for i in range(probing.TABLES[name])]


def _packed(result):
    """``(result, arrays)`` of the default save: an array, a tensor or a flat tuple of them, with a
    first array that says which (0 array, 1 tensor, per element; -1 marks a tuple)."""
    items = result if isinstance(result, tuple) else (result,)
    kinds = [1 if isinstance(item, mytorch.Tensor) else 0 for item in items]
    data = [np.asarray(item.data if kind else item) for item, kind in zip(items, kinds)]
    return result, [np.array(kinds + [-1] * isinstance(result, tuple)), *data]


def _unpacked(arrays):
    """The result that :func:`_packed` recorded."""
    kinds, data = list(arrays[0]), arrays[1:]
    items = [mytorch.tensor(array) if kind == 1 else array for kind, array in zip(kinds, data)]
    return tuple(items) if kinds[-1:] == [-1] else items[0]


def linear_in(position):
    """``(save, load)`` for a function that is linear in its argument at ``position`` (an array)
    given the others: the reference's run records its matrix M, sparse (the rows, columns and values
    of its non-zero entries, found by calling it once per basis vector of that argument's shape), and
    a submission's run returns M x, reshaped and of x's dtype."""
    def save(real, *args):
        x = np.asarray(args[position])
        result = real(*args)
        rows, columns, entries = [], [], []
        for j in range(x.size):
            call = list(args)
            call[position] = np.eye(1, x.size, j).reshape(x.shape)
            column = np.reshape(np.asarray(real(*call), dtype=np.float64), -1)
            nonzero = np.flatnonzero(column)
            rows.append(nonzero)
            columns.append(np.full(nonzero.size, j))
            entries.append(column[nonzero])
        matrix = [np.concatenate(part) if part else np.zeros(0) for part in (rows, columns, entries)]
        return result, [*matrix, np.array(np.shape(result), dtype=np.int64)]

    def load(arrays, *args):
        rows, columns, entries, shape = arrays
        x = np.reshape(np.asarray(args[position]), -1)
        out = np.zeros(int(np.prod(shape)))
        np.add.at(out, rows.astype(np.int64), entries * x[columns.astype(np.int64)])
        return out.astype(x.dtype).reshape(tuple(shape))
    return save, load


@contextlib.contextmanager
def stand_ins(*stand_ins):
    """Each of ``stand_ins`` (:class:`StandIn`) in place until the block ends, even when it fails;
    the block gets the MonkeyPatch, for other replacements."""
    with pytest.MonkeyPatch.context() as patch:
        for stand_in in stand_ins:
            stand_in.install(patch)
        yield patch
