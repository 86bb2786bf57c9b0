"""The 2-D classification sets of the TensorFlow playground (playground.tensorflow.org).

Each function returns ``(X, y)``: ``X`` float32 of shape (N, 2), the points,
and ``y`` int64 of shape (N,), their classes 0 and 1 (the playground's orange
-1 and blue +1). The geometry and the ``noise`` scale follow the playground,
whose slider runs from 0 to 0.5. Unlike the playground, which labels a point
by where its noisy copy falls, noise here only moves points, so the two
classes are exactly balanced (their sizes differ by at most one, for odd N).
The points come in random order, so any prefix is a fair sample.

``seed`` makes the data set repeatable; without it the points are drawn from
mytorch's generator (see ``mytorch.manual_seed``).
"""
import numpy

from mytorch import random


def spiral(n_samples=500, noise=0.0, seed=None):
    """Two interleaved spirals, one per class, winding out of the origin.

    The n points of class 1 are, for t = i/n (i = 0, ..., n-1), at radius 5t
    and angle 3.5πt: 1.75 turns. Class 0 is the same arm rotated by half a
    turn (angle + π). Each coordinate then moves by U(-noise, noise).
    """
    rng = _generator(seed)
    points = []
    for label, offset in ((0, numpy.pi), (1, 0.0)):
        size = _class_size(n_samples, label)
        t = numpy.arange(size) / size
        angle = 1.75 * 2 * numpy.pi * t + offset
        arm = 5 * t[:, None] * numpy.stack([numpy.sin(angle), numpy.cos(angle)], axis=1)
        points.append(arm + rng.uniform(-1, 1, arm.shape) * noise)
    return _shuffled(points, rng)


def circles(n_samples=500, noise=0.0, seed=None):
    """A disc of class 1 inside a ring of class 0, centred on the origin.

    Class 1 lies at radius U(0, 2.5), class 0 at radius U(3.5, 5), at uniform
    angles; the gap between 2.5 and 3.5 separates them. Each coordinate then
    moves by 5·U(-noise, noise).
    """
    rng = _generator(seed)
    points = []
    for label, (low, high) in ((0, (3.5, 5.0)), (1, (0.0, 2.5))):
        size = _class_size(n_samples, label)
        radius, angle = rng.uniform(low, high, size), rng.uniform(0, 2 * numpy.pi, size)
        ring = radius[:, None] * numpy.stack([numpy.sin(angle), numpy.cos(angle)], axis=1)
        points.append(ring + 5 * rng.uniform(-1, 1, ring.shape) * noise)
    return _shuffled(points, rng)


def xor(n_samples=500, noise=0.0, seed=None):
    """The four quadrants of the square [-5.3, 5.3]², class 1 where x·y > 0.

    Both coordinates have magnitude U(0.3, 5.3), keeping a gap of 0.6 along the
    axes; class 1 takes the quadrants where x and y have the same sign, class 0
    the other two. Each coordinate then moves by 5·U(-noise, noise).
    """
    rng = _generator(seed)
    points = []
    for label in (0, 1):
        size = _class_size(n_samples, label)
        magnitude = rng.uniform(0.3, 5.3, (size, 2))
        x_sign = rng.choice([-1.0, 1.0], size)
        y_sign = x_sign if label == 1 else -x_sign
        square = magnitude * numpy.stack([x_sign, y_sign], axis=1)
        points.append(square + 5 * rng.uniform(-1, 1, square.shape) * noise)
    return _shuffled(points, rng)


def _generator(seed):
    return random.generator() if seed is None else numpy.random.default_rng(seed)


def _class_size(n_samples, label):
    """Class 1 gets the extra point when ``n_samples`` is odd."""
    return (n_samples + label) // 2


def _shuffled(points, rng):
    """Stack the points of class 0 and class 1, label them, and shuffle them."""
    X = numpy.concatenate(points).astype(numpy.float32)
    y = numpy.repeat(numpy.arange(len(points), dtype=numpy.int64), [len(p) for p in points])
    order = rng.permutation(len(y))
    return X[order], y[order]
