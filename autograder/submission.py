"""Intake: what a student hands in, checked and turned into a workspace the sandbox can run.

A submission arrives as a folder, a ``.zip``, a ``.tar.gz`` (``.tgz``, or a plain ``.tar``),
or the assignment's notebook alone. :func:`read_submission` reads it into memory, one entry
at a time, and stops at the first entry that is unsafe or breaks the :class:`IntakeLimits`:

1. every entry must be a regular file or a folder (no links, devices or FIFOs) whose path
   stays inside the submission (no ``..``, no absolute paths or drive letters);
2. junk that operating systems and tools leave behind (``__MACOSX/``, ``.DS_Store``,
   ``__pycache__/``) is skipped unread; weight files (``.npy``, ``.pt``, ...) are refused:
   a model must be trained by the student's code, not shipped;
3. a file's content is read only up to the size its header declares, plus one byte, and
   that size must fit the limits: an archive whose headers lie stops there (a zip bomb);
4. a folder that wraps everything (``hw3_optimizers/`` of the handout zip) is stripped;
5. only the files the student may change are kept (``Assignment.may_change``); they must be
   UTF-8 text, and a notebook must be a valid nbformat 4 notebook.

Nothing is written to disk while reading. :func:`build_workspace` then lays the template's
package down and writes the kept files on top, so nothing a student hands in can land
outside the workspace or replace a file that is not theirs to change.
"""
import contextlib
import gzip
import json
import os
import re
import shutil
import stat
import tarfile
import warnings
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path, PurePosixPath

import nbformat

WEIGHT_SUFFIXES = frozenset({".npy", ".npz", ".pt", ".pth", ".pkl", ".pickle", ".h5", ".hdf5", ".ckpt",
                             ".safetensors", ".joblib", ".onnx"})
JUNK = frozenset({"__MACOSX", ".DS_Store", "Thumbs.db", "__pycache__", ".ipynb_checkpoints", ".pytest_cache",
                  ".git"})
DRIVE = re.compile(r"^[A-Za-z]:")     # C: (a Windows drive) at the start of a path
PACKAGE = "mytorch"                   # the template's package, which every workspace starts from
LISTED = 10                           # paths a note lists before it says "and N more"
ONLY_THEIRS = "hand in only the assignment's files (no data, no weights)"
# What a damaged or unsupported archive raises while it is read.
UNREADABLE = (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError, zlib.error, NotImplementedError,
              UnicodeDecodeError)


class SubmissionError(ValueError):
    """A submission that cannot be graded at all; the message says why, for the student."""


@dataclass(frozen=True)
class IntakeLimits:
    """The most a submission may hold; anything bigger is refused before it is unpacked."""
    archive_bytes: int = 50_000_000      # the archive or folder on disk (a .tar.gz: also once decompressed)
    total_bytes: int = 20_000_000        # all extracted file contents together
    file_bytes: int = 5_000_000          # one file
    files: int = 2000                    # entries in the archive (files and folders)


@dataclass(frozen=True)
class Submission:
    """What a student handed in, checked.

    files: {posix path relative to the assignment's folder: content}, only the files the
           student may change (``assignment.may_change``);
    notes: human-readable notes for the student: files ignored, required files missing,
           junk skipped.
    """
    files: dict
    notes: tuple


@dataclass(frozen=True)
class _Entry:
    """One entry of a submission as its container lists it, before any check.

    ``open()`` gives a binary stream of a file's content; in a .tar.gz it works only until
    the next entry is read, so each entry is dealt with completely before the next.
    """
    name: str       # the path as the archive or folder spells it
    kind: str       # "file", "folder", or what else it is: "symbolic link", "hard link", "FIFO", ...
    size: int       # the size it declares, in bytes
    open: Callable


def read_submission(source, assignment, limits=IntakeLimits()):
    """Read and check what a student handed in: a folder, a .zip, a .tar.gz / .tgz / .tar,
    or a single .ipynb (the assignment's notebook). Returns a :class:`Submission`; raises
    :class:`SubmissionError`, whose message is for the student, when it cannot be graded."""
    source = Path(source)
    try:
        with contextlib.closing(_entries(source, assignment, limits)) as entries:
            files, junk = _collect(entries, limits)
    except UNREADABLE as error:
        raise SubmissionError(f"{source.name} cannot be read ({type(error).__name__}: {error}); "
                              "make a new .zip of your files and hand that in") from None
    files = _strip_wrapper(files, assignment)
    theirs = {path: data for path, data in sorted(files.items()) if assignment.may_change(path)}
    if not theirs:
        raise SubmissionError(f"no files of the assignment found; expected e.g. {assignment.submission[0]} "
                              f"(hand in the files of {assignment.name}/ with their folders)")
    for path, data in theirs.items():
        text = _text(path, data)
        if path.endswith(".ipynb"):
            _check_notebook(path, text)
    notes = _notes(assignment, files, theirs, junk)
    if source.is_file() and source.suffix.lower() == ".ipynb" and source.name != assignment.notebook:
        notes.append(f"{source.name} was graded as {assignment.notebook}")
    return Submission(theirs, tuple(notes))


def _notes(assignment, files, theirs, junk):
    """What the student should know about the files that are not graded as handed in."""
    notes = [f"{path} is missing: the template's copy is used, so its tasks score no points"
             for path in assignment.submission if path not in theirs]
    ignored = sorted(files.keys() - theirs.keys())
    # An unchanged copy of a template file loses nothing; a changed or new one is worth a warning.
    package = [path for path in ignored if path.startswith(f"{PACKAGE}/")]
    changed = [path for path in package if not _same_file(assignment.folder / path, files[path])]
    others = [path for path in ignored if path not in package]
    if changed:
        notes.append(f"ignored your version of {len(changed)} file(s) that are not yours to change; the "
                     f"template's copy is graded instead: {_listing(changed)}")
    if others:
        notes.append(f"ignored {len(others)} other file(s) that are not part of the submission: "
                     f"{_listing(others)}")
    if junk:
        notes.append(f"skipped {len(junk)} system or cache file(s): {_listing(sorted(junk))}")
    return notes


def _same_file(path, data):
    return path.is_file() and path.read_bytes() == data


def build_workspace(submission, assignment, destination):
    """Fill ``destination`` (a new or empty folder) with the template's package and notebook,
    then the submission's files on top; returns it as a Path. The public and hidden tests and
    assignment.toml never go in."""
    for path in submission.files:       # a Submission made by hand is checked too, before anything is written
        if _normalise(path) != path or not assignment.may_change(path):
            raise ValueError(f"{path!r} is not a file students of {assignment.name} may hand in")
    destination = Path(destination)
    destination.mkdir(parents=True, exist_ok=True)
    if any(destination.iterdir()):
        raise FileExistsError(f"the workspace {destination} must be empty")
    shutil.copytree(assignment.folder / PACKAGE, destination / PACKAGE,
                    ignore=shutil.ignore_patterns("__pycache__"))
    if assignment.notebook is not None:
        _write(destination, assignment.notebook, (assignment.folder / assignment.notebook).read_bytes())
    for path, data in submission.files.items():
        _write(destination, path, data)
    return destination


def _write(destination, path, data):
    target = destination / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


# ---------------------------------------------------------------------------------------------
# The containers: each lists its entries as _Entry, in order.

def _entries(source, assignment, limits):
    """The entries of ``source``, by the kind of container it is."""
    if source.is_dir():
        yield from _folder_entries(source, limits)
        return
    if not source.is_file():
        raise SubmissionError(f"nothing was handed in: {source.name} is not a file or a folder")
    size = source.stat().st_size
    if size > limits.archive_bytes:
        raise SubmissionError(f"{source.name} is {_megabytes(size)}, more than the "
                              f"{_megabytes(limits.archive_bytes)} allowed; {ONLY_THEIRS}")
    name = source.name.lower()
    if name.endswith(".zip"):
        yield from _zip_entries(source)
    elif name.endswith((".tar.gz", ".tgz", ".tar")):
        yield from _tar_entries(source, limits, compressed=not name.endswith(".tar"))
    elif name.endswith(".ipynb"):
        if assignment.notebook is None:
            raise SubmissionError(f"{assignment.name} has no notebook; hand in a .zip of your files")
        yield _Entry(assignment.notebook, "file", size, partial(open, source, "rb"))
    else:
        alone = f", or {assignment.notebook} alone" if assignment.notebook else ""
        raise SubmissionError(f"{source.name} is not a kind of file the grader reads; hand in a .zip or "
                              f"a .tar.gz of your files{alone}")


def _folder_entries(folder, limits):
    """A folder's entries; links are listed as links, never followed."""
    total = 0
    for root, folders, files in os.walk(folder):
        folders.sort()
        for name in sorted(folders + files):
            path = Path(root, name)
            info = path.lstat()
            kind = _kind(info.st_mode)
            if kind == "file":
                total += info.st_size
                if total > limits.archive_bytes:
                    raise SubmissionError(f"the submitted folder holds more than "
                                          f"{_megabytes(limits.archive_bytes)}; {ONLY_THEIRS}")
            yield _Entry(path.relative_to(folder).as_posix(), kind, info.st_size, partial(_open_file, path))


def _open_file(path):
    """``path`` opened for reading; refuses a link put there since the folder was listed."""
    return open(os.open(path, os.O_RDONLY | os.O_NOFOLLOW), "rb")


def _zip_entries(path):
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if info.flag_bits & 0x1:
                raise SubmissionError(f"{info.filename} is encrypted; hand in a .zip without a password")
            mode = info.external_attr >> 16       # the Unix file mode, if the zip records its type
            kind = "folder" if info.is_dir() else _kind(mode) if stat.S_IFMT(mode) else "file"
            yield _Entry(info.filename, kind, info.file_size, lambda info=info: archive.open(info))


def _tar_entries(path, limits, compressed):
    """A tar's entries, read as a stream. A .tar.gz is decompressed through a counter that
    stops at ``limits.archive_bytes``: its headers (long names, pax records) are read whole
    by tarfile, so the decompressed stream needs a cap of its own."""
    kinds = {tarfile.SYMTYPE: "symbolic link", tarfile.LNKTYPE: "hard link", tarfile.CHRTYPE: "device file",
             tarfile.BLKTYPE: "device file", tarfile.FIFOTYPE: "FIFO"}
    with open(path, "rb") as raw:
        stream = _CappedStream(gzip.GzipFile(fileobj=raw) if compressed else raw, limits.archive_bytes,
                               path.name)
        with tarfile.open(fileobj=stream, mode="r|") as archive:
            for member in archive:
                kind = ("file" if member.isreg() else "folder" if member.isdir()
                        else kinds.get(member.type, "special file"))
                yield _Entry(member.name, kind, member.size,
                             lambda member=member: archive.extractfile(member))


class _CappedStream:
    """A binary stream that refuses to give more than ``cap`` bytes in all."""

    def __init__(self, stream, cap, name):
        self.stream, self.cap, self.name, self.given = stream, cap, name, 0

    def read(self, size):
        data = self.stream.read(size)
        self.given += len(data)
        if self.given > self.cap:
            raise SubmissionError(f"{self.name} unpacks to more than {_megabytes(self.cap)}; {ONLY_THEIRS}")
        return data


def _kind(mode):
    """What a Unix file mode says a file is: "file", "folder", "symbolic link", ..."""
    kinds = [(stat.S_ISREG, "file"), (stat.S_ISDIR, "folder"), (stat.S_ISLNK, "symbolic link"),
             (stat.S_ISCHR, "device file"), (stat.S_ISBLK, "device file"), (stat.S_ISFIFO, "FIFO")]
    return next((kind for test, kind in kinds if test(mode)), "special file")


# ---------------------------------------------------------------------------------------------
# The checks.

def _collect(entries, limits):
    """Check every entry and read the files: ({normalised path: content}, [junk paths skipped])."""
    files, junk, declared = {}, [], 0
    for count, entry in enumerate(entries, start=1):
        if count > limits.files:
            raise SubmissionError(f"the submission holds more than {limits.files} files and folders; "
                                  "hand in only the assignment's files")
        if entry.kind not in ("file", "folder"):
            raise SubmissionError(f"{entry.name} is a {entry.kind}; links and special files are not allowed, "
                                  "hand in the files themselves")
        if entry.kind == "folder":
            continue     # nothing is made from a folder entry: its files carry their full paths
        path = _normalise(entry.name)
        if any(part in JUNK or part.startswith("._") for part in path.split("/")):
            junk.append(path)
            continue
        if PurePosixPath(path).suffix.lower() in WEIGHT_SUFFIXES:
            raise SubmissionError(f"{entry.name}: shipping weights or other binary files is not allowed; "
                                  "your code must train the model")
        if path in files:
            raise SubmissionError(f"the submission holds {path} twice; make a new .zip of your files")
        declared += entry.size
        if entry.size > limits.file_bytes:
            raise SubmissionError(f"{entry.name} is {_megabytes(entry.size)}, more than the "
                                  f"{_megabytes(limits.file_bytes)} allowed for one file")
        if declared > limits.total_bytes:
            raise SubmissionError(f"the files unpack to more than {_megabytes(limits.total_bytes)}; "
                                  f"{ONLY_THEIRS}")
        files[path] = _read(entry)
    return files, junk


def _read(entry):
    """An entry's content, read up to one byte past the size it declares: a header that
    lies about the size (a zip bomb) is caught before more is unpacked."""
    with entry.open() as stream:
        data = stream.read(entry.size + 1)
    if len(data) > entry.size:
        raise SubmissionError(f"{entry.name} holds more than the {entry.size} bytes its header declares; "
                              "the archive is corrupt, make a new one")
    return data


def _normalise(name):
    """The posix path that the entry ``name`` stands for, relative to the submission's top;
    SubmissionError for a name that could point outside it or cannot be a file name."""
    path = name.replace("\\", "/")       # Windows tools write \ between folders
    if path.startswith("/") or DRIVE.match(path):
        raise SubmissionError(f"{name!r} is an absolute path; hand in your files with paths relative to "
                              "the assignment's folder")
    parts = [part for part in path.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise SubmissionError(f"{name!r} points outside the submission (..); hand in your files with paths "
                              "inside the assignment's folder")
    if not parts or not name.isprintable() or any(len(part.encode()) > 255 for part in parts):
        raise SubmissionError(f"{name!r} is not a usable file name")
    return "/".join(parts)


def _strip_wrapper(files, assignment):
    """``files`` without the folders that wrap all of them (``hw3_optimizers/``, ``submission/``),
    unless such a folder belongs to the assignment's own layout (``mytorch/``)."""
    layout = {PurePosixPath(path).parts[0] for path in (*assignment.submission, *assignment.editable)}
    while files:
        tops = {path.split("/", 1)[0] for path in files}
        top = tops.pop()
        if tops or top in layout or top in files:      # several tops, the layout's own, or a file
            return files
        files = {path.split("/", 1)[1]: data for path, data in files.items()}
    return files


def _text(path, data):
    """``data`` decoded as UTF-8; SubmissionError for anything else, binaries most of all."""
    if 0 in data:
        reason = f"a NUL byte at offset {data.index(0)}"
    else:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as error:
            reason = f"byte {data[error.start]:#04x} at offset {error.start}"
    raise SubmissionError(f"{path} is not UTF-8 text ({reason}): shipping weights or other binaries is not "
                          "allowed, train in code; save source files and notebooks as UTF-8")


def _check_notebook(path, text):
    """SubmissionError unless ``text`` is a valid nbformat 4 notebook."""
    try:
        content = json.loads(text)
    except json.JSONDecodeError as error:
        raise SubmissionError(f"{path} is not valid JSON: {error.msg}: line {error.lineno} "
                              f"column {error.colno}") from None
    version = content.get("nbformat") if isinstance(content, dict) else None
    if version != 4:
        raise SubmissionError(f"{path} is not an nbformat 4 notebook (its nbformat is {version!r}); "
                              "open it in Jupyter, save it, and hand it in again")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")      # e.g. cells without ids: Jupyter adds them on saving
            nbformat.validate(nbformat.reads(text, as_version=nbformat.NO_CONVERT))
    # nbformat is not written for hostile input: a malformed notebook can also raise TypeError,
    # KeyError or AssertionError before validation says what is wrong.
    except Exception as error:  # noqa: BLE001
        reason = getattr(error, "message", None) or f"{type(error).__name__} {error}".strip()
        raise SubmissionError(f"{path} is not a valid notebook: {reason}") from None


def _listing(paths):
    shown = ", ".join(paths[:LISTED])
    return shown + (f" and {len(paths) - LISTED} more" if len(paths) > LISTED else "")


def _megabytes(size):
    """``size`` in MB where that is exact, else in bytes (so that a size just over a limit never
    reads as the limit itself)."""
    return f"{size // 1_000_000} MB" if size % 1_000_000 == 0 else f"{size:,} bytes"
