"""Mutation analysis (``autograder mutate``): the mutants it plants, the waivers it reads, and the
grading of every assignment judged by it.

``test_grading_catches_the_sampled_mutants`` is the threshold of ``make test``: a fixed sample of each
assignment's mutants, graded with the real grader, must reach the score the assignment declares
(``[mutation] score``), every correct alternative of its library must keep every point, and no waiver
may be stale. ``autograder mutate --all`` grades every mutant (docs/BENCHMARKS.md).
"""
import ast
import dataclasses
import shutil

import pytest

from autograder import cli
from autograder.audit import mutants, mutation, variants
from autograder.course.model import CourseError
from autograder.reports import mutation_html

from submissions import COURSE

pytestmark = pytest.mark.slow     # grades hundreds of mutants

SITE = variants.Site("mytorch/ops/example.py", "Example.backward", "task1_1")
CODE = '''a, b = self.saved_tensors
out = x.sum(axis=1, keepdims=self.keepdim)
if a.ndim > 1 and not b:
    out += grad.T @ b[i]     # a comment stays
buf = buf * 0.5
return reversed(out), -a / 2
'''
SAMPLE = 100      # mutants per assignment in `make test`


def changes(code=CODE):
    return {(m.operator, m.before, m.after) for m in mutants.of_region(SITE, code)}


@pytest.mark.parametrize("operator, before, after", [
    ("operator", "a.ndim > 1 and not b", "a.ndim > 1 or not b"),
    ("operator", "a.ndim > 1", "a.ndim >= 1"),
    ("operator", "out += grad.T @ b[i]", "out -= grad.T @ b[i]"),
    ("operator", "grad.T @ b[i]", "grad.T * b[i]"),
    ("operands", "grad.T @ b[i]", "b[i] @ grad.T"),
    ("operands", "-a / 2", "2 / (-a)"),
    ("sign", "-a", "a"),
    ("sign", "not b", "b"),
    ("constant", "1", "2"),
    ("constant", "1", "0"),
    ("constant", "0.5", "1.5"),
    ("axis", "x.sum(axis=1, keepdims=self.keepdim)", "x.sum(keepdims=self.keepdim)"),
    ("axis", "x.sum(axis=1, keepdims=self.keepdim)", "x.sum(axis=1, keepdims=not self.keepdim)"),
    ("axis", "grad.T", "grad"),
    ("statement", "a, b = self.saved_tensors", "pass"),
    ("statement", "if a.ndim > 1 and not b: …", "pass"),
    ("copy", "out += grad.T @ b[i]", "out = out + (grad.T @ b[i])"),
    ("copy", "buf = buf * 0.5", "buf *= 0.5"),
    ("index", "i", "i + 1"),
    ("call", "x.sum(axis=1, keepdims=self.keepdim)", "x.mean(axis=1, keepdims=self.keepdim)"),
    ("call", "reversed(out)", "out"),
    ("order", "return reversed(out), -a / 2", "return -a / 2, reversed(out)"),
])
def test_each_operator_plants_its_bug(operator, before, after):
    assert (operator, before, after) in changes()


def test_a_mutant_differs_from_the_region_in_one_place_and_keeps_its_layout():
    found = mutants.of_region(SITE, CODE, offset=40)
    codes = [m.code for m in found]
    assert len(set(codes)) == len(codes) and CODE not in codes
    for mutant in found:
        ast.parse(mutant.code)
        assert not variants.same_code(mutant.code, CODE)
        assert "# a comment stays" in mutant.code or mutant.operator == "statement"
        assert 41 <= mutant.line <= 46
    keys = [m.key for m in found]
    assert len(set(keys)) == len(keys), "two mutants share a key: a waiver could not tell them apart"
    assert f"{SITE}: `1` → `2` in `if a.ndim > 1 and not b: …`" in keys, "a small change names its statement"
    twice = mutants.of_region(SITE, "y = x[i] + x[i]\n")
    assert {m.after for m in twice if m.operator == "index"} == {"i + 1", "i + 1 #2"}


def test_reshapes_minus_one_is_not_mutated_into_another_negative_size_which_numpy_reads_the_same():
    found = {(m.before, m.after) for m in mutants.of_region(SITE, "y = x.reshape(-1, 3)[-1]\n")}
    assert ("-1", "0") in found and ("-1", "-2") in found, "the index -1 is an ordinary constant"
    assert len([change for change in found if change[0] == "-1" and change[1].startswith("-2")]) == 1


def test_every_mutant_of_the_course_is_valid_python_in_its_region(tmp_path):
    every = mutants.mutants(COURSE)
    assert {m.operator for m in every} == set(mutants.OPERATORS)
    regions = variants.regions(COURSE)
    for mutant in every:
        assert mutant.site in regions
        compile(mutant.code, mutant.key, "exec", dont_inherit=True, flags=ast.PyCF_ONLY_AST)
    reference = COURSE.reference.parent
    for mutant in every:      # a mutant's line is the line of the reference it changes
        line = (reference / mutant.site.file).read_text().splitlines()[mutant.line - 1]
        assert mutant.before.split()[0].split("(")[0] in line or mutant.operator == "statement", mutant.key
    written = variants.write(COURSE, tmp_path, {every[0].site: every[0].code})
    assert every[0].code.splitlines()[0].strip() in (written / every[0].site.file).read_text()


def test_a_sample_is_fixed_and_changes_only_where_the_code_does():
    every = mutants.mutants(COURSE, COURSE.assignment("hw3"))
    chosen = mutation.sample(every, 20)
    assert len({m.key for m in chosen}) == 20
    assert mutation.sample(every[::-1], 20) == chosen[::-1], "the sample depends on the mutants only"
    left_out = next(m for m in every if m not in chosen)
    assert mutation.sample([m for m in every if m is not left_out], 20) == chosen
    assert mutation.sample(every, None) == every


def test_a_waiver_needs_a_one_line_reason_and_a_stale_one_is_a_problem(tmp_path):
    hw3 = COURSE.assignment("hw3")
    assignment = dataclasses.replace(hw3, hidden_tests=tmp_path / "hidden")
    shutil.copytree(hw3.hidden_tests, assignment.hidden_tests)
    waivers = assignment.hidden_tests / mutation.WAIVERS
    waivers.write_text('[[equivalent]]\nmutant = "x"\nreason = ""\n')
    with pytest.raises(CourseError, match="needs a reason on one line"):
        mutation.waivers(assignment)
    waivers.write_text('[[equivalent]]\nmutant = "no such mutant"\nreason = "r"\n')
    analysis = mutation.analyse(COURSE, assignment, size=1, workers=1)
    assert any("no such mutant" in p and "matches no mutant" in p for p in mutation.problems(analysis))


def test_the_report_shows_each_surviving_mutants_diff(tmp_path):
    assignment = COURSE.assignment("hw3")
    mutant = next(m for m in mutants.mutants(COURSE, assignment) if m.operator == "copy")
    analysis = mutation.Analysis(assignment, [mutation.Outcome(mutant, "survived")], [], [])
    page = mutation_html.render(analysis)
    assert "Survived: no task lost a point (1)" in page and "0.0 %" in page
    assert "+++ " in page and 'class="del"' in page and "<script" not in page
    assert mutant.key.split("`")[1].replace('"', "&quot;") in page
    assert "survived: " + mutant.key in mutation.table(analysis)


@pytest.mark.parametrize("name", [pytest.param(a.name.split("_")[0], marks=[pytest.mark.slow] * (a.number == 4))
                                  for a in COURSE.assignments])
def test_grading_catches_the_sampled_mutants(name):
    """The threshold of `make test`; hw4's alternatives and surviving mutants train networks (slow)."""
    analysis = mutation.analyse(COURSE, COURSE.assignment(name), size=SAMPLE)
    assert not mutation.problems(analysis), mutation.table(analysis)
    assert analysis.outcomes and analysis.alternatives


def test_the_command_prints_the_table_writes_the_report_and_fails_below_the_declared_score(tmp_path, capsys):
    assert cli.main(["mutate", "hw3", "--task", "task3_1", "--sample", "40", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "3.1 " in out and "3.2 " not in out, "--task keeps the table to that task"
    assert "correct alternatives keeping every point: 2 of 2" in out and "hw3_optimizers: ok in" in out
    page = (tmp_path / "hw3_optimizers-mutation.html").read_text()
    assert "Mutation analysis of hw3_optimizers" in page and "Mutation score <b>100.0 %</b>" in page

    strict = dataclasses.replace(COURSE.assignment("hw3"), mutation={"score": 1.01})
    analysis = mutation.Analysis(strict, [], [], [])
    assert mutation.problems(analysis) == ["mutation score 100.0 % is below the 101 % that hw3_optimizers "
                                           "declares"]
