"""Helpers of hw4's probes (never shipped to students): random inputs, and networks and training
built from public code, none of which solves a task of the assignment.

Each task is graded on its own code, and no other hw4 task's code, the student's or a stand-in,
runs in its probes:

- Task 4.1 (parse_idx, the DataLoader): the probes read the training set decoded by the grader
  (grader_data/train-*.npy), and the public tests' ``stand_ins.feed_train`` gives ``train.train``
  that data and, in place of ``DataLoader.__iter__``, the probe's own mini-batches
  (``stand_ins.random_batches``), as Task 4.2's public tests do with data of their own;
- Task 4.2 (models.mlp, the step of ``train.train``): the other tasks' probes build their MLP from
  layers of homework 2 (:func:`one_hidden_layer_mlp`) and train with :func:`fit`, whose steps are
  homework 3's ``convergence.minimize``, public in the template.
"""
import numpy as np

import mytorch
from mytorch import convergence, nn, train
from mytorch.nn import functional as F


# ----- training without Task 4.2 ----------------------------------------------------------------------
def one_hidden_layer_mlp(width):
    """784 → ``width`` → 10 with a ReLU between, no dropout: a fixed network of homework 2's layers."""
    return nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, width), nn.ReLU(), nn.Linear(width, 10))


def fit(model, images, labels, batches, lr=1e-3, after=None, parts=1):
    """``model`` trained by the course's recipe without Task 4.2's step: for each epoch of ``batches``
    (index arrays into ``images`` and ``labels``, NumPy arrays), homework 3's ``convergence.minimize``
    takes one Adam step per mini-batch on its mean cross-entropy, at that epoch's learning rate of
    the cosine decay (``train.cosine_lr``; Adam starts afresh each epoch). ``after(model, epoch)``, if
    given, is called ``parts`` times an epoch, at the end of each equal part of it (epoch 0.25, 0.5,
    … for 4 parts). Returns the model in eval mode."""
    for epoch, rows in enumerate(batches):
        model.train()
        ends = {len(rows) * part // parts: epoch + part / parts for part in range(1, parts)}   # steps: epoch

        def within(steps):
            if after is not None and steps in ends:
                after(model, ends[steps])
        convergence.minimize(_batch_losses(model, images, labels, rows, within), "adam", len(rows),
                             lr=train.cosine_lr(lr, epoch, len(batches)))
        if after is not None:
            after(model, epoch + 1)
    model.eval()
    return model


def _batch_losses(model, images, labels, rows, before=None):
    """The problem whose loss, at each call, is the mean cross-entropy of the next of ``rows``;
    ``before(steps)`` is called first with the number of steps already taken."""
    chosen = iter(enumerate(rows))

    def loss():
        steps, indices = next(chosen)
        if before is not None:
            before(steps)
        return F.cross_entropy(model(mytorch.tensor(images[indices])), mytorch.tensor(labels[indices]))
    return convergence.Problem("mini-batches", lambda: (list(model.parameters()), loss))


# ----- random geometries ----------------------------------------------------------------------------
def channels_last_view(x):
    """x with the same values, stored as (C, H, W, N) in memory: the layout a convolution outputs."""
    return np.ascontiguousarray(np.transpose(x, (1, 2, 3, 0))).transpose(3, 0, 1, 2)
