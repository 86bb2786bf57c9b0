"""Every attack of the corpus (tests/attacks/*/attack.toml), on both engines.

For each attack the grader finishes with a valid Gradescope results.json; the score is at most the
honest score of what the submission really contains (exactly that, for attacks that must cost
nothing else); the report says what the grader detected; no secret of the grader's environment
reaches it; the grader's files, the reference, the hidden tests and another student's submission
are unchanged (checksums before and after), and that student's grade is what it was.
"""
import hashlib
import json
import os

import jsonschema
import pytest

from autograder import reports
from autograder.grade import Grader
from autograder.reports import gradescope
from autograder.sandbox import Limits, make_sandbox
from corpus import SECURITY, attacks, with_table
from mytorch.data import fashion_mnist
from submissions import COURSE, reference_copy, template_copy

CORPUS = attacks()
LIMITS = Limits(probe_seconds=5, total_seconds=40)     # the attacks that hang cost seconds, not minutes
CANARY = "grader-canary-5e0b7d"                         # in the grader's environment, never in a report
SCHEMA = json.loads(gradescope.SCHEMA.read_text())
PROTECTED = [COURSE.root / "autograder", COURSE.reference, *sorted(COURSE.root.glob("assignments/*/hidden"))]


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
    for phrase in attack.detected:
        assert phrase in report, f"the report does not say {phrase!r}"
    assert CANARY not in report and os.environ["MYTORCH_GRADER_SECRET"] == CANARY
    assert checksums([*PROTECTED, other]) == before, "a protected file changed"
    assert comparable(grader.grade(other)) == other_result, "another student's grade changed"


def test_the_corpus_covers_every_attack_class_with_at_least_25_attacks():
    classes = {"results", "pipes", "exits", "monkeypatch", "secrets", "network", "resources", "archives",
               "course"}
    assert len(CORPUS) >= 25 and {attack.kind for attack in CORPUS} == classes


def test_the_table_of_docs_security_is_the_corpus():
    text = SECURITY.read_text()
    assert text == with_table(text, CORPUS), "regenerate it: PYTHONPATH=tests python tests/attacks/corpus.py"
