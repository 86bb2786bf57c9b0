"""mytorch.data: IDX files, Fashion-MNIST (search, checksums, download, CLI), loaders, toy sets.

The real Fashion-MNIST comes from Debian's package in /usr/share/datasets.
Where a test needs the files elsewhere and leaves their bytes alone, symbolic
links stand in for copies: the same bytes, and loads hit the in-process cache.
No test contacts the internet: every download goes to a server on 127.0.0.1,
and any other attempt is pointed at a closed local port.
"""
import gzip
import hashlib
import http.server
import os
import socket
import subprocess
import sys
import threading
from types import SimpleNamespace

import numpy as np
import pytest

import mytorch
from mytorch.data import (
    CLASSES,
    ChecksumError,
    DataLoader,
    IDXError,
    TensorDataset,
    circles,
    fashion_mnist,
    find_fashion_mnist,
    load_fashion_mnist,
    read_idx,
    spiral,
    xor,
)
from mytorch.data.fashion_mnist import FILES, SPLITS, SYSTEM_DIR

TRAIN_FILES, TEST_FILES = SPLITS[True], SPLITS[False]


@pytest.fixture(scope="module")
def real():
    """Both splits of the real data, read once for the whole module."""
    return {train: load_fashion_mnist(SYSTEM_DIR, train=train, download=False) for train in (True, False)}


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """No $MYTORCH_DATA, an empty user cache, and downloads refused by a closed local port."""
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))  # bound but not listening: connections are refused
    monkeypatch.delenv("MYTORCH_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.setenv("MYTORCH_FASHION_MNIST_URL", f"http://127.0.0.1:{closed.getsockname()[1]}/")
    yield
    closed.close()


@pytest.fixture
def server(tmp_path, monkeypatch):
    """An HTTP server on 127.0.0.1 serving ``server.dir``; downloads go to it."""
    served, requested = tmp_path / "served", []
    served.mkdir()

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=served, **kwargs)

        def do_GET(self):
            requested.append(self.path)
            super().do_GET()

        def log_message(self, *args):
            """Keep the test output clean."""

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/"
    monkeypatch.setenv("MYTORCH_FASHION_MNIST_URL", url)
    yield SimpleNamespace(dir=served, url=url, requested=requested)
    httpd.shutdown()
    httpd.server_close()


def link_files(directory, names=tuple(FILES)):
    """Put (links to) the real ``NAME.gz`` files in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in names:
        (directory / f"{name}.gz").symlink_to(SYSTEM_DIR / f"{name}.gz")


def flipped(name):
    """The decompressed contents of ``name`` with one byte of data changed."""
    data = bytearray(gzip.decompress((SYSTEM_DIR / f"{name}.gz").read_bytes()))
    data[-1] ^= 0xFF
    return bytes(data)


# ----- IDX ----------------------------------------------------------------------------------
@pytest.mark.parametrize("compress", [False, True])
def test_idx_reads_what_was_written(tmp_path, compress):
    array = np.arange(-12, 12, dtype=np.int16).reshape(2, 3, 4)
    data = bytes([0, 0, 0x0B, 3]) + np.array(array.shape, ">u4").tobytes() + array.astype(">i2").tobytes()
    path = tmp_path / ("a.idx.gz" if compress else "a.idx")
    path.write_bytes(gzip.compress(data) if compress else data)
    result = read_idx(path)
    assert result.dtype == np.int16 and result.dtype.isnative
    np.testing.assert_array_equal(result, array)


@pytest.mark.parametrize("data, problem", [
    (bytes([1, 0, 8, 1, 0, 0, 0, 2, 7, 7]), "bad magic"),
    (bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 7]), "truncated"),
    (bytes([0, 0, 8, 2, 0, 0, 0]), "truncated header"),
    (bytes([0, 0, 0x42, 1, 0, 0, 0, 1, 7]), "unknown IDX type code"),
])
def test_idx_rejects_malformed_files(tmp_path, data, problem):
    path = tmp_path / "bad.idx"
    path.write_bytes(data)
    with pytest.raises(IDXError, match=problem) as caught:
        read_idx(path)
    assert str(path) in str(caught.value)


# ----- the real Fashion-MNIST ---------------------------------------------------------------
@pytest.mark.parametrize("train, n", [(True, 60000), (False, 10000)])
def test_real_fashion_mnist(real, train, n):
    images, labels = real[train]
    assert images.shape == (n, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (n,) and labels.dtype == np.int64
    assert np.bincount(labels).tolist() == [n // 10] * len(CLASSES)
    assert images.min() == 0 and images.max() == 255


def test_second_load_returns_the_cached_read_only_arrays(real):
    images, labels = load_fashion_mnist(SYSTEM_DIR, train=True, download=False)
    assert images is real[True][0] and labels is real[True][1]
    assert not images.flags.writeable and not labels.flags.writeable


def test_default_search_finds_the_system_copy(real):
    assert find_fashion_mnist(download=False) == SYSTEM_DIR


def test_user_cache_comes_before_the_system_copy(real):
    cache = fashion_mnist.cache_dir()
    link_files(cache)
    assert find_fashion_mnist(download=False) == cache


def test_mytorch_data_takes_precedence(real, tmp_path, monkeypatch):
    link_files(tmp_path / "mine")
    monkeypatch.setenv("MYTORCH_DATA", str(tmp_path / "mine"))
    assert find_fashion_mnist(download=False) == tmp_path / "mine"


def test_empty_mytorch_data_is_authoritative(tmp_path, monkeypatch):
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("MYTORCH_DATA", str(tmp_path / "empty"))
    with pytest.raises(FileNotFoundError) as caught:
        load_fashion_mnist(download=False)
    message = str(caught.value)
    assert f"$MYTORCH_DATA: {tmp_path / 'empty'} (none of the files)" in message
    assert str(SYSTEM_DIR) + " (" not in message  # the system copy was not searched


def test_missing_root_lists_the_search_and_the_remedies(tmp_path):
    root = tmp_path / "nowhere"
    with pytest.raises(FileNotFoundError) as caught:
        load_fashion_mnist(root, download=False)
    message = str(caught.value)
    assert f"root argument: {root} (no such directory)" in message
    assert "download from" in message and "not allowed" in message
    assert "apt-get install dataset-fashion-mnist" in message
    assert "MYTORCH_DATA" in message and "download=True" in message
    assert not root.exists()


def test_default_search_lists_every_place(tmp_path, monkeypatch):
    monkeypatch.setattr(fashion_mnist, "SYSTEM_DIR", tmp_path / "no-system-copy")
    with pytest.raises(FileNotFoundError) as caught:
        find_fashion_mnist(download=False)
    searched = str(caught.value).split("To get the data")[0]
    assert f"user cache: {fashion_mnist.cache_dir()}" in searched
    assert f"system data set: {tmp_path / 'no-system-copy'}" in searched
    assert "not allowed" in searched


def test_flipped_byte_raises_checksum_error(tmp_path):
    root = tmp_path / "copy"
    link_files(root, [name for name in FILES if name != TEST_FILES[1]])
    (root / TEST_FILES[1]).write_bytes(flipped(TEST_FILES[1]))  # uncompressed NAME
    with pytest.raises(ChecksumError) as caught:
        load_fashion_mnist(root, train=False, download=False)
    assert caught.value.source == root / TEST_FILES[1]
    assert caught.value.actual == hashlib.sha256(flipped(TEST_FILES[1])).hexdigest()
    for part in (str(root / TEST_FILES[1]), FILES[TEST_FILES[1]], caught.value.actual):
        assert part in str(caught.value)


def test_corrupt_gzip_in_the_cache_is_not_skipped(real):
    """A bad file in the cache raises, although the system copy is good."""
    cache = fashion_mnist.cache_dir()
    link_files(cache, [name for name in FILES if name != TEST_FILES[1]])
    data = bytearray((SYSTEM_DIR / f"{TEST_FILES[1]}.gz").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (cache / f"{TEST_FILES[1]}.gz").write_bytes(bytes(data))
    with pytest.raises(ChecksumError, match=FILES[TEST_FILES[1]]) as caught:
        find_fashion_mnist(download=False)
    assert caught.value.source == cache / f"{TEST_FILES[1]}.gz"


# ----- downloads (from a local server) ------------------------------------------------------
def test_download_into_root(server, tmp_path):
    link_files(server.dir)
    root = tmp_path / "new" / "root"
    assert find_fashion_mnist(root) == root
    assert sorted(path.name for path in root.iterdir()) == sorted(f"{name}.gz" for name in FILES)
    for name in FILES:
        assert (root / f"{name}.gz").read_bytes() == (SYSTEM_DIR / f"{name}.gz").read_bytes()


def test_download_completes_the_user_cache(server, tmp_path, monkeypatch):
    monkeypatch.setattr(fashion_mnist, "SYSTEM_DIR", tmp_path / "no-system-copy")
    link_files(server.dir)
    cache = fashion_mnist.cache_dir()
    link_files(cache, TRAIN_FILES)  # what an interrupted earlier download left
    images, labels = load_fashion_mnist(train=False)
    assert sorted(server.requested) == sorted(f"/{name}.gz" for name in TEST_FILES)
    assert images.shape == (10000, 28, 28) and labels.shape == (10000,)
    assert sorted(path.name for path in cache.iterdir()) == sorted(f"{name}.gz" for name in FILES)


@pytest.mark.parametrize("corruption", ["flipped byte", "truncated"])
def test_corrupt_download_raises_and_leaves_nothing(server, tmp_path, corruption):
    name = TEST_FILES[1]
    link_files(server.dir, [other for other in FILES if other != name])
    good = (SYSTEM_DIR / f"{name}.gz").read_bytes()
    bad = gzip.compress(flipped(name)) if corruption == "flipped byte" else good[:len(good) // 2]
    (server.dir / f"{name}.gz").write_bytes(bad)
    root = tmp_path / "root"
    link_files(root, [other for other in FILES if other != name])
    with pytest.raises(ChecksumError, match=FILES[name]) as caught:
        find_fashion_mnist(root)
    assert caught.value.source == f"{server.url}{name}.gz"
    assert server.requested == [f"/{name}.gz"]
    assert sorted(path.name for path in root.iterdir()) == sorted(f"{other}.gz" for other in FILES
                                                                  if other != name)


def test_failed_download_is_reported_with_the_search(server, tmp_path):
    root = tmp_path / "root"
    with pytest.raises(FileNotFoundError, match="404") as caught:
        find_fashion_mnist(root)
    assert f"download from {server.url} into {root}: failed" in str(caught.value)
    assert not root.exists()


# ----- command line -------------------------------------------------------------------------
def run_cli(*args):
    env = {**os.environ, "PYTHONWARNINGS": "error"}  # isolated by the autouse fixture
    return subprocess.run([sys.executable, "-m", "mytorch.data.fashion_mnist", *args],
                          capture_output=True, text=True, env=env, timeout=120)


def test_cli_verifies_the_real_data():
    result = run_cli("--no-download")
    assert result.returncode == 0, result.stderr
    assert str(SYSTEM_DIR) in result.stdout and "(60000, 28, 28)" in result.stdout
    assert all(name in result.stdout for name in FILES)
    assert result.stderr == ""


def test_cli_explains_missing_data(tmp_path):
    result = run_cli("--root", str(tmp_path), "--no-download")
    assert result.returncode == 1
    assert "Fashion-MNIST not found" in result.stderr and str(tmp_path) in result.stderr
    assert "apt-get install dataset-fashion-mnist" in result.stderr
    assert result.stdout == ""


# ----- TensorDataset and DataLoader ---------------------------------------------------------
def numbered(n):
    """A dataset whose sample i is (row i of a float matrix, the label i)."""
    return TensorDataset(np.arange(3 * n, dtype=np.float32).reshape(n, 3), np.arange(n))


def order_of(loader):
    """The sample indices one epoch of ``loader`` visits."""
    return np.concatenate([labels.numpy() for _, labels in loader])


def test_batches_in_order():
    loader = DataLoader(numbered(10), batch_size=4)
    batches = list(loader)
    assert len(loader) == len(batches) == 3
    assert [x.shape for x, _ in batches] == [(4, 3), (4, 3), (2, 3)]
    assert all(isinstance(x, mytorch.Tensor) and x.dtype == np.float32 and y.dtype == np.int64
               for x, y in batches)
    np.testing.assert_array_equal(batches[2][0].numpy(), [[24, 25, 26], [27, 28, 29]])
    np.testing.assert_array_equal(order_of(loader), np.arange(10))


def test_drop_last():
    loader = DataLoader(numbered(10), batch_size=4, drop_last=True)
    assert len(loader) == 2
    assert [y.shape for _, y in loader] == [(4,), (4,)]
    assert len(DataLoader(numbered(8), batch_size=4, drop_last=True)) == 2


def test_seeded_shuffle_visits_each_sample_once_in_a_new_order_each_epoch():
    loader = DataLoader(numbered(103), batch_size=10, shuffle=True, seed=7)
    epochs = [order_of(loader) for _ in range(3)]
    for order in epochs:
        np.testing.assert_array_equal(np.sort(order), np.arange(103))
    assert not np.array_equal(epochs[0], np.arange(103))
    assert not np.array_equal(epochs[0], epochs[1]) and not np.array_equal(epochs[1], epochs[2])
    again = DataLoader(numbered(103), batch_size=10, shuffle=True, seed=7)
    for order in epochs:
        np.testing.assert_array_equal(order_of(again), order)
    assert not np.array_equal(order_of(DataLoader(numbered(103), shuffle=True, seed=8)), epochs[0])


def test_unseeded_shuffle_follows_manual_seed():
    loader = DataLoader(numbered(50), batch_size=8, shuffle=True)
    mytorch.manual_seed(1)
    first = order_of(loader)
    mytorch.manual_seed(1)
    np.testing.assert_array_equal(order_of(loader), first)
    assert not np.array_equal(order_of(loader), first)


def test_any_indexable_dataset_is_stacked():
    class Squares:
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return np.full(2, i, dtype=np.float32), i * i

    batches = list(DataLoader(Squares(), batch_size=2))
    assert [x.shape for x, _ in batches] == [(2, 2), (2, 2), (1, 2)]
    np.testing.assert_array_equal(np.concatenate([y.numpy() for _, y in batches]), [0, 1, 4, 9, 16])
    assert batches[0][1].dtype == np.int64 and batches[0][0].dtype == np.float32


def test_tensor_dataset_items_and_length_mismatch():
    dataset = TensorDataset(mytorch.tensor(np.ones((4, 2))), np.arange(4))
    assert len(dataset) == 4
    x, y = dataset[3]
    assert x.shape == (2,) and y.item() == 3
    with pytest.raises(ValueError, match=r"same first dimension.*\(4, 2\), \(3,\)"):
        TensorDataset(np.ones((4, 2)), np.arange(3))


# ----- toy sets -----------------------------------------------------------------------------
@pytest.mark.parametrize("make", [spiral, circles, xor])
@pytest.mark.parametrize("n", [200, 201])
def test_toy_sets_are_balanced_and_repeatable(make, n):
    X, y = make(n_samples=n, noise=0.1, seed=3)
    assert X.shape == (n, 2) and X.dtype == np.float32
    assert y.shape == (n,) and y.dtype == np.int64
    assert np.bincount(y).tolist() == [n // 2, n - n // 2]
    again = make(n_samples=n, noise=0.1, seed=3)
    np.testing.assert_array_equal(X, again[0])
    np.testing.assert_array_equal(y, again[1])
    assert not np.array_equal(X, make(n_samples=n, noise=0.1, seed=4)[0])


def test_toy_geometry_without_noise():
    X, y = circles(400, seed=0)
    radius = np.linalg.norm(X, axis=1)
    assert radius[y == 1].max() <= 2.5 and radius[y == 0].min() >= 3.5
    X, y = xor(400, seed=0)
    assert np.all((X[:, 0] * X[:, 1] > 0) == (y == 1)) and np.abs(X).min() >= 0.3
    X, y = spiral(400, seed=0)
    assert np.linalg.norm(X, axis=1).max() <= 5
    np.testing.assert_allclose(X[y == 0].mean(axis=0), -X[y == 1].mean(axis=0), atol=1e-5)
