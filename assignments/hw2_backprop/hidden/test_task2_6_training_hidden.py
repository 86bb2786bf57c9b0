"""Hidden tests of Task 2.6: ``train_classifier`` on all three toy sets and several seeds, and its
update rule checked step by step in closed form.

Every other hw2 task (Linear, tanh, cross-entropy, the parameter tree and Sequential) is replaced
by a correct stand-in, so these tests grade the training loop alone.
"""
import numpy as np
import pytest

import mytorch
from mytorch import nn, playground
from mytorch.data import toy

from helpers import np_log_softmax, np_softmax, one_hot
from hidden_helpers import (use_stand_in_activations, use_stand_in_linear, use_stand_in_losses,
                            use_stand_in_modules)

pytestmark = pytest.mark.task2_6

TOY_ACCURACY = 0.95


@pytest.fixture(autouse=True)
def independent_of_tasks_2_1_to_2_5(monkeypatch):
    for use in (use_stand_in_linear, use_stand_in_activations, use_stand_in_losses, use_stand_in_modules):
        use(monkeypatch)


@pytest.mark.parametrize("dataset, epochs", [("spiral", 1500), ("circles", 400), ("xor", 400)])
@pytest.mark.parametrize("seed", [1, 2])
def test_every_toy_set_is_learned(dataset, epochs, seed):
    x, y = getattr(toy, dataset)(n_samples=300, noise=0.1, seed=seed)
    mytorch.manual_seed(seed)
    model = playground.mlp()
    losses = playground.train_classifier(model, x, y, lr=0.5, epochs=epochs)
    assert len(losses) == epochs and all(np.isfinite(losses)), f"{dataset}: {len(losses)} losses, or not finite"
    assert losses[-1] < 0.3 * losses[0], f"{dataset}: loss {losses[0]:.3f} → {losses[-1]:.3f}"
    accuracy = playground.accuracy(model, x, y)
    assert accuracy >= TOY_ACCURACY, f"{dataset} (seed {seed}): training accuracy {accuracy:.1%} < 95%"


def two_layer(seed):
    mytorch.manual_seed(seed)
    return nn.Sequential(nn.Linear(2, 3, dtype=mytorch.float64), nn.Tanh(), nn.Linear(3, 2, dtype=mytorch.float64))


def numpy_steps(params, x, y, lr, epochs):
    """Gradient descent on the two-layer tanh network, backpropagation written out."""
    w1, b1, w2, b2 = (p.copy() for p in params)
    losses = []
    for _ in range(epochs):
        h = np.tanh(x @ w1.T + b1)
        z = h @ w2.T + b2
        losses.append(-np.mean(np_log_softmax(z)[np.arange(len(y)), y]))
        dz = (np_softmax(z) - one_hot(y, 2)) / len(y)
        dh = dz @ w2 * (1 - h ** 2)
        w1, b1, w2, b2 = w1 - lr * dh.T @ x, b1 - lr * dh.sum(0), w2 - lr * dz.T @ h, b2 - lr * dz.sum(0)
    return [w1, b1, w2, b2], losses


@pytest.mark.parametrize("lr, epochs", [(0.1, 1), (0.7, 2), (1.5, 5)])
def test_steps_of_a_two_layer_network(lr, epochs):
    x, y = toy.circles(n_samples=30, noise=0.1, seed=3)
    x = x.astype(np.float64)
    model = two_layer(4)
    params = [model[0].weight, model[0].bias, model[2].weight, model[2].bias]
    expected, expected_losses = numpy_steps([p.data for p in params], x, y, lr, epochs)
    losses = playground.train_classifier(model, x, y, lr=lr, epochs=epochs)
    now = [model[0].weight, model[0].bias, model[2].weight, model[2].bias]
    assert all(p is q for p, q in zip(params, now)), "the parameters must be updated in place"
    for name, p, e in zip(["0.weight", "0.bias", "2.weight", "2.bias"], now, expected):
        np.testing.assert_allclose(p.data, e, rtol=1e-9, atol=1e-12,
                                   err_msg=f"{name} after {epochs} step(s) with lr={lr}")
    np.testing.assert_allclose(losses, expected_losses, rtol=1e-9, err_msg="the loss before each step")
    assert all(type(loss) is float for loss in losses), "each loss must be a Python float"


def test_float32_data_and_a_one_hidden_layer_mlp():
    x, y = toy.xor(n_samples=50, noise=0.1, seed=5)
    mytorch.manual_seed(5)
    model = playground.mlp(hidden=8, layers=1)
    first = model[0].weight.data.copy()
    losses = playground.train_classifier(model, x, y, lr=0.5, epochs=20)
    assert model[0].weight.dtype == np.float32, f"training changed float32 weights to {model[0].weight.dtype}"
    assert not np.array_equal(first, model[0].weight.data)
    assert losses[-1] < losses[0]
