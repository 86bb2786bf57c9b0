"""PyTorch as the oracle: run the same function in mytorch and in torch, compare.

``assert_matches_torch`` checks, in float64, the forward value, the gradients
of every input under a random upstream gradient (reverse mode), and the
directional derivative along random tangents (forward mode, against
``torch.func.jvp``).
"""
import numpy as np
import torch

import mytorch

RTOL, ATOL = 1e-10, 1e-12


def assert_close(actual, expected, what, rtol=RTOL, atol=ATOL):
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=what)


def assert_matches_torch(mt_fn, torch_fn, *arrays, seed=0, rtol=RTOL, atol=ATOL):
    rng = np.random.default_rng(seed)
    mt_inputs = [mytorch.tensor(a, requires_grad=True) for a in arrays]
    th_inputs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, expected = mt_fn(*mt_inputs), torch_fn(*th_inputs)
    assert out.dtype == np.float64
    assert_close(out.data, expected.detach().numpy(), "forward value", rtol, atol)

    upstream = rng.standard_normal(out.shape)
    out.backward(upstream)
    expected.backward(torch.tensor(upstream))
    for i, (mine, theirs) in enumerate(zip(mt_inputs, th_inputs)):
        assert_close(mine.grad.data, theirs.grad.numpy(), f"gradient of input {i}", rtol, atol)

    tangents = [rng.standard_normal(a.shape) for a in arrays]
    _, mine = mytorch.autodiff.jvp(mt_fn, tuple(arrays), tuple(tangents))
    _, theirs = torch.func.jvp(torch_fn, tuple(map(torch.tensor, arrays)), tuple(map(torch.tensor, tangents)))
    assert_close(mine.data, theirs.numpy(), "forward-mode tangent", rtol, atol)
