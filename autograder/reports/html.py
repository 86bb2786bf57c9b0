"""The student's feedback page as one self-contained HTML file: the content of the Markdown
page, the student's view alone (:data:`VIEW`), styled inline, with the plots embedded as base64
``data:`` URIs so the file stands alone.

Every piece of text goes through :func:`html.escape` (after
:func:`~autograder.reports.text.printable`), so a student's output shows as text, never
as markup. As a second line of defence the page's Content-Security-Policy allows no
script, no external resource and only inline styles and ``data:`` images.
"""
import base64
import html
from pathlib import Path

from autograder.reports.text import points, printable, task_rows, total

FILE_NAME = "feedback.html"
VIEW = "student"
IMAGE_TYPES = {".png": "image/png", ".svg": "image/svg+xml", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
table { border-collapse: collapse; }
th, td { padding: 0.3rem 0.8rem; border-bottom: 1px solid #ddd; text-align: left; }
td.points, th.points { text-align: right; font-variant-numeric: tabular-nums; }
tfoot td { font-weight: bold; border-top: 2px solid #222; }
.test { border-left: 0.4rem solid; padding: 0.1rem 1rem; margin: 1rem 0; }
.passed { border-color: #2e7d32; }
.failed { border-color: #c62828; }
.outcome { font-weight: bold; }
pre { background: #f5f5f5; padding: 0.6rem; overflow-x: auto; white-space: pre-wrap; }
img { max-width: 100%; }
"""


def escape(text):
    """``text`` safe inside HTML elements and quoted attributes."""
    return html.escape(printable(text), quote=True)


def data_uri(path):
    """The image file at ``path`` as a ``data:`` URI."""
    path = Path(path)
    kind = IMAGE_TYPES.get(path.suffix.lower())
    if kind is None:
        raise ValueError(f"{path}: not an image the feedback page can embed ({', '.join(IMAGE_TYPES)})")
    return f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _table(result):
    rows = [f'<tr><td>{escape(number)}</td><td>{escape(title)}</td><td class="points">{points(score)}</td>'
            f'<td class="points">{points(max_score)}</td></tr>'
            for number, title, score, max_score in task_rows(result)]
    return ('<table>\n<thead><tr><th>Task</th><th>Title</th><th class="points">Score</th>'
            '<th class="points">Max</th></tr></thead>\n<tbody>\n' + "\n".join(rows) + "\n</tbody>\n"
            f'<tfoot><tr><td>Total</td><td></td><td class="points">{points(result.score)}</td>'
            f'<td class="points">{points(result.max_score)}</td></tr></tfoot>\n</table>')


def _test(test):
    kind = " (hidden test)" if test.hidden else ""
    block = f"<pre>{escape(test.feedback)}</pre>\n" if test.feedback else ""
    return (f'<section class="test {test.status}">\n<h3>{escape(test.name)}</h3>\n'
            f'<p><span class="outcome">{test.status}</span>: {points(test.score)} / '
            f"{points(test.max_score)} points{kind}</p>\n{block}</section>")


def _figure(name, path):
    return (f'<figure>\n<img alt="{escape(name)}" src="{data_uri(path)}">\n'
            f"<figcaption>{escape(name)}</figcaption>\n</figure>")


def render(result):
    """The page as text (checks the result first; reads the plot files)."""
    result.validate()
    body = [f"<h1>{escape(result.assignment)}: {escape(result.title)}</h1>",
            f'<p class="outcome">Score: {escape(total(result))}</p>',
            "<h2>Scores by task</h2>", _table(result), "<h2>Tests</h2>"]
    body += [_test(test) for test in result.tests] or ["<p>No test could be run.</p>"]
    if result.feedback:
        body += ["<h2>About the submission</h2>", f"<pre>{escape(result.feedback)}</pre>"]
    if result.artifacts:
        body += ["<h2>Plots</h2>"] + [_figure(name, path) for name, path in sorted(result.artifacts.items())]
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">\n'
            f"<title>{escape(result.assignment)}: feedback</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
            + "\n".join(body) + "\n</body>\n</html>\n")


def write(result, path):
    """Write the page at ``path``."""
    Path(path).write_text(render(result), encoding="utf-8")
