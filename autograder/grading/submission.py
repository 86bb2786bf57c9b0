"""Intake: what a student hands in, checked and turned into a workspace the sandbox can run.

A submission arrives as a folder, a ``.zip``, a ``.tar.gz`` (``.tgz``, or a plain ``.tar``),
or the assignment's notebook alone. Students often zip the folder they worked in: the
assignment's files sit beside a ``.venv/``, ``runs/``, caches, under one wrapping folder or
more. :func:`read_submission` finds the assignment's files in any such layout and reads them
alone, in two passes over the container, and writes nothing to disk:

1. **Listing** (headers only). Every entry, wherever it sits, must have a path that stays
   inside the submission (no ``..``, no absolute path or drive letter: no honest tool writes
   one, and a person who unpacks the hand-in must be safe too), and the archive must keep
   within the :class:`IntakeLimits` of what is listed: its bytes, its entries, what it
   unpacks to, and no entry packed as only a zip bomb is. What operating systems and tools
   leave behind (``__MACOSX/``, ``.DS_Store``, ``__pycache__/``, ``.git/``, ``.venv/``,
   ``site-packages/``, ...) is junk: never part of the assignment, wherever it sits.
2. **The assignment's folder** is the shallowest folder that holds a path students may hand
   in (``Assignment.may_change``): the top, ``hw3_optimizers/``, ``Downloads/hw1_autodiff/``.
   A copy deeper down (``old/mytorch/``) loses to it; two copies equally deep are refused,
   since either could be the one meant.
3. **The hand-in files** are the files of that folder that students may hand in. They alone
   meet the limits of what is read (bytes per file and together, their count); one that is a
   link or a special file is refused.
4. **Reading.** A hand-in file is read up to the size its header declares, plus one byte: a
   header that lies stops there. It must be UTF-8 text (a binary, such as weights, is
   refused), and a notebook a valid nbformat 4 notebook. The only other files read are the
   template package's files that declare the exact size of the template's copy, no further
   than that size, to tell an unchanged copy (nothing to say) from a changed one (a warning).

Every other entry is ignored and named in the notes, counted by first folder when there are
many (``.venv/ (3,112 files)``). Past the listing's checks it is never read, never counted
against the limits of what is read, never a reason to refuse the submission. That includes
weight files (``runs/mlp.npz``: the grader trains the student's code from scratch) and links
and special files, which are never followed or created (a virtual environment holds links:
``bin/python``, ``lib64``).

:func:`build_workspace` then lays the template's package down and writes the hand-in files on
top, so nothing a student hands in can land outside the workspace or replace a file that is
not theirs to change.
"""
import contextlib
import json
import re
import shutil
import tarfile
import warnings
import zipfile
import zlib
from collections import defaultdict
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path, PurePosixPath

import nbformat

from autograder.course.model import Assignment
from autograder.grading.archives import (
    Entry,
    IntakeLimits,
    SubmissionError,
    list_entries,
    megabytes,
    too_many_entries,
)

# Weight files: ignored, with a note of their own, since the grader never uses them.
WEIGHT_SUFFIXES = frozenset({".npy", ".npz", ".pt", ".pth", ".pkl", ".pickle", ".h5", ".hdf5", ".ckpt",
                             ".safetensors", ".joblib", ".onnx"})
# What operating systems and tools leave behind: no part of it is ever a student's work.
JUNK = frozenset({"__MACOSX", ".DS_Store", "Thumbs.db", "__pycache__", ".ipynb_checkpoints", ".pytest_cache",
                  ".git", ".venv", "site-packages"})
DRIVE = re.compile(r"^[A-Za-z]:")     # C: (a Windows drive) at the start of a path
PACKAGE = "mytorch"                   # the template's package, which every workspace starts from
LISTED = 10                           # paths (or folders) a note lists before it says "and N more"
# What a damaged or unsupported archive raises while it is read.
UNREADABLE = (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError, zlib.error, NotImplementedError,
              UnicodeDecodeError)


@dataclass(frozen=True)
class Submission:
    """What a student handed in, checked.

    files: {posix path relative to the assignment's folder: content}, only the files the
           student may change (``assignment.may_change``);
    notes: human-readable notes for the student: files missing, files ignored.
    """
    files: dict[str, bytes]
    notes: tuple[str, ...]


def read_submission(source: str | Path, assignment: Assignment,
                    limits: IntakeLimits = IntakeLimits()) -> Submission:
    """Read and check what a student handed in: a folder, a .zip, a .tar.gz / .tgz / .tar,
    or a single .ipynb (the assignment's notebook). Returns a :class:`Submission`; raises
    :class:`SubmissionError`, whose message is for the student, when it cannot be graded."""
    source = Path(source)
    entries = partial(list_entries, source, assignment, limits)
    try:
        listed, twice, junk = _list(entries, limits)
        top = _assignment_folder(listed, assignment)
        theirs = {path.removeprefix(top): entry for path, entry in sorted(listed.items())
                  if path.startswith(top) and assignment.may_change(path.removeprefix(top))}
        _check_handed_in(theirs, top, twice, limits)
        templates = _template_copies(listed, twice, top, theirs, assignment)
        contents = _read_files(entries, {top + path for path in theirs} | templates.keys())
    except UNREADABLE as error:
        raise SubmissionError(f"{source.name} cannot be read ({type(error).__name__}: {error}); "
                              "make a new .zip of your files and hand that in") from None
    files = {path: contents[top + path] for path in theirs}
    for path, data in files.items():
        text = _text(path, data)
        if path.endswith(".ipynb"):
            _check_notebook(path, text)
    unchanged = {path for path, template in templates.items() if contents[path] == template.read_bytes()}
    notes = _notes(assignment, top, files, listed.keys() - {top + path for path in files} - unchanged, junk)
    if source.is_file() and source.suffix.lower() == ".ipynb" and source.name != assignment.notebook:
        notes.append(f"{source.name} was graded as {assignment.notebook}")
    return Submission(files, tuple(notes))


def _notes(assignment: Assignment, top: str, files: Mapping[str, bytes], ignored: Iterable[str],
           junk: Sequence[str]) -> list[str]:
    """What the student should know about what is not graded as handed in: the hand-in files
    missing from the assignment's folder ``top``, the ``ignored`` paths and the ``junk``."""
    notes = [f"{path} is missing: the template's copy is used, so its tasks score no points"
             for path in assignment.submission if path not in files]
    weights, package, others = [], [], []
    for path in sorted(ignored):
        if PurePosixPath(path).suffix.lower() in WEIGHT_SUFFIXES:
            weights.append(path)
        elif path.startswith(f"{top}{PACKAGE}/"):
            package.append(path)
        else:
            others.append(path)
    if package:
        notes.append(f"ignored your version of {len(package):,} file(s) that are not yours to change; the "
                     f"template's copy is graded instead: {_listing(package, top)}")
    if weights:
        notes.append(f"ignored {len(weights):,} weight file(s): the grader trains your code from scratch and "
                     f"never uses weights: {_listing(weights, top)}")
    if others:
        notes.append(f"ignored {len(others):,} other file(s) that are not part of the submission: "
                     f"{_listing(others, top)}")
    if junk:
        notes.append(f"ignored {len(junk):,} file(s) that tools leave behind (virtual environments, caches, "
                     f"system files): {_listing(sorted(junk), top)}")
    return notes


def build_workspace(submission: Submission, assignment: Assignment, destination: str | Path) -> Path:
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


def _write(destination: Path, path: str, data: bytes) -> None:
    target = destination / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


# ---------------------------------------------------------------------------------------------
# The two passes and their checks.

Entries = Callable[[], Generator[Entry, None, None]]     # lists the submission's entries anew at each call


def _list(entries: Entries, limits: IntakeLimits) -> tuple[dict[str, Entry], set[str], list[str]]:
    """The first pass, on headers alone: ({normalised path: Entry} of every entry that is neither a
    folder nor junk, {the paths of those listed twice}, [junk paths]). Every path must stay inside
    the submission."""
    listed, twice, junk = {}, set(), []
    with contextlib.closing(entries()) as stream:
        for count, entry in enumerate(stream, start=1):
            if count > limits.entries:
                raise too_many_entries(limits)
            if entry.kind == "folder":
                continue     # nothing is made from a folder entry: its files carry their full paths
            path = _normalise(entry.name)
            if any(part in JUNK or part.startswith("._") for part in path.split("/")):
                junk.append(path)
                continue
            if path in listed:
                twice.add(path)
            listed[path] = entry     # the later entry wins, as it would where the archive is unpacked
    return listed, twice, junk


def _assignment_folder(paths: Iterable[str], assignment: Assignment) -> str:
    """The folder of the submission that holds the assignment's files, as a prefix of ``paths``
    ("" for the top, "Downloads/hw1_autodiff/"): the shallowest folder in which a path is one that
    students may hand in. SubmissionError when there is none, or more than one that deep."""
    depth = max(len(PurePosixPath(path).parts) for path in (*assignment.submission, *assignment.editable))
    folders = set()
    for path in paths:
        parts = path.split("/")
        folders.update("".join(f"{part}/" for part in parts[:start])
                       for start in range(max(0, len(parts) - depth), len(parts))
                       if assignment.may_change("/".join(parts[start:])))
    if not folders:
        raise SubmissionError(f"no files of the assignment found; expected e.g. {assignment.submission[0]} "
                              f"(hand in the files of {assignment.name}/ with their folders)")
    shallowest = min(folder.count("/") for folder in folders)
    tops = sorted(folder for folder in folders if folder.count("/") == shallowest)
    if len(tops) > 1:
        raise SubmissionError(f"the assignment's files are in {len(tops)} folders: {', '.join(tops)}; hand "
                              f"in one copy of {assignment.name}/")
    return tops[0]


def _check_handed_in(theirs: Mapping[str, Entry], top: str, twice: set[str], limits: IntakeLimits) -> None:
    """Refuse hand-in files (``theirs``: {path in the assignment's folder ``top``: Entry}) that are
    links or special files, held twice, or over the limits of what is read, before any is read."""
    if len(theirs) > limits.files:
        raise SubmissionError(f"the submission holds more than {limits.files:,} files of the assignment; "
                              "hand in only the files you wrote")
    total = 0
    for path, entry in theirs.items():
        if entry.kind != "file":
            raise SubmissionError(f"{entry.name} is a {entry.kind}; links and special files are not allowed, "
                                  "hand in the files themselves")
        if top + path in twice:
            raise SubmissionError(f"the submission holds {top}{path} twice; make a new .zip of your files")
        total += entry.size
        if entry.size > limits.file_bytes:
            raise SubmissionError(f"{entry.name} is {megabytes(entry.size)}, more than the "
                                  f"{megabytes(limits.file_bytes)} allowed for one file; keep data out of "
                                  "it")
        if total > limits.total_bytes:
            raise SubmissionError(f"the files of the assignment unpack to more than "
                                  f"{megabytes(limits.total_bytes)}; keep data out of them")


def _template_copies(listed: Mapping[str, Entry], twice: set[str], top: str, theirs: Mapping[str, Entry],
                     assignment: Assignment) -> dict[str, Path]:
    """{path: the template's file} of the files of the assignment's package that are not the
    student's, are listed once and declare the size of the template's copy: the only other files
    worth reading."""
    copies = {}
    for path, entry in listed.items():
        relative = path.removeprefix(top)
        if path.startswith(f"{top}{PACKAGE}/") and relative not in theirs and path not in twice \
                and entry.kind == "file":
            template = assignment.folder / relative
            if template.is_file() and template.stat().st_size == entry.size:
                copies[path] = template
    return copies


def _read_files(entries: Entries, wanted: set[str]) -> dict[str, bytes]:
    """The second pass: {path: content} of the ``wanted`` paths, which the first pass listed as files."""
    files = {}
    with contextlib.closing(entries()) as stream:
        for entry in stream:
            if entry.kind != "folder" and (path := _normalise(entry.name)) in wanted:
                files[path] = _read(entry)
                if len(files) == len(wanted):
                    break
    if files.keys() != wanted:
        raise SubmissionError(f"{', '.join(sorted(wanted - files.keys()))} changed while the submission was "
                              "read; hand it in again")
    return files


def _read(entry: Entry) -> bytes:
    """An entry's content, read up to one byte past the size it declares: a header that
    lies about the size (a zip bomb) is caught before more is unpacked."""
    with entry.open() as stream:
        data = stream.read(entry.size + 1)
    if len(data) > entry.size:
        raise SubmissionError(f"{entry.name} holds more than the {entry.size} bytes its header declares; "
                              "the archive is corrupt, make a new one")
    return data


def _normalise(name: str) -> str:
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


def _text(path: str, data: bytes) -> str:
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


def _check_notebook(path: str, text: str) -> None:
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


def _listing(paths: Sequence[str], top: str) -> str:
    """``paths`` for a note, each named from the assignment's folder ``top`` if it is inside it:
    all of them when they are few, else counted by first folder (".venv/ (3,112 files)"); at most
    LISTED of them, then "and N more"."""
    named = [path.removeprefix(top) if path.startswith(top) else path for path in paths]
    if len(named) > LISTED:
        groups = defaultdict(list)
        for path in named:
            groups[path.split("/", 1)[0]].append(path)
        named = [group[0] if len(group) == 1 else f"{first}/ ({len(group):,} files)"
                 for first, group in groups.items()]
    shown = ", ".join(named[:LISTED])
    return shown + (f" and {len(named) - LISTED} more" if len(named) > LISTED else "")
