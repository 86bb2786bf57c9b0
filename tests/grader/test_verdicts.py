"""Verdicts: a probe's values against the reference's, judged on the grader's side, and
accuracy along a curve; hidden messages never show the expected values."""
import numpy as np
import pytest

from autograder import verdicts
from autograder.course import AccuracyCurve

EXPECTED = {"w": np.array([[1.0, 2.0], [3.0, 4.0]]), "steps": np.array([3, 4]), "ok": True,
            "dtype": "float64"}


def judge(actual, **options):
    return verdicts.same_as_reference(actual, EXPECTED, rtol=1e-7, atol=1e-12, **options)


def test_equal_values_pass_and_tiny_rounding_is_tolerated():
    assert judge(dict(EXPECTED)).passed
    assert judge({**EXPECTED, "w": EXPECTED["w"] * (1 + 1e-9)}).passed


@pytest.mark.parametrize("change, message", [
    ({"w": np.array([[1.0, 2.0], [3.0, 4.1]])},
     "w: differs from the reference at index (1, 1) by a relative error"),
    ({"w": np.ones(4)}, "w: shape (4,), expected (2, 2)"),
    ({"w": np.array([[1.0, 2.0], [3.0, np.nan]])}, "w: nan at index (1, 1)"),
    ({"w": np.array([[1, 2], [3, 4]])}, "w: dtype int64, expected a float dtype"),
    ({"steps": np.array([3, 5])}, "steps: differs at index (1,)"),
    ({"ok": False}, "ok: wrong value"),
    ({"dtype": "float32"}, "dtype: wrong value"),
    ({"w": "a string"}, "w: expected a number or an array, got str"),
])
def test_each_kind_of_difference_fails_with_a_message_that_names_it(change, message):
    verdict = judge({**EXPECTED, **change})
    assert verdict.credit == 0 and message in verdict.message
    assert "4.0" not in verdict.message and "expected 5" not in verdict.message, "no expected value is shown"


def test_a_missing_value_fails():
    verdict = judge({"w": EXPECTED["w"]})
    assert verdict.credit == 0 and "missing" in verdict.message


def test_public_probes_may_show_the_expected_value():
    verdict = judge({**EXPECTED, "w": np.array([[1.0, 2.0], [3.0, 4.1]])}, show_values=True)
    assert "got 4.1, expected 4.0" in verdict.message


def test_matching_infinities_and_nans_pass():
    expected = {"x": np.array([np.inf, np.nan, 1.0])}
    assert verdicts.same_as_reference({"x": np.array([np.inf, np.nan, 1.0])}, expected, 1e-7, 0).passed
    assert not verdicts.same_as_reference({"x": np.array([-np.inf, np.nan, 1.0])}, expected, 1e-7, 0).passed


def test_accuracy_is_credited_along_the_curve():
    labels = np.arange(100) % 10
    predictions = labels.copy()
    predictions[:20] = (predictions[:20] + 1) % 10          # 80 % correct
    verdict = verdicts.accuracy(predictions, labels, AccuracyCurve(((0.75, 0.5), (0.85, 1.0))))
    assert verdict.credit == pytest.approx(0.75) and "test accuracy 80.00%" in verdict.message


@pytest.mark.parametrize("predictions", [np.zeros(99, dtype=np.int64), np.zeros(100),
                                         np.zeros((100, 1), int)])
def test_predictions_of_the_wrong_shape_or_dtype_earn_nothing(predictions):
    verdict = verdicts.accuracy(predictions, np.zeros(100, dtype=np.int64), AccuracyCurve(((0.5, 1.0),)))
    assert verdict.credit == 0 and "expected 100 integer classes" in verdict.message
