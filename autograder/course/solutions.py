"""Solution regions: how the reference marks the code students will write.

nbgrader's markers, extended with the task that the region belongs to and the
text the student will see in its place::

    def backward(self, grad):
        ### BEGIN SOLUTION task1_8
        ### TODO Ā = Ȳ Bᵀ and B̄ = Aᵀ Ȳ ...
        a, b = self.saved_tensors
        ...
        ### END SOLUTION

In a student template, a region of a task of the assignment being released
becomes its TODO text as comments and
``raise NotImplementedError("Task 1.8: backward of matmul")`` (:func:`stub`); a
region of a later assignment becomes a bare raise whose message says it is not
the student's work yet (:func:`placeholder`); a region of an earlier assignment
keeps its code and loses only its markers. Every line outside a region is
copied unchanged.
"""
import re
from dataclasses import dataclass

from autograder.errors import KitError

BEGIN = re.compile(r"^(?P<indent>[ \t]*)### BEGIN SOLUTION (?P<task>\S+)[ \t]*$")
TODO = re.compile(r"^[ \t]*### TODO ?(?P<text>.*?)[ \t]*$")
END = re.compile(r"^[ \t]*### END SOLUTION[ \t]*$")
MARKER = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION\b|^[ \t]*### TODO\b")


class MarkerError(KitError, ValueError):
    """A malformed region; the message names the file and line."""


@dataclass(frozen=True)
class Region:
    task: str
    indent: str
    todo: tuple       # the TODO text, one string per line
    code: tuple       # the solution's lines, with their line endings
    line: int         # where ``### BEGIN SOLUTION`` stands, 1-based


def parse(text, source="<text>"):
    """Split ``text`` into plain lines (str, with their endings) and :class:`Region` objects."""
    parts, region = [], None
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        begin, end = BEGIN.match(line), END.match(line)
        if begin:
            if region is not None:
                raise MarkerError(f"{source}:{number}: BEGIN SOLUTION inside the region opened at line "
                                  f"{region['line']}")
            region = {"task": begin["task"], "indent": begin["indent"], "todo": [], "code": [],
                      "line": number}
        elif end:
            if region is None:
                raise MarkerError(f"{source}:{number}: END SOLUTION without a BEGIN SOLUTION")
            parts.append(Region(region["task"], region["indent"], tuple(region["todo"]),
                                tuple(region["code"]), region["line"]))
            region = None
        elif region is not None:
            todo = TODO.match(line)
            if todo and not region["code"]:
                region["todo"].append(todo["text"])
            elif MARKER.match(line):
                raise MarkerError(f"{source}:{number}: a TODO line must come right after BEGIN SOLUTION")
            else:
                region["code"].append(line)
        elif MARKER.match(line):
            raise MarkerError(f"{source}:{number}: a TODO line outside any solution region")
        else:
            parts.append(line)
    if region is not None:
        raise MarkerError(f"{source}:{region['line']}: BEGIN SOLUTION {region['task']} is never closed")
    return parts


def stub(region, task, newline="\n"):
    """The lines that replace a region of ``task`` (a :class:`~autograder.course.model.Task`) in its own
    assignment's template: the region's TODO text as comments, then a raise that names the task."""
    comment = f"{region.indent}# TODO Task {task.number} ({task.title})"
    lines = [comment + (f": {region.todo[0]}" if region.todo else "")]
    lines += [f"{region.indent}#   {text}" for text in region.todo[1:]]
    lines.append(f"{region.indent}raise NotImplementedError({task.label!r})")
    return "".join(line + newline for line in lines)


def placeholder(region, message):
    """The line that replaces a region no task of the template asks for: a bare
    ``raise NotImplementedError(message)``, without the region's TODO text."""
    return f"{region.indent}raise NotImplementedError({message!r})\n"


def render(parts, task_to_strip, replace=stub):
    """Join parts back into text. ``task_to_strip(task_id)`` returns the Task whose region is
    replaced by ``replace(region, task)`` (its TODO stub by default), or None to keep the region's
    solution code."""
    out = []
    for part in parts:
        if isinstance(part, Region):
            task = task_to_strip(part.task)
            out.append("".join(part.code) if task is None else replace(part, task))
        else:
            out.append(part)
    return "".join(out)


def regions(parts):
    return [part for part in parts if isinstance(part, Region)]
