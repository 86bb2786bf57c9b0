"""Task 2.6: training an MLP on the 2-D toy sets (mytorch/playground.py, ``train_classifier``).

Full-batch gradient descent on the cross-entropy: every epoch, L = mean CE(model(X), y),
then w ← w − η ∇L for every parameter, in place.

These tests run none of the other tasks' code (stand_ins.py): the models are networks of the tests'
own (``Network``: affine layers of hw1's matmul with x / √(1 + x²) between them, in place of
``nn.Linear``, tanh and ``Sequential``), and ``F.cross_entropy`` answers what the reference's
answered at the same logits; in the long runs that learn a toy set, a loss of the tests' own takes
its place instead.
"""
import numpy as np
import pytest

import mytorch
from mytorch import nn, playground
from mytorch.data import toy

from helpers import np_log_softmax, np_softmax, one_hot
from stand_ins import STAND_IN_CROSS_ENTROPY, STAND_IN_SQUASHED_SCORE_LOSS, Network, network_like_mlp

pytestmark = pytest.mark.task2_6
STAND_INS = (STAND_IN_CROSS_ENTROPY,)

TOY_ACCURACY = 0.95      # assignment.toml: task2_6's [tasks.thresholds]


def logistic_regression(seed):
    """An affine map 2 → 2 in float64 (a Network of one layer), drawn after ``manual_seed(seed)``."""
    mytorch.manual_seed(seed)
    return Network([nn.Linear(2, 2, dtype=mytorch.float64)])


def gradient_descent_in_numpy(w, b, x, y, lr, epochs):
    """The same steps in closed form: for logits Z = X Wᵀ + b and P = softmax(Z),
    ∇_W L = (P − Y)ᵀ X / N and ∇_b L = mean(P − Y); also the loss of each epoch."""
    w, b, losses = w.copy(), b.copy(), []
    for _ in range(epochs):
        z = x @ w.T + b
        losses.append(-np.mean(np_log_softmax(z)[np.arange(len(y)), y]))
        delta = (np_softmax(z) - one_hot(y, 2)) / len(y)
        w, b = w - lr * delta.T @ x, b - lr * delta.sum(axis=0)
    return w, b, losses


@pytest.mark.parametrize("epochs", [1, 3])
def test_each_epoch_is_one_gradient_descent_step(epochs):
    x, y = toy.xor(n_samples=40, noise=0.1, seed=0)
    x = x.astype(np.float64)
    model = logistic_regression(0)
    layer, = model.layers
    weight, bias = layer.weight, layer.bias
    expected_w, expected_b, expected_losses = gradient_descent_in_numpy(
        weight.data, bias.data, x, y, lr=0.3, epochs=epochs)
    losses = playground.train_classifier(model, x, y, lr=0.3, epochs=epochs)
    assert layer.weight is weight and layer.bias is bias, "the parameters must be updated in place"
    np.testing.assert_allclose(layer.weight.data, expected_w, rtol=1e-9, atol=1e-12, err_msg=(
        f"weight after {epochs} epoch(s) of w ← w − η ∇L (are the gradients zeroed every epoch?)"))
    np.testing.assert_allclose(layer.bias.data, expected_b, rtol=1e-9, atol=1e-12,
                               err_msg=f"bias after {epochs} epoch(s) of b ← b − η ∇L")
    np.testing.assert_allclose(losses, expected_losses, rtol=1e-9, err_msg=(
        "the returned losses: one per epoch, each the loss before that epoch's step"))


def test_returns_one_float_loss_per_epoch_and_updates_the_mlp_in_place():
    x, y = toy.circles(n_samples=60, noise=0.05, seed=1)
    mytorch.manual_seed(1)
    model = network_like_mlp()
    layers = model.layers
    before = [(layer.weight, layer.weight.data.copy()) for layer in layers]
    losses = playground.train_classifier(model, x, y, lr=0.5, epochs=7)
    assert isinstance(losses, list) and len(losses) == 7, f"expected a list of 7 losses, got {losses!r}"
    assert all(isinstance(loss, float) for loss in losses), "each loss must be a Python float (loss.item())"
    for layer, (param, old) in zip(layers, before):
        assert layer.weight is param, "the parameters must be updated in place, not replaced"
        assert not np.array_equal(param.data, old), "a layer's weight did not change during training"


@pytest.mark.parametrize("dataset, epochs", [("circles", 300), ("spiral", 1000)])
def test_the_mlp_learns_a_toy_set(dataset, epochs, monkeypatch):
    """The loss here is the tests' own (stand_ins.squashed_score_loss): recording the reference's
    cross-entropy at every epoch of these runs would take megabytes."""
    STAND_IN_SQUASHED_SCORE_LOSS.install(monkeypatch)
    x, y = getattr(toy, dataset)(n_samples=200, noise=0.1, seed=0)
    mytorch.manual_seed(0)
    model = network_like_mlp()
    losses = playground.train_classifier(model, x, y, lr=0.5, epochs=epochs)
    assert losses[-1] < 0.5 * losses[0], f"{dataset}: the loss went from {losses[0]:.3f} to {losses[-1]:.3f}"
    accuracy = playground.accuracy(model, x, y)
    assert accuracy >= TOY_ACCURACY, (
        f"{dataset}: training accuracy {accuracy:.1%} after {epochs} epochs, expected ≥ {TOY_ACCURACY:.0%}")
