"""Fashion-MNIST: 70,000 grey-scale 28x28 images of clothes in 10 classes.

The four IDX files are looked for, in this order, as ``NAME`` or ``NAME.gz``:

1. the ``root`` argument, if given;
2. the directory in the ``MYTORCH_DATA`` environment variable, if set;
3. the user cache, ``$XDG_CACHE_HOME/mytorch/fashion-mnist`` (``~/.cache/...``);
4. ``/usr/share/datasets/fashion-mnist``, where Debian's ``dataset-fashion-mnist`` puts them;
5. a download from Zalando's official URLs (or ``$MYTORCH_FASHION_MNIST_URL``)
   into ``root``, ``MYTORCH_DATA`` or the user cache, unless ``download=False``.

An explicit ``root`` or ``MYTORCH_DATA`` is authoritative: the places after it
are not searched, so that a typo never silently falls back to other data.
Every file is checked against the SHA-256 of its published contents; a file
that does not match raises :class:`ChecksumError` rather than being skipped.

Run ``python -m mytorch.data.fashion_mnist [--root DIR] [--no-download]`` to
locate, fetch if needed, and verify the data set.
"""
import argparse
import hashlib
import http.client
import os
import sys
import tempfile
import urllib.request
import zlib
from pathlib import Path

import numpy
from tqdm import tqdm

from mytorch.data import idx

# SHA-256 of the decompressed IDX bytes, so that NAME and NAME.gz are checked alike.
FILES = {
    "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}
SPLITS = {True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
          False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")

SYSTEM_DIR = Path("/usr/share/datasets/fashion-mnist")
DEFAULT_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"

_arrays = {}  # resolved file path -> its verified, parsed, read-only array


class ChecksumError(ValueError):
    """A data file whose contents are not the published ones: corrupt or incomplete.

    Attributes:
        source: the file (a Path) or, for a download, the URL at fault.
        expected: the published SHA-256 of the decompressed contents.
        actual: the SHA-256 found, or ``None`` when the file could not even be decompressed.
    """

    def __init__(self, source, expected, actual, reason=None):
        self.source, self.expected, self.actual = source, expected, actual
        found = f"but is {actual}" if actual is not None else f"but it cannot be decompressed ({reason})"
        advice = ("Delete it, or replace it with a good copy." if isinstance(source, Path) else
                  "Nothing was kept; try again, or another mirror (MYTORCH_FASHION_MNIST_URL).")
        super().__init__(f"{source} is corrupt or incomplete: the SHA-256 of its decompressed contents "
                         f"should be {expected}, {found}. {advice}")


def cache_dir():
    """The per-user download directory: ``$XDG_CACHE_HOME/mytorch/fashion-mnist``."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "mytorch" / "fashion-mnist"


def base_url():
    """Where downloads come from: ``$MYTORCH_FASHION_MNIST_URL`` or Zalando's official server."""
    return os.environ.get("MYTORCH_FASHION_MNIST_URL") or DEFAULT_URL


def load_fashion_mnist(root=None, train=True, download=True):
    """The training (60,000) or test (10,000) split of Fashion-MNIST.

    Args:
        root: the directory holding the files; when given, the only place looked at.
        train: the training split if True, else the test split.
        download: fetch missing files from the official URLs into the cache (or ``root``).

    Returns:
        ``(images, labels)``: uint8 of shape (N, 28, 28) with pixels in 0..255,
        and int64 of shape (N,) indexing :data:`CLASSES`. Both are read-only,
        since they are shared with later calls, which return them instantly.

    Raises:
        FileNotFoundError: the files are nowhere; the message lists where it looked
            and how to get them.
        ChecksumError: a file was found but its contents are wrong.
    """
    images_file, labels_file = SPLITS[bool(train)]
    directory = _locate(root, download, (images_file, labels_file))
    return _load_verified(directory, images_file), _load_verified(directory, labels_file)


def find_fashion_mnist(root=None, download=True):
    """The directory holding all four files, after verifying every one of them.

    Searches (and downloads) as :func:`load_fashion_mnist` does; the verified
    arrays are kept, so loading afterwards reads nothing again.
    """
    directory = _locate(root, download)
    for name in FILES:
        _load_verified(directory, name)
    return directory


def _find_file(directory, name):
    """``directory/NAME`` or ``directory/NAME.gz``, whichever exists (uncompressed first), or None."""
    for candidate in (directory / name, directory / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    return None


def _missing(directory, names):
    return [name for name in names if _find_file(directory, name) is None]


def _load_verified(directory, name):
    """The array in file ``name`` of ``directory``, checked against its SHA-256 on first read."""
    path = _find_file(directory, name)
    key = path.resolve()
    if key not in _arrays:
        try:
            data = idx.read_bytes(path)
        except idx.IDXError as err:
            raise ChecksumError(path, FILES[name], None, reason=err.__cause__) from err
        actual = hashlib.sha256(data).hexdigest()
        if actual != FILES[name]:
            raise ChecksumError(path, FILES[name], actual)
        array = idx.parse_idx(data, source=path)
        if array.ndim == 1:  # labels: int64, the dtype of class indices in PyTorch
            array = array.astype(numpy.int64)
            array.flags.writeable = False
        _arrays[key] = array
    return _arrays[key]


def _search_plan(root):
    """The (description, directory) places to search, in order, and where a download goes."""
    if root is not None:
        chosen = Path(root).expanduser()
        return [("root argument", chosen)], chosen
    if os.environ.get("MYTORCH_DATA"):
        chosen = Path(os.environ["MYTORCH_DATA"]).expanduser()
        return [("$MYTORCH_DATA", chosen)], chosen
    return [("user cache", cache_dir()), ("system data set", SYSTEM_DIR)], cache_dir()


def _locate(root, download, names=tuple(FILES)):
    """The first directory holding the files ``names``, downloading into the target if allowed."""
    places, target = _search_plan(root)
    searched = []
    for description, directory in places:
        missing = _missing(directory, names)
        if not missing:
            return directory
        searched.append(f"{description}: {directory} ({_describe_missing(directory, missing, names)})")
    url = base_url()
    if not download:
        searched.append(f"download from {url}: not allowed (download=False / --no-download)")
    else:
        try:
            for name in _missing(target, names):
                _download(name, target, url)
            return target
        except (OSError, http.client.HTTPException) as err:  # no network, HTTP error, cut transfer, ...
            searched.append(f"download from {url} into {target}: failed ({err})")
    authoritative = len(places) == 1  # root or $MYTORCH_DATA
    raise FileNotFoundError(_not_found_message(searched, authoritative, download))


def _describe_missing(directory, missing, names):
    if not directory.is_dir():
        return "no such directory"
    if len(missing) == len(names):
        return "none of the files"
    return "missing " + ", ".join(missing)


def _not_found_message(searched, authoritative, download):
    names = ", ".join(f"{name}.gz" for name in FILES)
    lines = ["Fashion-MNIST not found. Searched, in order:"]
    lines += [f"  {i}. {place}" for i, place in enumerate(searched, 1)]
    if authoritative:
        lines.append("  (an explicit root or $MYTORCH_DATA is the only place searched)")
    lines += [
        "To get the data, do one of:",
        f"  - on Debian/Ubuntu: sudo apt-get install dataset-fashion-mnist   (installs {SYSTEM_DIR})",
        f"  - put the four files ({names}; compressed or not) in a directory",
        "    and set MYTORCH_DATA=/that/directory (or pass root=/that/directory)",
        "  - check the network, or set MYTORCH_FASHION_MNIST_URL to a mirror" if download else
        "  - allow the download (download=True; on the command line, drop --no-download)",
    ]
    return "\n".join(lines)


def _download(name, directory, url):
    """Fetch ``NAME.gz`` into ``directory``, verifying it before it takes its final name.

    The bytes are streamed into a temporary file and, at the same time, through
    a decompressor into the hash, so nothing is read twice; only a verified file
    is renamed into place, and the temporary file never outlives a failure.
    """
    source = f"{url.rstrip('/')}/{name}.gz"
    with urllib.request.urlopen(source, timeout=60) as response:
        directory.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{name}.gz.", suffix=".part", dir=directory)
        try:
            digest, inflater = hashlib.sha256(), zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)  # gzip
            size = int(response.headers.get("Content-Length") or 0) or None
            with os.fdopen(handle, "wb") as out, \
                    tqdm(total=size, unit="B", unit_scale=True, desc=f"{name}.gz") as progress:
                while chunk := response.read(1 << 20):
                    out.write(chunk)
                    digest.update(inflater.decompress(chunk))
                    progress.update(len(chunk))
            if not inflater.eof:
                raise ChecksumError(source, FILES[name], None, reason="the gzip stream ends early")
            if digest.hexdigest() != FILES[name]:
                raise ChecksumError(source, FILES[name], digest.hexdigest())
            os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide a shared copy from other users
            os.replace(temporary, directory / f"{name}.gz")
        except zlib.error as err:
            raise ChecksumError(source, FILES[name], None, reason=err) from err
        finally:
            Path(temporary).unlink(missing_ok=True)


def main(argv=None):
    """Command line: locate, download if needed, and verify the four files; exit 1 with help if not."""
    parser = argparse.ArgumentParser(prog="python -m mytorch.data.fashion_mnist", description=main.__doc__)
    parser.add_argument("--root", help="the directory holding the files (the only place searched)")
    parser.add_argument("--no-download", action="store_true", help="never download")
    args = parser.parse_args(argv)
    try:
        directory = find_fashion_mnist(args.root, download=not args.no_download)
    except (FileNotFoundError, ChecksumError) as err:
        print(err, file=sys.stderr)
        return 1
    print(f"Fashion-MNIST verified in {directory}:")
    for name in FILES:
        path = _find_file(directory, name)
        print(f"  {path.name:28} {_arrays[path.resolve()].shape}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
