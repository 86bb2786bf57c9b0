"""The student's feedback page as one self-contained HTML file: the content of the Markdown
page, the student's view alone (:data:`VIEW`), styled inline, with the plots embedded as base64
``data:`` URIs so the file stands alone.

The page reads from the top down in the order a student acts: the total and the score table
(each task's status in words: full, partial or zero), the notes on the submission, the failed
tests grouped by task and open, then the passed tests, folded per task in a ``<details>``
element that opens on a click without any script
(:func:`~autograder.reports.text.failures_first`). Long lines wrap, anywhere if they must, so
that nothing is wider than a phone's screen.

Every piece of text goes through :func:`html.escape` (after
:func:`~autograder.reports.text.printable`), so a student's output shows as text, never
as markup. As a second line of defence the page's Content-Security-Policy allows no
script, no external resource and only inline styles and ``data:`` images.
"""
import base64
import html
from pathlib import Path

from autograder.grading.results import GradingResult
from autograder.reports.text import (
    TaskSummary,
    failures_first,
    outcome,
    points,
    printable,
    shown_feedback,
    task_summaries,
    total,
)

FILE_NAME = "feedback.html"
VIEW = "student"
IMAGE_TYPES = {".png": "image/png", ".svg": "image/svg+xml", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem;
       overflow-wrap: break-word; }
table { border-collapse: collapse; }
th, td { padding: 0.3rem 0.5rem; border-bottom: 1px solid #ddd; text-align: left; }
td.title { overflow-wrap: anywhere; }
@media (max-width: 30rem) { table { font-size: 0.9rem; } th, td { padding: 0.3rem 0.25rem; } }
td.points, th.points { text-align: right; font-variant-numeric: tabular-nums; }
tfoot td { font-weight: bold; border-top: 2px solid #222; }
td.status { font-weight: bold; }
td.full { color: #2e7d32; }
td.partial { color: #8a5300; }
td.zero { color: #c62828; }
.test { border-left: 0.4rem solid; padding: 0.1rem 1rem; margin: 1rem 0; }
.passed { border-color: #2e7d32; }
.failed { border-color: #c62828; }
summary { cursor: pointer; font-weight: bold; padding: 0.4rem 0; }
.outcome { font-weight: bold; }
pre { background: #f5f5f5; padding: 0.6rem; white-space: pre-wrap; overflow-wrap: anywhere; }
img { max-width: 100%; }
"""


def escape(text: str) -> str:
    """``text`` safe inside HTML elements and quoted attributes."""
    return html.escape(printable(text), quote=True)


def data_uri(path: str | Path) -> str:
    """The image file at ``path`` as a ``data:`` URI."""
    path = Path(path)
    kind = IMAGE_TYPES.get(path.suffix.lower())
    if kind is None:
        raise ValueError(f"{path}: not an image the feedback page can embed ({', '.join(IMAGE_TYPES)})")
    return f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _table(result: GradingResult) -> str:
    rows = [f'<tr><td>{escape(task.number)}</td><td class="title">{escape(task.title)}</td>'
            f'<td class="status {task.status}">{task.status}</td><td class="points">{points(task.score)}</td>'
            f'<td class="points">{points(task.max_score)}</td></tr>'
            for task in task_summaries(result)]
    return ('<table>\n<thead><tr><th scope="col">Task</th><th scope="col">Title</th>'
            '<th scope="col">Status</th><th scope="col" class="points">Score</th>'
            '<th scope="col" class="points">Max</th></tr></thead>\n'
            "<tbody>\n" + "\n".join(rows) + "\n</tbody>\n"
            f'<tfoot><tr><td>Total</td><td></td><td></td><td class="points">{points(result.score)}</td>'
            f'<td class="points">{points(result.max_score)}</td></tr></tfoot>\n</table>')


def _feedback(text: str) -> str:
    return f"<pre>{escape(text)}</pre>\n" if text else ""


def _failed(task: TaskSummary) -> str:
    """A task's failed tests, shown open: each with its outcome and feedback."""
    tests = [f'<section class="test failed">\n<h4>{escape(test.name)}</h4>\n'
             f'<p><span class="outcome">failed</span>: {outcome(test)}</p>\n{_feedback(shown_feedback(test))}'
             "</section>" for test in task.with_status("failed")]
    return (f'<section>\n<h3>{escape(task.heading("failed"))}</h3>\n'
            + "\n".join(tests) + "\n</section>")


def _passed(task: TaskSummary) -> str:
    """A task's passed tests, folded under a summary that counts them."""
    tests = [f"<li>{escape(test.name)}: {outcome(test)}\n{_feedback(shown_feedback(test))}</li>"
             for test in task.with_status("passed")]
    return (f'<details class="test passed">\n<summary>{escape(task.heading("passed"))}</summary>\n'
            "<ul>\n" + "\n".join(tests) + "\n</ul>\n</details>")


def _figure(name: str, path: Path) -> str:
    return (f'<figure>\n<img alt="{escape(name)}" src="{data_uri(path)}">\n'
            f"<figcaption>{escape(name)}</figcaption>\n</figure>")


def render(result: GradingResult) -> str:
    """The page as text (checks the result first; reads the plot files)."""
    result.validate()
    body = [f"<h1>{escape(result.assignment)}: {escape(result.title)}</h1>",
            f'<p class="outcome">Score: {escape(total(result))}</p>',
            "<h2>Scores by task</h2>", _table(result)]
    if result.feedback:
        body += ["<h2>About the submission</h2>", _feedback(result.feedback)]
    failed, passed = failures_first(result)
    if failed:
        body += ["<h2>Failed tests</h2>"] + [_failed(task) for task in failed]
    if passed:
        body += ["<h2>Passed tests</h2>"] + [_passed(task) for task in passed]
    if not result.tests:
        body.append("<p>No test could be run.</p>")
    if result.artifacts:
        body += ["<h2>Plots</h2>"] + [_figure(name, path) for name, path in sorted(result.artifacts.items())]
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">\n'
            f"<title>{escape(result.assignment)}: feedback</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
            + "\n".join(body) + "\n</body>\n</html>\n")


def write(result: GradingResult, path: str | Path) -> None:
    """Write the page at ``path``."""
    Path(path).write_text(render(result), encoding="utf-8")
