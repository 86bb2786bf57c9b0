"""Plain-text score tables for a terminal: one submission's scores by task (:func:`render`)
and a class's scores side by side (:func:`class_table`). Columns are aligned with spaces,
text to the left and numbers to the right; nothing in them varies between runs."""
from collections.abc import Collection, Mapping, Sequence

from autograder.grading.results import GradingResult, task_number, task_order
from autograder.reports.text import points, printable, task_rows, total


def align(rows: Sequence[Sequence[str]], numeric: Collection[int]) -> list[str]:
    """The rows (lists of strings) as lines of aligned columns; columns in ``numeric`` align right."""
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    return ["  ".join(cell.rjust(width) if column in numeric else cell.ljust(width)
                      for column, (cell, width) in enumerate(zip(row, widths, strict=True))).rstrip()
            for row in rows]


def render(result: GradingResult) -> str:
    """One submission's table: task, title, score and max per task, then the total."""
    result.validate()
    rows = [["Task", "Title", "Score", "Max"]]
    rows += [[number, printable(title, lines=False), points(score), points(max_score)]
             for number, title, score, max_score in task_rows(result)]
    rows.append(["", "Total", points(result.score), points(result.max_score)])
    lines = align(rows, numeric={2, 3})
    rule = "-" * max(len(line) for line in lines)
    heading = printable(f"{result.assignment}: {result.title}", lines=False)
    body = [lines[0], rule, *lines[1:-1], rule, lines[-1]]
    return "\n".join([heading, "", *body, "", f"Score: {total(result)}"]) + "\n"


def class_table(results: Mapping[str, GradingResult]) -> str:
    """Many submissions of one assignment: a row per student (sorted), a column per task.

    results: {student: GradingResult}. The first row gives each task's maximum (the largest
    among the results, should they differ); a task missing from a student's result shows as "-".
    """
    if not results:
        return "No results.\n"
    assignments = sorted({result.assignment for result in results.values()})
    if len(assignments) > 1:
        raise ValueError(f"a class table shows one assignment, got {', '.join(assignments)}")
    for result in results.values():
        result.validate()
    maxima = {}
    for result in results.values():
        for task, (_, max_score) in result.by_task().items():
            maxima[task] = max(maxima.get(task, 0.0), max_score)
    tasks = sorted(maxima, key=task_order)
    max_score = max(result.max_score for result in results.values())
    rows = [["Student", *(task_number(task) for task in tasks), "Total"],
            ["(max)", *(points(maxima[task]) for task in tasks), points(max_score)]]
    for student in sorted(results):
        scores = results[student].by_task()
        rows.append([printable(student, lines=False),
                     *(points(scores[task][0]) if task in scores else "-" for task in tasks),
                     points(results[student].score)])
    lines = align(rows, numeric=set(range(1, len(tasks) + 2)))
    return "\n".join([assignments[0], "", lines[0], "-" * max(map(len, lines)), *lines[1:]]) + "\n"
