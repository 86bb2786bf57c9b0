"""The convergence comparison: the two test functions and their gradients against PyTorch,
``minimize`` against ``torch.optim`` on the same problem, and the race's outcome."""
import subprocess
import sys

import numpy as np
import pytest
import torch

import mytorch
from mytorch import convergence

from oracle import assert_close


def torch_quadratic(w, condition):
    return 0.5 * (w[0] ** 2 + condition * w[1] ** 2)


def torch_rosenbrock(w, a=1.0, b=100.0):
    return (a - w[0]) ** 2 + b * (w[1] - w[0] ** 2) ** 2


@pytest.mark.parametrize("mine, theirs", [
    (lambda w: convergence.quadratic_loss(w, 7.0), lambda w: torch_quadratic(w, 7.0)),
    (convergence.rosenbrock_loss, torch_rosenbrock),
])
def test_functions_and_gradients_match_torch(mine, theirs):
    for point in np.random.default_rng(0).uniform(-2, 2, size=(5, 2)):
        w, v = mytorch.tensor(point, requires_grad=True), torch.tensor(point, requires_grad=True)
        value, expected = mine(w), theirs(v)
        value.backward()
        expected.backward()
        assert_close(value.item(), expected.item(), f"value at {point}")
        assert_close(w.grad.data, v.grad.numpy(), f"gradient at {point}")


def test_functions_evaluate_a_whole_grid_at_once():
    grid = np.stack(np.meshgrid(np.linspace(-1, 1, 4), np.linspace(0, 2, 3)))
    values = convergence.rosenbrock_loss(mytorch.tensor(grid)).numpy()
    expected = torch_rosenbrock(torch.tensor(grid)).numpy()
    assert values.shape == (3, 4)
    assert_close(values, expected, "Rosenbrock over a grid")


@pytest.mark.parametrize("name, options, torch_class", [
    ("sgd", dict(lr=1e-3, momentum=0.9, nesterov=True), torch.optim.SGD),
    ("adam", dict(lr=0.05), torch.optim.Adam),
    ("rmsprop", dict(lr=3e-3, centered=True), torch.optim.RMSprop),
])
def test_minimize_follows_torch_optim(name, options, torch_class):
    run = convergence.minimize(convergence.rosenbrock(), name, 50, **options)
    w = torch.tensor([-1.5, 2.0], dtype=torch.float64, requires_grad=True)
    optimizer, losses, path = torch_class([w], **options), [], [w.detach().numpy().copy()]
    for _ in range(50):
        optimizer.zero_grad()
        loss = torch_rosenbrock(w)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        path.append(w.detach().numpy().copy())
    assert run.losses.shape == (50,) and run.path.shape == (51, 2)
    assert_close(run.losses, losses, f"{name}: losses", rtol=1e-9)
    assert_close(run.path, path, f"{name}: path", rtol=1e-9)


def test_a_problem_that_cannot_be_drawn_has_no_path():
    run = convergence.minimize(convergence.spiral_mlp(n_samples=50), "adam", 5, lr=1e-2)
    assert run.path is None and run.losses.shape == (5,) and np.all(np.isfinite(run.losses))


def test_every_setup_starts_from_the_same_weights():
    problem = convergence.spiral_mlp(n_samples=50)
    first, second = (convergence.minimize(problem, "sgd", 3, lr=0.1).losses for _ in range(2))
    np.testing.assert_array_equal(first, second)


def test_the_race_on_rosenbrock():
    runs = convergence.compare(convergence.rosenbrock())
    assert list(runs) == list(convergence.CONTENDERS["rosenbrock"])
    assert runs["Adam"].losses[-1] < 1e-10, "Adam reaches the valley's minimum"
    np.testing.assert_allclose(runs["Adam"].path[-1], [1.0, 1.0], atol=1e-6)
    assert runs["momentum"].losses[-1] < runs["SGD"].losses[-1], "momentum beats plain SGD along the valley"


def test_the_command_writes_one_plot_per_problem(tmp_path):
    result = subprocess.run([sys.executable, "-m", "mytorch.convergence", "--problems", "quadratic", "spiral",
                             "--out", str(tmp_path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "quadratic after 100 steps" in result.stdout
    for name in ("quadratic", "spiral"):
        assert (tmp_path / f"convergence-{name}.png").read_bytes()[:4] == b"\x89PNG"
