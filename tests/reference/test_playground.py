"""The 2-D playground: gradient descent separates each toy set, and the boundary is drawn."""
import subprocess
import sys

import pytest

import mytorch
from mytorch import playground
from mytorch.data import toy


@pytest.mark.parametrize("dataset", sorted(playground.DATASETS))
def test_gradient_descent_separates_each_toy_set(dataset):
    mytorch.manual_seed(0)
    points, labels = playground.DATASETS[dataset](n_samples=200, noise=0.05, seed=1)
    model = playground.mlp()
    losses = playground.train_classifier(model, points, labels, lr=0.5, epochs=1000)
    assert len(losses) == 1000 and losses[-1] < losses[0] / 5
    assert playground.accuracy(model, points, labels) >= 0.95


def test_the_command_draws_the_decision_boundary(tmp_path):
    result = subprocess.run([sys.executable, "-m", "mytorch.playground", "--dataset", "xor", "--epochs", "300",
                             "--out", str(tmp_path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "training accuracy" in result.stdout
    assert (tmp_path / "xor-boundary.png").read_bytes()[:4] == b"\x89PNG"


def test_the_decision_boundary_is_drawn_for_an_untrained_model(tmp_path):
    points, labels = toy.circles(n_samples=50, seed=0)
    playground.plot_decision_boundary(playground.mlp(), points, labels, tmp_path / "b.png", resolution=20)
    assert (tmp_path / "b.png").stat().st_size > 1000
