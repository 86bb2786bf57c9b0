"""Code similarity between a class's submissions: ``autograder similarity SUBMISSIONS --assignment hw1``.

MOSS's method: winnowing (Schleimer, Wilkerson & Aiken, "Winnowing: local algorithms for document
fingerprinting", SIGMOD 2003).

1. :func:`normalise` tokenizes each file and drops comments, docstrings and layout; every
   identifier becomes ``V``, every number ``N`` and every string ``S``; keywords and operators
   stay. Renaming variables, rewording comments or reformatting changes nothing. A file that does
   not tokenize falls back to its stripped lines as tokens (and the report says so).
2. :func:`fingerprints` hashes every k-gram of tokens (k = 25: shorter runs, such as a common
   idiom, are noise) with BLAKE2b, 64 bits (Python's ``hash()`` is salted per process), and
   winnowing keeps the smallest hash of each window of w = 4 consecutive k-grams, the rightmost on
   ties. Whatever run of at least t = w + k − 1 tokens two files share yields a shared fingerprint.
3. :func:`compare` removes every k-gram of the assignment's template, so that the code students
   were given never counts, finds the pairs that share fingerprints through an index from
   fingerprint to submissions (never comparing all pairs token by token), and scores each pair by
   |F_A ∩ F_B| / min(|F_A|, |F_B|): a copy inside a larger submission still scores high. The
   Jaccard index is reported beside it, and the shared fingerprints' k-grams, merged, are the
   matched line ranges of either side.
4. :func:`write_report` writes one self-contained HTML page: the ranking, then the top pairs'
   files side by side with the matched regions highlighted. Student code is untrusted: every
   piece of text is escaped, and the page's Content-Security-Policy allows no script.

A high score is a reason to look at two submissions, never a verdict on its own.
"""
import hashlib
import io
import json
import keyword
import tokenize
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import NamedTuple, Self

import numpy as np

from autograder.classroom.discovery import DEFAULT_PATTERN, discover
from autograder.course.model import Assignment
from autograder.reports.html import POLICY, escape
from autograder.reports.table import align
from autograder.reports.text import printable

K = 25          # tokens per k-gram: the noise threshold
W = 4           # k-grams per winnowing window; guarantee threshold t = W + K - 1 tokens
TOP = 20        # pairs shown in full in the report and listed in the terminal
LISTED = 250    # pairs in the report's ranking, as many as MOSS lists by default
CONTEXT = 4     # unmatched lines shown around each matched region; longer stretches are elided
LAYOUT = frozenset({tokenize.COMMENT, tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING})
# Python ≥ 3.12 splits an f-string into these tokens and those of its fields; it stays one "S".
FSTRING = (getattr(tokenize, "FSTRING_START", None), getattr(tokenize, "FSTRING_END", None))


class Token(NamedTuple):
    """A normalised token and the lines of its file that it spans."""
    text: str       # a keyword, an operator, V, N or S; a whole stripped line when the file did not tokenize
    first: int
    last: int


class Fingerprint(NamedTuple):
    """A k-gram's hash that winnowing selected, and the lines its k tokens span."""
    hash: int
    first: int
    last: int


def normalise(text: str) -> tuple[list[Token], bool]:
    """``(tokens, tokenized)``: the normalised tokens of the Python source ``text``, and whether it
    tokenized; when it did not (an unterminated string, inconsistent indentation, ...) its
    stripped non-blank lines are the tokens instead."""
    try:
        return _python_tokens(text), True
    except (tokenize.TokenError, SyntaxError):
        return [Token(line.strip(), number, number)
                for number, line in enumerate(lines(text), start=1) if line.strip()], False


def lines(text: str) -> list[str]:
    """``text``'s lines as :mod:`tokenize` numbers them: split at line feeds alone."""
    return [line.removesuffix("\r") for line in text.split("\n")]


def _python_tokens(text: str) -> list[Token]:
    """``text``'s tokens, normalised, without the logical lines made of string literals alone
    (docstrings and other string expression statements)."""
    tokens, statement, fstring_depth, fstring_start = [], [], 0, 0
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == FSTRING[0]:
            fstring_start = token.start[0] if not fstring_depth else fstring_start
            fstring_depth += 1
        elif token.type == FSTRING[1]:
            fstring_depth -= 1
            if not fstring_depth:
                statement.append(Token("S", fstring_start, token.end[0]))
        elif fstring_depth or token.type in LAYOUT:
            continue
        elif token.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
            if any(t.text != "S" for t in statement):
                tokens += statement
            statement = []
        else:
            statement.append(Token(_symbol(token), token.start[0], token.end[0]))
    return tokens


def _symbol(token: tokenize.TokenInfo) -> str:
    if token.type == tokenize.NAME:
        return token.string if keyword.iskeyword(token.string) else "V"
    return {tokenize.NUMBER: "N", tokenize.STRING: "S"}.get(token.type, token.string)


def _kgram_hashes(tokens: Sequence[Token], k: int) -> list[int]:
    """The stable 64-bit hash of every k-gram of ``tokens``, in order."""
    texts = [token.text for token in tokens]
    return [int.from_bytes(hashlib.blake2b("\n".join(texts[i:i + k]).encode(), digest_size=8).digest(), "big")
            for i in range(len(texts) - k + 1)]


def winnow(hashes: Sequence[int], w: int) -> list[int]:
    """The positions that winnowing selects in ``hashes``: the minimum of each window of ``w``
    consecutive hashes (the rightmost on ties), each position once, in order. Fewer than ``w``
    hashes make a single window."""
    if not hashes:
        return []
    selected = []
    for start in range(max(1, len(hashes) - w + 1)):
        window = hashes[start:start + w]
        position = start + len(window) - 1 - window[::-1].index(min(window))
        if not selected or selected[-1] != position:
            selected.append(position)
    return selected


def _fingerprints(tokens: Sequence[Token], k: int, w: int) -> list[Fingerprint]:
    hashes = _kgram_hashes(tokens, k)
    return [Fingerprint(hashes[i], tokens[i].first, tokens[i + k - 1].last) for i in winnow(hashes, w)]


def fingerprints(text: str, k: int = K, w: int = W) -> list[Fingerprint]:
    """The winnowed fingerprints of the Python source ``text``, in order of position."""
    return _fingerprints(normalise(text)[0], k, w)


def source_text(path: str, content: bytes | str) -> str:
    """The code of a submitted file (bytes or str): its text, or a notebook's code cells one after
    the other."""
    text = content.decode("utf-8") if isinstance(content, bytes) else content
    if not path.endswith(".ipynb"):
        return text
    cells = [cell for cell in json.loads(text).get("cells", []) if cell.get("cell_type") == "code"]
    return "\n".join("".join(cell.get("source", "")) for cell in cells)     # a str or a list of str


@dataclass(eq=False)
class Document:
    """One submission as compared: its files' code, normalised."""
    name: str
    texts: dict[str, str]           # {path: code}: a notebook's is its code cells
    tokens: dict[str, list[Token]]
    untokenized: tuple[str, ...]    # the paths whose code did not tokenize: their lines are the tokens

    @classmethod
    def read(cls, name: str, files: Mapping[str, bytes | str]) -> Self:
        """The Document of ``files``: {path: content, bytes or str}, as read_submission gives them."""
        texts = {path: source_text(path, content) for path, content in sorted(files.items())}
        normalised = {path: normalise(text) for path, text in texts.items()}
        return cls(name, texts, {path: tokens for path, (tokens, _) in normalised.items()},
                   tuple(path for path, (_, tokenized) in normalised.items() if not tokenized))


@dataclass(frozen=True)
class Region:
    """Lines ``first``–``last`` of ``file`` that shared fingerprints cover, and those fingerprints."""
    file: str
    first: int
    last: int
    hashes: frozenset[int]


Spans = dict[int, list[tuple[str, int, int]]]     # {hash: [(file, first line, last line)]}


@dataclass(frozen=True)
class Pair:
    """Two submissions that share fingerprints, and where. The regions are found when first asked
    for: a class of hundreds has tens of thousands of pairs, and a report shows the first few."""
    a: Document
    b: Document
    shared: int             # |F_A ∩ F_B|
    similarity: float       # |F_A ∩ F_B| / min(|F_A|, |F_B|)
    jaccard: float          # |F_A ∩ F_B| / |F_A ∪ F_B|
    spans: tuple[Spans, Spans] = field(repr=False)    # a's and b's

    @cached_property
    def regions(self) -> tuple[tuple[Region, ...], tuple[Region, ...]]:
        """(a's Regions, b's Regions), each sorted by file and line."""
        shared = self.spans[0].keys() & self.spans[1].keys()
        return tuple(_regions(spans, shared) for spans in self.spans)

    @property
    def matched_lines(self) -> tuple[int, int]:
        """(lines of a, lines of b) inside matched regions."""
        return tuple(sum(region.last - region.first + 1 for region in regions) for regions in self.regions)


def compare(submissions: Sequence[Document], template: Document, k: int = K, w: int = W) -> list[Pair]:
    """The pairs of ``submissions`` (Documents) that share a fingerprint that no k-gram of
    ``template`` (the Document of the assignment's files as released) has, most similar first
    (then most shared fingerprints).

    An index from each fingerprint to the submissions that hold it gives every pair's count of
    shared fingerprints at once: the fingerprints held by the same submissions add to the same
    cells of a count matrix, so the work grows with the sharing, not with the pairs' code."""
    excluded = {h for tokens in template.tokens.values() for h in _kgram_hashes(tokens, k)}
    located = [_located(document, k, w, excluded) for document in submissions]
    owners = defaultdict(list)
    for index, spans in enumerate(located):
        for h in spans:
            owners[h].append(index)
    counts = np.zeros((len(located), len(located)), dtype=np.int64)     # [i, j] = |F_i ∩ F_j|
    for members, fingerprints_held in Counter(tuple(m) for m in owners.values() if len(m) > 1).items():
        counts[np.ix_(members, members)] += fingerprints_held
    pairs = []
    for i, j in zip(*np.nonzero(np.triu(counts, 1)), strict=True):
        shared, sizes = int(counts[i, j]), (len(located[i]), len(located[j]))
        pairs.append(Pair(submissions[i], submissions[j], shared, shared / min(sizes),
                          shared / (sum(sizes) - shared), (located[i], located[j])))
    return sorted(pairs, key=lambda p: (-p.similarity, -p.shared, p.a.name, p.b.name))


def _located(document: Document, k: int, w: int, excluded: Collection[int]) -> Spans:
    """{hash: [(file, first line, last line) of each place it is selected]} of ``document``'s
    fingerprints, less those in ``excluded``."""
    spans = defaultdict(list)
    for path, tokens in document.tokens.items():
        for fingerprint in _fingerprints(tokens, k, w):
            if fingerprint.hash not in excluded:
                spans[fingerprint.hash].append((path, fingerprint.first, fingerprint.last))
    return spans


def _regions(spans: Spans, shared: Iterable[int]) -> tuple[Region, ...]:
    """The line ranges, per file, that the ``shared`` fingerprints' k-grams cover; overlapping
    and adjacent ranges merge."""
    merged = []     # [file, first, last, hashes]
    for path, first, last, h in sorted((*span, h) for h in shared for span in spans[h]):
        if merged and merged[-1][0] == path and first <= merged[-1][2] + 1:
            merged[-1][2] = max(merged[-1][2], last)
            merged[-1][3].add(h)
        else:
            merged.append([path, first, last, {h}])
    return tuple(Region(path, first, last, frozenset(hashes)) for path, first, last, hashes in merged)


# ----- reading a class ------------------------------------------------------------------------------

def read_class(folder: str | Path, assignment: Assignment,
               pattern: str = DEFAULT_PATTERN) -> tuple[list[Document], dict[str, str]]:
    """``(documents, skipped)`` for the submissions in ``folder`` (see
    :func:`~autograder.classroom.discovery.discover`): a
    Document of each one's files that students may change, named by its student (and its file's
    name when the student handed in several), and {name: the reason} for each one that
    :func:`~autograder.grading.submission.read_submission` refused. Raises ValueError when ``folder``
    has no submissions."""
    from autograder.grading.submission import SubmissionError, read_submission  # nbformat: seconds to import

    found = discover(folder, pattern)
    handed_in = Counter(submission.student for submission in found)
    documents, skipped = [], {}
    for submission in found:
        name = f"{submission.student} ({submission.path.name})" if handed_in[submission.student] > 1 \
            else submission.student
        try:
            documents.append(Document.read(name, read_submission(submission.path, assignment).files))
        except SubmissionError as error:
            skipped[name] = str(error)
    return documents, skipped


def template(assignment: Assignment) -> Document:
    """The Document of the files students of ``assignment`` may change, as the template holds them."""
    files = {path.relative_to(assignment.folder).as_posix(): path for path in assignment.folder.rglob("*")}
    return Document.read("template", {relative: path.read_bytes() for relative, path in files.items()
                                      if path.is_file() and assignment.may_change(relative)})


# ----- output ---------------------------------------------------------------------------------------

def table(pairs: Sequence[Pair], top: int = TOP) -> str:
    """The first ``top`` pairs as a terminal table."""
    if not pairs:
        return "No two submissions share code beyond the template.\n"
    rows = [["Rank", "Student A", "Student B", "Similarity", "Jaccard", "Shared", "Lines A", "Lines B"]]
    rows += [[str(rank), printable(pair.a.name, lines=False), printable(pair.b.name, lines=False),
              f"{pair.similarity:.0%}", f"{pair.jaccard:.0%}", str(pair.shared),
              *map(str, pair.matched_lines)]
             for rank, pair in enumerate(pairs[:top], start=1)]
    lines = align(rows, numeric={0, 3, 4, 5, 6, 7})
    more = [f"... and {len(pairs) - top} more pairs in the report"] if len(pairs) > top else []
    return "\n".join([lines[0], "-" * max(map(len, lines)), *lines[1:], *more]) + "\n"


STYLE = """
body { font-family: system-ui, sans-serif; max-width: 110rem; margin: 2rem auto; padding: 0 1rem; }
table { border-collapse: collapse; }
th, td { padding: 0.2rem 0.7rem; border-bottom: 1px solid #ddd; text-align: left; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
.note { background: #fff8e1; border-left: 0.4rem solid #f9a825; padding: 0.5rem 1rem; }
.sides { display: grid; grid-template-columns: 1fr 1fr; gap: 1.5rem; }
.sides > div { min-width: 0; overflow-x: auto; }
table.code td { border: none; padding: 0 0.4rem; font-family: ui-monospace, monospace; font-size: 0.8rem;
                white-space: pre; vertical-align: top; }
table.code td.line { color: #888; text-align: right; user-select: none; }
table.code tr.match td { background: #ffecb3; }
table.code tr.gap td { color: #888; font-style: italic; }
"""


def write_report(pairs: Sequence[Pair], path: Path, *, assignment: str, submissions: Sequence[Document] = (),
                 skipped: Mapping[str, str] | None = None, k: int = K, w: int = W, top: int = TOP,
                 listed: int = LISTED) -> Path:
    """Write the HTML report of ``pairs`` (from :func:`compare`) to ``path``: the method, the
    submissions ``skipped`` ({name: reason}) and the files of ``submissions`` that did not
    tokenize, the ranking of the first ``listed`` pairs, and the first ``top`` side by side.
    Returns ``path``."""
    body = [f"<h1>Code similarity: {escape(assignment)}</h1>", _method(k, w),
            f"<p>{len(submissions)} submissions compared; {len(pairs)} pairs share code beyond the "
            "template.</p>"]
    body += _notices(submissions, skipped or {})
    body += ["<h2>Ranking</h2>", _ranking(pairs, top, listed)]
    body += [_section(rank, pair) for rank, pair in enumerate(pairs[:top], start=1)]
    page = ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">\n'
            f"<title>{escape(assignment)}: code similarity</title>\n<style>{STYLE}</style>\n</head>\n"
            "<body>\n" + "\n".join(body) + "\n</body>\n</html>\n")
    Path(path).write_text(page, encoding="utf-8")
    return path


def _method(k: int, w: int) -> str:
    return (f'<p class="note">Method: winnowing fingerprints, as MOSS (Schleimer, Wilkerson &amp; Aiken '
            "2003), of normalised code: comments, docstrings and layout are dropped, every identifier, "
            f"number and string becomes a placeholder. A fingerprint stands for k = {k} tokens, one is kept "
            f"per window of w = {w}: any run of {k + w - 1} or more tokens that two submissions share is "
            "found, shorter ones are ignored. Code of the assignment's template is excluded: what "
            "students were given never counts. Similarity is the share of the smaller submission's "
            "fingerprints that the other holds too. <strong>A high score is a reason to look at the "
            "code, not a verdict</strong>: short tasks have few sensible solutions, and students may "
            "have worked together as allowed.</p>")


def _notices(submissions: Sequence[Document], skipped: Mapping[str, str]) -> list[str]:
    items = [f"<li>{escape(name)}: skipped, {escape(reason)}</li>"
             for name, reason in sorted(skipped.items())]
    items += [f"<li>{escape(document.name)}: {escape(path)} does not tokenize as Python; its lines were "
              "compared as they are</li>" for document in submissions for path in document.untokenized]
    return ["<h2>Notes</h2>", "<ul>", *items, "</ul>"] if items else []


def _ranking(pairs: Sequence[Pair], top: int, listed: int) -> str:
    if not pairs:
        return "<p>No two submissions share code beyond the template.</p>"
    rows = []
    for rank, pair in enumerate(pairs[:listed], start=1):
        label = f'<a href="#pair-{rank}">{rank}</a>' if rank <= top else str(rank)
        lines_a, lines_b = pair.matched_lines
        rows.append(f'<tr><td class="number">{label}</td><td>{escape(pair.a.name)}</td>'
                    f'<td>{escape(pair.b.name)}</td><td class="number">{pair.similarity:.1%}</td>'
                    f'<td class="number">{pair.jaccard:.1%}</td><td class="number">{pair.shared}</td>'
                    f'<td class="number">{lines_a}</td><td class="number">{lines_b}</td></tr>')
    unlisted = len(pairs) - listed
    more = f"\n<p>... and {unlisted} more pairs, which share less.</p>" if unlisted > 0 else ""
    return ('<table>\n<thead><tr><th>Rank</th><th>Student A</th><th>Student B</th><th>Similarity</th>'
            "<th>Jaccard</th><th>Shared fingerprints</th><th>Matched lines A</th><th>Matched lines B</th>"
            "</tr></thead>\n<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table>" + more)


def _section(rank: int, pair: Pair) -> str:
    """A pair's files side by side: A's regions are A1, A2, ... and each names the regions of B
    that hold its fingerprints (and the other way round), linked."""
    lines_a, lines_b = pair.matched_lines
    regions_a, regions_b = pair.regions
    sides = [_side(rank, "a", pair.a, regions_a, "b", regions_b),
             _side(rank, "b", pair.b, regions_b, "a", regions_a)]
    return (f'<section id="pair-{rank}">\n<h2>{rank}. {escape(pair.a.name)} and {escape(pair.b.name)}: '
            f"{pair.similarity:.1%}</h2>\n<p>{pair.shared} shared fingerprints, Jaccard {pair.jaccard:.1%}; "
            f"matched lines: {lines_a} and {lines_b}.</p>\n"
            f'<div class="sides">\n{sides[0]}\n{sides[1]}\n</div>\n</section>')


def _side(rank: int, side: str, document: Document, regions: Sequence[Region], other_side: str,
          other_regions: Sequence[Region]) -> str:
    """One column of a pair's section: each file of ``document`` with a matched region."""
    holders = defaultdict(list)     # hash -> indices of the other side's regions that hold it
    for index, region in enumerate(other_regions, start=1):
        for h in region.hashes:
            holders[h].append(index)
    parts = [f"<div>\n<h3>{escape(document.name)}</h3>"]
    by_file = defaultdict(list)
    for index, region in enumerate(regions, start=1):
        links = sorted({i for h in region.hashes for i in holders[h]})
        counterparts = " ".join(f'<a href="#pair-{rank}-{other_side}{i}">{other_side.upper()}{i}</a>'
                                for i in links)
        by_file[region.file].append((index, region, counterparts))
    for path, located in by_file.items():
        parts += [f"<h4>{escape(path)}</h4>", _code(rank, side, lines(document.texts[path]), located)]
    unmatched = [path for path in document.texts if path not in by_file]
    if unmatched:
        parts.append(f"<p>No match in {escape(', '.join(unmatched))}.</p>")
    return "\n".join(parts + ["</div>"])


def _code(rank: int, side: str, text_lines: Sequence[str], located: Sequence[tuple[int, Region, str]]) -> str:
    """A file's lines as a table: numbered, the matched regions highlighted and labelled, and
    stretches far from any region elided."""
    starts = {region.first: (index, counterparts) for index, region, counterparts in located}
    matched = {n for _, region, _ in located for n in range(region.first, region.last + 1)}
    shown = {n for m in matched for n in range(m - CONTEXT, m + CONTEXT + 1)}
    rows, hidden = [], 0
    for number, line in enumerate(text_lines, start=1):
        if number not in shown:
            hidden += 1
            continue
        rows += [_elided(hidden)] * bool(hidden)
        hidden = 0
        label, anchor = "", ""
        if number in starts:
            index, counterparts = starts[number]
            label = f"{side.upper()}{index} ↔ {counterparts}"
            anchor = f' id="pair-{rank}-{side}{index}"'
        kind = ' class="match"' if number in matched else ""
        rows.append(f'<tr{kind}{anchor}><td class="line">{number}</td><td>{label}</td>'
                    f"<td>{escape(line)}</td></tr>")
    rows += [_elided(hidden)] * bool(hidden)
    return '<table class="code">\n' + "\n".join(rows) + "\n</table>"


def _elided(count: int) -> str:
    return f'<tr class="gap"><td></td><td></td><td>⋯ {count} line{"s" * (count != 1)}</td></tr>'
