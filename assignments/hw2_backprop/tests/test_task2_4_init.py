"""Task 2.4: initialisers (mytorch/nn/init.py).

For a weight of shape (out, in, *kernel): fan_in = in·Πkernel, fan_out = out·Πkernel.
Glorot: Var w = gain² · 2 / (fan_in + fan_out);  He: Var w = gain² / fan (relu: gain² = 2).
U(−c, c) has variance c² / 3. The statistics below are over ≥ 10⁵ draws, so the
tolerances (a few percent) are many standard errors wide.
"""
import math

import numpy as np
import pytest

import mytorch
from mytorch.nn import init

from helpers import assert_close

pytestmark = pytest.mark.task2_4


def weight(*shape):
    return mytorch.zeros(*shape, dtype=mytorch.float64)


def assert_statistics(w, std, what, low=None):
    values = w.data.ravel()
    assert abs(values.mean()) < 0.02 * std, f"{what}: mean {values.mean():.3g}, expected ≈ 0"
    assert values.std() == pytest.approx(std, rel=0.02), f"{what}: std {values.std():.4g}, expected {std:.4g}"
    if low is not None:
        assert values.min() >= -low and values.max() <= low, (
            f"{what}: values in [{values.min():.4g}, {values.max():.4g}], expected within ±{low:.4g}")
        assert values.max() > 0.99 * low and values.min() < -0.99 * low, f"{what}: does not fill ±{low:.4g}"


def test_xavier_uniform_bound_and_variance():
    w = weight(400, 300)
    mytorch.manual_seed(0)
    returned = init.xavier_uniform_(w, gain=2.0)
    assert returned is w, "xavier_uniform_ works in place and returns its tensor"
    bound = 2.0 * math.sqrt(6 / (300 + 400))
    assert_statistics(w, bound / math.sqrt(3), "xavier_uniform_((400, 300), gain=2)", low=bound)


def test_xavier_normal_std():
    w = weight(200, 500)
    mytorch.manual_seed(1)
    init.xavier_normal_(w)
    assert_statistics(w, math.sqrt(2 / 700), "xavier_normal_((200, 500))")


def test_kaiming_normal_relu_uses_fan_in_or_fan_out():
    w = weight(64, 16, 5, 5)                         # fan_in = 16·25 = 400, fan_out = 64·25 = 1600
    mytorch.manual_seed(2)
    init.kaiming_normal_(w, nonlinearity="relu")
    assert_statistics(w, math.sqrt(2 / 400), "kaiming_normal_((64, 16, 5, 5), relu, fan_in)")
    init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")
    assert_statistics(w, math.sqrt(2 / 1600), "kaiming_normal_((64, 16, 5, 5), relu, fan_out)")


def test_kaiming_uniform_bound():
    w = weight(300, 500)
    mytorch.manual_seed(3)
    init.kaiming_uniform_(w, nonlinearity="relu")
    bound = math.sqrt(3) * math.sqrt(2) / math.sqrt(500)
    assert_statistics(w, bound / math.sqrt(3), "kaiming_uniform_((300, 500), relu)", low=bound)


def test_in_place_keeps_dtype_and_is_repeatable_with_a_seed():
    w = mytorch.zeros(50, 40)                        # float32
    mytorch.manual_seed(4)
    init.xavier_normal_(w)
    first = w.data.copy()
    mytorch.manual_seed(4)
    init.xavier_normal_(w)
    assert w.dtype == np.float32, f"xavier_normal_ changed the dtype to {w.dtype}"
    assert_close(w, first, "xavier_normal_ twice after the same manual_seed", 0, 0)
