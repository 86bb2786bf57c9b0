"""Saving and loading state dicts as ``.npz`` archives (named arrays, no pickle)."""
import numpy

from mytorch import backend


def save(state_dict, path):
    """Write a mapping of names to tensors or arrays to ``path`` (a ``.npz`` file)."""
    arrays = {name: backend.to_device(getattr(value, "data", value), "cpu")
              for name, value in state_dict.items()}
    with open(path, "wb") as file:
        numpy.savez(file, **arrays)


def load(path):
    """Read a ``.npz`` archive written by :func:`save` into a dict of NumPy arrays."""
    with numpy.load(path, allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files}
