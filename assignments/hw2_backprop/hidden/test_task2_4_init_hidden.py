"""Hidden tests of Task 2.4: initialisers on more shapes, gains, modes and dtypes, and the variance
argument itself: He keeps the second moment of ReLU activations through a deep stack."""
import math

import numpy as np
import pytest

import mytorch
from mytorch.nn import init

from helpers import assert_close

pytestmark = pytest.mark.task2_4


def stats_ok(values, std, what, bound=None, rel=0.03):
    values = np.asarray(values, dtype=np.float64).ravel()
    assert abs(values.mean()) < 4 * std / math.sqrt(values.size) + 1e-12, f"{what}: mean {values.mean():.3g}"
    assert values.std() == pytest.approx(std, rel=rel), f"{what}: std {values.std():.4g}, expected {std:.4g}"
    if bound is not None:
        assert np.abs(values).max() <= bound * (1 + 1e-6), f"{what}: |w| reaches {np.abs(values).max():.4g} > {bound:.4g}"
        assert np.abs(values).max() > 0.98 * bound, f"{what}: values do not fill ±{bound:.4g}"


SHAPES = [(300, 400), (500, 60), (32, 16, 3, 3), (20, 30, 5, 5)]


def fans(shape):
    k = math.prod(shape[2:])
    return shape[1] * k, shape[0] * k


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("gain", [1.0, 5 / 3])
def test_xavier_on_shapes_and_gains(shape, gain):
    fan_in, fan_out = fans(shape)
    std = gain * math.sqrt(2 / (fan_in + fan_out))
    w = mytorch.zeros(*shape, dtype=mytorch.float64)
    mytorch.manual_seed(sum(shape))
    assert init.xavier_uniform_(w, gain=gain) is w
    stats_ok(w.data, std, f"xavier_uniform_({shape}, gain={gain:.3g})", bound=math.sqrt(3) * std)
    assert init.xavier_normal_(w, gain=gain) is w
    stats_ok(w.data, std, f"xavier_normal_({shape}, gain={gain:.3g})")


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
@pytest.mark.parametrize("nonlinearity, a, gain", [("relu", 0, math.sqrt(2)), ("leaky_relu", 0, math.sqrt(2)),
                                                   ("leaky_relu", 0.2, math.sqrt(2 / 1.04)), ("tanh", 0, 5 / 3),
                                                   ("linear", 0, 1.0)],
                         ids=["relu", "leaky0", "leaky0.2", "tanh", "linear"])
def test_kaiming_on_shapes_modes_and_gains(shape, mode, nonlinearity, a, gain):
    fan = fans(shape)[mode == "fan_out"]
    std = gain / math.sqrt(fan)
    w = mytorch.zeros(*shape, dtype=mytorch.float64)
    mytorch.manual_seed(len(shape) + fan)
    assert init.kaiming_normal_(w, a=a, mode=mode, nonlinearity=nonlinearity) is w
    stats_ok(w.data, std, f"kaiming_normal_({shape}, {nonlinearity}, a={a}, {mode})")
    assert init.kaiming_uniform_(w, a=a, mode=mode, nonlinearity=nonlinearity) is w
    stats_ok(w.data, std, f"kaiming_uniform_({shape}, {nonlinearity}, a={a}, {mode})", bound=math.sqrt(3) * std)


def test_the_defaults_are_gain_one_and_leaky_relu_fan_in():
    w = mytorch.zeros(400, 250, dtype=mytorch.float64)
    mytorch.manual_seed(7)
    init.xavier_normal_(w)
    stats_ok(w.data, math.sqrt(2 / 650), "xavier_normal_ default gain 1")
    init.kaiming_normal_(w)
    stats_ok(w.data, math.sqrt(2 / 250), "kaiming_normal_ defaults (a=0, fan_in, leaky_relu: gain √2)")


def test_float32_and_a_seed_make_them_repeatable():
    for fill in (init.xavier_uniform_, init.xavier_normal_, init.kaiming_uniform_, init.kaiming_normal_):
        w = mytorch.zeros(30, 20)
        mytorch.manual_seed(11)
        fill(w)
        first = w.data.copy()
        mytorch.manual_seed(11)
        fill(w)
        assert w.dtype == np.float32, f"{fill.__name__} changed float32 to {w.dtype}"
        assert np.any(first != 0), f"{fill.__name__} left zeros"
        assert_close(w, first, f"{fill.__name__} after the same manual_seed", 0, 0)


def test_he_initialisation_keeps_relu_activations_alive():
    # E[(Wx)ᵢ²] = fan_in · Var w · E[x²] and ReLU halves it: He's Var w = 2 / fan_in keeps E[x²] constant.
    width, depth = 256, 12
    x = np.random.default_rng(0).standard_normal((512, width))
    start = np.mean(x ** 2)
    mytorch.manual_seed(12)
    for _ in range(depth):
        w = init.kaiming_normal_(mytorch.zeros(width, width, dtype=mytorch.float64), nonlinearity="relu")
        x = np.maximum(x @ w.data.T, 0)
    ratio = np.mean(x ** 2) / start
    assert 0.4 < ratio < 2.5, f"after {depth} ReLU layers with He init, E[x²] changed by a factor {ratio:.3g}"
