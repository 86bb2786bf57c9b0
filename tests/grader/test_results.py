"""The data model of a grade: ordering, totals, validation, the JSON round trip, and the
student's view computed in one place."""
import json
import math
from pathlib import Path

import pytest

from autograder.classroom.gradebook import Gradebook
from autograder.grading.results import (
    HIDDEN_FEEDBACK_CHARS,
    WITHHELD,
    GradingResult,
    InstructorNotes,
    TestResult,
    student_feedback,
    task_number,
    task_order,
)


def passed(name, task="task1_1", points=5.0, hidden=False):
    return TestResult(name, task, points, points, "passed", "passed", hidden)


def failed(name, task="task1_1", score=0.0, points=5.0, output="wrong", hidden=False):
    return TestResult(name, task, score, points, "failed", output, hidden)


def grade(tests, max_score=20.0, bonus_points=0.0, **fields):
    return GradingResult("hw1_autodiff", "Automatic differentiation", tuple(tests), max_score, bonus_points,
                         fields.pop("output", ""), fields.pop("execution_time", 1.5), **fields)


def test_task_ids_sort_by_number_and_other_checks_come_last():
    ids = ["submission", "task1_10", "task2_1", "task1_2"]
    assert sorted(ids, key=task_order) == ["task1_2", "task1_10", "task2_1", "submission"]
    assert task_number("task3_10") == "3.10" and task_number("submission") == "submission"


def test_tests_are_kept_in_task_order_then_by_name_whatever_order_they_came_in():
    tests = [passed("b", "task1_10"), passed("z", "task1_2"), passed("a", "task1_2"),
             passed("files", "setup")]
    result = grade(tests)
    assert [(t.task, t.name) for t in result.tests] == [("task1_2", "a"), ("task1_2", "z"),
                                                         ("task1_10", "b"), ("setup", "files")]
    assert isinstance(result.tests, tuple) and result == grade(reversed(tests))


def test_score_and_by_task_sum_the_tests_with_partial_credit():
    result = grade([passed("a", "task1_2", 4.0), failed("b", "task1_2", 1.5, 3.0), failed("c", "task1_1")])
    assert result.score == 5.5
    assert result.by_task() == {"task1_1": (0.0, 5.0), "task1_2": (5.5, 7.0)}
    assert list(result.by_task()) == ["task1_1", "task1_2"]
    result.validate()


def test_the_shares_of_a_task_add_up_to_its_points_exactly():
    tests = tuple(TestResult(name=f"t{i}", task="task1_1", score=7.5 / 11, max_score=7.5 / 11, status="passed",
                             output="") for i in range(11))
    assert sum(test.score for test in tests) != 7.5, "the float shares alone do not add up"
    result = GradingResult(assignment="a", title="A", tests=tests, max_score=7.5, bonus_points=0, output="",
                           execution_time=0.0)
    assert result.score == 7.5 and result.by_task() == {"task1_1": (7.5, 7.5)}


def test_a_result_without_tests_is_valid_and_scores_zero():
    result = grade([], output="The submission could not be graded: no files")
    result.validate()
    assert result.score == 0 and result.by_task() == {}


def test_bonus_points_lift_the_score_above_max_score_but_no_further():
    grade([passed("a", points=20.0), passed("bonus", "task1_9", 5.0)], bonus_points=5.0).validate()
    with pytest.raises(ValueError, match=r"total score is 25\.0: a score must lie in \[0, 20\.0\]"):
        grade([passed("a", points=20.0), passed("bonus", "task1_9", 5.0)]).validate()


def test_the_total_tolerates_the_rounding_of_its_sum_only():
    tests = [passed("a", points=0.1), passed("b", points=0.2)]
    assert sum(t.score for t in tests) > 0.3
    grade(tests, max_score=0.3).validate()
    with pytest.raises(ValueError, match="total score"):
        grade(tests, max_score=0.29).validate()


@pytest.mark.parametrize("score, message", [
    (math.nan, "score is nan: a score must be a finite number"),
    (math.inf, "score is inf: a score must be a finite number"),
    (-0.5, r"score is -0\.5: a score must lie in \[0, 5\.0\]"),
    (5.5, r"score is 5\.5: a score must lie in \[0, 5\.0\]"),
    ("5", "score is '5': a score must be a finite number"),
    (True, "score is True: a score must be a finite number"),
])
def test_validate_rejects_a_bad_test_score_and_names_the_test(score, message):
    with pytest.raises(ValueError, match=f"hw1_autodiff: test 'Task 1.1: sort': {message}"):
        grade([failed("Task 1.1: sort", score=score)]).validate()


@pytest.mark.parametrize("field, value", [("max_score", math.nan), ("max_score", -1.0),
                                          ("bonus_points", math.inf), ("execution_time", math.nan)])
def test_validate_rejects_a_bad_total_or_time(field, value):
    with pytest.raises(ValueError, match=f"hw1_autodiff: {field} is {value!r}: it must be a finite number"):
        grade([passed("a")], **{"max_score": 20.0, "bonus_points": 0.0, field: value}).validate()


def test_validate_rejects_a_test_worth_a_bad_number_of_points():
    with pytest.raises(ValueError, match="max_score is inf"):
        grade([TestResult("a", "task1_1", 0.0, math.inf, "failed", "")]).validate()


@pytest.mark.parametrize("test, message", [
    (TestResult("a", "task1_1", 2.5, 5.0, "passed", ""), "status 'passed' with 2.5 of 5.0 points"),
    (TestResult("a", "task1_1", 5.0, 5.0, "failed", ""), r"status 'failed' with full marks \(5.0 points\)"),
    (TestResult("a", "task1_1", 5.0, 5.0, "ok", ""), "status is 'ok': it must be one of"),
])
def test_validate_rejects_a_status_that_contradicts_the_score(test, message):
    with pytest.raises(ValueError, match=message):
        grade([test]).validate()


def test_a_check_worth_no_points_may_pass_or_fail():
    grade([TestResult("files", "submission", 0.0, 0.0, "failed", "a file was rejected"),
           TestResult("size", "submission", 0.0, 0.0, "passed", "")]).validate()


def test_validate_rejects_two_tests_of_the_same_name():
    with pytest.raises(ValueError, match="two tests are called 'a'"):
        grade([passed("a"), failed("a")]).validate()


def test_json_round_trip_keeps_every_field_and_writes_paths_as_strings():
    result = grade([passed("a", hidden=True), failed("b", score=1 / 3, output="tab\there \x1b[0m \ud800")],
                   output="note", feedback="a filtered note",
                   artifacts={"training_curve": Path("plots/curve.png")},
                   task_titles={"task1_1": "topological sort"},
                   instructor=InstructorNotes(isolation=["network: none"], detections=["a process forked"],
                                              flags=["a: SUSPICIOUS"]))
    data = json.loads(json.dumps(result.to_dict()))
    assert data["artifacts"] == {"training_curve": "plots/curve.png"}
    assert data["score"] == round(5 + 1 / 3, 9) and data["tests"][1]["score"] == 1 / 3   # sums to 9 decimals
    assert data["instructor"] == {"isolation": ["network: none"], "detections": ["a process forked"],
                                  "flags": ["a: SUSPICIOUS"]}
    assert GradingResult.from_dict(data) == result


def test_the_gradebook_keeps_both_views_of_a_result(tmp_path):
    result = grade([failed("b", output="the error\nthe detail", hidden=True)], output="notes in full",
                   feedback="notes filtered", instructor=InstructorNotes(detections=["a process forked"]))
    gradebook = Gradebook(tmp_path / "gradebook.sqlite")
    assert gradebook.record("hw1_autodiff", "alice", "c0ffee", result)
    [stored] = gradebook.grades("hw1_autodiff")
    assert stored.result == result and stored.result.instructor.detections == ("a process forked",)


def test_a_result_stored_before_the_two_views_reads_with_the_default_ones():
    data = grade([failed("b", output="wrong\ndetail", hidden=True)], output="note").to_dict()
    del data["feedback"], data["instructor"], data["tests"][0]["feedback"]
    result = GradingResult.from_dict(data)
    assert result.feedback == "note" and result.instructor == InstructorNotes()
    assert result.tests[0].feedback == "wrong" + WITHHELD


# ----- the student's view -------------------------------------------------------------------------------
class Marking:
    """A stand-in for the course's Redactor that marks what it was given."""

    def redact(self, text):
        return f"<{text}>"


def test_a_public_tests_feedback_is_its_whole_output_filtered():
    assert student_feedback("line one\nline two", redactor=Marking()) == "<line one\nline two>"
    assert failed("b", output="line one\nline two").feedback == "line one\nline two"


def test_a_hidden_tests_feedback_is_its_first_line_filtered_then_the_note_that_more_was_withheld():
    shown = student_feedback("the error\nthe detail", hidden=True, redactor=Marking())
    assert shown == "<the error>" + WITHHELD
    assert student_feedback("the error", hidden=True, redactor=Marking()) == "<the error>"
    long = "x" * (2 * HIDDEN_FEEDBACK_CHARS)
    shown = student_feedback(long, hidden=True, redactor=Marking())
    assert shown.endswith(WITHHELD) and len(shown.removesuffix(WITHHELD)) == HIDDEN_FEEDBACK_CHARS + 2


def test_the_feedback_given_is_kept_and_the_output_stays_whole():
    test = TestResult("a", "task1_1", 0.0, 5.0, "failed", "secret source", hidden=True, feedback="[withheld]")
    result = grade([test], output="notes in full", feedback="notes filtered")
    assert (test.output, test.feedback) == ("secret source", "[withheld]")
    assert (result.output, result.feedback) == ("notes in full", "notes filtered")
