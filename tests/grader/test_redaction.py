"""Secrets stay hidden: the redactor withholds text from the sandbox that matches the reference,
a hidden folder or the grader's source (canaries planted in a small course built in a temporary
folder, then the real course), and the course check finds solution code sent into a sandbox."""
import textwrap

import numpy as np
import pytest

from autograder import cli
from autograder.audit.leaks import solution_leaks
from autograder.course import release, solutions
from autograder.course.model import Course
from autograder.grading import verdicts
from autograder.grading.redaction import MARKER, MIN_RUN, Redactor

from submissions import COURSE, template_copy

SOLUTION_CANARY = "canary_of_the_solution_4f1d9e_a07c5b"
HIDDEN_CANARY = "canary_of_the_hidden_folder_8b2c71_d94e"
GRADER_CANARY = "canary_of_the_grader_source_3e9a05_1b6f"
ALTERNATIVE_CANARY = "canary_of_an_alternative_c6a0f2_5d83e1"

REFERENCE = f'''"""A tiny package: a public helper, and the solutions of two homeworks."""


def scale(values, factor):
    """Every value times ``factor``: code of every template."""
    return [value * factor for value in values]


def running_totals(values):
    """The running totals of ``values``."""
    ### BEGIN SOLUTION task1_1
    ### TODO Add the values up one by one and keep every partial sum.
    {SOLUTION_CANARY} = 0
    totals = []
    for value in values:
        {SOLUTION_CANARY} = {SOLUTION_CANARY} + value
        totals.append({SOLUTION_CANARY})
    return totals
    ### END SOLUTION


def distinct(values):
    """The values without repeats, in their first order."""
    ### BEGIN SOLUTION task2_1
    ### TODO Keep each value the first time it appears.
    assert isinstance(values, list), "distinct() wants a list of hashable values here"
    return sorted(set(values), key=values.index)  # the order in which each value first appears
    ### END SOLUTION
'''

PROBES = f'''from probing import probe

from mytorch.core import running_totals


@probe("task1_1")
def totals_of_a_hidden_case():
    # {HIDDEN_CANARY}: the case only the grader knows
    hidden_case_values_for_the_totals = [3, 1, 4, 1, 5, 9, 2, 6]
    if not hidden_case_values_for_the_totals:
        raise ValueError("the hidden case of running totals lost its values somewhere")
    return {{"totals": running_totals(hidden_case_values_for_the_totals)}}
'''

ALTERNATIVE = f'''title = "totals by slices"

[[region]]
in = "mytorch/core.py:running_totals"
code = \'\'\'
return [sum(values[:{ALTERNATIVE_CANARY} + 1]) for {ALTERNATIVE_CANARY} in range(len(values))]
\'\'\'
'''

LATER_PROBES = '''from probing import probe

from mytorch.core import distinct


@probe("task2_1")
def distinct_values():
    return {"values": distinct([2, 7, 2, 1, 7])}
'''

GRADER_SOURCE = f'''"""How the fake course's grader judges: {GRADER_CANARY}, never told to students."""


def judge(values):
    return "the totals differ from the expected ones" if values else None
'''


def write_assignment(root, number, name):
    folder = root / "assignments" / name
    (folder / "tests").mkdir(parents=True)
    (folder / "hidden").mkdir()
    (folder / "assignment.toml").write_text(
        f'[assignment]\nname = "{name}"\nnumber = {number}\ntitle = "Homework {number}"\n'
        f'[submission]\nfiles = ["mytorch/core.py"]\n'
        f'[[tasks]]\nid = "task{number}_1"\ntitle = "part one of hw{number}"\npoints = 10\n')
    (folder / "README.md").write_text(f"# Homework {number}\n\nWrite the functions of core.py.\n")
    (folder / "tests" / f"test_task{number}_1.py").write_text(
        "from mytorch.core import scale\n\n\ndef test_scale():\n    assert scale([1, 2], 3) == [3, 6]\n")
    return folder


def make_course(root, probes=PROBES, later_probes=LATER_PROBES):
    """A course of two homeworks in ``root``, its templates released: hw1 has ``probes`` and a hidden
    alternative, hw2 ``later_probes``, and the course a grader source of its own."""
    (root / "reference" / "mytorch").mkdir(parents=True)
    (root / "reference" / "mytorch" / "__init__.py").write_text("")
    (root / "reference" / "mytorch" / "core.py").write_text(REFERENCE)
    hw1 = write_assignment(root, 1, "hw1_first")
    hw2 = write_assignment(root, 2, "hw2_second")
    (hw1 / "hidden" / "probes.py").write_text(probes)
    (hw2 / "hidden" / "probes.py").write_text(later_probes)
    (hw1 / "hidden" / "alternatives" / "task1_1").mkdir(parents=True)
    (hw1 / "hidden" / "alternatives" / "task1_1" / "by_slices.toml").write_text(ALTERNATIVE)
    (root / "autograder").mkdir()
    (root / "autograder" / "judging.py").write_text(GRADER_SOURCE)
    course = Course(root)
    for assignment in course.assignments:
        release.write(course, assignment, release.template(course, assignment))
    return course


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return make_course(tmp_path_factory.mktemp("course"))


@pytest.fixture(scope="module")
def redactor(course):
    return Redactor.for_course(course)


def solution_code(task):
    """The code of ``task``'s solution region in the small course's core.py."""
    return "".join(next(r for r in solutions.regions(solutions.parse(REFERENCE)) if r.task == task).code)


@pytest.mark.parametrize("canary", [SOLUTION_CANARY, HIDDEN_CANARY, GRADER_CANARY, ALTERNATIVE_CANARY])
def test_text_carrying_a_canary_is_withheld_and_says_so(redactor, canary):
    assert len(canary) > MIN_RUN
    redacted = redactor.redact(f"ValueError: look what I found: «{canary}» (and more)")
    assert redacted == f"ValueError: look what I found: «{MARKER}» (and more)"


def test_a_whole_line_of_a_hidden_file_is_withheld(redactor):
    line = "hidden_case_values_for_the_totals = [3, 1, 4, 1, 5, 9, 2, 6]"
    assert redactor.redact(f"AssertionError: {line}") == f"AssertionError: {MARKER}"


def test_a_reindented_and_rewrapped_solution_is_withheld(redactor):
    code = textwrap.dedent(solution_code("task1_1"))
    moved = "def running_totals(values):\n" + textwrap.indent(code, "\t\t")
    moved = moved.replace(" + value", " +\n\t\t\t value")
    redacted = redactor.redact(moved)
    assert SOLUTION_CANARY not in redacted and "totals.append" not in redacted
    assert redacted.count(MARKER) == 1


def test_a_source_line_split_over_several_messages_is_withheld_in_each(redactor):
    line = f"{SOLUTION_CANARY} = {SOLUTION_CANARY} + value"
    halves = [line[:len(line) // 2], line[len(line) // 2:]]
    assert min(len(half) for half in halves) >= MIN_RUN
    for half in halves:
        assert redactor.redact(f"RuntimeError «{half}»") == f"RuntimeError «{MARKER}»"


def test_a_run_shorter_than_min_run_passes_and_one_of_min_run_does_not(redactor):
    secret = f"{HIDDEN_CANARY}: the case only the grader knows"
    assert redactor.redact(secret[:MIN_RUN - 1]) == secret[:MIN_RUN - 1]
    assert redactor.redact(secret[:MIN_RUN]) == MARKER


def test_ordinary_messages_pass_unchanged(redactor):
    verdict = verdicts.same_as_reference({"totals": np.array([3.0, 4.0, 8.0])},
                                         {"totals": np.array([3.0, 4.0, 9.0])}, rtol=1e-7, atol=1e-10)
    assert not verdict.passed
    messages = [
        verdict.message,
        "ValueError: my running totals went negative at step 3 of 8: check the signs",
        "mytorch/core.py, line 14, in running_totals: totals = my_own_helper(values, start=0)",
        "NotImplementedError: Task 1.1: part one of hw1\n  mytorch/core.py, line 13, in running_totals: "
        "raise NotImplementedError('Task 1.1: part one of hw1')",
        "the template says: return [value * factor for value in values]",
        "TODO Task 1.1 (part one of hw1): Add the values up one by one and keep every partial sum.",
        "Traceback (most recent call last): expected an array, got NoneType of shape (3, 4)",
    ]
    for message in messages:
        assert redactor.redact(message) == message


def test_what_the_grader_and_the_probes_say_is_no_secret_but_their_code_is(redactor):
    said = "ValueError: the hidden case of running totals lost its values somewhere"
    judged = "the totals differ from the expected ones"
    assert redactor.redact(said) == said and redactor.redact(judged) == judged
    assert MARKER in redactor.redact("if not hidden_case_values_for_the_totals: raise ValueError")
    assert MARKER in redactor.redact("distinct() wants a list of hashable values here")     # the reference's


def test_redacting_twice_changes_nothing_more(redactor):
    once = redactor.redact(f"A {SOLUTION_CANARY} = 0 totals = [] B, then {HIDDEN_CANARY}: the case only")
    assert once.count(MARKER) == 2 and redactor.redact(once) == once


def test_an_earlier_homeworks_solution_is_public_only_to_the_later_ones_redactor(course):
    leaked = f"for value in values: {SOLUTION_CANARY} = {SOLUTION_CANARY} + value"
    assert MARKER in Redactor.for_course(course).redact(leaked)
    assert MARKER in Redactor.for_course(course, course.assignment("hw1")).redact(leaked)
    assert Redactor.for_course(course, course.assignment("hw2")).redact(leaked) == leaked   # hw2's template
    later = "return sorted(set(values), key=values.index)"
    assert MARKER in Redactor.for_course(course, course.assignment("hw2")).redact(later)


def test_the_real_course_withholds_hw1s_topological_order():
    engine = COURSE.reference / "autodiff" / "engine.py"
    region = next(r for r in solutions.regions(solutions.parse(engine.read_text())) if r.task == "task1_1")
    body = "".join(region.code)
    for redactor in (Redactor.for_course(COURSE), Redactor.for_course(COURSE, COURSE.assignment("hw1"))):
        redacted = redactor.redact(f"RuntimeError: here is the answer:\n{body}")
        assert redacted == f"RuntimeError: here is the answer:\n    {MARKER}\n"       # all of it, at once


def test_the_real_course_leaves_every_message_of_grading_hw1s_template_unchanged(graders, tmp_path):
    grader = graders("hw1")
    result = grader.grade(template_copy(grader.assignment, tmp_path))
    redactor = Redactor.for_course(COURSE, grader.assignment)
    assert result.tests and all(test.output for test in result.tests)
    for test in result.tests:
        assert redactor.redact(test.output) == test.output


def test_the_course_check_names_a_probe_file_that_copies_a_solution_and_the_region(tmp_path):
    stand_in = "\n\ndef stand_in_running_totals(values):\n" + solution_code("task1_1")
    course = make_course(tmp_path, probes=PROBES + stand_in)
    problems = solution_leaks(course, course.assignment("hw1"))
    # the region's trivial lines (``totals = []``, ``return totals``) are left out on both sides
    assert problems == ["assignments/hw1_first/hidden/probes.py, lines 18-20, sent into the sandbox, copies "
                        "the solution of task1_1 in reference/mytorch/core.py: its lines 15-17"]


def test_the_course_check_names_a_copied_hidden_alternative(tmp_path):
    copied = f"\n\ndef by_slices(values):\n    return [sum(values[:{ALTERNATIVE_CANARY} + 1]) " \
             f"for {ALTERNATIVE_CANARY} in range(len(values))]\n"
    course = make_course(tmp_path, probes=PROBES + copied)
    problems = solution_leaks(course, course.assignment("hw1"))
    assert problems == ["assignments/hw1_first/hidden/probes.py, line 16, sent into the sandbox, copies "
                        "assignments/hw1_first/hidden/alternatives/task1_1/by_slices.toml: its line 6"]


def test_a_later_sandbox_may_hold_an_earlier_solution_but_not_its_own(tmp_path):
    earlier = "\n\ndef stand_in_running_totals(values):\n" + solution_code("task1_1")
    own = "\n\ndef stand_in_distinct(values):\n" + solution_code("task2_1")
    course = make_course(tmp_path / "earlier", later_probes=LATER_PROBES + earlier)
    assert solution_leaks(course, course.assignment("hw2")) == []
    course = make_course(tmp_path / "own", later_probes=LATER_PROBES + own)
    assert solution_leaks(course, course.assignment("hw2")) == [
        "assignments/hw2_second/hidden/probes.py, lines 12-13, sent into the sandbox, copies the solution of "
        "task2_1 in reference/mytorch/core.py: its lines 26-27"]


def test_the_course_check_finds_nothing_in_probes_that_copy_nothing(course):
    for assignment in course.assignments:
        assert solution_leaks(course, assignment) == []


@pytest.mark.parametrize("name", ["hw1", "hw2", "hw3", "hw4"])
def test_no_solution_enters_any_sandbox_of_the_course(graders, name):
    assert solution_leaks(COURSE, COURSE.assignment(name), graders(name)) == []


def test_check_course_fails_on_solution_code_in_the_sandbox(tmp_path, capsys):
    stand_in = "\n\ndef stand_in_running_totals(values):\n" + solution_code("task1_1")
    course = make_course(tmp_path / "leaky", probes=PROBES + stand_in)
    assert cli.main(["--course", str(course.root), "check-course", "hw1"]) == 1
    out = capsys.readouterr().out
    assert "hw1_first: FAILED (reference 10/10" in out
    assert "solution code in the sandbox: assignments/hw1_first/hidden/probes.py, lines 18-20" in out
    course = make_course(tmp_path / "sound")
    assert cli.main(["--course", str(course.root), "check-course", "hw1"]) == 0, capsys.readouterr().out


def test_check_course_names_a_probe_that_rewards_the_untouched_template(tmp_path, capsys):
    lenient = '\n\n@probe("task1_1")\ndef totals_of_nothing():\n    return {"totals": []}\n'
    course = make_course(tmp_path / "lenient", probes=PROBES + lenient)
    assert cli.main(["--course", str(course.root), "check-course", "hw1"]) == 1
    out = capsys.readouterr().out
    assert "hw1_first: FAILED (reference 10/10" in out and "template 5 in" in out
    assert "  Task 1.1: part one of hw1 — totals of nothing gives the untouched template 5 of 5\n" in out, out
