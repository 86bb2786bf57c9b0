"""Redaction: text that leaves the sandbox carries none of the course's secrets.

Student code runs in the sandbox and writes whatever it likes into the text the grader hands back:
exception messages, tracebacks, output, value names. :class:`Redactor` filters that text before a
student sees it: every run of at least :data:`MIN_RUN` characters that also occurs in a secret is
replaced by :data:`MARKER`, which says that something was withheld.

**Secret** (:func:`secret_files`): every text file under ``reference/`` (the solution, and the
nbgrader notebooks with their model answers), under every ``hidden/`` folder (the probes, their
helpers, the correct alternatives, the reviewed mutants), and the grader's own Python source
(``autograder/**.py``). The harness's ``probing.py`` and ``runner.py`` (autograder/sandbox/harness/)
are secret too: the sandbox holds them, but no release ships them and no handout quotes them, so
the only way their text reaches a student is a leak.

**Public** (:func:`public_texts`), subtracted from the secrets: what students are given or told.
- Everything a release ships (:mod:`autograder.course.release`): the template's code, docstrings and TODO
  text, which is the reference with *every* solution region stubbed out; each assignment's
  handout, public tests (with the course-wide helpers and ``finite_differences.py``),
  ``pytest.ini`` and generated notebook. The on-disk template of a later assignment also holds the
  solutions of earlier ones, so it is public only to a redactor made for that assignment
  (``Redactor.for_course(course, assignment)``); the course-wide one keeps every solution secret.
- What the grader tells students by design: the string literals (not the docstrings) of the
  grader's Python source and of the hidden folders' (the probes and their helpers), its messages
  and value names. A verdict message such as "did not finish within its time limit" passes
  untouched, and so does the marker itself. The reference's literals stay secret: those outside
  its solution regions are public anyway, as part of the template.

**MIN_RUN = 32.** Matching is on normalised text: every run of whitespace is one space (so
re-indented or re-wrapped source still matches) and a character repeated more than
:data:`REPEATS` times counts REPEATS times (a ruler of dashes carries no secret). 32 characters
is about half a line of code, five or six words of prose:
- long enough that what students legitimately see passes: identifiers, a task's function name,
  shapes, a traceback's header and stock phrases such as "expected an array, got" are shorter,
  or public. Measured on this course, the share of other libraries' messages (their string
  literals) that would lose a run: PyTorch's, in the course's own vocabulary (21,872 of 16 to
  300 characters): 0.30 % at 20, 0.07 % at 24, 0.014 % at 28, 0.009 % at 32 (two, both code
  fragments), none at 40; NumPy's and the standard library's (165,036): 0.08 %, 0.015 %,
  0.004 %, 0.002 %, 0.001 %;
- short enough that a leaked line is caught: of the 368 code lines of the reference's solution
  regions, the 180 of at least 32 characters are all caught alone, but for 6 that public text
  holds too; a line leaked alone is caught in 47 % of cases at 32, 62 % at 24, 37 % at 40; a
  leaked region is withheld to 98 % of its characters at 28 and above (96 % at 20: shorter runs
  are public more often), since runs join across line breaks and short lines sit between long
  ones.

Some names of the grader's own longer than MIN_RUN are withheld too, where no public text has
them (a module path such as ``mytorch.data.fashion_mnist`` in an import line with its keyword):
the price of keeping the grader's source secret. Its docstrings are secret as well, this one
included: a phrase quoted in one, if longer than MIN_RUN, is withheld wherever a student writes it.

**How.** The secrets' k-grams (k = MIN_RUN) are hashed with a 64-bit polynomial hash, computed
for a whole file at once with NumPy; the index is the sorted array of the secret hashes that no
public text has. Redacting hashes the text's k-grams the same way and looks each up by binary
search, O(n log m) for a text of n characters against m secret k-grams; a position whose k-gram is
secret withholds its k characters, widened to whole words. A false match needs a 64-bit collision
(about m / 2⁶⁴ per k-gram). Measured on this course (864 kB of secrets, 556,000 secret k-grams):
the index builds in about 1 s; redacting 50 texts of 10,000 characters takes 60 ms, 130 ms when
every one of them is reference source.

**What it cannot do.** A leak cut into pieces shorter than MIN_RUN, or encoded (reversed,
base64, one character per message), passes: redaction stops accidental and verbatim leaks, and
the real protection is that no solution enters the sandbox (:mod:`autograder.audit.leaks`). Student text
that happens to repeat a secret (a student who copies the reference's line) is withheld too.
"""
import ast
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Self

import numpy as np

from autograder.course import release, solutions
from autograder.course.model import Assignment, Course

MIN_RUN = 32
REPEATS = 3            # a character repeated more often counts this often: rulers carry no secret
MARKER = "[withheld: text that matches the course's hidden files]"
GRADER = Path(__file__).resolve().parents[1]   # the grader's own source, wherever it is installed
BASE = np.uint64(0x100000001B3)                # the 64-bit FNV prime: odd, with well-mixed bits
# Which code points str.isspace() accepts, by code point: none lies above U+3000.
WHITESPACE = np.array([chr(c).isspace() for c in range(0x3001)] + [False])


def normalise(text: str) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, origin)``: the code points of ``text`` with every run of whitespace made one space
    and every run of another repeated character cut to REPEATS (a ruler of 70 dashes is "---"),
    and for each code the index in ``text`` it comes from (a run: its first characters)."""
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    codes = np.where(WHITESPACE[np.minimum(codes, len(WHITESPACE) - 1)], np.uint32(32), codes)
    starts = np.flatnonzero(np.concatenate([[True], codes[1:] != codes[:-1]]))
    place = np.arange(len(codes)) - np.repeat(starts, np.diff(np.append(starts, len(codes))))
    keep = place < np.where(codes == 32, 1, REPEATS)          # the place of each code in its run
    return codes[keep], np.flatnonzero(keep)


def is_word(character: str) -> bool:
    """Whether ``character`` belongs to a word or an identifier."""
    return character.isalnum() or character == "_"


def kgram_hashes(codes: np.ndarray, k: int) -> np.ndarray:
    """The hash of every run of ``k`` consecutive ``codes``, in order (none when there are fewer)."""
    count = len(codes) - k + 1
    hashes = np.zeros(max(count, 0), dtype=np.uint64)
    if count > 0:
        wide = codes.astype(np.uint64)
        for offset in range(k):                     # Horner's rule, every position at once
            hashes = hashes * BASE + wide[offset:offset + count]
    return hashes


class Fingerprints:
    """A set of k-gram hashes (k = MIN_RUN) of normalised text, sorted for binary search."""

    def __init__(self, hashes: np.ndarray) -> None:
        ordered = np.sort(np.asarray(hashes, dtype=np.uint64))
        self.hashes = ordered[np.concatenate([ordered[:1] == ordered[:1], ordered[1:] != ordered[:-1]])]

    @classmethod
    def of(cls, texts: Iterable[str]) -> Self:
        """The fingerprints of every text in ``texts``; no k-gram spans two texts."""
        return cls(np.concatenate([kgram_hashes(normalise(text)[0], MIN_RUN) for text in texts]
                                  or [np.empty(0, np.uint64)]))

    def __sub__(self, other: "Fingerprints") -> "Fingerprints":
        return Fingerprints(self.hashes[~np.isin(self.hashes, other.hashes, assume_unique=True)])

    def holds(self, hashes: np.ndarray) -> np.ndarray:
        """A boolean array: which of ``hashes`` are in the set."""
        if not len(self.hashes):
            return np.zeros(len(hashes), dtype=bool)
        order = np.argsort(hashes)            # sorted needles: each search starts where the last ended
        at = np.empty(len(hashes), dtype=np.intp)
        at[order] = np.searchsorted(self.hashes, hashes[order])
        return self.hashes[np.minimum(at, len(self.hashes) - 1)] == hashes


def read_text(path: str | Path) -> str | None:
    """The text of the file at ``path``, or None for a binary file. A notebook's text is its cells'
    sources, one after the other, as a student would see them (not their JSON encoding)."""
    data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if "\0" in text:
        return None
    if Path(path).suffix == ".ipynb":
        try:
            cells = json.loads(text)["cells"]
            return "\n".join("".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
                             for cell in cells)
        except (ValueError, KeyError, TypeError):
            return text                             # not a notebook after all: its raw text
    return text


def files_under(folder: str | Path) -> list[Path]:
    """Every file under ``folder``, in order, bytecode caches left out."""
    return sorted(p for p in Path(folder).rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def secret_files(course: Course) -> list[Path]:
    """Every file whose text is secret: ``reference/``, every ``hidden/`` folder, the grader's source."""
    folders = [course.reference.parent, course.shared_probes,
               *(assignment.hidden_tests for assignment in course.assignments)]
    graders = dict.fromkeys([GRADER, (course.root / "autograder").resolve()])   # installed, and the course's
    return [*(path for folder in folders for path in files_under(folder)),
            *(path for folder in graders for path in sorted(folder.rglob("*.py"))
              if "__pycache__" not in path.parts)]


def messages(source: str) -> list[str]:
    """The string literals of Python ``source`` that are not docstrings (the parts of an f-string
    between its fields included): what the code says, rather than what it is."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    documented = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    literals, docstrings = [], set()
    for node in ast.walk(tree):        # a body's first statement is walked after its owner
        if isinstance(node, documented) and node.body and isinstance(node.body[0], ast.Expr):
            docstrings.add(id(node.body[0].value))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            literals.append(node.value)
    return literals


def stripped_template(course: Course) -> list[str]:
    """The texts of the reference's files with every solution region stubbed: the part of the
    template that every assignment's release shares. A region of an undeclared task is left out."""
    texts = []
    for path in files_under(course.reference):
        text = read_text(path)
        if text is not None and path.suffix == ".py":
            parts = [part for part in solutions.parse(text, source=str(path))
                     if not isinstance(part, solutions.Region) or part.task in course.tasks]
            text = solutions.render(parts, course.tasks.get)
        if text is not None:
            texts.append(text)
    return texts


def released_texts(course: Course, assignment: Assignment) -> list[str]:
    """The texts a release of ``assignment`` ships besides its template's code: the handout,
    pytest.ini, the public tests (with their generated helpers) and the notebook."""
    folder = assignment.folder
    paths = [folder / release.HANDOUT, folder / "pytest.ini", *files_under(assignment.public_tests),
             *([folder / assignment.notebook] if assignment.notebook else [])]
    return [text for path in paths if path.is_file() and (text := read_text(path)) is not None]


def public_texts(course: Course, assignment: Assignment | None = None) -> list[str]:
    """Every text students are given or told (see the module's docstring); with ``assignment``,
    also its template, which holds the solutions of the assignments before it."""
    texts = stripped_template(course)
    texts += [text for other in course.assignments for text in released_texts(course, other)]
    if assignment is not None:
        texts += [text for path in files_under(assignment.folder / "mytorch")
                  if (text := read_text(path)) is not None]
    for path in secret_files(course):            # the grader's and the probes' messages, not the reference's
        if path.suffix == ".py" and not path.is_relative_to(course.reference.parent) \
                and (text := read_text(path)) is not None:
            texts += messages(text)
    return texts


class Redactor:
    """Withholds every run of text that matches a secret of the course and no public text.

    Made once per course, or per assignment (:meth:`for_course`, about a second); :meth:`redact`
    then takes about a tenth of a millisecond per thousand characters.
    """

    def __init__(self, secrets: Fingerprints) -> None:
        self.secrets = secrets          # Fingerprints of the secret k-grams that are not public

    @classmethod
    def for_course(cls, course: Course, assignment: Assignment | None = None) -> Self:
        """The redactor of ``course``. With ``assignment``, the text of its template is public too,
        the solutions of earlier assignments included, as they are to a student who has it."""
        texts = (read_text(path) for path in secret_files(course))
        secret = Fingerprints.of(text for text in texts if text is not None)
        return cls(secret - Fingerprints.of(public_texts(course, assignment)))

    def withheld(self, text: str) -> list[tuple[int, int]]:
        """The ``(start, end)`` spans of ``text`` that match a secret, in order, disjoint, each
        without whitespace at either end; spans with only whitespace between them are joined."""
        codes, origin = normalise(text)
        hits = np.flatnonzero(self.secrets.holds(kgram_hashes(codes, MIN_RUN)))
        if not len(hits):
            return []
        depth = np.zeros(len(codes) + 1, dtype=np.int64)      # how many secret k-grams cover each code
        depth[hits] += 1
        depth[hits + MIN_RUN] -= 1
        covered = np.concatenate([[False], np.cumsum(depth[:-1]) > 0, [False]])
        edges = np.flatnonzero(covered[1:] != covered[:-1]).reshape(-1, 2)
        spans = []
        for first, stop in edges:
            start, end = int(origin[first]), int(origin[stop - 1]) + 1
            start += len(text[start:end]) - len(text[start:end].lstrip())
            end -= len(text[start:end]) - len(text[start:end].rstrip())
            while 0 < start < end and is_word(text[start]) and is_word(text[start - 1]):   # no half word
                start -= 1
            while start < end < len(text) and is_word(text[end - 1]) and is_word(text[end]):
                end += 1
            if spans and not text[spans[-1][1]:start].strip():
                start = spans.pop()[0]
            if start < end:
                spans.append((start, end))
        return spans

    def redact(self, text: str) -> str:
        """``text`` with every span of :meth:`withheld` replaced by :data:`MARKER`."""
        out, at = [], 0
        for start, end in self.withheld(text):
            out += [text[at:start], MARKER]
            at = end
        return "".join(out) + text[at:]
