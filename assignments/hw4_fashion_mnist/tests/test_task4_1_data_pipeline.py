"""Task 4.1: the data pipeline (mytorch/data/idx.py ``parse_idx``; mytorch/data/loader.py
``DataLoader.__iter__`` and ``DataLoader._order``).

An IDX file is the header  00 00 | type code | ndim | ndim big-endian uint32 sizes  followed by the
values, big-endian, in row-major order; parse_idx returns them as a read-only array in native
byte order. A DataLoader over n samples with batch size B yields ⌈n / B⌉ batches (⌊n / B⌋ with
drop_last), in the order 0 … n−1, or in a new permutation every epoch when shuffling.
"""
import gzip
import re

import numpy as np
import pytest

import mytorch
from mytorch.data import DataLoader, IDXError, TensorDataset, load_fashion_mnist, read_idx
from mytorch.data.idx import parse_idx

from helpers import IDX_TYPES, idx_bytes, idx_header, idx_sample, raises, require_fashion_mnist

pytestmark = pytest.mark.task4_1


# ----- parse_idx ------------------------------------------------------------------------------------
@pytest.mark.parametrize("type_code", sorted(IDX_TYPES), ids=lambda code: f"0x{code:02X}")
def test_every_type_code_decodes_big_endian_values(type_code):
    expected = idx_sample(type_code, (3, 4, 5), seed=type_code)
    array = parse_idx(idx_bytes(expected, type_code))
    native = np.dtype(IDX_TYPES[type_code][1])
    assert isinstance(array, np.ndarray), f"parse_idx must return a NumPy array, got {type(array).__name__}"
    assert array.dtype == native and array.dtype.isnative, (
        f"type code 0x{type_code:02X}: dtype {array.dtype!r}, expected {native!r} in native byte order")
    assert array.shape == (3, 4, 5), f"type code 0x{type_code:02X}: shape {array.shape}, expected (3, 4, 5)"
    np.testing.assert_array_equal(array, expected, err_msg=(
        f"type code 0x{type_code:02X}: wrong values (are they read big-endian, in row-major order?)"))


@pytest.mark.parametrize("shape", [(7,), (2, 3), (2, 1, 3, 2)], ids=str)
def test_the_header_gives_the_shape(shape):
    expected = idx_sample(0x0C, shape, seed=len(shape))
    array = parse_idx(idx_bytes(expected, 0x0C))
    assert array.shape == shape, (
        f"shape {array.shape}, expected {shape} (one big-endian uint32 per dimension)")
    np.testing.assert_array_equal(array, expected)


def test_the_result_is_read_only():
    array = parse_idx(idx_bytes(np.arange(6, dtype=np.int16).reshape(2, 3), 0x0B))
    assert not array.flags.writeable, "parse_idx must return a read-only array (flags.writeable = False)"
    with pytest.raises(ValueError):
        array[0, 0] = 1


@pytest.mark.parametrize("data, problem", [
    (b"\x00\x01\x08\x01\x00\x00\x00\x02ab", "bad magic number"),
    (b"\x01\x00\x08\x01\x00\x00\x00\x02ab", "bad magic number"),
    (b"\x00\x00\x0A\x01\x00\x00\x00\x02ab", "unknown type code 0x0A"),
    (b"\x00\x00\x08", "a header shorter than 4 bytes"),
    (idx_header(0x08, (2, 3))[:8], "a truncated header: 2 dimensions, 1 size"),
    (idx_header(0x08, (2, 3)) + bytes(5), "truncated data: 5 of 6 bytes"),
    (idx_header(0x0B, (2,)) + bytes(3), "truncated data: 3 of 4 bytes"),
    (idx_header(0x08, (2, 3)) + bytes(7), "a trailing byte"),
], ids=lambda value: value if isinstance(value, str) else None)
def test_malformed_data_raises_idx_error_naming_the_source(data, problem):
    with raises(IDXError, match=re.escape("broken.idx")):
        parse_idx(data, source="broken.idx")


def test_idx_error_is_a_value_error():
    with raises(ValueError):
        parse_idx(b"\x00\x00\x08\x01\x00\x00\x00\x03ab", source="<bytes>")


@pytest.mark.parametrize("name", ["images-idx3-ubyte", "images-idx3-ubyte.gz"])
def test_read_idx_reads_plain_and_gzip_files(tmp_path, name):
    expected = idx_sample(0x08, (4, 28, 28), seed=1)
    data = idx_bytes(expected, 0x08)
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    np.testing.assert_array_equal(read_idx(path), expected, err_msg=f"read_idx({name})")


def test_a_broken_file_is_named_in_the_error(tmp_path):
    path = tmp_path / "labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(idx_header(0x08, (10,)) + bytes(9)))
    with raises(IDXError, match=re.escape(str(path))):
        read_idx(path)


def test_the_fashion_mnist_test_split_parses():
    require_fashion_mnist()
    images, labels = load_fashion_mnist(train=False, download=False)
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8, (
        f"test images: {images.shape} {images.dtype}, expected (10000, 28, 28) uint8")
    assert labels.shape == (10000,) and set(np.unique(labels)) == set(range(10)), (
        f"test labels: shape {labels.shape}, values {np.unique(labels)}, "
        "expected (10000,) with classes 0 … 9")
    assert np.bincount(labels).tolist() == [1000] * 10, "the test split has 1000 images of each class"


# ----- DataLoader -----------------------------------------------------------------------------------
def numbered(n):
    """A dataset whose sample i is (i as a float feature row, label i): a batch shows its indices."""
    return TensorDataset(np.arange(n, dtype=np.float32)[:, None] * np.ones((1, 2), dtype=np.float32),
                         np.arange(n, dtype=np.int64))


def indices_of(loader):
    """One epoch of ``loader``, as the list of each batch's sample indices."""
    return [y.numpy().tolist() for _, y in loader]


@pytest.mark.parametrize("n, batch_size, drop_last, sizes", [
    (10, 4, False, [4, 4, 2]),
    (10, 4, True, [4, 4]),
    (12, 4, False, [4, 4, 4]),
    (12, 4, True, [4, 4, 4]),
    (3, 5, False, [3]),
    (3, 5, True, []),
])
def test_batch_count_and_sizes(n, batch_size, drop_last, sizes):
    loader = DataLoader(numbered(n), batch_size=batch_size, drop_last=drop_last)
    got = [len(batch) for batch in indices_of(loader)]
    assert got == sizes, (
        f"n={n}, batch_size={batch_size}, drop_last={drop_last}: batch sizes {got}, expected {sizes}")
    assert len(loader) == len(sizes)


def test_without_shuffle_the_samples_come_in_order():
    loader = DataLoader(numbered(7), batch_size=3)
    for epoch in range(2):
        assert indices_of(loader) == [[0, 1, 2], [3, 4, 5], [6]], f"epoch {epoch}: not the order 0 … n−1"


def test_batches_are_tuples_of_tensors():
    x, y = next(iter(DataLoader(numbered(5), batch_size=2)))
    assert isinstance(x, mytorch.Tensor) and isinstance(y, mytorch.Tensor), "each batch is a tuple of Tensors"
    assert x.shape == (2, 2) and y.shape == (2,), (
        f"batch shapes {x.shape} and {y.shape}, expected (2, 2) and (2,)")
    np.testing.assert_array_equal(x.numpy(), [[0, 0], [1, 1]])


def test_shuffling_visits_every_sample_once_per_epoch():
    loader = DataLoader(numbered(23), batch_size=5, shuffle=True)
    for epoch in range(3):
        batches = indices_of(loader)
        sizes = [len(batch) for batch in batches]
        assert sizes == [5, 5, 5, 5, 3], f"epoch {epoch}: batch sizes {sizes}, expected [5, 5, 5, 5, 3]"
        seen = sorted(i for batch in batches for i in batch)
        assert seen == list(range(23)), f"epoch {epoch}: the samples seen are not a permutation of 0 … 22"


def test_a_seeded_order_is_repeatable_and_new_every_epoch():
    first = DataLoader(numbered(50), batch_size=50, shuffle=True, seed=7)
    second = DataLoader(numbered(50), batch_size=50, shuffle=True, seed=7)
    epochs_first = [indices_of(first)[0] for _ in range(3)]
    epochs_second = [indices_of(second)[0] for _ in range(3)]
    assert epochs_first == epochs_second, (
        "two loaders with the same seed must give the same orders, epoch by epoch")
    assert epochs_first[0] != list(range(50)), "shuffle=True left the samples in order"
    assert len({tuple(order) for order in epochs_first}) == 3, "every epoch needs a new order"
    other = DataLoader(numbered(50), batch_size=50, shuffle=True, seed=8)
    assert indices_of(other)[0] != epochs_first[0], "seeds 7 and 8 gave the same order"


def test_the_epoch_counter_advances_once_per_pass():
    loader = DataLoader(numbered(6), batch_size=4, shuffle=True, seed=0)
    for _ in range(2):
        indices_of(loader)
    assert loader.epoch == 2, f"loader.epoch is {loader.epoch} after two passes, expected 2"


def test_without_a_seed_the_order_follows_manual_seed():
    loader = DataLoader(numbered(30), batch_size=30, shuffle=True)
    mytorch.manual_seed(3)
    first = [indices_of(loader)[0] for _ in range(2)]
    mytorch.manual_seed(3)
    again = [indices_of(loader)[0] for _ in range(2)]
    assert first == again, (
        "without a seed, the order must come from mytorch's generator (mytorch.manual_seed)")
    assert first[0] != first[1], "every epoch needs a new order"


def test_any_indexable_dataset_works():
    samples = [(np.full(3, i, dtype=np.float32), i) for i in range(5)]
    batches = list(DataLoader(samples, batch_size=2))
    assert len(batches) == 3
    x, y = batches[-1]
    assert isinstance(x, mytorch.Tensor) and x.shape == (1, 3) and y.numpy().tolist() == [4]
