"""Helpers of hw4's probes (never shipped to students): correct stand-ins for the other hw4 tasks,
so that each task is graded on its own code alone.

- Task 4.1: ``parse_idx`` (every load of Fashion-MNIST runs it) and ``DataLoader.__iter__`` /
  ``DataLoader._order`` (``train.train`` iterates a DataLoader);
- Task 4.2: ``models.mlp``, and :func:`fit`, the training recipe written out: the mini-batch step
  sits inside ``train.train`` and cannot be replaced alone, so the probes of tasks 4.3 and 4.4
  train with ``fit`` rather than with ``train.train``.
"""
import math
import struct

import numpy as np

import mytorch
from mytorch import nn, optim, random, train as training
from mytorch.data import fashion_mnist, idx, loader
from mytorch.nn import functional as F


# ----- Task 4.1: parse_idx and the DataLoader -------------------------------------------------------
_IDX_NATIVE = {0x08: "u1", 0x09: "i1", 0x0B: "i2", 0x0C: "i4", 0x0D: "f4", 0x0E: "f8"}


def stand_in_parse_idx(data, source="<bytes>"):
    if len(data) < 4 or data[0] or data[1] or data[2] not in _IDX_NATIVE:
        raise idx.IDXError(f"{source}: not an IDX file")
    ndim = data[3]
    offset = 4 + 4 * ndim
    if len(data) < offset:
        raise idx.IDXError(f"{source}: truncated header")
    shape = struct.unpack_from(f">{ndim}I", data, 4)
    big_endian = np.dtype(_IDX_NATIVE[data[2]]).newbyteorder(">")
    count = math.prod(shape)
    if len(data) != offset + count * big_endian.itemsize:
        raise idx.IDXError(f"{source}: the length does not match the header")
    array = np.frombuffer(data, big_endian, count=count, offset=offset).astype(big_endian.newbyteorder("="))
    array = array.reshape(shape)
    array.flags.writeable = False
    return array


def _stand_in_order(self):
    count = len(self.dataset)
    if not self.shuffle:
        return np.arange(count)
    rng = random.generator() if self.seed is None else np.random.default_rng([self.seed, self.epoch])
    return rng.permutation(count)


def _stand_in_iter(self):
    order = self._order()
    self.epoch += 1
    for batch in range(len(self)):
        yield self._batch(order[batch * self.batch_size:(batch + 1) * self.batch_size])


# The arrays the stand-in parse_idx has read, kept apart from the student's (fashion_mnist._arrays).
_STAND_IN_ARRAYS = {}


def use_stand_in_data_pipeline(monkeypatch):
    monkeypatch.setattr(idx, "parse_idx", stand_in_parse_idx)
    monkeypatch.setattr(loader.DataLoader, "__iter__", _stand_in_iter)
    monkeypatch.setattr(loader.DataLoader, "_order", _stand_in_order)
    monkeypatch.setattr(fashion_mnist, "_arrays", _STAND_IN_ARRAYS)


# ----- Task 4.2: the MLP and the training loop ------------------------------------------------------
def stand_in_mlp(hidden=(256, 128), dropout=0.2):
    layers, width = [nn.Flatten()], 28 * 28
    for size in hidden:
        layers += [nn.Linear(width, size), nn.ReLU(), nn.Dropout(dropout)]
        width = size
    return nn.Sequential(*layers, nn.Linear(width, 10))


def fit(model, images, labels, epochs=1, batch_size=128, lr=1e-3, seed=0):
    """The recipe of ``train.train`` on NumPy arrays: Adam with the cosine decay over shuffled
    mini-batches, without the DataLoader (task 4.1) or train's own step (task 4.2). Returns the
    model in eval mode."""
    adam = optim.Adam(model.parameters(), lr=lr)
    rng = np.random.default_rng(seed)
    for epoch in range(epochs):
        for group in adam.param_groups:
            group["lr"] = training.cosine_lr(lr, epoch, epochs)
        model.train()
        order = rng.permutation(len(labels))
        for start in range(0, len(order), batch_size):
            chosen = order[start:start + batch_size]
            logits = model(mytorch.tensor(images[chosen]))
            batch_loss = F.cross_entropy(logits, mytorch.tensor(labels[chosen]))
            model.zero_grad()
            batch_loss.backward()
            adam.step()
    model.eval()
    return model


# ----- random geometries ----------------------------------------------------------------------------
def channels_last_view(x):
    """x with the same values, stored as (C, H, W, N) in memory: the layout a convolution outputs."""
    return np.ascontiguousarray(np.transpose(x, (1, 2, 3, 0))).transpose(3, 0, 1, 2)
