"""Submissions the grader's tests hand in: copies of the reference's or the untouched template's
files, as a student would hand them in, and the same with one deliberate change."""
import shutil
from pathlib import Path

from autograder.course.model import Course

COURSE = Course(Path(__file__).resolve().parents[1])


def copy_of(assignment, source, folder):
    """``folder`` holding ``assignment``'s submission files as they are under ``source`` (the
    reference's folder, or the assignment's own for its template); files ``source`` lacks are left
    out, as a student may leave them out."""
    for relative in assignment.submission:
        if (source / relative).is_file():
            (folder / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source / relative, folder / relative)
    return folder


def reference_copy(assignment, folder):
    return copy_of(assignment, COURSE.reference.parent, folder)


def template_copy(assignment, folder):
    return copy_of(assignment, assignment.folder, folder)


def replace(folder, relative, old, new):
    """The submission in ``folder`` with ``old`` replaced by ``new`` in its file ``relative``.

    ``old`` must occur exactly once: a change to the reference can never leave a test grading a
    submission that is not broken."""
    path = folder / relative
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} does not occur exactly once in {relative}"
    path.write_text(text.replace(old, new))
    return folder
