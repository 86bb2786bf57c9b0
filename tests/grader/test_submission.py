"""Intake: a submission read from a folder, a zip, a tar or a notebook, checked, and laid out as a
workspace. A student's whole working folder, in any wrapping folders and with a virtual environment,
weights and caches beside the assignment, gives the assignment's files alone. Each archive attack the
grader must survive gets a test, with the bad archive built here by zipfile or tarfile: path
traversal, links, devices, zip bombs (also with lying headers), too many or too large files, huge
headers, corrupt archives, encrypted members, binaries handed in."""
import io
import json
import os
import random
import re
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest

from autograder.course import release
from autograder.course.model import Course
from autograder.grading import submission as intake
from autograder.grading.archives import Entry
from autograder.grading.submission import (
    IntakeLimits,
    Submission,
    SubmissionError,
    build_workspace,
    read_submission,
)

COURSE = Course(Path(__file__).resolve().parents[2])
HW3 = COURSE.assignment("hw3")
HW4 = COURSE.assignment("hw4")
SGD = "mytorch/optim/sgd.py"
ADAM = "mytorch/optim/adam.py"
MINE = b"class SGD:\n    \"\"\"The student's own SGD.\"\"\"\n"
CONTAINERS = ["folder", "zip", "tar.gz", "tgz", "tar"]
NOTEBOOK = (HW4.folder / "experiments.ipynb").read_bytes()


def as_bytes(content):
    return content.encode() if isinstance(content, str) else content


def make_zip(path, files):
    """A zip at ``path`` with {name: content}, as Python's zipfile writes it; returns the path."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, as_bytes(content))
    return path


def make_tar(path, files, mode="w:gz"):
    """A tar at ``path`` with {name: content}; a TarInfo as content is added as it is (a link, a
    device, ...), without data. Returns the path."""
    with tarfile.open(path, mode) as archive:
        for name, content in files.items():
            if isinstance(content, tarfile.TarInfo):
                archive.addfile(content)
            else:
                info = tarfile.TarInfo(name)
                info.size = len(as_bytes(content))
                archive.addfile(info, io.BytesIO(as_bytes(content)))
    return path


def special(name, kind, linkname=""):
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, linkname
    return info


def make_folder(path, files):
    for name, content in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_bytes(as_bytes(content))
    return path


def zip_link(name):
    """The ZipInfo of a symbolic link at ``name``, as Info-ZIP's ``zip -y`` and macOS write it."""
    link = zipfile.ZipInfo(name)
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    return link


def pack_folder(container, folder, tmp_path):
    """The files and links under ``folder`` handed in as that folder, a .zip or a .tar.gz; links stay
    links, as tar and macOS's Archive Utility keep them."""
    if container == "folder":
        return folder
    path = tmp_path / f"submission.{container}"
    if container == "zip":
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for root, folders, files in os.walk(folder):
                for item in sorted(Path(root, name) for name in folders + files):
                    name = item.relative_to(folder).as_posix()
                    if item.is_symlink():
                        archive.writestr(zip_link(name), os.readlink(item))
                    elif item.is_file():
                        archive.write(item, name)
        return path
    with tarfile.open(path, "w:gz") as archive:
        for item in sorted(folder.iterdir()):
            archive.add(item, item.name)
    return path


def encrypt_first(path):
    """Mark the first member of the zip at ``path`` as encrypted, in its local and central header."""
    data = bytearray(path.read_bytes())
    for header, flags in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):     # the general-purpose bit flag
        data[data.find(header) + flags] |= 0x1                        # bit 0: encrypted
    path.write_bytes(bytes(data))


def pack(container, tmp_path, files):
    """``files`` handed in as a folder, a .zip, a .tar.gz, a .tgz or a .tar."""
    if container == "folder":
        return make_folder(tmp_path / "submission", files)
    if container == "zip":
        return make_zip(tmp_path / "submission.zip", files)
    return make_tar(tmp_path / f"submission.{container}", files, "w" if container == "tar" else "w:gz")


def patch(path, old, new):
    """Replace every ``old`` in the bytes of ``path`` by ``new`` (as long); the archive's headers are
    forged that way."""
    data = path.read_bytes()
    assert old in data and len(old) == len(new)
    path.write_bytes(data.replace(old, new))


def rejected(source, assignment=HW3, match=None, **limits):
    """The message of the SubmissionError that reading ``source`` raises, under ``IntakeLimits(**limits)``."""
    with pytest.raises(SubmissionError, match=match) as caught:
        read_submission(source, assignment, IntakeLimits(**limits))
    return str(caught.value)


# --- what is read --------------------------------------------------------------------------------

def test_the_handout_zip_handed_back_untouched_gives_the_template_files(tmp_path):
    handout = release.archive(HW3, release.on_disk(COURSE, HW3), tmp_path)
    submission = read_submission(handout, HW3)
    assert submission.files == {path: (HW3.folder / path).read_bytes() for path in HW3.submission}
    ignored, = submission.notes       # the package's other files are unchanged copies: nothing to say
    tests = sum(name.startswith(f"{HW3.name}/tests/") for name in zipfile.ZipFile(handout).namelist())
    assert ignored.startswith("ignored ") and "README.md" in ignored and f"tests/ ({tests} files)" in ignored


@pytest.mark.parametrize("container", CONTAINERS)
@pytest.mark.parametrize("wrapper", ["", "hw3_optimizers/", "My Submission/hw3/"])
def test_every_container_gives_the_same_files_with_any_wrapper_folder_stripped(tmp_path, container, wrapper):
    source = pack(container, tmp_path, {f"{wrapper}{SGD}": MINE, f"{wrapper}{ADAM}": "# adam\n",
                                        f"{wrapper}notes.txt": "my notes"})
    submission = read_submission(source, HW3)
    assert submission.files == {ADAM: b"# adam\n", SGD: MINE}
    assert "mytorch/optim/adagrad.py is missing: the template's copy is used, so its tasks score no points" \
        in submission.notes
    assert "ignored 1 other file(s) that are not part of the submission: notes.txt" in submission.notes


def test_backslashes_of_windows_tools_separate_folders(tmp_path):
    source = make_zip(tmp_path / "s.zip", {"hw3_optimizers\\mytorch\\optim\\sgd.py": MINE})
    assert read_submission(source, HW3).files == {SGD: MINE}


def test_changes_to_files_that_are_not_theirs_are_ignored_with_a_warning(tmp_path):
    source = make_zip(tmp_path / "s.zip", {
        SGD: MINE,
        "mytorch/nn/functional.py": "def relu(x):\n    return 'hacked'\n",
        "mytorch/my_helpers.py": "HELP = 1\n",
        "mytorch/nn/init.py": (HW3.folder / "mytorch/nn/init.py").read_bytes(),   # unchanged: no note
        "pytest.ini": "[pytest]\n",
        "tests/test_task3_1_sgd.py": "def test_nothing():\n    pass\n"})
    submission = read_submission(source, HW3)
    assert submission.files == {SGD: MINE}
    assert ("ignored your version of 2 file(s) that are not yours to change; the template's copy is graded "
            "instead: mytorch/my_helpers.py, mytorch/nn/functional.py") in submission.notes
    assert ("ignored 2 other file(s) that are not part of the submission: pytest.ini, "
            "tests/test_task3_1_sgd.py") in submission.notes
    assert not any("init.py" in note for note in submission.notes)


def test_junk_of_macos_and_python_is_ignored_unread(tmp_path):
    binary = b"\x00\x05\x16\x07 resource fork"
    source = make_zip(tmp_path / "s.zip", {
        "hw4_fashion_mnist/mytorch/models.py": "MODEL = 'mine'\n",
        "hw4_fashion_mnist/mytorch/nn/modules/._linear.py": binary,     # editable, yet junk
        "__MACOSX/hw4_fashion_mnist/mytorch/._models.py": binary,       # a second top folder
        "hw4_fashion_mnist/.DS_Store": binary,
        "hw4_fashion_mnist/mytorch/__pycache__/models.cpython-311.pyc": binary,
        "hw4_fashion_mnist/.ipynb_checkpoints/experiments-checkpoint.ipynb": "{"})
    submission = read_submission(source, HW4)
    assert submission.files == {"mytorch/models.py": b"MODEL = 'mine'\n"}
    assert any(note.startswith("ignored 5 file(s) that tools leave behind (virtual environments, caches, "
                               "system files): __MACOSX/") for note in submission.notes)


def test_a_nested_archive_is_not_unpacked(tmp_path):
    inner = make_zip(tmp_path / "inner.zip", {SGD: "print('never read')\n"}).read_bytes()
    source = make_zip(tmp_path / "s.zip", {f"hw3/{SGD}": MINE, "hw3/inner.zip": inner})
    submission = read_submission(source, HW3)
    assert submission.files == {SGD: MINE}
    assert "ignored 1 other file(s) that are not part of the submission: inner.zip" in submission.notes


def test_syntax_errors_are_left_to_the_sandbox_so_other_tasks_still_score(tmp_path):
    source = make_zip(tmp_path / "s.zip", {SGD: "def step(self:\n"})
    assert read_submission(source, HW3).files == {SGD: b"def step(self:\n"}


@pytest.mark.parametrize("files", [{}, {"README.md": "# hw3\n"}, {"__MACOSX/._sgd.py": "junk"}],
                         ids=["empty", "no-assignment-file", "junk-only"])
def test_a_submission_without_any_file_of_the_assignment_is_refused(tmp_path, files):
    message = rejected(make_zip(tmp_path / "s.zip", files))
    assert message.startswith("no files of the assignment found; expected e.g. mytorch/optim/sgd.py")


def test_an_empty_folder_is_refused(tmp_path):
    (tmp_path / "submission").mkdir()
    rejected(tmp_path / "submission", match="no files of the assignment found")


def test_nothing_handed_in_is_refused(tmp_path):
    rejected(tmp_path / "s.zip", match="nothing was handed in: s.zip is not a file or a folder")


def test_a_file_held_twice_is_refused_rather_than_one_copy_picked(tmp_path):
    source = make_zip(tmp_path / "s.zip", {SGD: MINE, "mytorch//optim/./sgd.py": "# the other one\n"})
    rejected(source, match=f"the submission holds {SGD} twice")


# --- a whole working folder ----------------------------------------------------------------------

# A virtual environment as `python -m venv .venv` and pip leave it: many small files, links, and a
# copy of the package that `pip install .` put in site-packages.
SITE = ".venv/lib/python3.11/site-packages"
VENV = {**{f"{SITE}/numpy/module_{i}.py": f"x = {i}\n" for i in range(300)},
        f"{SITE}/{SGD}": "print('the copy that pip installed')\n", ".venv/bin/activate": "# source me\n"}
VENV_LINKS = {".venv/bin/python": "python3.11", ".venv/lib64": "lib"}
# What working on the assignment leaves beside it: the data set (over the limit of a file handed in,
# and incompressible, and a link to a copy elsewhere), outputs, and the caches of Python, git and Jupyter.
DATA = "data/train-images-idx3-ubyte"
DATA_LINK = {"data/fashion-mnist": "/home/me/datasets/fashion-mnist"}
OUTPUTS = {DATA: random.Random(0).randbytes(6_000_000), "runs/mlp.npz": b"PK\x03\x04\x14\x00 weights",
           "runs/loss.png": b"\x89PNG\r\n\x1a\n\x00"}
CACHES = {"mytorch/optim/__pycache__/sgd.cpython-311.pyc": b"\xa7\r\r\n\x00",
          ".git/objects/5e/0b7d": b"x\x01", ".ipynb_checkpoints/notes-checkpoint.ipynb": "{",
          ".DS_Store": b"\x00\x00\x00\x01Bud1"}


def working_folder(path, wrapper):
    """A student's working folder at ``path``: hw3's SGD and Adam under ``wrapper``, beside a virtual
    environment and what working left behind, links included, and ``__MACOSX/`` beside the wrapper."""
    files = {SGD: MINE, ADAM: "# adam\n", **VENV, **OUTPUTS, **CACHES}
    make_folder(path, {f"{wrapper}{name}": content for name, content in files.items()}
                | {f"__MACOSX/{wrapper}mytorch/optim/._sgd.py": b"\x00\x05\x16\x07"})
    for name, target in (VENV_LINKS | DATA_LINK).items():
        os.symlink(target, path / wrapper / name)
    return path


@pytest.mark.parametrize("container", ["folder", "zip", "tar.gz"])
@pytest.mark.parametrize("wrapper", ["", "Downloads/hw3_optimizers/", "hw3_optimizers/hw3_optimizers/"])
def test_the_assignment_is_found_in_a_whole_working_folder_and_all_else_is_ignored(tmp_path, container,
                                                                                    wrapper):
    folder = working_folder(tmp_path / "work", wrapper)
    submission = read_submission(pack_folder(container, folder, tmp_path), HW3)
    assert submission.files == {ADAM: b"# adam\n", SGD: MINE}      # not the copy in site-packages
    venv = len(VENV) + len(VENV_LINKS)
    weights, others, left_behind = submission.notes[-3:]
    assert weights == ("ignored 1 weight file(s): the grader trains your code from scratch and never uses "
                       "weights: runs/mlp.npz")
    assert others == ("ignored 3 other file(s) that are not part of the submission: data/fashion-mnist, "
                      f"{DATA}, runs/loss.png")
    assert left_behind.startswith(f"ignored {venv + len(CACHES) + 1} file(s) that tools leave behind "
                                  "(virtual environments, caches, system files): ")
    assert f".venv/ ({venv} files)" in left_behind
    assert f"__MACOSX/{wrapper}mytorch/optim/._sgd.py" in left_behind      # outside the folder: in full
    workspace = build_workspace(submission, HW3, tmp_path / "workspace")
    assert files_under(workspace) == template_package(HW3)


def test_a_copy_deeper_down_loses_to_the_assignment_folder(tmp_path):
    source = make_zip(tmp_path / "s.zip", {f"hw3/{SGD}": MINE, f"hw3/old/hw3/{SGD}": "# the old one\n"})
    submission = read_submission(source, HW3)
    assert submission.files == {SGD: MINE}
    assert f"ignored 1 other file(s) that are not part of the submission: old/hw3/{SGD}" in submission.notes


def test_two_copies_of_the_assignment_equally_deep_are_refused_rather_than_one_picked(tmp_path):
    source = make_zip(tmp_path / "s.zip", {f"hw3/{SGD}": MINE, f"hw3 (old)/{SGD}": "# the old one\n"})
    assert rejected(source) == ("the assignment's files are in 2 folders: hw3 (old)/, hw3/; hand in one copy "
                                "of hw3_optimizers/")


def test_files_beside_the_assignment_count_against_no_limit_of_what_is_read(tmp_path):
    beside = {f"data/part_{i}.bin": random.Random(i).randbytes(900) for i in range(10)}
    source = make_zip(tmp_path / "s.zip", {SGD: MINE} | beside)
    limits = IntakeLimits(file_bytes=500, total_bytes=4000, files=1)
    assert read_submission(source, HW3, limits).files == {SGD: MINE}


def test_damaged_or_encrypted_files_beside_the_assignment_are_never_read(tmp_path):
    source = make_zip(tmp_path / "s.zip", {"notes/secret.txt": "my password", SGD: MINE,
                                           "notes/lies.txt": b"#" * 1_000_000})
    encrypt_first(source)
    patch(source, (1_000_000).to_bytes(4, "little"), (100).to_bytes(4, "little"))    # lies about its size
    submission = read_submission(source, HW3)
    assert submission.files == {SGD: MINE}
    assert ("ignored 2 other file(s) that are not part of the submission: notes/lies.txt, notes/secret.txt"
            in submission.notes)


# --- paths, links and special files --------------------------------------------------------------

ESCAPES = ["../sgd.py", "hw3/../../sgd.py", "hw3/mytorch/../../../sgd.py", "..\\..\\sgd.py",
           "hw3\\..\\..\\sgd.py", "/etc/cron.d/sgd.py", "\\\\server\\share\\sgd.py", "C:\\Users\\me\\sgd.py",
           "C:/sgd.py", "c:sgd.py"]


@pytest.mark.parametrize("container", ["zip", "tar.gz"])
@pytest.mark.parametrize("name", ESCAPES)
def test_paths_that_could_land_outside_the_workspace_are_refused(tmp_path, container, name):
    source = pack(container, tmp_path, {SGD: MINE, name: "import os\n"})
    rejected(source, match="is an absolute path|points outside the submission")


@pytest.mark.parametrize("name", ["mytorch/nn/modules/a\nb.py", "mytorch/nn/modules/\x1b[2Ja.py",
                                  f"mytorch/nn/modules/{'a' * 256}.py"])
def test_names_that_cannot_be_file_names_are_refused(tmp_path, name):
    rejected(make_zip(tmp_path / "s.zip", {name: "x = 1\n"}), HW4, match="is not a usable file name")


@pytest.mark.parametrize("entry, kind", [
    (special(SGD, tarfile.SYMTYPE, "/etc/passwd"), "symbolic link"),
    (special(SGD, tarfile.LNKTYPE, "/etc/passwd"), "hard link"),
    (special(SGD, tarfile.CHRTYPE), "device file"),
    (special(SGD, tarfile.BLKTYPE), "device file"),
    (special(SGD, tarfile.FIFOTYPE), "FIFO"),
], ids=lambda value: value if isinstance(value, str) else "")
def test_links_and_special_files_in_a_tar_are_refused(tmp_path, entry, kind):
    source = make_tar(tmp_path / "s.tar.gz", {ADAM: "# adam\n", SGD: entry})
    assert rejected(source).startswith(f"{SGD} is a {kind}; links and special files are not allowed")


def test_a_symbolic_link_in_a_zip_is_refused(tmp_path):
    with zipfile.ZipFile(tmp_path / "s.zip", "w") as archive:
        archive.writestr(zip_link(SGD), "/etc/passwd")
    rejected(tmp_path / "s.zip", match=f"{SGD} is a symbolic link")


@pytest.mark.parametrize("make, kind", [
    (lambda path: os.symlink("/etc/passwd", path), "symbolic link"),
    (lambda path: os.symlink("/etc", path), "symbolic link"),
    (os.mkfifo, "FIFO"),
], ids=["link-to-file", "link-to-folder", "fifo"])
def test_links_and_special_files_in_a_folder_are_refused_never_followed(tmp_path, make, kind):
    folder = make_folder(tmp_path / "submission", {ADAM: "# adam\n"})
    make(folder / "mytorch" / "optim" / "sgd.py")
    rejected(folder, match=f"mytorch/optim/sgd.py is a {kind}")


# --- sizes and bombs -----------------------------------------------------------------------------

@pytest.mark.parametrize("name", [SGD, ".venv/lib/notes.txt"], ids=["handed-in", "beside"])
def test_a_zip_bomb_anywhere_is_refused_by_its_declared_sizes_before_it_is_unpacked(tmp_path, name):
    source = make_zip(tmp_path / "s.zip", {SGD: MINE} | {name: bytes(6_000_000)})
    assert source.stat().st_size < 20_000
    message = rejected(source)
    assert re.fullmatch(f"{name} is 6 MB, more than the 5 MB allowed for a file packed over 100 : 1, and is "
                        r"packed [\d,]+ : 1, as zip bombs are; make a new .zip without it", message), message


def test_a_file_handed_in_over_its_limit_is_refused_before_it_is_read(tmp_path):
    source = make_zip(tmp_path / "s.zip", {SGD: random.Random(0).randbytes(2000)})     # read, it is no text
    assert rejected(source, file_bytes=1000) == (f"{SGD} is 2,000 bytes, more than the 1,000 bytes allowed "
                                                 "for one file; keep data out of it")


def test_many_files_that_together_unpack_too_large_are_refused(tmp_path):
    files = {f"mytorch/nn/modules/m{i}.py": b"#" * 900 for i in range(5)}
    rejected(make_zip(tmp_path / "s.zip", files), HW4,
             match="the files of the assignment unpack to more than 4,000 bytes", total_bytes=4000)


def test_too_many_files_handed_in_are_refused(tmp_path):
    files = {f"mytorch/nn/modules/m{i}.py": "x = 1\n" for i in range(6)}
    rejected(make_zip(tmp_path / "s.zip", files), HW4,
             match="holds more than 5 files of the assignment; hand in only the files you wrote", files=5)


def test_a_zip_that_declares_too_much_in_all_is_refused(tmp_path):
    source = make_zip(tmp_path / "s.zip", {SGD: MINE} | {f".venv/m{i}.so": bytes(400) for i in range(5)})
    rejected(source, match="s.zip unpacks to more than 1,000 bytes", unpacked_bytes=1000)


def test_a_zip_whose_headers_lie_about_the_size_is_stopped(tmp_path):
    source = make_zip(tmp_path / "s.zip", {SGD: b"#" * 1_000_000})
    true_size = (1_000_000).to_bytes(4, "little")
    patch(source, true_size, (100).to_bytes(4, "little"))     # the local and the central header
    rejected(source, match="cannot be read")


def test_reading_stops_one_byte_past_the_declared_size():
    requested = []

    class Stream(io.BytesIO):
        def read(self, size=-1):
            requested.append(size)
            return super().read(size)

    entry = Entry(SGD, "file", 10, lambda: Stream(b"#" * 1_000_000))
    with pytest.raises(SubmissionError, match="holds more than the 10 bytes its header declares"):
        intake._read(entry)
    assert requested == [11]


def test_a_tar_gz_is_capped_once_decompressed(tmp_path):
    source = make_tar(tmp_path / "s.tar.gz", {SGD: b"#" * 3_000_000})
    assert source.stat().st_size < 100_000
    rejected(source, match="s.tar.gz unpacks to more than 1 MB", unpacked_bytes=1_000_000)


def test_a_tar_header_too_large_to_hold_in_memory_is_refused(tmp_path):
    info = tarfile.TarInfo(SGD)
    info.size, info.pax_headers = len(MINE), {"comment": "#" * 2_000_000}     # tarfile reads it whole
    with tarfile.open(tmp_path / "s.tar.gz", "w:gz", format=tarfile.PAX_FORMAT) as archive:
        archive.addfile(info, io.BytesIO(MINE))
    rejected(tmp_path / "s.tar.gz", match="s.tar.gz holds a tar header of more than 1 MB")


@pytest.mark.parametrize("container", CONTAINERS)
def test_too_many_entries_are_refused(tmp_path, container):
    files = {f".venv/m{i}.py": "x = 1\n" for i in range(6)}
    rejected(pack(container, tmp_path, files), HW4, match="holds more than 5 files and folders", entries=5)


def test_a_zip_is_counted_by_its_end_record_before_its_directory_is_read(tmp_path):
    source = make_zip(tmp_path / "s.zip", {SGD: MINE})
    data = bytearray(source.read_bytes())
    end = data.rfind(b"PK\x05\x06")
    data[end + 10:end + 12] = (60_000).to_bytes(2, "little")      # the count of entries it declares
    source.write_bytes(bytes(data))
    rejected(source, match="holds more than 50,000 files and folders", entries=50_000)


def test_a_zip_of_more_than_65535_entries_is_counted_by_its_zip64_end_record(tmp_path):
    source = tmp_path / "s.zip"
    with zipfile.ZipFile(source, "w") as archive:       # 70,000 entries: zipfile writes a zip64 end record
        for index in range(70_000):
            archive.writestr(f"hw1_autodiff/.venv/{index}", "")
    data = bytearray(source.read_bytes())
    record = data.rfind(b"PK\x06\x06")                    # its end record says 65,535: "see the zip64 one"
    data[record + 32:record + 40] = (200_000).to_bytes(8, "little")    # the count of entries it declares
    source.write_bytes(bytes(data))
    rejected(source, match="holds more than 100,000 files and folders", entries=100_000)


def test_an_archive_too_large_on_disk_is_refused_unread(tmp_path):
    source = make_zip(tmp_path / "s.zip", {SGD: MINE})
    rejected(source, match=r"s.zip is [\d,]+ bytes, more than the 100 bytes allowed",
             archive_bytes=100)


def test_a_folder_too_large_is_refused(tmp_path):
    folder = make_folder(tmp_path / "submission", {SGD: MINE, "data/train.bin": b"\x00" * 200})
    rejected(folder, match="the submitted folder holds more than 100 bytes", archive_bytes=100)


# --- damaged archives ----------------------------------------------------------------------------

def truncated(path):
    path.write_bytes(path.read_bytes()[:-60])
    return path


@pytest.mark.parametrize("make", [
    lambda tmp: tmp.joinpath("s.zip").write_bytes(b"this is no zip") and tmp / "s.zip",
    lambda tmp: tmp.joinpath("s.tar.gz").write_bytes(b"this is no gzip") and tmp / "s.tar.gz",
    lambda tmp: tmp.joinpath("s.tar").write_bytes(b"this is no tar" * 100) and tmp / "s.tar",
    lambda tmp: truncated(make_zip(tmp / "s.zip", {SGD: MINE * 100})),
    lambda tmp: truncated(make_tar(tmp / "s.tgz", {SGD: os.urandom(4000)})),
], ids=["not-zip", "not-gzip", "not-tar", "truncated-zip", "truncated-tgz"])
def test_a_corrupt_archive_is_refused(tmp_path, make):
    rejected(make(tmp_path), match="cannot be read .*; make a new .zip of your files")


def test_a_zip_whose_names_claim_utf8_but_are_not_is_refused(tmp_path):
    source = make_zip(tmp_path / "s.zip", {"mytorch/optim/sgd_é.py": MINE})
    patch(source, "é".encode(), b"\xff\xff")
    rejected(source, match="cannot be read")


@pytest.mark.parametrize("name", ["s.rar", "s.7z", "sgd.py", "s"])
def test_an_unsupported_kind_of_file_is_refused(tmp_path, name):
    (tmp_path / name).write_bytes(b"Rar!\x1a\x07\x00")
    message = rejected(tmp_path / name, match="is not a kind of file the grader reads")
    assert message.endswith("hand in a .zip or a .tar.gz of your files")


def test_an_encrypted_zip_member_is_refused(tmp_path):
    source = make_zip(tmp_path / "s.zip", {SGD: MINE})
    encrypt_first(source)
    rejected(source, match=f"{SGD} is encrypted; hand in a .zip without a password")


def test_damaged_archives_give_a_message_and_nothing_else(tmp_path):
    """Random damage to a good zip, tar.gz and tar: every outcome is a Submission or a SubmissionError."""
    files = {f"hw3/{path}": (HW3.folder / path).read_bytes() for path in HW3.submission}
    rng = random.Random(0)
    for container in ("zip", "tar.gz", "tar"):
        good = pack(container, tmp_path, files).read_bytes()
        for _ in range(150):
            damaged = bytearray(good)
            for _ in range(rng.randint(1, 6)):
                damaged[rng.randrange(len(damaged))] = rng.randrange(256)
            source = tmp_path / f"damaged.{container}"
            source.write_bytes(bytes(damaged))
            try:
                read_submission(source, HW3)
            except SubmissionError:
                pass


# --- weights and binaries ------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["runs/mlp.npz", "mytorch/models.pt", "weights/model.NPY"])
def test_weight_files_beside_the_code_are_ignored_with_a_note_and_never_reach_the_workspace(tmp_path, name):
    source = make_zip(tmp_path / "s.zip", {f"hw4/{path}": "x = 1\n" for path in HW4.submission[:-1]}
                      | {f"hw4/{name}": b"\x93NUMPY weights"})
    submission = read_submission(source, HW4)
    assert submission.files.keys() == set(HW4.submission[:-1])
    assert ("ignored 1 weight file(s): the grader trains your code from scratch and never uses weights: "
            f"{name}") in submission.notes
    assert not (build_workspace(submission, HW4, tmp_path / "workspace") / name).exists()


@pytest.mark.parametrize("content, reason", [
    (b"x = 1\x00\x00\x93NUMPY", "a NUL byte at offset 5"),
    ("# caf\u00e9\nx = 1\n".encode("latin-1"), "byte 0xe9 at offset 5"),
    ("x = 1\n".encode("utf-16"), "a NUL byte at offset 3"),
], ids=["nul", "latin-1", "utf-16"])
def test_a_file_of_theirs_that_is_not_utf8_text_is_refused(tmp_path, content, reason):
    message = rejected(make_zip(tmp_path / "s.zip", {SGD: content}))
    assert message == (f"{SGD} is not UTF-8 text ({reason}): shipping weights or other binaries is not "
                       "allowed, train in code; save source files and notebooks as UTF-8")


def test_binary_files_that_are_not_theirs_are_only_ignored(tmp_path):
    source = make_zip(tmp_path / "s.zip", {SGD: MINE, "figures/loss.png": b"\x89PNG\r\n\x1a\n\x00"})
    assert read_submission(source, HW3).files == {SGD: MINE}


# --- notebooks -----------------------------------------------------------------------------------

def notebook_bytes(**changes):
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []} | changes).encode()


def test_the_notebook_alone_is_a_submission(tmp_path):
    (tmp_path / "experiments.ipynb").write_bytes(NOTEBOOK)
    submission = read_submission(tmp_path / "experiments.ipynb", HW4)
    assert submission.files == {"experiments.ipynb": NOTEBOOK}
    assert "mytorch/models.py is missing: the template's copy is used, so its tasks score no points" \
        in submission.notes


def test_a_notebook_under_another_name_is_graded_as_the_assignments_notebook(tmp_path):
    (tmp_path / "experiments (1).ipynb").write_bytes(NOTEBOOK)
    submission = read_submission(tmp_path / "experiments (1).ipynb", HW4)
    assert submission.files == {"experiments.ipynb": NOTEBOOK}
    assert "experiments (1).ipynb was graded as experiments.ipynb" in submission.notes


def test_a_notebook_for_an_assignment_without_one_is_refused(tmp_path):
    (tmp_path / "experiments.ipynb").write_bytes(NOTEBOOK)
    rejected(tmp_path / "experiments.ipynb", HW3, match="hw3_optimizers has no notebook")


def test_a_notebook_that_is_not_json_is_refused_with_the_place_of_the_error(tmp_path):
    (tmp_path / "experiments.ipynb").write_text('{\n  "cells": []\n    "metadata": {}\n}\n')
    message = rejected(tmp_path / "experiments.ipynb", HW4)
    assert message == "experiments.ipynb is not valid JSON: Expecting ',' delimiter: line 3 column 5"


@pytest.mark.parametrize("content, problem", [
    (json.dumps([1, 2]).encode(), "is not an nbformat 4 notebook (its nbformat is None)"),
    (notebook_bytes(nbformat=3), "is not an nbformat 4 notebook (its nbformat is 3)"),
    (notebook_bytes(cells=[{"cell_type": "code", "source": 5}]), "is not a valid notebook: "),
    (notebook_bytes(cells=5), "is not a valid notebook: "),
    (notebook_bytes(nbformat_minor="five"), "is not a valid notebook: "),
], ids=["a-list", "nbformat-3", "bad-cell", "cells-not-a-list", "minor-not-a-number"])
def test_a_notebook_that_nbformat_rejects_is_refused(tmp_path, content, problem):
    source = make_zip(tmp_path / "s.zip", {"hw4/experiments.ipynb": content,
                                           "hw4/mytorch/models.py": "x = 1\n"})
    assert rejected(source, HW4).startswith(f"experiments.ipynb {problem}")


# --- the workspace -------------------------------------------------------------------------------

def files_under(folder):
    return {path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file()}


def template_package(assignment):
    package = assignment.folder / "mytorch"
    return {f"mytorch/{path}" for path in files_under(package) if "__pycache__" not in path}


def test_the_workspace_is_the_template_package_with_the_submission_on_top(tmp_path):
    notebook = notebook_bytes()
    source = make_zip(tmp_path / "s.zip", {"hw4/mytorch/models.py": "MODEL = 'mine'\n",
                                           "hw4/mytorch/nn/modules/my_layer.py": "class Mine: ...\n",
                                           "hw4/experiments.ipynb": notebook,
                                           "hw4/tests/test_task4_1.py": "assert False\n",
                                           "hw4/assignment.toml": "[assignment]\n"})
    workspace = build_workspace(read_submission(source, HW4), HW4, tmp_path / "workspace")
    assert workspace == tmp_path / "workspace"
    added = {"mytorch/nn/modules/my_layer.py", "experiments.ipynb"}
    assert files_under(workspace) == template_package(HW4) | added
    assert (workspace / "mytorch/models.py").read_bytes() == b"MODEL = 'mine'\n"
    assert (workspace / "experiments.ipynb").read_bytes() == notebook
    assert (workspace / "mytorch/train.py").read_bytes() == (HW4.folder / "mytorch/train.py").read_bytes()


def test_a_missing_file_leaves_the_template_stub_in_the_workspace(tmp_path):
    workspace = build_workspace(read_submission(make_zip(tmp_path / "s.zip", {SGD: MINE}), HW3), HW3,
                                tmp_path / "workspace")
    assert files_under(workspace) == template_package(HW3)
    assert (workspace / SGD).read_bytes() == MINE
    assert (workspace / ADAM).read_bytes() == (HW3.folder / ADAM).read_bytes()
    assert "NotImplementedError" in (workspace / ADAM).read_text()


@pytest.mark.parametrize("path", ["../escaped.py", "/tmp/escaped.py", "mytorch/../../escaped.py",
                                  "tests/test_task3_1_sgd.py", "assignment.toml"])
def test_the_workspace_refuses_files_that_no_submission_could_hold(tmp_path, path):
    forged = Submission({SGD: MINE, path: b"print('escaped')\n"}, ())
    with pytest.raises(ValueError):
        build_workspace(forged, HW3, tmp_path / "nested" / "workspace")
    assert not (tmp_path / "nested").exists(), "nothing is written"


def test_the_workspace_must_start_empty(tmp_path):
    (tmp_path / "workspace").mkdir()
    (tmp_path / "workspace" / "left_over.py").write_text("")
    with pytest.raises(FileExistsError):
        build_workspace(Submission({SGD: MINE}, ()), HW3, tmp_path / "workspace")
