"""The course check that no solution enters the sandbox: ``autograder check-course`` fails on a leak.

Student code can read every file the sandbox receives, so none of them may hold what students are
to write or what only the grader knows. :func:`solution_leaks` compares each file the grader sends
into an assignment's sandbox (:func:`sandbox_files`: the harness, the probes and their helpers)
with
- the reference's solution regions of this assignment's tasks and of later assignments' (the
  earlier ones' are in the template already, by design);
- the hidden folders' files that no sandbox receives: the correct alternatives, the reviewed
  equivalent mutants, anything else there but the modules that other assignments' sandboxes
  receive (their probes and helpers, checked with their own assignment: probes share idioms).

The rest of the workspace is the student's template, which ``autograder release --check`` keeps
equal to a fresh release, and, for hw4, the held-out images: arrays, no code.

Both sides are compared as their significant lines (:func:`significant_lines`): blank lines,
comments, trivial lines (``return out``, ``pass``, ``else:``: fewer than :data:`LEAST_WORDS`
words) and lines that public text holds (the public text of :mod:`autograder.grading.redaction`, such as
the template's) are left out, and whitespace is collapsed, so that re-indenting or re-wrapping
hides nothing. A file copies a source when they share runs of at least
:data:`~autograder.grading.redaction.MIN_RUN` characters of those lines, joined, that no public text has,
and those runs cover whole lines of the source, MIN_RUN characters of them at least: an idiom
(``x, = self.saved_tensors`` and the start of the next line) is no copy.

What this cannot see: a solution rewritten (other names, another algorithm) is no copy of any
text. It finds code pasted from the reference or from the hidden folders, as a stand-in written
in haste would be.
"""
import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from autograder.course import solutions
from autograder.course.model import Assignment, Course
from autograder.grading.redaction import (
    MIN_RUN,
    Fingerprints,
    files_under,
    kgram_hashes,
    normalise,
    public_texts,
    read_text,
)
from autograder.sandbox.harness import HARNESS_FILES

if TYPE_CHECKING:
    from autograder.grading.grader import Grader

LEAST_WORDS = 3          # a line with fewer words (names, numbers, keywords) is trivial
WORD = re.compile(r"\w+")


def significant_lines(lines: Iterable[str], first: int = 1,
                      public: Collection[str] = frozenset()) -> list[tuple[int, str]]:
    """``[(line number, the line with its whitespace collapsed)]`` of the lines that count, numbered
    from ``first``: no blank line, no comment, no line of fewer than LEAST_WORDS words, and no line
    of the set ``public`` (collapsed lines that students are given)."""
    kept = []
    for number, line in enumerate(lines, start=first):
        text = " ".join(line.split())
        if not text.startswith("#") and len(WORD.findall(text)) >= LEAST_WORDS and text not in public:
            kept.append((number, text))
    return kept


class Source:
    """Text compared line by line: its significant lines joined by spaces, where each of them lies
    in that text, the hashes of its k-grams (normalised as :mod:`autograder.grading.redaction` does), and
    its description."""
    lines: list[tuple[int, int, int]]     # (line number, start, end in the text) of each significant line

    def __init__(self, what: str, lines: Sequence[tuple[int, str]]) -> None:
        self.what, self.text, self.lines = what, " ".join(text for _, text in lines), []
        at = 0
        for number, text in lines:
            self.lines.append((number, at, at + len(text)))
            at += len(text) + 1
        codes, self.origin = normalise(self.text)
        self.hashes = kgram_hashes(codes, MIN_RUN)

    def span(self, position: int) -> tuple[int, int]:
        """``(start, end)`` in the text of the k-gram whose hash is ``hashes[position]``."""
        return int(self.origin[position]), int(self.origin[position + MIN_RUN - 1]) + 1

    def copied(self, covered: np.ndarray) -> tuple[list[int], int]:
        """``(numbers, characters)`` of the lines that ``covered`` (a boolean per character) covers
        whole: their numbers and how many characters they hold together."""
        whole = [(number, end - start) for number, start, end in self.lines if covered[start:end].all()]
        return [number for number, _ in whole], sum(size for _, size in whole)

    def touched(self, start: int, end: int) -> list[int]:
        """The numbers of the lines that characters ``start`` … ``end`` − 1 reach."""
        return [number for number, first, last in self.lines if first < end and start < last]


def sandbox_files(grader: "Grader") -> list[Path]:
    """Every file that ``grader`` (a :class:`~autograder.grading.grader.Grader`) sends into its sandbox
    besides the workspace: the harness, the probe modules and their helpers."""
    return [*HARNESS_FILES, grader.probes, *grader.support]


def secret_sources(course: Course, assignment: Assignment, sent: Iterable[str | Path],
                   public: Collection[str]) -> list[Source]:
    """The :class:`Source` objects of ``assignment``'s check: the solution regions of its tasks and
    of later assignments', and the hidden files that no sandbox receives, without the lines of the
    set ``public``. A hidden file named like one of the files ``sent`` (another assignment's
    ``probes.py``) is a sandbox's module, checked with its own assignment: the probes share idioms."""
    due = {task.id for a in course.assignments if a.number >= assignment.number for task in a.tasks}
    sources = []
    for path in files_under(course.reference):
        if path.suffix != ".py":
            continue
        relative = path.relative_to(course.root).as_posix()
        for region in solutions.regions(solutions.parse(path.read_text(), source=str(path))):
            if region.task in due:
                first = region.line + 1 + len(region.todo)        # the line of its first code line
                sources.append(Source(f"the solution of {region.task} in {relative}",
                                      significant_lines(region.code, first, public)))
    modules = {Path(path).name for path in sent}      # another assignment's probes.py is its sandbox's
    for folder in [course.shared_probes, *(a.hidden_tests for a in course.assignments)]:
        for path in files_under(folder):
            text = read_text(path)
            if path.name not in modules and text is not None:
                sources.append(Source(path.relative_to(course.root).as_posix(),
                                      significant_lines(text.splitlines(), public=public)))
    return sources


class Index:
    """Where each secret k-gram of the sources lies: sorted hashes, and beside each the source that
    has it and its position among that source's hashes. The k-grams that a public text has too are
    left out."""

    def __init__(self, sources: Sequence[Source], public: Fingerprints) -> None:
        hashes = [source.hashes for source in sources]
        owners = np.concatenate([np.full(len(h), n, dtype=np.int64) for n, h in enumerate(hashes)] or [[]])
        offsets = np.concatenate([np.arange(len(h), dtype=np.int64) for h in hashes] or [[]])
        hashes = np.concatenate(hashes or [np.empty(0, np.uint64)])
        kept = ~public.holds(hashes)
        order = np.argsort(hashes[kept], kind="stable")
        self.keys, self.owners, self.offsets = (a[kept][order] for a in (hashes, owners, offsets))

    def matches(self, hashes: np.ndarray) -> Iterator[tuple[int, int, int]]:
        """``(position in hashes, source, position in the source's hashes)`` of every secret k-gram."""
        low = np.searchsorted(self.keys, hashes, "left")
        high = np.searchsorted(self.keys, hashes, "right")
        for at in np.flatnonzero(high > low):
            for owner, offset in zip(self.owners[low[at]:high[at]], self.offsets[low[at]:high[at]]):
                yield int(at), int(owner), int(offset)


def solution_leaks(course: Course, assignment: Assignment, grader: "Grader | None" = None) -> list[str]:
    """Every leak into ``assignment``'s sandbox, in words: the file sent, its lines, and the solution
    region or hidden file they copy (see the module's docstring). Empty when there is none.
    ``grader`` says what is sent (:func:`sandbox_files`); by default the local engine's Grader of
    the assignment."""
    if grader is None:
        from autograder.grading.grader import Grader
        grader = Grader(course, assignment)
    sent = sandbox_files(grader)
    public_lines = [significant_lines(text.splitlines()) for text in public_texts(course)]
    sources = secret_sources(course, assignment, sent, {text for lines in public_lines for _, text in lines})
    index = Index(sources, Fingerprints.of(" ".join(text for _, text in lines) for lines in public_lines))
    problems = []
    for path in sent:
        text = read_text(path)
        if text is None:
            continue
        copy = Source(_shown(path, course), significant_lines(text.splitlines()))
        lines, covered = defaultdict(set), {}     # by source: the copy's lines, the source's characters
        for at, owner, offset in index.matches(copy.hashes):
            lines[owner].update(copy.touched(*copy.span(at)))
            if owner not in covered:
                covered[owner] = np.zeros(len(sources[owner].text), dtype=bool)
            start, end = sources[owner].span(offset)
            covered[owner][start:end] = True
        for owner in sorted(lines):
            whole, size = sources[owner].copied(covered[owner])
            if size >= MIN_RUN:
                problems.append(f"{copy.what}, {_ranges(sorted(lines[owner]))}, sent into the sandbox, "
                                f"copies {sources[owner].what}: its {_ranges(whole)}")
    return problems


def _shown(path: str | Path, course: Course) -> str:
    """``path`` from the course's root when it lies there, else from the grader's package."""
    path = Path(path).resolve()
    for base in (course.root.resolve(), Path(__file__).resolve().parents[2]):
        if path.is_relative_to(base):
            return path.relative_to(base).as_posix()
    return str(path)


def _ranges(lines: Sequence[int]) -> str:
    """"line 4" or "lines 4-9, 12" for sorted line numbers."""
    groups = []
    for line in lines:
        if groups and line == groups[-1][1] + 1:
            groups[-1][1] = line
        else:
            groups.append([line, line])
    words = ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in groups)
    return f"line{'s' * (len(lines) > 1)} {words}"
