"""Task 4.4 (bonus): adversarial examples by the fast gradient sign method (mytorch/adversarial.py ``fgsm``).

x_adv = clip(x + ε · sign(∇ₓ L), low, high), with L the mean cross-entropy of model(x) against the labels.
For a linear model z = x Wᵀ + b the gradient is closed-form: ∇ₓ L = (softmax(z) − onehot(y)) W / N.
"""
import numpy as np
import pytest

import mytorch
from mytorch import nn
from mytorch.adversarial import PIXEL_HIGH, PIXEL_LOW, fgsm

from helpers import assert_close, randn

pytestmark = pytest.mark.task4_4

LABELS = np.array([0, 2, 1, 2, 0, 1], dtype=np.int64)


def linear_model(seed, features=4, classes=3):
    mytorch.manual_seed(seed)
    return nn.Sequential(nn.Linear(features, classes, dtype=mytorch.float64))


def input_gradient(layer, x, labels):
    """∇ₓ of the mean cross-entropy of z = x Wᵀ + b: (softmax(z) − onehot(y)) W / N."""
    weight, bias = layer.weight.data, layer.bias.data
    z = x @ weight.T + bias
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(len(labels)), labels] -= 1
    return p @ weight / len(labels)


def test_one_signed_gradient_step_without_clipping():
    model, x = linear_model(0), randn((6, 4), 1)
    expected = x + 0.3 * np.sign(input_gradient(model[0], x, LABELS))
    assert_close(fgsm(model, x, LABELS, 0.3, low=None, high=None), expected,
                 "fgsm on a linear model, ε = 0.3, no clipping: x + ε · sign(∇ₓ L)", 1e-12, 1e-12)


def test_the_result_is_clipped_to_the_valid_range():
    model, x = linear_model(2), randn((6, 4), 3)
    step = x + 0.5 * np.sign(input_gradient(model[0], x, LABELS))
    assert_close(fgsm(model, x, LABELS, 0.5, low=-1.0, high=0.8), np.clip(step, -1.0, 0.8),
                 "fgsm with low=-1, high=0.8: clip(x + ε · sign(∇ₓ L), low, high)", 1e-12, 1e-12)


def test_the_default_range_is_that_of_standardised_pixels():
    model, x = linear_model(4), np.clip(3 * randn((6, 4), 5), PIXEL_LOW, PIXEL_HIGH)
    adversarial = fgsm(model, x, LABELS, 0.4)
    assert adversarial.min() >= PIXEL_LOW - 1e-12 and adversarial.max() <= PIXEL_HIGH + 1e-12, (
        f"values from {adversarial.min():.4f} to {adversarial.max():.4f}; by default they must stay in "
        f"[PIXEL_LOW, PIXEL_HIGH] = [{PIXEL_LOW:.4f}, {PIXEL_HIGH:.4f}]")


@pytest.mark.parametrize("epsilon", [0.01, 0.1, 0.25])
def test_no_pixel_moves_more_than_epsilon(epsilon):
    model, x = linear_model(6), randn((6, 4), 7)
    adversarial = fgsm(model, x, LABELS, epsilon, low=None, high=None)
    moved = np.abs(adversarial - x).max()
    assert moved <= epsilon * (1 + 1e-9), f"‖x_adv − x‖∞ = {moved:.6g} > ε = {epsilon}"
    assert np.isclose(moved, epsilon), f"‖x_adv − x‖∞ = {moved:.6g}: every pixel should move by ε = {epsilon}"


def test_the_attack_raises_the_loss():
    model, x = linear_model(8), randn((6, 4), 9)

    def loss(inputs):
        z = inputs @ model[0].weight.data.T + model[0].bias.data
        z = z - z.max(axis=1, keepdims=True)
        return np.mean(np.log(np.exp(z).sum(axis=1)) - z[np.arange(len(LABELS)), LABELS])

    before, after = loss(x), loss(fgsm(model, x, LABELS, 0.1, low=None, high=None))
    assert after > before, f"the cross-entropy went from {before:.4f} to {after:.4f}; FGSM must increase it"


def test_returns_a_numpy_array_and_leaves_the_model_without_gradients():
    model, x = linear_model(10), randn((6, 4), 11)
    adversarial = fgsm(model, x, LABELS, 0.1)
    assert isinstance(adversarial, np.ndarray), (
        f"fgsm must return a NumPy array, got {type(adversarial).__name__}")
    assert adversarial.shape == x.shape, f"shape {adversarial.shape}, expected the images' {x.shape}"
    for name, param in model.named_parameters():
        assert param.grad is None, f"{name}.grad was set: differentiate with respect to the images only"


def test_a_tensor_input_gives_the_same_result_and_stays_untouched():
    model, x = linear_model(12), randn((6, 4), 13)
    images = mytorch.tensor(x)
    from_tensor = fgsm(model, images, LABELS, 0.2, low=None, high=None)
    assert_close(from_tensor, fgsm(model, x, LABELS, 0.2, low=None, high=None),
                 "fgsm on a Tensor and on the same NumPy array", 0, 0)
    assert np.array_equal(images.numpy(), x) and images.grad is None, "fgsm changed its input Tensor"
