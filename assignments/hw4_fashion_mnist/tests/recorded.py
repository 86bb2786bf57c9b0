"""Other tasks' code answered from the reference's recorded answers, so that a test grades one task's
code alone (one source: assignments/common/recorded.py, copied into each assignment's tests/ by
`autograder release`; do not edit the copies).

A test of one task often runs another task's code on the way: hw1's backward rules call
``unbroadcast``, its backward pass calls ``topological_order``. While such a test runs, the other
task's function is replaced by a stand-in that answers what the reference's function answered, in
the reference's run of the same test, to the same call. So the test passes or fails on its own
task's code, whether the other task is done or not, and no solution code is needed for it: the
answers are data. The hidden tests (the grader's probes) and the public tests use the same stand-ins.

- :class:`StandIn` and :func:`stand_ins`: a function replaced by the answers recorded for each
  call, named by a key; :func:`linear_in` records a linear function as its matrix;
- :class:`AtPoints`, :class:`Linearised` and :func:`linearised_stand_in`: the same for a function of
  values the code under test computes (logits, a layer's output), answered at the recorded point
  nearest its input, with the value and Jacobian recorded there, so that gradients flow through it;
- where the answers come from and go (:data:`SOURCE`, set by :func:`read_from`): an object with the
  attributes RECORDING (whether this is the reference's run, which records), TABLES (the test's
  recorded answers: {name: array, or the count of an entry's arrays}), RECORDED (what this run has
  recorded so far, the same way) and TABLE_PREFIX (the start of every name). In the grader's sandbox
  it is the module ``probing``, which the grader fills per probe; in a run of the public tests,
  stand_in_plugin.py makes one per test from the test module's recorded file.
"""
import contextlib
import hashlib
import inspect

import numpy as np
import pytest

import mytorch

SOURCE = None    # where the stand-ins read and record their answers: see read_from


def read_from(source):
    """Make ``source`` the place where stand-ins read and record answers: an object with RECORDING,
    TABLES, RECORDED and TABLE_PREFIX (the module ``probing`` in the grader's sandbox)."""
    global SOURCE
    SOURCE = source


def _recording():
    """Whether this run records (SOURCE.RECORDING); a stand-in installed before any source was set is
    a mistake of the tests' setup, said here rather than as an AttributeError."""
    if SOURCE is None:
        raise RuntimeError("a stand-in was installed with no source of recorded answers: the probes import "
                           "probe_helpers, the public tests load stand_in_plugin")
    return SOURCE.RECORDING


class NotRecorded(LookupError):
    """A stand-in was asked something that the reference's run of the same test never asked it."""


def _not_recorded(what, key, reason="which the reference's code was never asked in this test"):
    """The NotRecorded error for a call to the stand-in of ``what`` under ``key``."""
    return NotRecorded(f"{what} is another task's code, which answers here what the reference's code "
                       f"answered in the same test, so that this test depends on its own task's code alone; "
                       f"it was asked for {key}, {reason}: the code under test calls it differently from the "
                       f"handout's description")


class StandIn:
    """Another task's function, ``owner.attribute``, answered from the reference's run.

    In the reference's run (SOURCE.RECORDING) the reference's own function runs, and ``save(real,
    *args, **kwargs)`` returns ``(result, arrays)``: what the call returns, and the arrays to record
    for it under ``key(*args, **kwargs)``, a short text that names the call ("ȳ of shape (2, 3) to
    (3,)"). In any other run the stand-in looks the key up in SOURCE.TABLES and returns
    ``load(arrays, *args, **kwargs)``; a key the reference never recorded raises
    :class:`NotRecorded`, naming ``what`` was asked and the key: the task under test called the
    other task's code in a way the reference did not. The key must depend only on what the test
    fixes (shapes, its own inputs, the nodes it built), never on values the code under test computes
    (nor on rounding, which differs between machines); ``load`` applies the recorded arrays to those
    values instead (a linear map, for instance).

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

        patch.setattr(self.owner, self.attribute, recording if _recording() else replaying)


def _entry(what, key):
    """The name of a table entry: SOURCE.TABLE_PREFIX and a hash of what and key."""
    return SOURCE.TABLE_PREFIX + hashlib.sha256(f"{what}\n{key}".encode()).hexdigest()[:24]


def _record(what, key, arrays):
    """Record ``arrays`` (a list) for ``key``: an entry names its arrays' count, and each array is a
    value of its own. Recording a key twice with other arrays is a mistake of the stand-in's key."""
    name = _entry(what, key)
    arrays = [np.asarray(array) for array in arrays]
    recorded = SOURCE.RECORDED
    earlier = recorded.get(name)
    if earlier is not None and (earlier != len(arrays) or not all(
            np.array_equal(a, recorded[f"{name}_{i}"], equal_nan=True) for i, a in enumerate(arrays))):
        raise AssertionError(f"the stand-in for {what} recorded two answers for one key, {key}: its key "
                             f"must name everything its answer depends on")
    recorded[name] = len(arrays)
    recorded.update({f"{name}_{i}": array for i, array in enumerate(arrays)})


def _recorded(what, key):
    """The arrays recorded for ``key``, or NotRecorded."""
    name = _entry(what, key)
    if name not in SOURCE.TABLES:
        raise _not_recorded(what, key)
    return [np.array(SOURCE.TABLES[f"{name}_{i}"]) for i in range(SOURCE.TABLES[name])]


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
    any other run returns M x, reshaped and of x's dtype."""
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
    """Each of ``stand_ins`` (objects with ``install(patch)``, such as :class:`StandIn`) in place until
    the block ends, even when it fails; the block gets the MonkeyPatch, for other replacements."""
    with pytest.MonkeyPatch.context() as patch:
        for stand_in in stand_ins:
            stand_in.install(patch)
        yield patch


def fingerprint(array):
    """A short text that tells arrays apart: shape, dtype and a hash of the bytes."""
    array = np.ascontiguousarray(array)
    return f"{array.shape} {array.dtype} #{hashlib.sha256(array.tobytes()).hexdigest()[:12]}"


# ----- stand-ins for functions of values that the code under test computes -------------------------------
NEAR = 1e-6   # how far a live input may lie from a recorded point, relative to max(1, its largest |x₀|)


class AtPoints:
    """Another task's function, ``owner.attribute``, whose input the code under test computes (logits,
    a layer's output), answered from the reference's run at the points x₀ where that run asked it.

    ``key(*args, **kwargs)`` names the kind of call (shapes, dtype, options, fingerprints of arrays the
    test made), ``point(*args, **kwargs)`` is the array x that selects a point. In the reference's run
    (SOURCE.RECORDING), ``save(real, *args, **kwargs)`` returns the arrays to record at a point that
    was not asked before, computed with the reference's own function ``real`` (each of the same shape
    at every point of a key). Either run answers with ``load(x₀, arrays, *args, **kwargs)``, which
    applies a point's recorded data to the live x (:class:`Linearised`, say): the reference's run at
    the point it recorded, any other run at the recorded point nearest x. So both runs take the
    same path, and a correct input whose rounding differs is answered alike; when even the nearest
    point lies farther than ``near`` (relative to max(1, its largest |x₀|)), or the key was never
    asked, the stand-in raises :class:`NotRecorded`, in the task under test. The points of a key are
    recorded stacked: a few values per key, however many points a test asks (the sandbox takes at
    most 1000 values a probe).
    """

    def __init__(self, owner, attribute, what, key, point, save, load, near=NEAR):
        self.owner, self.attribute, self.what = owner, attribute, what
        self.key, self.point, self.save, self.load, self.near = key, point, save, load, near

    def install(self, patch):
        """Put the recording or the replaying function in place with ``patch`` (a MonkeyPatch); both
        pass ``key``, ``point``, ``save`` and ``load`` the call's arguments bound as the real function
        binds them, defaults filled in."""
        real = getattr(self.owner, self.attribute)
        signature = inspect.signature(real)
        recording = _recording()

        def answer(*args, **kwargs):
            call = signature.bind(*args, **kwargs)
            call.apply_defaults()
            args, kwargs = call.args, call.kwargs
            key = self.key(*args, **kwargs)
            x = np.asarray(self.point(*args, **kwargs))
            if recording:
                point, arrays = self._recorded_at(key, x, real, args, kwargs)
            else:
                point, arrays = self._nearest_to(key, x)
            return self.load(point, arrays, *args, **kwargs)
        patch.setattr(self.owner, self.attribute, answer)

    def _recorded_at(self, key, x, real, args, kwargs):
        """The point x and its arrays, recorded now unless they were before."""
        points = _Points.of(_entry(self.what, key))
        if not points.has(x):
            points.add([x, *self.save(real, *args, **kwargs)],
                       f"the stand-in for {self.what} recorded arrays of other shapes for one key, {key}: "
                       f"its key must name every shape")
        return points.at(x)

    def _nearest_to(self, key, x):
        """The recorded point nearest x and its arrays, or NotRecorded."""
        name = _entry(self.what, key)
        if name not in SOURCE.TABLES:
            raise _not_recorded(self.what, key)
        stacked = [SOURCE.TABLES[f"{name}_{i}"] for i in range(SOURCE.TABLES[name])]
        index = _nearest(name, stacked[0], x, self.near)
        if index is None:
            raise _not_recorded(self.what, key,
                                "at an input that the reference's run never reached in this test")
        return stacked[0][index], [array[index] for array in stacked[1:]]


def _nearest(name, points, x, near):
    """The index of the point of the entry ``name`` (``points``, stacked) nearest ``x`` by the largest
    difference of an entry, if it lies within ``near`` · max(1, the point's largest |x₀|); else None.
    A point with the bytes of ``x`` is found first, by their digest."""
    if points.shape[1:] != x.shape or points.dtype != x.dtype or not len(points):
        return None
    equal = _Points.digests(name, points).get(_digest(x))
    if equal is not None:
        return equal
    flat, live = points.reshape(len(points), -1).astype(np.float64), x.reshape(-1).astype(np.float64)
    distance = np.max(np.abs(flat - live), axis=1) / np.maximum(1.0, np.max(np.abs(flat), axis=1))
    index = int(np.argmin(distance))
    return index if distance[index] <= near else None


def _digest(array):
    """The SHA-256 digest of an array's bytes."""
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).digest()


class _Points:
    """The points that an :class:`AtPoints` stand-in recorded under one table entry in this test, and
    their arrays, each kind stacked in a buffer that doubles as it fills; SOURCE.RECORDED holds views
    of the filled part (values named ``<entry>_0`` for the points, ``<entry>_1``… for their arrays)."""
    recorded, of_entry = None, {}   # the test's SOURCE.RECORDED, and its entries' points
    tables, found = None, {}        # the test's SOURCE.TABLES, and {entry: {digest of a point: index}}

    @classmethod
    def of(cls, name):
        """The points of the entry ``name`` in the test that runs now."""
        if cls.recorded is not SOURCE.RECORDED:
            cls.recorded, cls.of_entry = SOURCE.RECORDED, {}
        return cls.of_entry.setdefault(name, cls(name))

    @classmethod
    def digests(cls, name, points):
        """{the digest of a point's bytes: its index} of the entry ``name`` of the test's table, whose
        stacked points are ``points``, made once per test."""
        if cls.tables is not SOURCE.TABLES:
            cls.tables, cls.found = SOURCE.TABLES, {}
        if name not in cls.found:
            cls.found[name] = {_digest(point): index for index, point in reversed(list(enumerate(points)))}
        return cls.found[name]

    def __init__(self, name):
        self.name, self.buffers, self.count, self.index = name, [], 0, {}   # index: {digest: position}

    def has(self, x):
        """Whether a point with the bytes of ``x`` is recorded already."""
        return _digest(x) in self.index

    def at(self, x):
        """The recorded point with the bytes of ``x``, and its arrays."""
        position = self.index[_digest(x)]
        point, *arrays = (buffer[position] for buffer in self.buffers)
        return point, arrays

    def add(self, arrays, mismatch):
        """Record the point ``arrays[0]`` with its arrays; ``mismatch`` is the message when their
        shapes or dtypes differ from the earlier points'."""
        arrays = [np.asarray(array) for array in arrays]
        if not self.buffers:
            self.buffers = [np.empty((4, *a.shape), dtype=a.dtype) for a in arrays]
        if [(b.shape[1:], b.dtype) for b in self.buffers] != [(a.shape, a.dtype) for a in arrays]:
            raise AssertionError(mismatch)
        if self.count == len(self.buffers[0]):
            self.buffers = [np.concatenate([b, np.empty_like(b)]) for b in self.buffers]
        for buffer, array in zip(self.buffers, arrays):
            buffer[self.count] = array
        self.index[_digest(arrays[0])] = self.count
        self.count += 1
        SOURCE.RECORDED[self.name] = len(arrays)
        SOURCE.RECORDED.update({f"{self.name}_{i}": b[:self.count] for i, b in enumerate(self.buffers)})


class Linearised(mytorch.autodiff.Function):
    """y = y₀ + J (x − x₀), x̄ = Jᵀ ȳ, ẏ = J ẋ: another task's differentiable function answered near a
    point x₀ where the reference's run recorded its value y₀ and its Jacobian J (y₀.size × x₀.size),
    in x's dtype. At x₀ itself the answer is y₀, bit for bit; near it (the rounding of a correct
    alternative) the error is of second order."""

    def __init__(self, point, value, jacobian):
        self.point, self.value = point, value
        self.jacobian = np.asarray(jacobian, dtype=np.float64).reshape(np.size(value), np.size(point))

    def forward(self, x):
        step = np.reshape(x - self.point, -1).astype(np.float64)
        return (self.value + (self.jacobian @ step).reshape(np.shape(self.value))).astype(x.dtype)

    def backward(self, grad):
        grad_x = self.jacobian.T @ np.reshape(grad, -1).astype(np.float64)
        return grad_x.reshape(np.shape(self.point)).astype(self.point.dtype)

    def jvp(self, dx):
        tangent = self.jacobian @ np.reshape(dx, -1).astype(np.float64)
        return tangent.reshape(np.shape(self.value)).astype(dx.dtype)


def linearised_stand_in(owner, attribute, what, key, near=NEAR, centre=lambda x, *options: x):
    """An :class:`AtPoints` stand-in for a differentiable function of a tensor, its first argument (the
    others are options, which ``key`` names): at each point the reference's run records the function's
    value and its Jacobian there (the public ``transforms.jacobian``, in the input's dtype; the value is
    the output of the Jacobian's own first call), and either run answers with :class:`Linearised`, so
    that gradients flow through it. ``centre(x, *options)`` (a tensor, made with public operations)
    is where the function is answered: an input it does not change the function's value at, such
    as log-softmax's input less its maximum, so that an input shifted that way finds the same point."""
    def save(real, x, *options):
        outputs = []

        def function(t):
            outputs.append(real(t, *options))
            return outputs[-1]
        jacobian = mytorch.autodiff.transforms.jacobian(function, mytorch.tensor(np.array(x.data)))
        return [outputs[0].data, jacobian.data]

    def load(point, arrays, x, *options):
        value, jacobian = arrays
        return Linearised.apply(centre(x, *options), point=point, value=value, jacobian=jacobian)
    return AtPoints(owner, attribute, what, key, point=lambda x, *options: centre(x, *options).data,
                    save=save, load=load, near=near)
