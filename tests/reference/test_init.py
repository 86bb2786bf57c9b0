"""mytorch.nn.init against torch.nn.init: fans and gains exactly, the samples' bounds and spread
within tolerances that a wrong formula (e.g. fan_out for fan_in, or a missing √3) would exceed."""
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis.extra.numpy import array_shapes

import mytorch
from mytorch.nn import Parameter, init

SHAPE = (300, 200, 2)          # fan_in = 400, fan_out = 600: the two differ enough to tell apart


def parameter(shape=SHAPE, dtype=np.float64):
    return Parameter(np.zeros(shape, dtype))


@settings(max_examples=25, deadline=None)
@given(shape=array_shapes(min_dims=2, max_dims=5, max_side=6))
def test_fans_match_torch(shape):
    expected = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    assert init.calculate_fan_in_and_fan_out(parameter(shape)) == expected


def test_fans_need_two_dimensions():
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.calculate_fan_in_and_fan_out(parameter((5,)))


@pytest.mark.parametrize("nonlinearity,param", [
    ("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
    ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", math.sqrt(5)), ("selu", None)])
def test_gains_match_torch(nonlinearity, param):
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(
        torch.nn.init.calculate_gain(nonlinearity, param), rel=1e-15)


def test_unknown_nonlinearity_and_mode_are_errors():
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("gelu")
    with pytest.raises(ValueError, match="fan_in"):
        init.kaiming_normal_(parameter(), mode="fan_avg")


def assert_uniform(tensor, bound):
    """Samples inside [−bound, bound], reaching close to both ends, with std bound/√3."""
    values = tensor.data
    assert np.abs(values).max() <= bound
    assert values.min() < -0.99 * bound and values.max() > 0.99 * bound
    assert values.std() == pytest.approx(bound / math.sqrt(3), rel=0.02)


def assert_normal(tensor, mean, std):
    values = tensor.data
    assert values.mean() == pytest.approx(mean, abs=0.02 * std)
    assert values.std() == pytest.approx(std, rel=0.02)


def test_xavier_uniform():
    tensor = init.xavier_uniform_(parameter(), gain=2.0)
    assert_uniform(tensor, 2.0 * math.sqrt(6 / (400 + 600)))


def test_xavier_normal():
    assert_normal(init.xavier_normal_(parameter(), gain=0.5), 0.0, 0.5 * math.sqrt(2 / (400 + 600)))


@pytest.mark.parametrize("mode,fan", [("fan_in", 400), ("fan_out", 600)])
def test_kaiming_uniform(mode, fan):
    assert_uniform(init.kaiming_uniform_(parameter(), a=0, mode=mode), math.sqrt(3) * math.sqrt(2 / fan))
    assert_uniform(init.kaiming_uniform_(parameter(), mode=mode, nonlinearity="tanh"),
                   math.sqrt(3) * (5 / 3) / math.sqrt(fan))


@pytest.mark.parametrize("mode,fan", [("fan_in", 400), ("fan_out", 600)])
def test_kaiming_normal(mode, fan):
    assert_normal(init.kaiming_normal_(parameter(), mode=mode, nonlinearity="relu"), 0.0, math.sqrt(2 / fan))


def test_uniform_normal_and_constants():
    assert_uniform(init.uniform_(parameter(), -3.0, 3.0), 3.0)
    assert_normal(init.normal_(parameter(), 1.5, 0.25), 1.5, 0.25)
    assert (init.constant_(parameter(), 0.7).data == 0.7).all()
    assert (init.ones_(parameter()).data == 1).all()
    assert not init.zeros_(init.ones_(parameter())).data.any()


@pytest.mark.parametrize("fill", [init.uniform_, init.normal_, init.xavier_uniform_, init.kaiming_normal_,
                                  lambda t: init.constant_(t, 2.0)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fills_in_place_and_keeps_the_dtype(fill, dtype):
    tensor = parameter((4, 3), dtype)
    data = tensor.data
    assert fill(tensor) is tensor
    assert tensor.data is data and data.dtype == dtype and data.any()


def test_draws_are_repeatable_with_manual_seed():
    mytorch.manual_seed(3)
    first = init.kaiming_uniform_(parameter((8, 8))).data.copy()
    mytorch.manual_seed(3)
    np.testing.assert_array_equal(init.kaiming_uniform_(parameter((8, 8))).data, first)
