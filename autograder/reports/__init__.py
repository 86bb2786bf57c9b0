"""Every format a :class:`~autograder.grading.results.GradingResult` is written in, and the view each
one is written for.

Each module has ``write(result, path)``, ``render(result)`` (the text it writes), its standard
``FILE_NAME`` and its ``VIEW``: "student" (what a student may read: scores, statuses, the
grader's filtered feedback) or "instructor" (the student's view and the rest: full messages, the
sandbox's isolation, detections, flags for review):

    gradescope  results.json   Gradescope's autograder output        student
    markdown    feedback.md    the student's feedback page           student
    html        feedback.html  the same page, self-contained         student
    instructor  instructor.md  the instructor's page                 instructor
    json        result.json    our full JSON, GradingResult.to_dict  instructor
    junit       junit.xml      JUnit XML for CI                      instructor

:mod:`~autograder.reports.table` prints scores in a terminal and
:mod:`~autograder.reports.plots` draws the plots the pages show.
"""
from pathlib import Path

from autograder.reports import gradescope, html, instructor, json_report, junit, markdown

FORMATS = {"gradescope": gradescope, "markdown": markdown, "html": html, "instructor": instructor,
           "json": json_report, "junit": junit}
VIEWS = ("student", "instructor")
# The formats that show the plots, for which grading draws them (matplotlib needed); json lists the
# plots drawn for these (the result's artifacts) and, alone, has none drawn.
WITH_PLOTS = ("markdown", "html", "instructor")


def view(name):
    """The view the format ``name`` is written for: "student" or "instructor"."""
    return FORMATS[name].VIEW


def formats_of(view_name):
    """The names of the formats written for ``view_name``, in FORMATS's order."""
    return [name for name, module in FORMATS.items() if module.VIEW == view_name]


def write_all(result, out_dir, formats=tuple(FORMATS)):
    """Write ``result`` in each of ``formats`` into ``out_dir`` (created if needed).

    Returns {format: path of the file written}. An unknown format raises ValueError
    before anything is written.
    """
    unknown = [name for name in formats if name not in FORMATS]
    if unknown:
        raise ValueError(f"unknown report format(s) {', '.join(unknown)}; known: {', '.join(FORMATS)}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name in formats:
        paths[name] = out_dir / FORMATS[name].FILE_NAME
        FORMATS[name].write(result, paths[name])
    return paths
