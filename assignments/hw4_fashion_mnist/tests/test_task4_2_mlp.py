"""Task 4.2: a three-layer MLP on Fashion-MNIST (mytorch/models.py ``mlp``; the mini-batch step in
mytorch/train.py ``train``).

mlp() is 784 → 256 → 128 → 10: Flatten, then Linear → ReLU → Dropout(0.2) per hidden layer, then a
Linear to the 10 logits; in eval mode it computes  z = W₃ relu(W₂ relu(W₁ x + b₁) + b₂) + b₃.
Each mini-batch of train() is one Adam step on that batch's mean cross-entropy.

The training tests need Fashion-MNIST (`python -m mytorch.data.fashion_mnist` fetches it); they
build mlp() first, so that a missing model fails at once rather than after loading the data.
"""
import math

import numpy as np
import pytest

import mytorch
from mytorch import models, nn, train

from helpers import (assert_close, forward_in_numpy, layers_of, mean_cross_entropy, randn,
                     require_fashion_mnist)

pytestmark = pytest.mark.task4_2

PARAMETERS = 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10    # 235 146


def images(n, seed):
    return randn((n, 1, 28, 28), seed).astype(np.float32)


def check_mlp_before_training():
    """mlp() maps a batch of images to 10 logits each: checked before any data is loaded."""
    model = models.mlp()
    model.eval()
    with mytorch.no_grad():
        shape = tuple(model(mytorch.tensor(images(2, 0))).shape)
    assert shape == (2, 10), f"mlp() maps images (2, 1, 28, 28) to {shape}, expected (2, 10)"


def test_the_layers_are_784_256_128_10():
    model = models.mlp()
    shapes = [tuple(layer.weight.shape) for layer in layers_of(model, nn.Linear)]
    assert shapes == [(256, 784), (128, 256), (10, 128)], (
        f"the Linear weights have shapes {shapes}, expected [(256, 784), (128, 256), (10, 128)]")
    assert all(layer.bias is not None for layer in layers_of(model, nn.Linear)), "every Linear has a bias"
    count = sum(p.data.size for p in model.parameters())
    assert count == PARAMETERS, f"mlp() has {count} parameters, expected {PARAMETERS}"


def test_relu_and_dropout_after_each_hidden_layer():
    model = models.mlp()
    assert len(layers_of(model, nn.ReLU)) == 2, "expected one ReLU after each of the two hidden layers"
    rates = [layer.p for layer in layers_of(model, nn.Dropout)]
    assert rates == [0.2, 0.2], f"dropout rates {rates}, expected [0.2, 0.2] (one per hidden layer)"


def test_the_arguments_set_the_hidden_sizes_and_the_dropout():
    model = models.mlp(hidden=(64,), dropout=0.5)
    shapes = [tuple(layer.weight.shape) for layer in layers_of(model, nn.Linear)]
    assert shapes == [(64, 784), (10, 64)], f"mlp(hidden=(64,)): Linear shapes {shapes}"
    assert [layer.p for layer in layers_of(model, nn.Dropout)] == [0.5], "mlp(dropout=0.5): one Dropout(0.5)"


def test_images_give_ten_logits_in_eval_mode():
    mytorch.manual_seed(0)
    model = models.mlp()
    model.eval()
    x = images(5, 1)
    with mytorch.no_grad():
        logits = model(mytorch.tensor(x))
    assert logits.dtype == np.float32, f"float32 images gave {logits.dtype} logits"
    assert_close(logits, forward_in_numpy(model, x),
                 "mlp() in eval mode: W₃ relu(W₂ relu(W₁ x + b₁) + b₂) + b₃", 1e-4, 1e-5)


def test_dropout_acts_in_training_mode_only():
    mytorch.manual_seed(1)
    model = models.mlp(dropout=0.5)
    x = mytorch.tensor(images(4, 2))
    model.train()
    with mytorch.no_grad():
        first, second = model(x).numpy(), model(x).numpy()
    assert not np.allclose(first, second), (
        "in training mode two passes must differ (a new dropout mask each time)")
    model.eval()
    with mytorch.no_grad():
        assert np.array_equal(model(x).numpy(), model(x).numpy()), (
            "in eval mode the output must be deterministic")


def test_one_epoch_on_2000_images_lowers_the_loss():
    check_mlp_before_training()
    require_fashion_mnist()
    mytorch.manual_seed(0)
    untrained = models.mlp()           # the model train() starts from: seed 0 before building it
    x, y = train.fashion_mnist(train=True)
    x, y = x[:2000], y[:2000]
    model, history = train.train("mlp", epochs=1, train_limit=2000, progress=False)
    before, after = mean_cross_entropy(untrained, x, y), mean_cross_entropy(model, x, y)
    assert len(history.train_loss) == 1 and math.isfinite(history.train_loss[0]), (
        f"history.train_loss is {history.train_loss}, expected one finite number per epoch")
    assert after < 0.5 * before, (
        f"one epoch on 2000 images took the loss on them from {before:.3f} to {after:.3f} only; "
        "expected less than half (does each batch run the loss, zero_grad, backward and optimizer.step?)")


def test_two_epochs_on_10000_images_reach_78_percent():
    check_mlp_before_training()
    require_fashion_mnist()
    _, history = train.train("mlp", epochs=2, train_limit=10000, progress=False)
    losses, accuracy = history.train_loss, history.test_accuracy[-1]
    assert losses[1] < losses[0], f"the training loss did not fall from epoch 1 to 2: {losses}"
    assert accuracy >= 0.78, f"test accuracy {accuracy:.2%} after 2 epochs on 10 000 images, expected ≥ 78 %"
