"""Verdicts: a probe's values against the reference's, judged on the grader's side, and
accuracy along a curve; hidden messages never show the expected values."""
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import pytest

from autograder.course.model import AccuracyCurve
from autograder.grading import verdicts
from autograder.grading.heldout import held_out_module
from submissions import COURSE

EXPECTED = {"w": np.array([[1.0, 2.0], [3.0, 4.0]]), "steps": np.array([3, 4]), "ok": True,
            "dtype": "float64"}


def judge(actual, **options):
    return verdicts.same_as_reference(actual, EXPECTED, rtol=1e-7, atol=1e-12, **options)


def test_equal_values_pass_and_tiny_rounding_is_tolerated():
    assert judge(dict(EXPECTED)).passed
    assert judge({**EXPECTED, "w": EXPECTED["w"] * (1 + 1e-9)}).passed


@pytest.mark.parametrize("change, message", [
    ({"w": np.array([[1.0, 2.0], [3.0, 4.1]])},
     "w: differs from the reference at index (1, 1): the error there is"),
    ({"w": np.ones(4)}, "w: shape (4,), expected (2, 2)"),
    ({"w": np.array([[1.0, 2.0], [3.0, np.nan]])}, "w: nan at index (1, 1) where a finite value is expected"),
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


def test_float32_values_are_judged_at_float32_precision_and_float64_values_tightly():
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((8, 784)).astype(np.float32), rng.standard_normal((10, 784)).astype(np.float32)
    expected = {"y": x @ w.T}
    by_einsum = {"y": np.einsum("nk,ok->no", x, w)}     # the same products, summed in another order
    assert not np.array_equal(by_einsum["y"], expected["y"])
    assert verdicts.same_as_reference(by_einsum, expected, rtol=1e-7, atol=1e-10).passed
    one_ulp = {"y": np.array([1.0], np.float32)}
    assert verdicts.same_as_reference({"y": np.nextafter(one_ulp["y"], 2)}, one_ulp, 1e-7, 1e-10).passed
    wrong = {"y": np.array([1.0001], np.float32)}
    verdict = verdicts.same_as_reference(wrong, one_ulp, 1e-7, 1e-10)
    assert not verdict.passed and "times what the tolerance for float32 values allows" in verdict.message
    assert not verdicts.same_as_reference({"y": np.array([1 + 1e-6])}, {"y": np.array([1.0])}, 1e-7, 1e-10).passed


def test_the_error_a_message_prints_is_the_quantity_the_tolerance_bounds():
    verdict = verdicts.same_as_reference({"y": np.array([1.0, 2.0 + 4e-7])}, {"y": np.array([1.0, 2.0])},
                                         rtol=1e-7, atol=0)
    assert "the error there is 2 times what the tolerance for float64 values allows" in verdict.message


def test_values_near_zero_are_judged_against_the_scale_of_their_array():
    expected = {"y": np.array([1e4, 1e-9])}     # the second one cancelled to nearly nothing
    assert verdicts.same_as_reference({"y": np.array([1e4, 1e-9 + 1e-7])}, expected, 1e-7, 1e-10).passed
    assert not verdicts.same_as_reference({"y": np.array([1e4, 1e-5])}, expected, 1e-7, 1e-10).passed


def test_a_gradient_checks_central_differences_are_never_compared_with_the_references():
    values = {"analytic_a": np.ones(2), "numerical_a": np.ones(2), "numerical": 1.0, "numerically": 2.0}
    assert verdicts.made_by_rules(values) == {"analytic_a": values["analytic_a"], "numerically": 2.0}
    assert set(verdicts.made_by_rules({"reverse": 1, "forward": 2})) == {"reverse", "forward"}


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


def test_only_the_scored_images_count_and_a_gap_on_the_unperturbed_copies_is_reported():
    labels, scored = np.arange(200) % 10, np.arange(200) < 100
    honest = labels.copy()
    honest[::10] = (honest[::10] + 1) % 10                  # 90 % on both kinds
    verdict = verdicts.accuracy(honest, labels, AccuracyCurve(((0.5, 1.0),)), scored=scored)
    assert "test accuracy 90.00%" in verdict.message and verdict.flag == ""
    looked_up = np.where(scored, (labels + 1) % 10, labels)  # right on the copies alone
    looked_up[:60] = labels[:60]                            # 60 % on the perturbed images
    verdict = verdicts.accuracy(looked_up, labels, AccuracyCurve(((0.5, 1.0),)), scored=scored)
    assert verdict.credit == 1 and "test accuracy 60.00%" in verdict.message
    assert verdict.flag.startswith("SUSPICIOUS: 100.00% on unperturbed copies of the test images, against 60.00%")
    assert "SUSPICIOUS" not in verdict.message
    verdict = verdicts.accuracy(labels, labels, AccuracyCurve(((0.5, 1.0),)), scored=scored,
                                suspicious_above=0.96)
    assert verdict.credit == 1 and verdict.flag.startswith("SUSPICIOUS: above 96%, beyond what networks trained")
    assert verdicts.accuracy(labels, labels, AccuracyCurve(((0.5, 1.0),)), scored=scored).flag == "", \
        "no flag where the assignment declares no suspicious_above"


@pytest.mark.parametrize("predictions", [np.zeros(99, dtype=np.int64), np.zeros(100),
                                         np.zeros((100, 1), int)])
def test_predictions_of_the_wrong_shape_or_dtype_earn_nothing(predictions):
    verdict = verdicts.accuracy(predictions, np.zeros(100, dtype=np.int64), AccuracyCurve(((0.5, 1.0),)))
    assert verdict.credit == 0 and "expected 100 integer classes" in verdict.message


# ----- gradient checks inside the student's own values ----------------------------------------------
def test_a_gradient_check_passes_when_analytic_and_numerical_agree():
    values = {"analytic": np.array([1.0, -2.0]), "numerical": np.array([1.0 + 1e-9, -2.0])}
    assert verdicts.consistent(values, "gradient", 1e-6).passed


@pytest.mark.parametrize("check, values, message", [
    ("gradient", {"analytic": np.array([1.0, -2.0]), "numerical": np.array([1.0, 2.0])},
     "analytic disagrees with numerical (central differences of the forward): at index (1,) the analytic "
     "value is -2 and the numerical one 2"),
    ("modes", {"reverse": np.array([3.0]), "forward": np.array([1.5])},
     "reverse disagrees with forward (forward mode): at index (0,) the reverse value is 3"),
    ("gradient", {"analytic": np.array([1.0])}, "numerical: expected an array of numbers, got NoneType"),
    ("gradient", {"analytic": "1.0", "numerical": np.array([1.0])}, "analytic: expected an array of numbers"),
])
def test_a_failed_gradient_check_shows_both_of_the_students_values(check, values, message):
    verdict = verdicts.consistent(values, check, 1e-6)
    assert verdict.credit == 0 and message in verdict.message, verdict.message


# ----- public tests ---------------------------------------------------------------------------------
REFERENCE_RUN = {"passed": 4, "failed": 0, "failures": ""}


@pytest.mark.parametrize("values, credit, message", [
    ({"passed": 4, "failed": 0, "failures": ""}, 1.0, "passed"),
    ({"passed": 3, "failed": 1, "failures": "test_x: AssertionError"}, 0.75,
     "3 of 4 public tests passed\ntest_x: AssertionError"),
    ({"passed": 9, "failed": 0, "failures": ""}, 1.0, "passed"),
    ({"passed": "4"}, 0.0, "the public tests did not report a number of passing tests"),
    ({}, 0.0, "the public tests did not report a number of passing tests"),
])
def test_public_tests_earn_the_fraction_of_the_references_passing_tests(values, credit, message):
    verdict = verdicts.public(values, REFERENCE_RUN)
    assert verdict.credit == credit and verdict.message == message


# ----- adversarial attacks --------------------------------------------------------------------------
def blocks(count=1200, seed=0):
    """Images (count, 28, 28) uint8 whose class k lights the k-th band of 78 pixels, their labels,
    and a 784-10-10 network that reads the bands: every clean image is classified right."""
    labels = np.random.default_rng(seed).integers(0, 10, count)
    band = np.arange(28 * 28) // 78
    images = np.where(band[None, :] == labels[:, None], 255, 0).astype(np.uint8).reshape(count, 28, 28)
    network = {"weight1": (band[None, :] == np.arange(10)[:, None]).astype(np.float32),
               "bias1": np.zeros(10, np.float32), "weight2": np.eye(10, dtype=np.float32),
               "bias2": np.zeros(10, np.float32)}
    return images, labels, network


class BlocksHeldOut(NamedTuple):
    """A held-out set of :func:`blocks`, with hw4's classifier of an attacked network (784-H-C on
    standardised pixels), as the grader loads it from hw4's module."""
    images: np.ndarray
    labels: np.ndarray
    classifier: Callable = held_out_module(COURSE.assignment("hw4")).HeldOut.classifier


def judge_attack(adversarial, epsilon=1.0, **changes):
    images, labels, network = blocks()
    values = {**network, "adversarial": adversarial(images / 255.0), **changes}
    return verdicts.attack(values, BlocksHeldOut(images, labels), epsilon=epsilon, max_accuracy=0.5)


def test_an_attack_that_fools_the_network_within_its_budget_earns_the_points():
    verdict = judge_attack(lambda clean: 1.0 - clean)
    assert verdict.passed, verdict.message
    assert "scores 100.0% on the clean images and 0.0% on the adversarial ones" in verdict.message


@pytest.mark.parametrize("adversarial, epsilon, changes, message", [
    (lambda clean: 1.0 - clean, 0.1, {}, "within ε = 0.1 of the image; the largest change is 1"),
    (lambda clean: clean + 0.5, 1.0, {}, "every pixel must stay in [0, 1]"),
    (lambda clean: clean, 1.0, {}, "100.0% on the adversarial ones (ε = 1); the attack must bring it to 50%"),
    (lambda clean: 1.0 - clean, 1.0, {"weight2": -np.eye(10, dtype=np.float32)},
     "must first score at least 75%"),
    (lambda clean: 1.0 - clean, 1.0, {"bias1": np.zeros(3, np.float32)}, "do not make a 784-H-C network"),
    (lambda clean: 1.0 - clean, 1.0, {"weight1": None}, "expected finite float arrays"),
    (lambda clean: (1.0 - clean)[:999], 1.0, {}, "adversarial: expected (1000 … 1200, 28, 28) floats"),
    (lambda clean: (1.0 - clean).astype(np.uint8), 1.0, {}, "adversarial: expected"),
], ids=["over budget", "out of range", "no effect", "useless network", "shapes", "missing", "too few",
        "integers"])
def test_an_attack_that_breaks_a_rule_earns_nothing(adversarial, epsilon, changes, message):
    verdict = judge_attack(adversarial, epsilon, **changes)
    assert verdict.credit == 0 and message in verdict.message, verdict.message


@pytest.mark.parametrize("predictions, message", [
    (np.array([0, 1, 12]), "classes must lie in 0 … 9"),
    (np.array([0, -1, 2]), "classes must lie in 0 … 9"),
    (None, "got NoneType"),
])
def test_predictions_out_of_range_or_missing_earn_nothing(predictions, message):
    verdict = verdicts.accuracy(predictions, np.array([0, 1, 9]), AccuracyCurve(((0.5, 1.0),)))
    assert verdict.credit == 0 and message in verdict.message


def test_several_gradient_checks_in_one_probe_are_named_by_their_case():
    values = {"analytic_weight": np.array([1.0, 2.0]), "numerical_weight": np.array([1.0, 2.0]),
              "analytic_bias": np.array([0.5]), "numerical_bias": np.array([1.0]), "weight": np.ones(2)}
    verdict = verdicts.consistent(values, "gradient", 1e-6)
    assert verdict.credit == 0 and verdict.message.startswith("bias: analytic disagrees with numerical")
    assert verdicts.consistent({**values, "analytic_bias": np.array([1.0])}, "gradient", 1e-6).passed


def test_a_case_without_its_partner_fails():
    verdict = verdicts.consistent({"analytic_x": np.ones(2), "numerical_y": np.ones(2)}, "gradient", 1e-6)
    assert verdict.credit == 0 and "numerical_x: expected an array of numbers" in verdict.message


def test_rules_must_match_the_reference_to_a_few_ulps_which_numerical_derivatives_do_not():
    x = np.linspace(0.5, 3.0, 7)
    expected = {"analytic_log": 1 / x, "numerical_log": 1 / x + 1e-10}
    honest = {"analytic_log": 1.0 * x ** -1, "numerical_log": 1 / x + 3e-10}
    h = 1e-6
    measured = {"analytic_log": (np.log(x + h) - np.log(x - h)) / (2 * h), "numerical_log": 1 / x}
    assert verdicts.exact_rules(honest, expected, 1e-12).passed, "numerical values are no rule"
    verdict = verdicts.exact_rules(measured, expected, 1e-12)
    assert not verdict.passed and "analytic log: agrees with the reference's rule only to a relative" in \
        verdict.message and "computed numerically (finite differences)" in verdict.message


@pytest.mark.parametrize("values, message", [
    ({"loss": 0.05, "accuracy": 0.97}, "passed"),
    ({"loss": 0.1, "accuracy": 0.95}, "passed"),             # a bound itself is within
    ({"loss": 0.2, "accuracy": 0.97}, "loss is 0.2, more than the 0.1 required"),
    ({"loss": 0.05, "accuracy": 0.9}, "accuracy is 0.9, less than the 0.95 required"),
    ({"loss": float("nan"), "accuracy": 0.97}, "loss: expected a finite number, got nan"),
    ({"loss": True, "accuracy": 0.97}, "loss: expected a finite number, got True"),
    ({"loss": np.zeros(3), "accuracy": 0.97}, "loss: expected a finite number, got ndarray"),
    ({"accuracy": 0.97}, "loss: expected a finite number, got None"),
])
def test_a_threshold_holds_each_value_to_its_declared_bound(values, message):
    verdict = verdicts.threshold(values, {"loss": {"at_most": 0.1}, "accuracy": {"at_least": 0.95}})
    assert verdict.message == message and verdict.passed == (message == "passed")


@pytest.mark.parametrize("name, spoken", [
    ("getitem_with_a_repeated_list_index", "getitem with a repeated list index"),
    ("pow3_of_s3x2", "pow3 of (3, 2)"),
    ("sum_of_s5", "sum of (5,)"),
    ("pattern2_a_s2x1x3_to_s1x3", "pattern2 a (2, 1, 3) to (1, 3)"),
    ("edge0_scalar_to_s0x4", "edge0 scalar to (0, 4)"),
    ("steps_10", "steps 10"),
])
def test_a_value_name_reads_as_words_with_its_shapes(name, spoken):
    assert verdicts.words(name) == spoken
