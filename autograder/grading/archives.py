"""The containers a hand-in arrives in (a folder, a ``.zip``, a ``.tar.gz`` / ``.tgz`` / ``.tar``, or
the assignment's notebook alone), listed entry by entry without extracting anything, and the
bounds on what a container may hold: :class:`IntakeLimits`. Each container yields its entries as
:class:`Entry`, in order, and checks as it goes the bounds of what the whole container may hold (its
bytes, its entries, what it unpacks to, no zip bomb); :mod:`autograder.grading.submission` reads
the hand-in files from them."""
import gzip
import os
import stat
import struct
import tarfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from autograder.errors import KitError

TAR_HEADER_BYTES = 1_000_000          # the most a tar member's headers (long names, pax records) may take
ONLY_THEIRS = "hand in your assignment's folder without its virtual environment (.venv), data or weights"


class SubmissionError(KitError, ValueError):
    """A submission that cannot be graded at all; the message says why, for the student."""


@dataclass(frozen=True)
class IntakeLimits:
    """The most a submission may hold; anything over a bound is refused before it is unpacked.

    What is only listed (the archive, every entry's header) has loose bounds, which a student's
    folder zipped with its virtual environment passes: a ``.venv`` with NumPy and pytest, zipped
    by ``zip -r``, is 70 MB, 8,700 entries and 214 MB unpacked, and its largest file (OpenBLAS,
    25 MB) is packed 3.3 : 1. What is read, the hand-in files, has tight bounds.
    """
    archive_bytes: int = 500_000_000     # listed: the archive on disk, or all files of a folder
    unpacked_bytes: int = 1_000_000_000  # listed: what an archive unpacks to (a zip: the sizes its entries
                                         # declare; a .tar.gz: its stream, decompressed to be listed)
    entries: int = 100_000               # listed: files, folders and links
    ratio: int = 100                     # listed: the most a zip entry over file_bytes may be packed (n : 1);
                                         # deflate packs zeros 1,032 : 1, real files of 5 MB or more < 10 : 1
    file_bytes: int = 5_000_000          # read: one hand-in file
    total_bytes: int = 20_000_000        # read: the hand-in files together
    files: int = 2000                    # read: hand-in files (hw4's own layers may add some)


@dataclass(frozen=True)
class Entry:
    """One entry of a submission as its container lists it, before any check.

    ``open()`` gives a binary stream of a file's content; in a .tar.gz it works only until
    the next entry is listed, so an entry is read, if at all, before the next is listed.
    """
    name: str       # the path as the archive or folder spells it
    kind: str       # "file", "folder", or what else it is: "symbolic link", "hard link", "FIFO", ...
    size: int       # the size it declares, in bytes
    open: Callable


def list_entries(source, assignment, limits):
    """The entries of ``source``, by the kind of container it is."""
    if source.is_dir():
        yield from _folder_entries(source, limits)
        return
    if not source.is_file():
        raise SubmissionError(f"nothing was handed in: {source.name} is not a file or a folder")
    size = source.stat().st_size
    if size > limits.archive_bytes:
        raise SubmissionError(f"{source.name} is {megabytes(size)}, more than the "
                              f"{megabytes(limits.archive_bytes)} allowed; {ONLY_THEIRS}")
    name = source.name.lower()
    if name.endswith(".zip"):
        yield from _zip_entries(source, limits)
    elif name.endswith((".tar.gz", ".tgz", ".tar")):
        yield from _tar_entries(source, limits, compressed=not name.endswith(".tar"))
    elif name.endswith(".ipynb"):
        if assignment.notebook is None:
            raise SubmissionError(f"{assignment.name} has no notebook; hand in a .zip of your files")
        yield Entry(assignment.notebook, "file", size, partial(open, source, "rb"))
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
                                          f"{megabytes(limits.archive_bytes)}; {ONLY_THEIRS}")
            yield Entry(path.relative_to(folder).as_posix(), kind, info.st_size, partial(_open_file, path))


def _open_file(path):
    """``path`` opened for reading; refuses a link put there since the folder was listed."""
    return open(os.open(path, os.O_RDONLY | os.O_NOFOLLOW), "rb")


def _zip_entries(path, limits):
    """A zip's entries, from its central directory. The count that its end record declares is
    checked first, since zipfile reads the whole directory into memory; then the sizes its
    entries declare, in all and for each against the size it is packed into (a zip bomb)."""
    with open(path, "rb") as raw:
        declared = _declared_entries(raw)
    if declared is not None and declared > limits.entries:
        raise too_many_entries(limits)
    unpacked = 0
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            unpacked += info.file_size
            if unpacked > limits.unpacked_bytes:
                raise _unpacks_too_large(path.name, limits)
            if info.file_size > max(limits.file_bytes, limits.ratio * info.compress_size):
                ratio = info.file_size / max(info.compress_size, 1)
                raise SubmissionError(f"{info.filename} is {megabytes(info.file_size)}, more than the "
                                      f"{megabytes(limits.file_bytes)} allowed for a file packed over "
                                      f"{limits.ratio} : 1, and is packed {ratio:,.0f} : 1, as zip bombs "
                                      "are; make a new .zip without it")
            mode = info.external_attr >> 16       # the Unix file mode, if the zip records its type
            kind = "folder" if info.is_dir() else _kind(mode) if stat.S_IFMT(mode) else "file"
            yield Entry(info.filename, kind, info.file_size, partial(_open_member, archive, info))


# The zip's end records (APPNOTE.TXT 4.3.14 to 4.3.16), read before zipfile reads its directory.
END_RECORD = struct.Struct("<4s4H2LH")      # signature, disk numbers, entries here, entries in all, …
ZIP64_LOCATOR = struct.Struct("<4sLQL")     # signature, disk, offset of the zip64 end record, disks
ZIP64_END_RECORD = struct.Struct("<4sQ2H2L4Q")   # signature, size, versions, disks, entries here, in all, …


def _declared_entries(raw):
    """The number of entries a zip declares in its end record, or in its zip64 end record when it has
    one (65,535 entries and more); None when there is no end record, which zipfile then refuses."""
    size = raw.seek(0, os.SEEK_END)
    tail_size = min(size, END_RECORD.size + 0xFFFF)          # the record and the longest comment
    raw.seek(size - tail_size)
    tail = raw.read(tail_size)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + END_RECORD.size > len(tail):
        return None
    entries = END_RECORD.unpack_from(tail, at)[4]
    locator = at - ZIP64_LOCATOR.size
    if locator >= 0 and tail[locator:locator + 4] == b"PK\x06\x07":
        raw.seek(ZIP64_LOCATOR.unpack_from(tail, locator)[2])
        record = raw.read(ZIP64_END_RECORD.size)
        if len(record) == ZIP64_END_RECORD.size and record[:4] == b"PK\x06\x06":
            entries = ZIP64_END_RECORD.unpack(record)[7]
    return entries


def _open_member(archive, info):
    """A zip member opened for reading; refused if it is encrypted."""
    if info.flag_bits & 0x1:
        raise SubmissionError(f"{info.filename} is encrypted; hand in a .zip without a password")
    return archive.open(info)


def _tar_entries(path, limits, compressed):
    """A tar's entries, read as a stream: a .tar.gz must be decompressed to be listed, through a
    counter that stops at ``limits.unpacked_bytes``. tarfile reads a member's headers (long
    names, pax records) whole into memory, so they have a bound of their own."""
    kinds = {tarfile.SYMTYPE: "symbolic link", tarfile.LNKTYPE: "hard link", tarfile.CHRTYPE: "device file",
             tarfile.BLKTYPE: "device file", tarfile.FIFOTYPE: "FIFO"}
    with open(path, "rb") as raw:
        stream = _CappedStream(gzip.GzipFile(fileobj=raw) if compressed else raw, limits, path.name)
        with tarfile.open(fileobj=stream, mode="r|") as archive:
            for member in archive:
                stream.expect(member.size)
                kind = ("file" if member.isreg() else "folder" if member.isdir()
                        else kinds.get(member.type, "special file"))
                yield Entry(member.name, kind, member.size,
                             lambda member=member: archive.extractfile(member))


class _CappedStream:
    """A tar's binary stream, which gives at most ``limits.unpacked_bytes`` in all and, after a
    member is listed, no more than its data and TAR_HEADER_BYTES of the next member's headers."""

    def __init__(self, stream, limits, name):
        self.stream, self.limits, self.name, self.given = stream, limits, name, 0
        self.expect(0)

    def expect(self, size):
        """Allow the ``size`` bytes of the member just listed, then the next member's headers."""
        self.allowed = self.given + size + TAR_HEADER_BYTES

    def read(self, size):
        data = self.stream.read(size)
        self.given += len(data)
        if self.given > self.limits.unpacked_bytes:
            raise _unpacks_too_large(self.name, self.limits)
        if self.given > self.allowed:
            raise SubmissionError(f"{self.name} holds a tar header of more than "
                                  f"{megabytes(TAR_HEADER_BYTES)}, which no archiving tool writes for a "
                                  "course's files; make a new .zip of your files")
        return data


def _kind(mode):
    """What a Unix file mode says a file is: "file", "folder", "symbolic link", ..."""
    kinds = [(stat.S_ISREG, "file"), (stat.S_ISDIR, "folder"), (stat.S_ISLNK, "symbolic link"),
             (stat.S_ISCHR, "device file"), (stat.S_ISBLK, "device file"), (stat.S_ISFIFO, "FIFO")]
    return next((kind for test, kind in kinds if test(mode)), "special file")


def too_many_entries(limits):
    return SubmissionError(f"the submission holds more than {limits.entries:,} files and folders; "
                           f"{ONLY_THEIRS}")


def _unpacks_too_large(name, limits):
    return SubmissionError(f"{name} unpacks to more than {megabytes(limits.unpacked_bytes)}; {ONLY_THEIRS}")




def megabytes(size):
    """``size`` in MB where that is exact, else in bytes (so that a size just over a limit never
    reads as the limit itself)."""
    return f"{size // 1_000_000} MB" if size % 1_000_000 == 0 else f"{size:,} bytes"
