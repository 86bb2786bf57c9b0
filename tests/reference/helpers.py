"""Shared checks for the tests of convolution, nn and its losses.

``assert_jvp_matches_vjp`` checks a function's forward mode against its
reverse mode without any oracle, through the inner-product identity
    ⟨u, J v⟩ = ⟨Jᵀ u, v⟩   for random u (output-shaped) and v (input-shaped):
the left side comes from ``mytorch.autodiff.jvp``, the right from ``.backward``.
"""
import numpy as np
import torch

import mytorch


def to_torch(value, requires_grad=False):
    """A float64 (or integer) torch tensor with the values of a mytorch tensor or NumPy array."""
    array = value.detach().data if isinstance(value, mytorch.Tensor) else np.asarray(value)
    return torch.tensor(np.array(array), requires_grad=requires_grad)


def distinct_values(shape, seed, spacing=0.1):
    """Values that differ by at least ``spacing`` and are never 0: no pooling ties, no ReLU kinks."""
    rng = np.random.default_rng(seed)
    size = int(np.prod(shape))
    return (rng.permutation(size) - size / 2 + 0.5).reshape(shape) * spacing


def assert_jvp_matches_vjp(fn, *arrays, seed=0, rtol=1e-10):
    """⟨u, J v⟩ (forward mode) equals ⟨Jᵀ u, v⟩ (reverse mode) for random u and v."""
    rng = np.random.default_rng(seed)
    tangents = [rng.standard_normal(a.shape) for a in arrays]
    out, jv = mytorch.autodiff.jvp(fn, tuple(arrays), tuple(tangents))
    u = rng.standard_normal(out.shape)
    inputs = [mytorch.tensor(a, requires_grad=True) for a in arrays]
    fn(*inputs).backward(u)
    forward = np.sum(u * jv.data)
    reverse = sum(np.sum(x.grad.data * v) for x, v in zip(inputs, tangents))
    np.testing.assert_allclose(forward, reverse, rtol=rtol, atol=1e-12)
