"""mytorch on a CUDA GPU through CuPy: the same results as on the CPU.

These tests run where ``mytorch.cuda.is_available()``; elsewhere they are
skipped with the reason.
"""
import numpy as np
import pytest

import mytorch

pytestmark = pytest.mark.skipif(not mytorch.cuda.is_available(),
                                reason="needs a CUDA GPU and CuPy (pip install cupy-cuda12x)")


def test_round_trip_between_host_and_device():
    x = mytorch.tensor(np.arange(6.0).reshape(2, 3))
    on_gpu = x.to("cuda")
    assert on_gpu.device == "cuda:0" and x.device == "cpu"
    np.testing.assert_array_equal(on_gpu.cpu().numpy(), x.numpy())
    with pytest.raises(TypeError, match="cpu"):
        on_gpu.numpy()


def test_mixing_devices_is_an_error_not_a_silent_copy():
    with pytest.raises(RuntimeError, match="same device"):
        mytorch.ones(2) + mytorch.ones(2, device="cuda")


def test_forward_and_backward_on_the_gpu_match_the_cpu():
    rng = np.random.default_rng(0)
    x_values, w_values = rng.standard_normal((5, 4)), rng.standard_normal((4, 3))
    results = {}
    for device in ("cpu", "cuda"):
        x = mytorch.tensor(x_values, device=device, requires_grad=True)
        w = mytorch.tensor(w_values, device=device, requires_grad=True)
        loss = mytorch.log_softmax(mytorch.tanh(x @ w), dim=1)[:, 0].sum() + x.amax()
        loss.backward()
        results[device] = [t.detach().cpu().numpy() for t in (loss, x.grad, w.grad)]
    for cpu, gpu in zip(results["cpu"], results["cuda"]):
        np.testing.assert_allclose(gpu, cpu, rtol=1e-10)


def test_forward_mode_on_the_gpu():
    x = mytorch.tensor(np.linspace(-1, 1, 4), device="cuda")
    forward = mytorch.autodiff.jacobian(mytorch.sigmoid, x, mode="forward")
    reverse = mytorch.autodiff.jacobian(mytorch.sigmoid, x, mode="reverse")
    np.testing.assert_allclose(forward.cpu().numpy(), reverse.cpu().numpy(), rtol=1e-12)
