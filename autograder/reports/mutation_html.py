"""The report of ``autograder mutate`` as one self-contained HTML page: the table per task, then each
mutant a reviewer must look at (survived, caught only elsewhere, waived) with its diff, and the
correct alternatives that lost points.

Every piece of text is escaped; the page loads nothing and runs no script (the feedback page's
Content-Security-Policy).
"""
from pathlib import Path

from autograder.audit.mutation import KINDS, Analysis, Outcome
from autograder.reports.html import POLICY, STYLE, escape

FILE_NAME = "mutation.html"
MORE_STYLE = """
td.points { white-space: nowrap; }
.survived { border-color: #c62828; }
.elsewhere { border-color: #ef6c00; }
.equivalent { border-color: #757575; }
.diff .add { color: #1b5e20; } .diff .del { color: #b71c1c; }
"""
HEADINGS = {"survived": "Survived: no task lost a point",
            "elsewhere": "Caught only elsewhere: another task lost the points",
            "equivalent": "Waived as equivalent"}


def render(analysis: Analysis) -> str:
    assignment = analysis.assignment
    parts = [f"<h1>Mutation analysis of {escape(assignment.name)}</h1>",
             f"<p>Mutation score <b>{100 * analysis.score:.1f} %</b>: {analysis.counts['caught']} of "
             f"{len(analysis.outcomes) - analysis.counts['equivalent']} mutants caught by their own task "
             f"({analysis.counts['equivalent']} waived as equivalent).</p>", _table(analysis)]
    for kind, heading in HEADINGS.items():
        outcomes = [o for o in analysis.outcomes if o.kind == kind]
        if outcomes:
            parts.append(f"<h2>{escape(heading)} ({len(outcomes)})</h2>")
            parts += [_mutant(outcome) for outcome in outcomes]
    losing = analysis.losing_alternatives()
    parts.append(f"<h2>Correct alternatives: {len(analysis.alternatives) - len(losing)} of "
                 f"{len(analysis.alternatives)} keep every point</h2>")
    for alternative, lost in losing:
        items = "".join(f"<li>{escape(name)}: {escape(output)}</li>" for name, output in lost.items())
        parts.append(f'<div class="test failed"><p>{escape(alternative.task)}: '
                     f"{escape(alternative.title)}</p><ul>{items}</ul></div>")
    if analysis.problems:
        parts.append("<h2>Problems</h2><ul>" + "".join(f"<li>{escape(p)}</li>" for p in analysis.problems)
                     + "</ul>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">'
            f"<title>Mutation analysis: {escape(assignment.name)}</title><style>{STYLE}{MORE_STYLE}</style>"
            "</head><body>\n" + "\n".join(parts) + "\n</body></html>\n")


def write(analysis: Analysis, path: Path) -> None:
    path.write_text(render(analysis), encoding="utf-8")


def _table(analysis: Analysis) -> str:
    tasks = {task.id: task for task in analysis.assignment.tasks}
    rows = []
    for task, counts in analysis.by_task().items():
        judged = sum(counts.values()) - counts["equivalent"]
        score = f"{100 * counts['caught'] / judged:.1f} %" if judged else "—"
        cells = [escape(f"{tasks[task].number} {tasks[task].title}"), sum(counts.values()),
                 *(counts[kind] for kind in KINDS), score]
        rows.append("<tr>" + "".join(f'<td{" class=points" * (i > 0)}>{cell}</td>'
                                     for i, cell in enumerate(cells)) + "</tr>")
    head = "".join(f"<th>{h}</th>" for h in ("Task", "Mutants", "Caught", "Elsewhere", "Survived",
                                             "Equivalent", "Score"))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _mutant(outcome: Outcome) -> str:
    mutant = outcome.mutant
    lines = []
    for line in mutant.diff.splitlines():
        kind = "add" if line.startswith("+") and not line.startswith("+++") else \
            "del" if line.startswith("-") and not line.startswith("---") else ""
        lines.append(f'<span class="{kind}">{escape(line)}</span>' if kind else escape(line))
    detail = (f"<p>Reason: {escape(outcome.reason)}</p>" if outcome.reason else
              f"<p>Lost: {escape(outcome.message)}</p>" if outcome.message else "")
    return (f'<div class="test {outcome.kind}"><p><code>{escape(mutant.key)}</code> '
            f"(line {mutant.line}, {escape(mutant.operator)})</p>{detail}"
            f'<pre class="diff">' + "\n".join(lines) + "</pre></div>")
