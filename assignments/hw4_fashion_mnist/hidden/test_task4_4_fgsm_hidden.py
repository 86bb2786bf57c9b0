"""Hidden tests of Task 4.4: ``fgsm`` on random linear models and budgets (closed form), on images
(N, 1, 28, 28), with one-sided clipping, a zero gradient, float32 inputs, a batch against single
images, parameters that already hold gradients, and the attack of assignment.toml: the trained MLP
falls below 50 % test accuracy at ε = 0.1 (raw pixel units).

The data pipeline (task 4.1), the MLP and its training (task 4.2) are replaced by correct stand-ins,
so these tests grade the attack alone.
"""
import numpy as np
import pytest

import mytorch
from mytorch import nn, train
from mytorch.adversarial import PIXEL_HIGH, PIXEL_LOW, epsilon_in_input_units, fgsm

from helpers import assert_close, randn
from hidden_helpers import fashion_mnist_arrays, fit, stand_in_mlp

pytestmark = pytest.mark.task4_4

EPSILON, MAX_ACCURACY = 0.1, 0.5        # assignment.toml, [tasks.attack]


def linear_gradient(weight, bias, x, labels):
    """∇ₓ of the mean cross-entropy of z = x Wᵀ + b, for x (N, features): (softmax(z) − onehot(y)) W / N."""
    z = x @ weight.T + bias
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(len(labels)), labels] -= 1
    return p @ weight / len(labels)


def random_linear_case(seed):
    rng = np.random.default_rng(seed)
    n, features, classes = int(rng.integers(1, 8)), int(rng.integers(2, 9)), int(rng.integers(2, 6))
    mytorch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(features, classes, dtype=mytorch.float64))
    return model, randn((n, features), seed), rng.integers(0, classes, n), float(rng.uniform(0.01, 1.0))


@pytest.mark.parametrize("seed", range(8))
def test_random_linear_models(seed):
    model, x, labels, epsilon = random_linear_case(seed)
    step = x + epsilon * np.sign(linear_gradient(model[0].weight.data, model[0].bias.data, x, labels))
    low, high = (-0.5, 0.7) if seed % 2 else (None, None)
    expected = step if low is None else np.clip(step, low, high)
    assert_close(fgsm(model, x, labels, epsilon, low=low, high=high), expected,
                 f"fgsm, x {x.shape}, ε = {epsilon:.3f}, range [{low}, {high}]", 1e-12, 1e-12)


@pytest.mark.parametrize("low, high", [(None, 0.2), (-0.2, None)])
def test_clipping_on_one_side_only(low, high):
    model, x, labels, _ = random_linear_case(30)
    step = x + 0.5 * np.sign(linear_gradient(model[0].weight.data, model[0].bias.data, x, labels))
    assert_close(fgsm(model, x, labels, 0.5, low=low, high=high), np.clip(step, low, high),
                 f"fgsm with low={low}, high={high}: only that side is clipped", 1e-12, 1e-12)


def test_images_through_a_flattening_model():
    mytorch.manual_seed(40)
    model = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 10, dtype=mytorch.float64))
    x, labels = randn((3, 1, 28, 28), 41), np.array([3, 7, 0])
    gradient = linear_gradient(model[1].weight.data, model[1].bias.data, x.reshape(3, -1), labels)
    expected = np.clip(x + 0.2 * np.sign(gradient.reshape(x.shape)), PIXEL_LOW, PIXEL_HIGH)
    assert_close(fgsm(model, x, labels, 0.2), expected,
                 "fgsm on images (3, 1, 28, 28) with the default range", 1e-12, 1e-12)


def test_a_zero_gradient_moves_nothing():
    mytorch.manual_seed(50)
    model = nn.Sequential(nn.Linear(4, 3, dtype=mytorch.float64))
    model[0].weight.data[...] = 0                      # the loss does not depend on x: sign(0) = 0
    x = randn((5, 4), 51)
    assert_close(fgsm(model, x, np.array([0, 1, 2, 0, 1]), 0.3, low=None, high=None), x,
                 "fgsm where ∇ₓ L = 0: x + ε · sign(0) = x", 0, 0)


def test_float32_images_stay_float32():
    mytorch.manual_seed(60)
    model = nn.Sequential(nn.Linear(6, 4))
    x = randn((5, 6), 61).astype(np.float32)
    adversarial = fgsm(model, x, np.array([0, 1, 2, 3, 0]), 0.1)
    assert isinstance(adversarial, np.ndarray) and adversarial.dtype == np.float32, (
        f"float32 images gave {type(adversarial).__name__} of {getattr(adversarial, 'dtype', None)}")


def test_a_batch_is_attacked_image_by_image():
    mytorch.manual_seed(70)
    model = nn.Sequential(nn.Linear(5, 8, dtype=mytorch.float64), nn.Tanh(),
                          nn.Linear(8, 3, dtype=mytorch.float64))
    x, labels = randn((6, 5), 71), np.array([0, 1, 2, 2, 1, 0])
    batch = fgsm(model, x, labels, 0.25, low=None, high=None)
    for i in range(len(x)):
        assert_close(batch[i:i + 1], fgsm(model, x[i:i + 1], labels[i:i + 1], 0.25, low=None, high=None),
                     f"image {i}: attacked in a batch and on its own", 0, 0)


def test_gradients_already_in_the_model_are_left_alone():
    model, x, labels, _ = random_linear_case(80)
    model(mytorch.tensor(x)).sum().backward()
    before = {name: param.grad.numpy().copy() for name, param in model.named_parameters()}
    fgsm(model, x, labels, 0.1)
    for name, param in model.named_parameters():
        assert param.grad is not None and np.array_equal(param.grad.numpy(), before[name]), (
            f"fgsm changed {name}.grad: it must differentiate with respect to the images only")


def test_a_tensor_that_requires_grad_is_accepted_and_untouched():
    model, x, labels, _ = random_linear_case(90)
    images = mytorch.tensor(x, requires_grad=True)
    adversarial = fgsm(model, images, labels, 0.1, low=None, high=None)
    assert_close(adversarial, fgsm(model, x, labels, 0.1, low=None, high=None),
                 "fgsm on a Tensor requiring grad and on its array", 0, 0)
    assert images.grad is None and np.array_equal(images.data, x), "fgsm changed its input Tensor or its grad"


# ----- the attack of the assignment -----------------------------------------------------------------
@pytest.fixture(scope="module")
def trained_mlp():
    x, y = fashion_mnist_arrays(train=True)
    x_test, y_test = fashion_mnist_arrays(train=False)
    mytorch.manual_seed(0)
    return fit(stand_in_mlp(), x, y, epochs=1), x_test[:1000], y_test[:1000]


def test_the_trained_mlp_falls_below_half_accuracy(trained_mlp):
    model, x, y = trained_mlp
    clean = train.accuracy(model, x, y)
    step = epsilon_in_input_units(EPSILON)
    attacked = np.concatenate([fgsm(model, x[i:i + 500], y[i:i + 500], step) for i in range(0, len(y), 500)])
    assert attacked.shape == x.shape
    assert np.abs(attacked - x).max() <= step + 1e-5, "a pixel moved by more than ε"
    assert attacked.min() >= PIXEL_LOW - 1e-6 and attacked.max() <= PIXEL_HIGH + 1e-6, "a pixel left [0, 1]"
    accuracy = train.accuracy(model, attacked, y)
    assert accuracy < MAX_ACCURACY, (
        f"FGSM at ε = {EPSILON} took the MLP from {clean:.1%} to {accuracy:.1%} only; expected below "
        f"{MAX_ACCURACY:.0%}")
