"""The text that every report shares: points as people read them, the safe form of student
text, the per-task summary and the instructor's notes by heading. What a student may read of a
test is computed once, by the grader: :func:`autograder.results.student_feedback`."""
import re

from autograder.results import task_number

# Characters kept as they are: printable text, and tab and line breaks where lines are allowed.
# Everything else (C0/C1 control characters such as a terminal escape, lone surrogates, U+FFFE/FFFF)
# is invalid in XML 1.0, garbles a terminal or breaks an encoder, so it is written as an escape.
_UNPRINTABLE = re.compile("[^\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_UNPRINTABLE_IN_A_LINE = re.compile("[^\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def points(value):
    """A score for display: at most two decimals, no trailing zeros ("2.5", "10", "3.33")."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def printable(text, lines=True):
    r"""``text`` with every unprintable character written as an escape ("\x1b", "\ud800").

    lines: keep tabs and line breaks; with False they become escapes too (for a table cell).
    """
    pattern = _UNPRINTABLE if lines else _UNPRINTABLE_IN_A_LINE
    return pattern.sub(lambda match: _escape(ord(match.group())), text)


def _escape(code):
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def instructor_sections(result, isolation=True):
    """[(heading, lines)] of the result's :class:`~autograder.results.InstructorNotes`, the empty
    ones left out, in the order a reviewer reads them: the flags, the detections and, unless
    ``isolation`` is False (the same for every submission), the sandbox's isolation."""
    notes = result.instructor
    sections = (("For review", notes.flags), ("Detected in the sandbox", notes.detections),
                ("The sandbox", notes.isolation if isolation else ()))
    return [(heading, list(lines)) for heading, lines in sections if lines]


def task_rows(result):
    """[(number, title, score, max_score)] per task, in task order: the rows of a score table."""
    return [(task_number(task), result.task_titles.get(task, ""), score, max_score)
            for task, (score, max_score) in result.by_task().items()]


def total(result):
    """"42.5 / 50 points" and, when the assignment has bonus tasks, " (bonus: up to 10 more)"."""
    bonus = f" (bonus: up to {points(result.bonus_points)} more)" if result.bonus_points else ""
    return f"{points(result.score)} / {points(result.max_score)} points{bonus}"
