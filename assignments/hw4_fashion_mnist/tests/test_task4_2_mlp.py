"""Task 4.2: a three-layer MLP on Fashion-MNIST (mytorch/models.py ``mlp``; the mini-batch step in
mytorch/train.py ``train``).

mlp() is 784 → 256 → 128 → 10: Flatten, then Linear → ReLU → Dropout(0.2) per hidden layer, then a
Linear to the 10 logits; in eval mode it computes  z = W₃ relu(W₂ relu(W₁ x + b₁) + b₂) + b₃.
Each mini-batch of train() is one Adam step on that batch's mean cross-entropy.

The training tests run train.train on data of the tests' own (stand_ins.py: ten classes of blurry
patterns under noise), cut into mini-batches by the tests, so that they depend on Task 4.2's code
alone, as its grade does, and not on your Task 4.1. test_training_on_fashion_mnist.py trains your
whole pipeline on Fashion-MNIST itself.
"""
import numpy as np
import pytest

import mytorch
from mytorch import models, nn, train

from helpers import assert_close, assert_one_epoch_halves_the_loss, forward_in_numpy, layers_of, randn
from stand_ins import blurry_classes, feed_train, random_batches

pytestmark = pytest.mark.task4_2

ACCURACY = 0.9      # of the two-epoch test
PARAMETERS = 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10    # 235 146


def images(n, seed):
    return randn((n, 1, 28, 28), seed).astype(np.float32)


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


def trained(monkeypatch, images, labels, epochs):
    """train.train("mlp") for ``epochs`` on ``images`` and ``labels``, in the tests' mini-batches of 128."""
    feed_train(monkeypatch, images, labels, random_batches(len(labels), 128, epochs, seed=0))
    return train.train("mlp", epochs=epochs, progress=False, evaluate=False)


def test_one_epoch_lowers_the_loss_by_half(monkeypatch):
    x, y = blurry_classes(2000, seed=0)
    mytorch.manual_seed(0)
    untrained = models.mlp()           # the model train() starts from: seed 0 before building it
    model, history = trained(monkeypatch, x, y, epochs=1)
    assert_one_epoch_halves_the_loss(untrained, model, history, x, y)


def test_two_epochs_classify_new_images(monkeypatch):
    x, y = blurry_classes(4000, seed=1)
    model, history = trained(monkeypatch, x, y, epochs=2)
    losses = history.train_loss
    assert losses[1] < losses[0], f"the training loss did not fall from epoch 1 to 2: {losses}"
    new_x, new_y = blurry_classes(1000, seed=2)
    accuracy = train.accuracy(model, new_x, new_y)
    assert accuracy >= ACCURACY, (
        f"accuracy {accuracy:.2%} on 1000 new images after 2 epochs on 4000, expected ≥ {ACCURACY:.0%}")
