"""The nbgrader side of the course: the notebooks that students hand in.

``reference/nbgrader_course/`` is a real nbgrader course directory: its ``nbgrader_config.py`` and,
in ``source/<assignment>/``, each notebook with its solutions, hidden tests and model answers,
marked in nbgrader's cell metadata. The notebook students receive is what
``nbgrader generate_assignment`` makes of it. :func:`generate` runs the real command on a
temporary copy of that folder, so nothing nbgrader writes (``release/``, ``gradebook.db``)
ever lands in the repository.
"""
import contextlib
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from autograder.course.model import CourseError

CONFIG = "nbgrader_config.py"
SOURCE = "source"


def copy_course(course, destination):
    """Copy the nbgrader course directory's config and source notebooks to ``destination``,
    a new folder; returns its path."""
    destination = Path(destination)
    destination.mkdir(parents=True)
    shutil.copy2(course.nbgrader / CONFIG, destination / CONFIG)
    shutil.copytree(course.nbgrader / SOURCE, destination / SOURCE,
                    ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    return destination


def require_nbgrader():
    """Raise CourseError, saying how to install it, unless nbgrader is installed (an optional
    dependency: the notebooks and the nbgrader export need it). A folder called ``nbgrader`` on the
    import path, without an ``__init__.py``, is a namespace package (a spec without an origin),
    not nbgrader: ``python -m nbgrader`` would fail with "No module named nbgrader.__main__"."""
    spec = importlib.util.find_spec("nbgrader")
    if spec is None or spec.origin is None:
        raise CourseError("nbgrader is not installed, and the course's notebooks are made by it: "
                          "pip install -e '.[notebooks]' (or `make test`, which installs it)")


def course_id(course):
    """The course id that the course directory's nbgrader_config.py sets (``"mytorch"``), or
    nbgrader's gradebook default where it sets none; read with traitlets, as nbgrader reads it."""
    require_nbgrader()
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader(CONFIG, path=str(course.nbgrader)).load_config()
    return config.CourseDirectory.get("course_id") or "default_course"


def scripts_path():
    """PATH with this interpreter's scripts first: nbgrader runs the `alembic` script by name (to stamp
    the schema version of a gradebook it creates), and must find this environment's."""
    return os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])


@contextlib.contextmanager
def scripts_on_path():
    """Within, os.environ's PATH is :func:`scripts_path`: for nbgrader's API used in this process."""
    saved = os.environ.get("PATH")
    os.environ["PATH"] = scripts_path()
    try:
        yield
    finally:
        if saved is None:
            del os.environ["PATH"]
        else:
            os.environ["PATH"] = saved


def nbgrader(course_dir, *args, env=None):
    """Run ``nbgrader <args>`` in ``course_dir`` with this interpreter; returns its log.

    ``env`` adds environment variables (e.g. PYTHONPATH for the kernel that autograde starts).
    Raises CourseError when nbgrader is not installed or the command fails.
    """
    require_nbgrader()
    environment = {**os.environ, **(env or {}), "PATH": scripts_path()}
    result = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course_dir, env=environment,
                            capture_output=True, text=True)
    log = result.stdout + result.stderr
    if result.returncode != 0:
        raise CourseError(f"`nbgrader {' '.join(args)}` failed in {course_dir}:\n{log[-4000:]}")
    return log


def generate(course, assignment):
    """The text of ``assignment``'s notebook as students receive it: the output of
    ``nbgrader generate_assignment`` (solutions, hidden tests and model answers removed)."""
    with tempfile.TemporaryDirectory() as temporary:
        course_dir = copy_course(course, Path(temporary) / "nbgrader")
        nbgrader(course_dir, "generate_assignment", assignment.name, "--force")
        return (course_dir / "release" / assignment.name / assignment.notebook).read_text(encoding="utf-8")
