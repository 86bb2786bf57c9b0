"""Mini-batches: ``TensorDataset`` and ``DataLoader``, with PyTorch's names and arguments.

``for x, y in DataLoader(TensorDataset(images, labels), batch_size=64, shuffle=True)``
walks once through the data per ``for`` loop (an epoch), in a new order each
time when shuffling. For a ``TensorDataset`` a whole batch is cut out of each
array with one fancy-indexing operation; any other dataset (anything with
``__len__`` and ``__getitem__``) is read one item at a time and stacked.
"""
import math

import numpy

from mytorch import backend, random
from mytorch._tensor import Tensor


class TensorDataset:
    """Samples that are rows of arrays: item ``i`` is ``(tensors[0][i], tensors[1][i], ...)``.

    Args:
        *tensors: Tensors, NumPy/CuPy arrays or nested lists, all with the same
            first dimension (the number of samples). They are stored as Tensors.
    """

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset needs at least one array")
        self.tensors = tuple(t if isinstance(t, Tensor) else Tensor(t) for t in tensors)
        shapes = [tuple(t.shape) for t in self.tensors]
        if any(len(shape) == 0 or shape[0] != shapes[0][0] for shape in shapes):
            raise ValueError(f"TensorDataset: all arrays must have the same first dimension "
                             f"(the number of samples), got shapes {shapes}")

    def __len__(self):
        return self.tensors[0].shape[0]

    def __getitem__(self, index):
        """The sample(s) at ``index``: an int, a slice or an array of indices (a whole batch)."""
        return tuple(Tensor._from_op(_take(t.data, index)) for t in self.tensors)


class DataLoader:
    """Iterate over a dataset in mini-batches of Tensors.

    Args:
        dataset: a :class:`TensorDataset`, or any object with ``__len__`` and
            ``__getitem__`` returning a tuple of arrays/Tensors/numbers (or one of them).
        batch_size: samples per batch; the last batch may be smaller.
        shuffle: visit the samples in a new random order every epoch.
        drop_last: leave out the last batch when it is smaller than ``batch_size``.
        seed: with ``shuffle``, makes epoch ``k``'s order a function of
            ``(seed, k)`` alone, repeatable and different from epoch to epoch; without
            a seed the order is drawn from mytorch's generator (``mytorch.manual_seed``).

    Each batch is a tuple of Tensors whose first dimension is the batch (a single
    Tensor if the dataset's items are not tuples). ``len(loader)`` is the number of batches.
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, seed=None):
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        self.dataset, self.batch_size = dataset, batch_size
        self.shuffle, self.drop_last, self.seed = shuffle, drop_last, seed
        self.epoch = 0  # how many iterations have been started: the seeded order's index

    def __len__(self):
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self):
        raise NotImplementedError('part of hw4_fashion_mnist: not needed in hw2_backprop')

    def _order(self):
        """This epoch's sequence of sample indices."""
        raise NotImplementedError('part of hw4_fashion_mnist: not needed in hw2_backprop')

    def _batch(self, indices):
        if isinstance(self.dataset, TensorDataset):
            return self.dataset[indices]
        items = [self.dataset[int(i)] for i in indices]
        if isinstance(items[0], (tuple, list)):
            return tuple(_stack(field) for field in zip(*items))
        return _stack(items)


def _take(array, index):
    """``array[index]`` as a new array (never a view of the dataset's storage).

    An index array (moved to the array's device first) selects by fancy
    indexing, which already copies; an int or a slice gives a view, copied here.
    """
    if isinstance(index, numpy.ndarray):
        return array[backend.namespace(array).asarray(index)]
    return array[index, ...].copy()


def _stack(values):
    """One Tensor from a batch's worth of Tensors, arrays or numbers (stacked on a new axis 0)."""
    arrays = [v.data if isinstance(v, Tensor) else v for v in values]
    xp = backend.namespace(arrays[0])
    return Tensor(xp.stack([xp.asarray(a) for a in arrays]))
