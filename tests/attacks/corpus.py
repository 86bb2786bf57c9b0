"""The corpus of adversarial submissions: one folder per attack, each described by its ``attack.toml``.

An attack is built on a submission whose honest score is known, and adds the attacker's code or
files to it:

    title      what the attacker does, in a sentence
    class      the attack class of ../shared/design/GRADER.md it belongs to (or "course": an attack
               on this course's assignments)
    assignment "hw1" ... "hw4"
    base       "template" (the untouched template: 0 points) or "partial" (examples/hw1_partial:
               hw1 with Tasks 1.1 to 1.6 done and one slip)
    honest     the score of the base, which the attack must not beat
    exact      true when the attack must cost nothing either: the score is exactly ``honest``
    defence    what stops it (docs/SECURITY.md lists it)
    detected   phrases the instructor's report must contain: what the grader saw or said

    [[append]]         code appended to a file the student hands in
    file = "mytorch/ops/shape.py"
    code = '''...'''   (@PUBLIC_TEST_LABELS@, @PRETRAINED_WEIGHTS@ and @HIDDEN_SOURCE_READER@ are filled
                       in: see MATERIALS)

    [archive]          instead of a folder, hand in an archive of the base's files
    format = "zip" or "tar.gz"
    [[archive.entry]]  with these entries too: ``text``, ``zeros`` (that many zero bytes), ``link``
    name = "..."       (a symbolic link to that target) or ``npy`` (a saved array of that shape)
"""
import base64
import io
import tarfile
import tomllib
import zipfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np

from mytorch.data import fashion_mnist

from submissions import COURSE, copy_of

CORPUS = Path(__file__).resolve().parent
PARTIAL = COURSE.root / "examples" / "hw1_partial"
BASES = ("template", "partial")


@dataclass(frozen=True)
class Attack:
    name: str
    title: str
    kind: str
    assignment: str
    base: str
    honest: float
    defence: str
    exact: bool = False
    detected: tuple = ()
    append: tuple = ()
    archive: dict = field(default_factory=dict)

    @classmethod
    def load(cls, folder):
        spec = tomllib.loads((folder / "attack.toml").read_text())
        attack = cls(name=folder.name, title=spec["title"], kind=spec["class"], assignment=spec["assignment"],
                     base=spec["base"], honest=float(spec["honest"]), defence=spec["defence"],
                     exact=spec.get("exact", False), detected=tuple(spec.get("detected", ())),
                     append=tuple(spec.get("append", ())), archive=spec.get("archive", {}))
        if attack.base not in BASES or bool(attack.append) == bool(attack.archive):
            raise ValueError(f"{folder}: a base of {BASES}, and either [[append]] or [archive]")
        return attack

    def base_folder(self, folder):
        """``folder`` holding the honest submission this attack starts from."""
        assignment = COURSE.assignment(self.assignment)
        source = PARTIAL if self.base == "partial" else assignment.folder
        return copy_of(assignment, source, folder)

    def build(self, folder):
        """The attacking submission, in ``folder``: a folder, or an archive of one."""
        files = self.base_folder(folder / "files")
        for change in self.append:
            path = files / change["file"]
            path.write_text(path.read_text() + "\n" + fill_in(change["code"]))
        if not self.archive:
            return files
        return pack(files, folder / f"submission.{self.archive['format']}", self.archive.get("entry", ()))


def attacks():
    """Every attack of the corpus, by name."""
    return [Attack.load(folder) for folder in sorted(CORPUS.iterdir()) if (folder / "attack.toml").is_file()]


def pack(files, path, entries):
    """An archive at ``path`` of the files under ``files`` and the extra ``entries``."""
    members = {str(p.relative_to(files)): p.read_bytes() for p in sorted(files.rglob("*")) if p.is_file()}
    for entry in entries:
        if "zeros" in entry:
            members[entry["name"]] = bytes(entry["zeros"])
        elif "npy" in entry:
            array = io.BytesIO()
            np.save(array, np.zeros(entry["npy"]))
            members[entry["name"]] = array.getvalue()
        elif "text" in entry:
            members[entry["name"]] = entry["text"].encode()
    links = {entry["name"]: entry["link"] for entry in entries if "link" in entry}
    if path.name.endswith(".zip"):
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in members.items():
                archive.writestr(name, data)
        return path
    with tarfile.open(path, "w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        for name, target in links.items():
            info = tarfile.TarInfo(name)
            info.type, info.linkname = tarfile.SYMTYPE, target
            archive.addfile(info)
    return path


# ----- what an attacker brings from outside: the public data, and what it makes of it ----------------
def fill_in(code):
    for marker, make in MATERIALS.items():
        if marker in code:
            code = code.replace(marker, make())
    return code


@cache
def public_test_labels():
    """The public test labels in their public order, as a string of digits."""
    _, labels = fashion_mnist.load_fashion_mnist(train=False, download=False)
    return "".join(map(str, labels))


@cache
def pretrained_weights():
    """A linear classifier of the public training set (ridge regression on one-hot labels, about
    80 % on the public test set), trained before the hand-in: (785, 10) float32, base64."""
    images, labels = fashion_mnist.load_fashion_mnist(train=True, download=False)
    x = np.hstack([np.asarray(images, np.float64).reshape(len(images), -1) / 255, np.ones((len(images), 1))])
    targets = np.eye(10)[labels]
    weights = np.linalg.solve(x.T @ x + 10 * np.eye(x.shape[1]), x.T @ targets)
    return base64.b64encode(weights.astype(np.float32).tobytes()).decode()


def hidden_source_reader():
    """Code defining ``_hidden_source()``: the text of every module of the grader's that the sandbox
    loaded (the probes and their helpers first, then the harness), on one line, which the
    exfiltrating attacks try to get out; and ``_next_piece()``, the next 300 characters of it at each
    call, so that every failing test carries another piece."""
    return '''import sys as _sys

_NAMES = ("probes", "hidden_helpers", "probe_helpers", "finite_differences", "probing", "__main__")


def _hidden_source():
    texts = []
    for _name in _NAMES:
        _path = getattr(_sys.modules.get(_name), "__file__", None)
        if _path:
            try:
                with open(_path) as _file:
                    texts.append(_file.read())
            except OSError:
                pass
    return " ".join(" ".join(texts).split())


_pieces = [0]


def _next_piece():
    _pieces[0] += 1
    return _hidden_source()[300 * (_pieces[0] - 1):300 * _pieces[0]]
'''


MATERIALS = {"@PUBLIC_TEST_LABELS@": public_test_labels, "@PRETRAINED_WEIGHTS@": pretrained_weights,
             "@HIDDEN_SOURCE_READER@": hidden_source_reader}


# ----- the table of docs/SECURITY.md -------------------------------------------------------------------
SECURITY = COURSE.root / "docs" / "SECURITY.md"
TABLE_START = "<!-- corpus table: generated by tests/attacks/corpus.py -->"
TABLE_END = "<!-- end of the corpus table -->"
TEST = "tests/attacks/test_attacks.py::test_the_grader_survives_the_attack_and_never_over_scores"


def security_table(corpus):
    """The Markdown table of the corpus: each attack, its class, the defence, and its test."""
    rows = ["| attack | class | honest score | the defence that stops it | reported | test |",
            "|---|---|---|---|---|---|"]
    for attack in corpus:
        reported = "; ".join(f"“{phrase}”" for phrase in attack.detected) or "—"
        honest = f"{attack.honest:g} ({attack.assignment} {attack.base}{', exactly' if attack.exact else ''})"
        rows.append(f"| **{attack.name}**: {attack.title} | {attack.kind} | {honest} | {attack.defence} | "
                    f"{reported} | `{TEST}[…-{attack.name}]` |")
    return "\n".join(rows)


def with_table(text, corpus):
    """``text`` (SECURITY.md) with the table between its markers made from ``corpus``."""
    start, end = text.index(TABLE_START) + len(TABLE_START), text.index(TABLE_END)
    return f"{text[:start]}\n{security_table(corpus)}\n{text[end:]}"


if __name__ == "__main__":     # python tests/attacks/corpus.py: rewrite the table after a change
    SECURITY.write_text(with_table(SECURITY.read_text(), attacks()))
