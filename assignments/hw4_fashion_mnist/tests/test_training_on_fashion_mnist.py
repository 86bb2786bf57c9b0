"""End to end: ``train.train("mlp")`` on Fashion-MNIST, through your whole pipeline, Task 4.1's
``parse_idx`` and ``DataLoader`` with Task 4.2's MLP and step, as ``python -m mytorch.train`` runs it.

These tests belong to no task, so the score table leaves them out: the tests of each task check its
code alone, as the grader does. They need Fashion-MNIST (`python -m mytorch.data.fashion_mnist`
fetches it), and build mlp() first, so that a missing model fails at once rather than after loading
the data. Both take a minute or so.
"""
import numpy as np

import mytorch
from mytorch import models, train

from helpers import assert_one_epoch_halves_the_loss, randn, require_fashion_mnist


def check_mlp_before_training():
    """mlp() maps a batch of images to 10 logits each: checked before any data is loaded."""
    model = models.mlp()
    model.eval()
    with mytorch.no_grad():
        shape = tuple(model(mytorch.tensor(randn((2, 1, 28, 28), 0).astype(np.float32))).shape)
    assert shape == (2, 10), f"mlp() maps images (2, 1, 28, 28) to {shape}, expected (2, 10)"


def test_one_epoch_on_2000_images_lowers_the_loss():
    check_mlp_before_training()
    require_fashion_mnist()
    mytorch.manual_seed(0)
    untrained = models.mlp()           # the model train() starts from: seed 0 before building it
    x, y = train.fashion_mnist(train=True)
    x, y = x[:2000], y[:2000]
    model, history = train.train("mlp", epochs=1, train_limit=2000, progress=False)
    assert_one_epoch_halves_the_loss(untrained, model, history, x, y)


def test_two_epochs_on_10000_images_reach_78_percent():
    check_mlp_before_training()
    require_fashion_mnist()
    _, history = train.train("mlp", epochs=2, train_limit=10000, progress=False)
    losses, accuracy = history.train_loss, history.test_accuracy[-1]
    assert losses[1] < losses[0], f"the training loss did not fall from epoch 1 to 2: {losses}"
    assert accuracy >= 0.78, f"test accuracy {accuracy:.2%} after 2 epochs on 10 000 images, expected ≥ 78 %"
