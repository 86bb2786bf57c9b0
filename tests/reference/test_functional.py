"""mytorch.nn.functional against torch.nn.functional, in float64: linear, conv2d with
bias, max_pool2d, dropout and the re-exported activations (losses: test_losses.py)."""
import numpy as np
import pytest
import torch.nn.functional as TF
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import mytorch
import mytorch.nn.functional as F

from helpers import assert_jvp_matches_vjp, distinct_values
from oracle import assert_matches_torch

seeds = st.integers(0, 2**32 - 1)


@settings(max_examples=25, deadline=None)
@given(batch=array_shapes(min_dims=0, max_dims=2, max_side=4),
       sizes=st.tuples(st.integers(1, 5), st.integers(1, 5)), bias=st.booleans(), seed=seeds)
def test_linear(batch, sizes, bias, seed):
    in_features, out_features = sizes
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(batch + (in_features,)), rng.standard_normal((out_features, in_features))]
    if bias:
        arrays.append(rng.standard_normal(out_features))
    assert_matches_torch(F.linear, TF.linear, *arrays, seed=seed)
    assert_jvp_matches_vjp(F.linear, *arrays, seed=seed)


@pytest.mark.parametrize("stride,padding", [(1, 0), (2, 1), ((1, 2), (2, 0))])
def test_conv2d_adds_one_bias_per_channel(stride, padding):
    rng = np.random.default_rng(0)
    arrays = rng.standard_normal((2, 3, 7, 6)), rng.standard_normal((4, 3, 3, 2)), rng.standard_normal(4)
    assert_matches_torch(lambda x, w, b: F.conv2d(x, w, b, stride, padding),
                         lambda x, w, b: TF.conv2d(x, w, b, stride, padding), *arrays)
    assert_jvp_matches_vjp(lambda x, w, b: F.conv2d(x, w, b, stride, padding), *arrays)


def test_conv2d_without_bias_is_the_primitive():
    rng = np.random.default_rng(1)
    x = mytorch.tensor(rng.standard_normal((1, 2, 5, 5)))
    w = mytorch.tensor(rng.standard_normal((3, 2, 3, 3)))
    np.testing.assert_array_equal(F.conv2d(x, w, padding=1).data, mytorch.ops.conv2d(x, w, padding=1).data)


@pytest.mark.parametrize("kernel,stride,padding", [(2, None, 0), (3, 1, 1), ((2, 3), (2, 1), (1, 0))])
def test_max_pool2d(kernel, stride, padding):
    assert_matches_torch(lambda x: F.max_pool2d(x, kernel, stride, padding),
                         lambda x: TF.max_pool2d(x, kernel, stride, padding),
                         distinct_values((2, 3, 6, 7), 0))


def test_activations_are_the_ops():
    for name in ["relu", "leaky_relu", "sigmoid", "tanh", "softmax", "log_softmax", "logsumexp"]:
        assert getattr(F, name) is getattr(mytorch.ops, name)


def test_dropout_is_the_identity_when_not_training_or_p_is_zero():
    x = mytorch.randn(4, 5)
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x


def test_dropout_with_p_one_zeroes_everything():
    x = mytorch.tensor(np.ones((3, 4)), requires_grad=True)
    y = F.dropout(x, 1.0)
    y.sum().backward()
    assert not y.data.any() and not x.grad.data.any()


def test_dropout_zeroes_a_fraction_p_and_scales_the_survivors():
    mytorch.manual_seed(0)
    p = 0.3
    x = mytorch.tensor(np.full((200, 500), 2.0, dtype=np.float32), requires_grad=True)
    y = F.dropout(x, p)
    kept = y.data != 0
    assert y.dtype == np.float32
    assert abs(1 - kept.mean() - p) < 0.01
    np.testing.assert_allclose(y.data[kept], 2.0 / (1 - p), rtol=1e-6)
    y.backward(np.ones(y.shape, np.float32))
    np.testing.assert_allclose(x.grad.data, kept / (1 - p), rtol=1e-6)   # the same mask in backward


def test_dropout_is_repeatable_with_manual_seed():
    x = mytorch.ones(50, 50)
    mytorch.manual_seed(7)
    first = F.dropout(x, 0.5).data
    mytorch.manual_seed(7)
    np.testing.assert_array_equal(F.dropout(x, 0.5).data, first)
    assert not np.array_equal(F.dropout(x, 0.5).data, first)


@pytest.mark.parametrize("p", [-0.1, 1.5, "0.5", True])
def test_dropout_rejects_a_bad_probability(p):
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.dropout(mytorch.ones(2), p)


def test_functional_exports_match_torch_names():
    for name in F.__all__:
        assert hasattr(TF, name) or name == "logsumexp", name
