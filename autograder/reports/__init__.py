"""Every format a :class:`~autograder.results.GradingResult` is written in.

Each module has ``write(result, path)``, ``render(result)`` (the text it writes) and its
standard ``FILE_NAME``:

    gradescope  results.json   Gradescope's autograder output (student-facing)
    junit       junit.xml      JUnit XML for CI (instructor-facing: hidden outputs kept)
    json        result.json    our full JSON, GradingResult.to_dict (instructor-facing)
    markdown    feedback.md    the student's feedback page
    html        feedback.html  the same page, self-contained

:mod:`~autograder.reports.table` prints scores in a terminal and
:mod:`~autograder.reports.plots` draws the plots the pages show.
"""
from pathlib import Path

from autograder.reports import gradescope, html, json_report, junit, markdown

FORMATS = {"gradescope": gradescope, "junit": junit, "json": json_report, "markdown": markdown, "html": html}
WITH_PLOTS = ("json", "markdown", "html")     # the formats that show the plots, or list their files


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
