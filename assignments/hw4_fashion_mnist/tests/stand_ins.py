"""hw4's stand-ins: data and mini-batches of the tests' own, so that the tests of Task 4.2 (the MLP and
the step of ``train.train``) run none of Task 4.1's code (``parse_idx``, ``DataLoader.__iter__``) and
depend on Task 4.2's code alone. The grader's probes of Tasks 4.2 to 4.4 use the same two functions,
:func:`feed_train` and :func:`random_batches`, with the training set it decoded itself.

:func:`blurry_classes` makes the data: ten classes of 28 × 28 images, each a fixed blurry pattern
under noise, which an MLP learns in a few hundred steps (Fashion-MNIST itself is read only by the
end-to-end tests, test_training_on_fashion_mnist.py, which run your whole pipeline).
"""
import numpy as np

from mytorch import train
from mytorch.data.loader import DataLoader

CLASSES = 10


def random_batches(count, batch_size, epochs, seed):
    """(epochs, count // batch_size, batch_size) int64: per epoch, a new random order of ``count``
    samples cut into full batches; the count % batch_size samples left out differ between epochs."""
    rng = np.random.default_rng(seed)
    full = count // batch_size * batch_size
    return np.stack([rng.permutation(count)[:full].reshape(-1, batch_size) for _ in range(epochs)])


def feed_train(patch, images, labels, batches, after_epoch=None):
    """Give ``train.train``, through ``patch`` (pytest's monkeypatch), data without Task 4.1's code: its
    ``fashion_mnist`` returns ``images`` and ``labels`` as they are, and every DataLoader yields, one
    epoch of ``batches`` (each a sequence of index arrays) per pass, the samples those indices name,
    cut out by the given ``DataLoader._batch``, whatever its batch size, shuffle or seed.
    ``after_epoch(epoch)``, if given, is called once an epoch's last batch has been used (epoch 1, 2, …)."""
    patch.setattr(train, "fashion_mnist", lambda train=True, root=None: (images, labels))
    epochs = enumerate(batches, start=1)

    def replay(loader):
        epoch, listed = next(epochs, (None, None))
        if listed is None:
            raise AssertionError(f"a DataLoader was iterated more often than the {len(batches)} epochs "
                                 f"the test has batches for")
        for indices in listed:
            yield loader._batch(np.asarray(indices))
        if after_epoch is not None:
            after_epoch(epoch)
    patch.setattr(DataLoader, "__iter__", replay)


def blurry_classes(count, seed, noise=6.0):
    """``count`` images (count, 1, 28, 28) float32 and their labels (count,) int64: image i is the
    pattern of class yᵢ (a seeded random field, blurred, of unit variance, the same for every seed)
    plus N(0, noise²) per pixel; the labels are drawn uniformly with ``seed``."""
    patterns = _patterns()
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, CLASSES, count)
    images = patterns[labels] + noise * rng.standard_normal((count, 28, 28))
    return images[:, None].astype(np.float32), labels.astype(np.int64)


def _patterns():
    """(10, 28, 28): each class's pattern, white noise averaged over 5 × 5 windows, then standardised."""
    field = np.random.default_rng(2024).standard_normal((CLASSES, 32, 32))
    blurred = sum(field[:, i:i + 28, j:j + 28] for i in range(5) for j in range(5))
    return (blurred - blurred.mean(axis=(1, 2), keepdims=True)) / blurred.std(axis=(1, 2), keepdims=True)
