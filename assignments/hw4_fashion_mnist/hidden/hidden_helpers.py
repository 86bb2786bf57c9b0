"""Helpers of hw4's probes (never shipped to students): random inputs, and networks and training
built from public code, none of which solves a task of the assignment.

Each task is graded on its own code, and no other hw4 task's code, the student's or a stand-in,
runs in its probes:

- Task 4.1 (parse_idx, the DataLoader): the probes read the training set decoded by the grader
  (grader_data/train-*.npy), and :func:`feed_train` gives ``train.train`` that data and, in place of
  ``DataLoader.__iter__``, the probe's own mini-batches (:func:`random_batches`: random inputs);
- Task 4.2 (models.mlp, the step of ``train.train``): the other tasks' probes build their MLP from
  layers of homework 2 (:func:`one_hidden_layer_mlp`) and train with :func:`fit`, whose steps are
  homework 3's ``convergence.minimize``, public in the template.
"""
import numpy as np

import mytorch
from mytorch import convergence, nn, train
from mytorch.data.loader import DataLoader
from mytorch.nn import functional as F


# ----- mini-batches and training, without Tasks 4.1 and 4.2 -------------------------------------------
def random_batches(count, batch_size, epochs, seed):
    """(epochs, count // batch_size, batch_size) int64: per epoch, a new random order of ``count``
    samples cut into full batches; the count % batch_size samples left out differ between epochs."""
    rng = np.random.default_rng(seed)
    full = count // batch_size * batch_size
    return np.stack([rng.permutation(count)[:full].reshape(-1, batch_size) for _ in range(epochs)])


def feed_train(patch, images, labels, batches):
    """Give ``train.train``, through ``patch`` (a MonkeyPatch), data without Task 4.1's code: its
    ``fashion_mnist`` returns ``images`` and ``labels`` as they are, and every DataLoader yields, one
    epoch of ``batches`` (each a sequence of index arrays) per pass, the samples those indices name,
    cut out by the given ``DataLoader._batch``, whatever its batch size, shuffle or seed."""
    patch.setattr(train, "fashion_mnist", lambda train=True, root=None: (images, labels))
    epochs = iter(batches)

    def replay(loader):
        listed = next(epochs, None)
        if listed is None:
            raise AssertionError(f"a DataLoader was iterated more often than the {len(batches)} epochs "
                                 f"the probe has batches for")
        for indices in listed:
            yield loader._batch(np.asarray(indices))
    patch.setattr(DataLoader, "__iter__", replay)


def one_hidden_layer_mlp(width):
    """784 → ``width`` → 10 with a ReLU between, no dropout: a fixed network of homework 2's layers."""
    return nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, width), nn.ReLU(), nn.Linear(width, 10))


def fit(model, images, labels, batches, lr=1e-3):
    """``model`` trained by the course's recipe without Task 4.2's step: for each epoch of ``batches``
    (index arrays into ``images`` and ``labels``, NumPy arrays), homework 3's ``convergence.minimize``
    takes one Adam step per mini-batch on its mean cross-entropy, at that epoch's learning rate of
    the cosine decay (``train.cosine_lr``; Adam starts afresh each epoch). Returns the model in eval
    mode."""
    for epoch, rows in enumerate(batches):
        model.train()
        convergence.minimize(_batch_losses(model, images, labels, rows), "adam", len(rows),
                             lr=train.cosine_lr(lr, epoch, len(batches)))
    model.eval()
    return model


def _batch_losses(model, images, labels, rows):
    """The problem whose loss, at each call, is the mean cross-entropy of the next of ``rows``."""
    chosen = iter(rows)

    def loss():
        indices = next(chosen)
        return F.cross_entropy(model(mytorch.tensor(images[indices])), mytorch.tensor(labels[indices]))
    return convergence.Problem("mini-batches", lambda: (list(model.parameters()), loss))


# ----- random geometries ----------------------------------------------------------------------------
def channels_last_view(x):
    """x with the same values, stored as (C, H, W, N) in memory: the layout a convolution outputs."""
    return np.ascontiguousarray(np.transpose(x, (1, 2, 3, 0))).transpose(3, 0, 1, 2)
