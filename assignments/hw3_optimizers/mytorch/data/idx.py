"""The IDX file format of MNIST and Fashion-MNIST.

An IDX file is a tiny header followed by the raw array:

    bytes 0-1   0x00 0x00        the magic number
    byte  2     type code        0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
                                 0x0D float32, 0x0E float64
    byte  3     ndim             number of dimensions
    then ndim   big-endian uint32 sizes, one per dimension
    then the    values, big-endian, in C (row-major) order

The data sets are distributed gzip-compressed; :func:`read_idx` accepts both
``NAME.gz`` and the uncompressed ``NAME``.
"""
import gzip
import zlib
from pathlib import Path

import numpy

DTYPES = {
    0x08: numpy.dtype("u1"),
    0x09: numpy.dtype("i1"),
    0x0B: numpy.dtype(">i2"),
    0x0C: numpy.dtype(">i4"),
    0x0D: numpy.dtype(">f4"),
    0x0E: numpy.dtype(">f8"),
}


class IDXError(ValueError):
    """A file that is not a well-formed IDX file (or not a readable gzip file)."""


def read_bytes(path):
    """The contents of ``path``, decompressed when its name ends in ``.gz``.

    Raises:
        IDXError: the ``.gz`` file is not valid gzip data (corrupt or truncated).
    """
    path = Path(path)
    raw = path.read_bytes()
    if path.suffix != ".gz":
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as err:  # BadGzipFile is an OSError
        raise IDXError(f"{path}: not a valid gzip file ({err})") from err


def parse_idx(data, source="<bytes>"):
    """Decode the IDX bytes ``data`` into a read-only NumPy array in native byte order.

    For single-byte types the array is a view of ``data`` (no copy).
    ``source`` names the data in error messages.

    Raises:
        IDXError: bad magic number, unknown type code, or a length that does not
            match the header (a truncated file, or trailing garbage).
    """
    raise NotImplementedError('part of hw4_fashion_mnist: not needed in hw3_optimizers')


def read_idx(path):
    """Read the IDX file ``path`` (``.gz`` or uncompressed) into a read-only NumPy array."""
    return parse_idx(read_bytes(path), source=path)
