"""The nbgrader side of the course: the notebooks that students hand in.

``reference/nbgrader/`` is a real nbgrader course directory: its ``nbgrader_config.py`` and,
in ``source/<assignment>/``, each notebook with its solutions, hidden tests and model answers,
marked in nbgrader's cell metadata. The notebook students receive is what
``nbgrader generate_assignment`` makes of it. :func:`generate` runs the real command on a
temporary copy of that folder, so nothing nbgrader writes (``release/``, ``gradebook.db``)
ever lands in the repository.
"""
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from autograder.course import CourseError

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


def nbgrader(course_dir, *args, env=None):
    """Run ``nbgrader <args>`` in ``course_dir`` with this interpreter; returns its log.

    ``env`` adds environment variables (e.g. PYTHONPATH for the kernel that autograde starts).
    Raises CourseError when nbgrader is not installed or the command fails.
    """
    if importlib.util.find_spec("nbgrader") is None:
        raise CourseError("nbgrader is not installed, and the course's notebooks are made by it: "
                          "pip install -e '.[notebooks]' (or `make test`, which installs it)")
    # nbgrader runs the `alembic` script by name, so this interpreter's scripts go first on PATH.
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    environment = {**os.environ, **(env or {}), "PATH": path}
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
