"""Gradescope's autograder archive of one assignment: ``autograder gradescope hw1``.

Gradescope unzips the archive into ``/autograder/source`` and runs its ``setup.sh`` there once, as
root, when it builds the autograder's image. For each submission it runs ``run_autograder``
(copied to ``/autograder``) as root, with the student's files in ``/autograder/submission``, and
reads ``/autograder/results/results.json``. The archive holds:

- ``setup.sh`` and ``run_autograder``, from the templates in ``infra/gradescope/``, which say
  what they do: two venvs (the sandbox's, outside the source folder, and the grader's, inside it),
  then the source folder closed to all but root; the grader with the local engine, whose sandbox
  runs the sandbox's venv as a leased uid;
- ``wheels/``: the course kit's wheel, built here from the course's files, and the wheels of its
  runtime dependencies and of the sandbox's pinned packages (``infra/docker/requirements.txt``),
  downloaded here for CPython ``python`` on manylinux x86_64. ``constraints.txt`` pins them, so
  that setup.sh installs these versions and takes from PyPI only a wheel that none of them fits
  (another Python); ``sandbox-requirements.txt`` lists the sandbox's packages;
- the course as the grader reads it (:class:`~autograder.course.model.Course`), without caches:
  ``reference/mytorch`` (the reference's values), every ``assignment.toml`` (the course's task
  ids), this assignment's folder (template, public and hidden tests) and the probe helpers every
  assignment shares (``assignments/common/hidden``); the other assignments' folders stay out;
- ``data/``: the four Fashion-MNIST files, for an assignment graded on them.

The grader's code ships inside the kit's wheel, not as a source folder that setup.sh would build:
nothing is built on Gradescope (no build backend to fetch, no build folders left behind), and the
grader installed there is the one built and tested here.

The archive is reproducible where that is cheap: its entries are sorted and have one timestamp
and fixed modes, and the kit's wheel is built with ``SOURCE_DATE_EPOCH``.
"""
import os
import re
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

from autograder.sandbox import images
from mytorch.data import fashion_mnist

TEMPLATES = Path(__file__).resolve().parents[2] / "infra" / "gradescope"
SCRIPTS = ("setup.sh", "run_autograder")      # the templates, executable in the archive
SANDBOX_VENV = "/opt/mytorch-sandbox"         # outside /autograder/source, which setup.sh closes
OLDEST_PYTHON = (3, 11)                       # pyproject.toml's requires-python
MACHINE = "x86_64"
GLIBC = "2.35"    # the newest glibc a wheel may need: Ubuntu 22.04's; bookworm has 2.36, Ubuntu 24.04 2.39
KIT = ("pyproject.toml", "README.md", "autograder", "reference/mytorch")   # the kit's wheel is built from
CACHES = ("__pycache__", "*.pyc", ".pytest_cache")
TIMESTAMP = (1980, 1, 1, 0, 0, 0)             # of every entry: the earliest a zip file can hold
SOURCE_DATE_EPOCH = "315532800"               # the same instant, for the kit's wheel
COMPRESSED = (".whl", ".gz")                  # stored as they are


def build(course, assignment, out, python, log=print):
    """Write the Gradescope archive of ``assignment`` to ``out`` (its folder made if needed) and
    return its path.

    Args:
        python: "X.Y", the python3 of the Gradescope base image; the wheels are for it.
        log: where progress goes, one line per call.

    Raises:
        ImageError: a Python older than the kit's, a wheel that pip cannot build or download, or
            Fashion-MNIST missing here for an assignment graded on it.
    """
    version = tuple(map(int, python.split("."))) if re.fullmatch(r"\d+\.\d+", python) else ()
    if version < OLDEST_PYTHON:
        raise images.ImageError(f"the course kit needs Python {'.'.join(map(str, OLDEST_PYTHON))} or newer "
                                f"on Gradescope: --python X.Y, not {python}")
    with tempfile.TemporaryDirectory(prefix="gradescope-") as folder:
        stage = Path(folder) / "archive"
        _stage_course(course, assignment, stage)
        log(f"wheel of the course kit, and wheels for CPython {python} on manylinux {MACHINE}")
        kit = _build_kit(course.root, Path(folder) / "kit", stage / "wheels")
        _stage_wheels(stage, kit, version)
        if assignment.needs_test_set:
            (stage / "data").mkdir()
            images.gzipped_fashion_mnist(stage / "data")
        values = {"@ASSIGNMENT@": assignment.name, "@PYTHON@": python, "@SANDBOX_VENV@": SANDBOX_VENV,
                  "@DATA_DIR@": str(fashion_mnist.SYSTEM_DIR), "@KIT_WHEEL@": kit.name}
        for name in SCRIPTS:
            text = (TEMPLATES / name).read_text()
            for placeholder, value in values.items():
                text = text.replace(placeholder, value)
            (stage / name).write_text(text)
        return _zip(stage, Path(out))


def _copy(source, target):
    """Copy the file or folder ``source`` to ``target``, without caches."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        shutil.copytree(source, target, ignore=shutil.ignore_patterns(*CACHES), dirs_exist_ok=True)
    else:
        shutil.copyfile(source, target)


def _stage_course(course, assignment, stage):
    """The course's files that grading ``assignment`` reads, at their places below ``stage``."""
    files = [course.reference, *(other.folder / "assignment.toml" for other in course.assignments),
             assignment.folder, *[course.shared_probes] * course.shared_probes.is_dir()]
    for path in files:
        _copy(path, stage / path.relative_to(course.root))


def _build_kit(root, folder, wheels):
    """Build the course kit's wheel from a copy of its files under ``root`` (none of pip's build
    folders lands in the course) into ``wheels``; return its path."""
    for name in KIT:
        _copy(root / name, folder / name)
    images.run_command([sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check",
                        "--no-deps", "--wheel-dir", str(wheels), str(folder)], "pip wheel of the course kit",
                       env={**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH})
    return next(wheels.glob("*.whl"))


def _stage_wheels(stage, kit, version):
    """Download, beside the ``kit`` wheel, the wheels of its dependencies and of the sandbox's pinned
    packages, resolved together (so both venvs get the same NumPy); write ``constraints.txt``, the
    versions of them all, and ``sandbox-requirements.txt``."""
    sandbox = images.DOCKER_DIR / "requirements.txt"
    images.download_wheels(kit.parent, [str(kit), f"--requirement={sandbox}"], version,
                           images.manylinux_platforms(MACHINE, GLIBC), deps=True)
    pins = sorted("==".join(wheel.name.split("-")[:2]) for wheel in kit.parent.glob("*.whl") if wheel != kit)
    (stage / "constraints.txt").write_text(
        "# The versions of the bundled wheels (wheels/), which setup.sh installs.\n" + "\n".join(pins) + "\n")
    shutil.copyfile(sandbox, stage / "sandbox-requirements.txt")


def _zip(stage, out):
    """Zip the folder ``stage`` into ``out``: entries sorted by name, each with :data:`TIMESTAMP`
    and mode 0644 (0755 for the scripts); return ``out``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    files = sorted((path.relative_to(stage).as_posix(), path) for path in stage.rglob("*") if path.is_file())
    with zipfile.ZipFile(out, "w") as archive:
        for name, path in files:
            entry = zipfile.ZipInfo(name, TIMESTAMP)
            entry.external_attr = (0o100755 if name in SCRIPTS else 0o100644) << 16
            entry.compress_type = zipfile.ZIP_STORED if name.endswith(COMPRESSED) else zipfile.ZIP_DEFLATED
            with path.open("rb") as source, archive.open(entry, "w") as target:
                shutil.copyfileobj(source, target)
    return out
