"""``mytorch.cuda.is_available()``, as in PyTorch: is there a GPU that CuPy can use?"""
from mytorch import backend


def is_available():
    """True when CuPy is installed and sees at least one CUDA device."""
    if backend.cupy is None:
        return False
    try:
        return backend.cupy.cuda.runtime.getDeviceCount() > 0
    except backend.cupy.cuda.runtime.CUDARuntimeError:
        return False
