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
    ### BEGIN SOLUTION task4_1
    ### TODO Check the magic number, the type code (DTYPES) and the length; raise IDXError naming `source`
    ### TODO otherwise. Read the ndim big-endian uint32 sizes, then the values (numpy.frombuffer with the
    ### TODO type's dtype and the header's offset); return a read-only array in native byte order.
    if len(data) < 4:
        raise IDXError(f"{source}: {len(data)} bytes is too short for an IDX header")
    if data[0] != 0 or data[1] != 0:
        raise IDXError(f"{source}: bad magic number {data[:2].hex()} (an IDX file starts with 0000)")
    type_code, ndim = data[2], data[3]
    if type_code not in DTYPES:
        raise IDXError(f"{source}: unknown IDX type code 0x{type_code:02x}")
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise IDXError(f"{source}: truncated header (needs {header_size} bytes for {ndim} dimensions, "
                       f"has {len(data)})")
    shape = tuple(int(size) for size in numpy.frombuffer(data, ">u4", count=ndim, offset=4))
    dtype = DTYPES[type_code]
    expected = header_size + dtype.itemsize * int(numpy.prod(shape))
    if len(data) != expected:
        problem = "truncated" if len(data) < expected else "has trailing bytes"
        raise IDXError(f"{source}: {problem}: a {dtype} array of shape {shape} needs {expected} bytes, "
                       f"the file has {len(data)}")
    array = numpy.frombuffer(data, dtype, offset=header_size).reshape(shape)
    if not dtype.isnative:
        array = array.astype(dtype.newbyteorder("="))
    array.flags.writeable = False
    return array
    ### END SOLUTION


def read_idx(path):
    """Read the IDX file ``path`` (``.gz`` or uncompressed) into a read-only NumPy array."""
    return parse_idx(read_bytes(path), source=path)
