"""Hidden tests of Task 4.1: ``parse_idx`` on random types and shapes, hand-written big-endian bytes,
0-d and empty arrays and every kind of malformed file; the real Fashion-MNIST files; the DataLoader's
exact orders (numpy.random.default_rng([seed, epoch]) with a seed, mytorch's generator without),
batch contents, sizes and the epoch counter on random sizes."""
import re

import numpy as np
import pytest

import mytorch
from mytorch.data import DataLoader, IDXError, TensorDataset, fashion_mnist, load_fashion_mnist, read_idx
from mytorch.data.idx import parse_idx

from helpers import IDX_TYPES, idx_bytes, idx_header, idx_sample, raises
from hidden_helpers import fashion_mnist_dir

pytestmark = pytest.mark.task4_1


# ----- parse_idx ------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(12))
def test_random_types_and_shapes(seed):
    rng = np.random.default_rng(seed)
    type_code = sorted(IDX_TYPES)[seed % len(IDX_TYPES)]
    shape = tuple(int(n) for n in rng.integers(1, 6, size=int(rng.integers(1, 5))))
    expected = idx_sample(type_code, shape, seed + 100)
    array = parse_idx(idx_bytes(expected, type_code), source=f"random-{seed}")
    assert array.shape == shape and array.dtype == expected.dtype and array.dtype.isnative, (
        f"type 0x{type_code:02X}, shape {shape}: got {array.dtype!r} {array.shape}")
    np.testing.assert_array_equal(array, expected, err_msg=f"type 0x{type_code:02X}, shape {shape}")
    assert not array.flags.writeable, "the result must be read-only"


@pytest.mark.parametrize("data, expected", [
    (b"\x00\x00\x0B\x01\x00\x00\x00\x02\x01\x02\xFF\xFE", np.array([258, -2], dtype=np.int16)),
    (b"\x00\x00\x0C\x01\x00\x00\x00\x01\x00\x01\x00\x00", np.array([65536], dtype=np.int32)),
    (b"\x00\x00\x0D\x01\x00\x00\x00\x01\x3F\xC0\x00\x00", np.array([1.5], dtype=np.float32)),
    (b"\x00\x00\x0E\x01\x00\x00\x00\x01\xC0\x04\x00\x00\x00\x00\x00\x00", np.array([-2.5], dtype=np.float64)),
    (b"\x00\x00\x09\x02\x00\x00\x00\x01\x00\x00\x00\x02\x80\x7F", np.array([[-128, 127]], dtype=np.int8)),
    (b"\x00\x00\x08\x01\x00\x00\x01\x00" + bytes(range(256)), np.arange(256, dtype=np.uint8)),
], ids=["int16", "int32", "float32", "float64", "int8", "uint8 with a size of 256"])
def test_hand_written_big_endian_bytes(data, expected):
    array = parse_idx(data)
    assert array.dtype == expected.dtype and array.shape == expected.shape, (
        f"{data[:8].hex()}: {array.dtype} {array.shape}, expected {expected.dtype} {expected.shape}")
    np.testing.assert_array_equal(array, expected, err_msg=f"IDX bytes {data.hex()}")


def test_a_zero_dimensional_and_an_empty_array():
    scalar = parse_idx(b"\x00\x00\x08\x00\x07")
    assert scalar.shape == () and scalar[()] == 7, f"ndim 0: got shape {scalar.shape}, expected () holding 7"
    empty = parse_idx(idx_header(0x0D, (0, 28, 28)))
    assert empty.shape == (0, 28, 28) and empty.dtype == np.float32, f"sizes (0, 28, 28): got {empty.shape}"


@pytest.mark.parametrize("type_code", sorted(IDX_TYPES))
def test_one_byte_too_few_or_too_many(type_code):
    data = idx_bytes(idx_sample(type_code, (2, 3), type_code), type_code)
    for broken in (data[:-1], data + b"\x00"):          # one byte short, one trailing byte
        with raises(IDXError, match=re.escape("some/file.gz")):
            parse_idx(broken, source="some/file.gz")


@pytest.mark.parametrize("data", [
    b"", b"\x00", b"\x00\x00\x08",
    b"\x08\x00\x08\x01\x00\x00\x00\x01\x00", b"\xFF\xFF\x08\x01\x00\x00\x00\x01\x00",
    b"\x00\x00\x00\x01\x00\x00\x00\x01\x00", b"\x00\x00\x07\x01\x00\x00\x00\x01\x00",
    b"\x00\x00\x0A\x01\x00\x00\x00\x01\x00", b"\x00\x00\x0F\x01\x00\x00\x00\x01\x00",
    b"\x00\x00\xFF\x01\x00\x00\x00\x01\x00",
    b"\x00\x00\x08\x03\x00\x00\x00\x01\x00\x00\x00\x01", b"\x00\x00\x08\xFF" + bytes(12),
], ids=lambda data: data.hex() or "empty")
def test_more_malformed_headers(data):
    with raises(IDXError, match=re.escape("<the source>")):
        parse_idx(data, source="<the source>")


def test_a_path_source_is_named(tmp_path):
    path = tmp_path / "t10k-labels-idx1-ubyte"
    path.write_bytes(idx_header(0x08, (4,)) + bytes(3))
    with raises(IDXError, match=re.escape(str(path))):
        read_idx(path)


# ----- the real files -------------------------------------------------------------------------------
FILES = {"train-images-idx3-ubyte": (60000, 28, 28), "train-labels-idx1-ubyte": (60000,),
         "t10k-images-idx3-ubyte": (10000, 28, 28), "t10k-labels-idx1-ubyte": (10000,)}


@pytest.fixture(scope="module")
def data_dir():
    return fashion_mnist_dir()


@pytest.mark.parametrize("name", sorted(FILES))
def test_the_fashion_mnist_files_parse(data_dir, name):
    path = next(p for p in (data_dir / name, data_dir / f"{name}.gz") if p.is_file())
    array = read_idx(path)
    assert array.shape == FILES[name] and array.dtype == np.uint8, (
        f"{path.name}: {array.shape} {array.dtype}, expected {FILES[name]} uint8")
    if array.ndim == 1:
        assert np.bincount(array).tolist() == [len(array) // 10] * 10, f"{path.name}: not 10 balanced classes"
        assert array[0] == 9, f"{path.name}: the first label is {array[0]}, expected 9 (ankle boot)"
    else:
        assert array.min() == 0 and array.max() == 255, (
            f"{path.name}: pixels from {array.min()} to {array.max()}")


def test_load_fashion_mnist_through_parse_idx(data_dir, monkeypatch):
    monkeypatch.setattr(fashion_mnist, "_arrays", {})         # read the files again, with this parse_idx
    images, labels = load_fashion_mnist(root=data_dir, train=True, download=False)
    assert images.shape == (60000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (60000,) and labels.dtype == np.int64
    assert not images.flags.writeable, "the loaded images must be read-only"
    assert abs(images.mean() / 255 - 0.2860) < 1e-3, f"mean pixel {images.mean() / 255:.4f}, expected 0.2860"


# ----- DataLoader -----------------------------------------------------------------------------------
def features_and_labels(n, seed):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 3)).astype(np.float32), rng.integers(0, 10, n)


def loader_case(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 60))
    return n, int(rng.integers(1, n + 5)), bool(rng.integers(0, 2))


@pytest.mark.parametrize("seed", range(8))
def test_seeded_orders_are_default_rng_of_seed_and_epoch(seed):
    n, batch_size, drop_last = loader_case(seed)
    x, y = features_and_labels(n, seed)
    data_seed = 1000 + seed
    loader = DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=True, drop_last=drop_last,
                        seed=data_seed)
    batches = n // batch_size if drop_last else -(-n // batch_size)
    assert len(loader) == batches
    for epoch in range(3):
        order = np.random.default_rng([data_seed, epoch]).permutation(n)
        got = list(loader)
        assert len(got) == batches, (
            f"n={n}, batch_size={batch_size}, drop_last={drop_last}: {len(got)} batches, expected {batches}")
        for k, (xb, yb) in enumerate(got):
            chosen = order[k * batch_size:(k + 1) * batch_size]
            np.testing.assert_array_equal(xb.numpy(), x[chosen], err_msg=(
                f"epoch {epoch}, batch {k}: expected the samples "
                f"order[{k * batch_size}:{(k + 1) * batch_size}] of "
                "order = numpy.random.default_rng([seed, epoch]).permutation(n)"))
            np.testing.assert_array_equal(yb.numpy(), y[chosen])


@pytest.mark.parametrize("seed", range(3))
def test_unseeded_orders_come_from_mytorchs_generator(seed):
    x, y = features_and_labels(40, seed)
    loader = DataLoader(TensorDataset(x, y), batch_size=40, shuffle=True)
    mytorch.manual_seed(seed)
    reference = np.random.default_rng(seed)
    for epoch in range(2):
        _, yb = next(iter(loader))
        np.testing.assert_array_equal(yb.numpy(), y[reference.permutation(40)], err_msg=(
            f"epoch {epoch} without a seed: expected mytorch.random.generator().permutation(n)"))


@pytest.mark.parametrize("seed", range(4))
def test_in_order_batches_on_random_sizes(seed):
    n, batch_size, drop_last = loader_case(seed + 50)
    x, y = features_and_labels(n, seed)
    loader = DataLoader(TensorDataset(x, y), batch_size=batch_size, drop_last=drop_last)
    for _ in range(2):
        rows = [xb.numpy() for xb, _ in loader]
        kept = (n // batch_size) * batch_size if drop_last else n
        expected = [x[start:min(start + batch_size, kept)] for start in range(0, kept, batch_size)]
        assert len(rows) == len(expected), f"n={n}, batch_size={batch_size}, drop_last={drop_last}"
        for got, want in zip(rows, expected):
            np.testing.assert_array_equal(got, want)


def test_an_epoch_counts_when_it_starts():
    x, y = features_and_labels(20, 0)
    loader = DataLoader(TensorDataset(x, y), batch_size=5, shuffle=True, seed=3)
    first = next(iter(loader))[1].numpy()
    second = next(iter(loader))[1].numpy()
    assert loader.epoch == 2, f"two started passes left loader.epoch = {loader.epoch}, expected 2"
    assert not np.array_equal(first, second), (
        "a pass broken off early still counts: the next one needs a new order")


def test_single_array_datasets_and_plain_lists():
    x, _ = features_and_labels(7, 1)
    batches = list(DataLoader(TensorDataset(x), batch_size=3))
    assert [len(b) for b in batches] == [1, 1, 1] and batches[2][0].shape == (1, 3), "one array: 1-tuples"
    stacked = list(DataLoader([np.full(2, i, dtype=np.float32) for i in range(5)], batch_size=2))
    assert isinstance(stacked[0], mytorch.Tensor) and [b.shape[0] for b in stacked] == [2, 2, 1]

