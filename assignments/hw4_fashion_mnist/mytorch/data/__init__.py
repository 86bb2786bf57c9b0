"""Data sets and mini-batches.

- :func:`load_fashion_mnist`: Fashion-MNIST, found, downloaded and verified
  (:mod:`mytorch.data.fashion_mnist`);
- :class:`TensorDataset` and :class:`DataLoader`: batches of Tensors;
- :func:`spiral`, :func:`circles`, :func:`xor`: the TensorFlow playground's 2-D sets;
- :func:`read_idx`: the IDX file format of (Fashion-)MNIST.
"""
from mytorch.data.idx import IDXError, read_idx
from mytorch.data.loader import DataLoader, TensorDataset
from mytorch.data.toy import circles, spiral, xor

_FASHION_MNIST_NAMES = ("CLASSES", "ChecksumError", "find_fashion_mnist", "load_fashion_mnist")

__all__ = ["DataLoader", "IDXError", "TensorDataset", "circles", "read_idx", "spiral", "xor",
           *_FASHION_MNIST_NAMES]


def __getattr__(name):
    """Import :mod:`mytorch.data.fashion_mnist` on first use of one of its names.

    Importing it eagerly here would make ``python -m mytorch.data.fashion_mnist``
    (the command-line tool) warn that the module was imported twice.
    """
    if name in _FASHION_MNIST_NAMES:
        from mytorch.data import fashion_mnist
        return getattr(fashion_mnist, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
