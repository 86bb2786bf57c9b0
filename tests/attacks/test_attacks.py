"""Every attack of the corpus (tests/attacks/*/attack.toml), on both engines.

For each attack the grader finishes with a valid Gradescope results.json; the score is at most the
honest score of what the submission really contains (exactly that, for attacks that must cost
nothing else); the instructor's report says what the grader detected or said; no secret of the grader's
environment reaches it, and no line of hidden source, of the reference or of the grader's source
reaches any report of the student's view; the grader's files, the reference, the
hidden tests and another student's submission are unchanged (checksums before and after), and that
student's grade is what it was.
"""
import functools
import hashlib
import html
import json
import os
import re

import jsonschema
import pytest

from autograder import reports
from autograder.grading.grader import Grader
from autograder.reports import gradescope
from autograder.sandbox.engines import make_sandbox
from autograder.sandbox.limits import Limits
from mytorch.data import fashion_mnist

from corpus import SECURITY, attacks, with_table
from submissions import COURSE, reference_copy, template_copy

pytestmark = pytest.mark.slow     # grades every attack on both engines

CORPUS = attacks()
LIMITS = Limits(probe_seconds=5, total_seconds=40)     # the attacks that hang cost seconds, not minutes
CANARY = "grader-canary-5e0b7d"                         # in the grader's environment, never in a report
SCHEMA = json.loads(gradescope.SCHEMA.read_text())
PROTECTED = [COURSE.root / "autograder", COURSE.reference, *sorted(COURSE.root.glob("assignments/*/hidden"))]


SECRET_LINE = 40     # characters: a line of a secret this long, spaces collapsed, must not reach a student


def collapsed(text):
    return re.sub(r"\s+", " ", text).strip()


@functools.cache
def secret_lines(assignment):
    """The lines of at least SECRET_LINE characters of every hidden folder, of the reference and of
    the grader's source that neither the assignment's released files (its template, tests and
    handout) nor the grader's reports (whose pages students read) hold: what no student of
    ``assignment`` may read."""
    released = [path for path in COURSE.assignment(assignment).folder.rglob("*") if path.is_file()
                and "hidden" not in path.parts and path.suffix in (".py", ".md", ".ini", ".ipynb")]
    public = {collapsed(line) for path in [*released, *(COURSE.root / "autograder" / "reports").glob("*.py")]
              for line in path.read_text(errors="replace").splitlines()}
    return {line for folder in PROTECTED for path in folder.rglob("*")
            if path.is_file() and path.suffix in (".py", ".toml", ".md")
            for line in map(collapsed, path.read_text(errors="replace").splitlines())
            if len(line) >= SECRET_LINE and line not in public}


def student_view_text(result, folder):
    """Every text of the student's view of ``result``, as the reports write it, unescaped."""
    texts = []
    for name, path in reports.write_all(result, folder, reports.formats_of("student")).items():
        text = path.read_text()
        if name == "gradescope":
            data = json.loads(text)
            text = "\n".join([data.get("output", ""), *(test.get("output", "") + test.get("name", "")
                                                        for test in data.get("tests", []))])
        texts.append(html.unescape(text) if name == "html" else text)
    return collapsed("\n".join(texts))


def leaked(lines, text):
    """The lines of ``lines`` that ``text`` holds (those whose first SECRET_LINE characters it holds,
    looked up at once, then checked whole)."""
    windows = {text[i:i + SECRET_LINE] for i in range(len(text) - SECRET_LINE + 1)}
    return sorted(line for line in lines if line[:SECRET_LINE] in windows and line in text)


def checksums(folders):
    """{path: SHA-256} of every file under ``folders``, caches aside."""
    return {str(path): hashlib.sha256(path.read_bytes()).hexdigest()
            for folder in folders for path in sorted(folder.rglob("*"))
            if path.is_file() and "__pycache__" not in path.parts}


def comparable(result):
    """A result as a dict, without its timing."""
    data = result.to_dict()
    data.pop("execution_time")
    return data


@pytest.fixture(scope="module", params=["local", "docker"])
def engine(request):
    if request.param == "docker":
        request.getfixturevalue("sandbox_image")
    return request.param


@pytest.fixture(scope="module")
def graders(engine):
    """{assignment name: Grader} on ``engine`` with the corpus's limits, made on first use; the
    grader's environment holds a canary secret."""
    made = {}
    hidden = [fashion_mnist.find_fashion_mnist(download=False)]

    def grader(name):
        if name not in made:
            sandbox = make_sandbox(engine, LIMITS, course_root=COURSE.root, hide=hidden)
            made[name] = Grader(COURSE, COURSE.assignment(name), sandbox=sandbox)
        return made[name]

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MYTORCH_GRADER_SECRET", CANARY)
        yield grader


@pytest.fixture(scope="module")
def bob(graders, tmp_path_factory):
    """Another student of each assignment: (their submission's folder, their result before any
    attack). The reference's files for hw1 to hw3, the template's for hw4 (which trains)."""
    known = {}

    def of(name):
        if name not in known:
            assignment = COURSE.assignment(name)
            folder = tmp_path_factory.mktemp(f"bob-{name}")
            (template_copy if assignment.needs_test_set else reference_copy)(assignment, folder)
            known[name] = folder, comparable(graders(name).grade(folder))
        return known[name]
    return of


@pytest.mark.parametrize("base", sorted({(a.assignment, a.base, a.honest) for a in CORPUS}),
                         ids=lambda base: f"{base[0]}-{base[1]}")
def test_each_base_earns_its_honest_score(graders, base, tmp_path):
    name, kind, honest = base
    attack = next(a for a in CORPUS if (a.assignment, a.base) == (name, kind))
    assert graders(name).grade(attack.base_folder(tmp_path)).score == pytest.approx(honest)


@pytest.mark.parametrize("attack", CORPUS, ids=lambda attack: attack.name)
def test_the_grader_survives_the_attack_and_never_over_scores(graders, bob, attack, tmp_path):
    grader = graders(attack.assignment)
    other, other_result = bob(attack.assignment)
    before = checksums([*PROTECTED, other])
    result = grader.grade(attack.build(tmp_path / "attack"))
    path = reports.write_all(result, tmp_path / "out", ["gradescope"])["gradescope"]
    jsonschema.validate(json.loads(path.read_text()), SCHEMA, cls=jsonschema.Draft202012Validator)
    report = path.read_text()
    assert result.score <= attack.honest + 1e-9, [t.output for t in result.tests if t.score > 0]
    if attack.exact:
        assert result.score == pytest.approx(attack.honest), [t.output for t in result.tests]
    instructor = reports.write_all(result, tmp_path / "instructor", ["instructor"])["instructor"].read_text()
    for phrase in attack.detected:
        assert phrase in instructor, f"the instructor's report does not say {phrase!r}"
    assert CANARY not in report and os.environ["MYTORCH_GRADER_SECRET"] == CANARY
    student = student_view_text(result, tmp_path / "student")
    assert not leaked(secret_lines(attack.assignment), student), "hidden source reached the student's view"
    assert checksums([*PROTECTED, other]) == before, "a protected file changed"
    assert comparable(grader.grade(other)) == other_result, "another student's grade changed"


def test_the_leak_check_finds_hidden_source_and_passes_public_text():
    probes = (COURSE.assignment("hw1").hidden_tests / "probes.py").read_text()
    template = (COURSE.assignment("hw1").folder / "mytorch" / "autodiff" / "engine.py").read_text()
    assert len(leaked(secret_lines("hw1"), collapsed(probes))) > 100
    assert leaked(secret_lines("hw1"), collapsed(template + "AssertionError: the probe raised")) == []


def test_the_corpus_covers_every_attack_class_with_at_least_25_attacks():
    classes = {"results", "pipes", "exits", "monkeypatch", "secrets", "network", "resources", "archives",
               "course"}
    assert len(CORPUS) >= 25 and {attack.kind for attack in CORPUS} == classes


def test_the_table_of_docs_security_is_the_corpus():
    text = SECURITY.read_text()
    assert text == with_table(text, CORPUS), "regenerate it: PYTHONPATH=tests python tests/attacks/corpus.py"
