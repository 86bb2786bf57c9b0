"""FGSM: the signed input gradient against PyTorch's, the L∞ budget and the clipping, and
a real attack on a trained MLP."""
import numpy as np
import pytest
import torch

import mytorch
from mytorch import adversarial, nn, train


def small_model(seed=0):
    mytorch.manual_seed(seed)
    return nn.Sequential(nn.Flatten(), nn.Linear(12, 5, dtype=mytorch.float64), nn.Tanh(),
                         nn.Linear(5, 3, dtype=mytorch.float64))


def torch_fgsm(model, images, labels, epsilon, low, high):
    layers = [model[1], model[3]]
    w1, b1, w2, b2 = (torch.tensor(p.data) for layer in layers for p in (layer.weight, layer.bias))
    x = torch.tensor(images, requires_grad=True)
    logits = torch.tanh(x.flatten(1) @ w1.T + b1) @ w2.T + b2
    torch.nn.functional.cross_entropy(logits, torch.tensor(labels)).backward()
    attacked = x + epsilon * x.grad.sign()
    return (attacked if low is None else torch.clamp(attacked, low, high)).detach().numpy()


@pytest.mark.parametrize("epsilon, low, high", [(0.1, -0.5, 0.5), (0.3, None, None), (0.0, -1.0, 1.0)])
def test_fgsm_matches_torch(epsilon, low, high):
    rng = np.random.default_rng(1)
    images, labels = rng.uniform(-0.6, 0.6, size=(8, 1, 3, 4)), rng.integers(0, 3, size=8)
    model = small_model()
    attacked = adversarial.fgsm(model, images, labels, epsilon, low, high)
    expected = torch_fgsm(model, images, labels, epsilon, low, high)
    assert isinstance(attacked, np.ndarray) and attacked.shape == images.shape
    np.testing.assert_allclose(attacked, expected, rtol=1e-12, atol=1e-12)
    assert np.abs(attacked - images).max() <= epsilon + 1e-12, "a pixel moved by more than ε"


def test_fgsm_leaves_the_model_and_a_tensor_input_alone():
    model = small_model()
    images = mytorch.tensor(np.random.default_rng(2).uniform(-1, 1, size=(4, 1, 3, 4)))
    adversarial.fgsm(model, images, np.array([0, 1, 2, 0]), 0.1)
    assert all(p.grad is None for p in model.parameters()), "the attack must leave the weights' .grad alone"
    assert images.grad is None and not images.requires_grad


def test_fgsm_breaks_a_trained_mlp():
    model, history = train.train("mlp", epochs=1, seed=0, train_limit=10000, progress=False)
    images, labels = train.fashion_mnist(train=False)
    images, labels = images[:1000], labels[:1000]
    clean, attacked = adversarial.robust_accuracy(model, images, labels, [0.0, 0.1])
    assert clean > 0.75 and attacked < 0.4, f"clean {clean:.1%}, under attack {attacked:.1%}"


def test_attacked_images_stay_valid_pixels():
    model, _ = train.train("mlp", epochs=1, seed=0, train_limit=500, progress=False)
    images, labels = train.fashion_mnist(train=False)
    attacked = adversarial.fgsm(model, images[:50], labels[:50], adversarial.epsilon_in_input_units(0.2))
    pixels = attacked * train.PIXEL_STD + train.PIXEL_MEAN
    assert pixels.min() >= -1e-6 and pixels.max() <= 1 + 1e-6
    assert np.abs(attacked - images[:50]).max() <= adversarial.epsilon_in_input_units(0.2) + 1e-6
