"""The gradient-check library: central differences, the inner-product identity, inputs away from
kinks, and failure messages that name the worst index, both values and a likely cause."""
import numpy as np
import pytest

from autograder.sandbox.harness import finite_differences as fd


def product(x, y):
    return x * y


def test_vjp_of_a_product_is_the_other_factor_times_the_upstream():
    rng = np.random.default_rng(0)
    x, y, upstream = rng.standard_normal((3, 4)), rng.standard_normal(4), rng.standard_normal((3, 4))
    np.testing.assert_allclose(fd.vjp(product, [x, y], 0, upstream), upstream * y, rtol=1e-8)
    np.testing.assert_allclose(fd.vjp(product, [x, y], 1, upstream), (upstream * x).sum(axis=0), rtol=1e-8)


def test_vjp_of_an_input_laid_out_channels_last_moves_each_element():
    x = np.random.default_rng(0).standard_normal((2, 4, 3)).transpose(0, 2, 1)    # not C-contiguous
    upstream = np.random.default_rng(1).standard_normal(x.shape)
    assert np.allclose(fd.vjp(lambda x: x ** 2, [x], 0, upstream), 2 * x * upstream, atol=1e-8)


def test_jvp_moves_every_input_along_its_tangent():
    rng = np.random.default_rng(1)
    x, y, dx, dy = (rng.standard_normal(5) for _ in range(4))
    np.testing.assert_allclose(fd.jvp(product, [x, y], [dx, dy]), dx * y + x * dy, rtol=1e-8)


def test_directions_have_unit_norm_over_all_inputs_and_depend_on_the_seed_only():
    first = fd.directions([(2, 3), (4,)], count=3, seed=7)
    assert all(np.isclose(sum(np.sum(p * p) for p in direction), 1.0) for direction in first)
    again = fd.directions([(2, 3), (4,)], count=3, seed=7)
    assert all(np.array_equal(a, b) for d, e in zip(first, again) for a, b in zip(d, e))


def test_the_inner_product_identity_holds_for_the_right_gradient_only():
    rng = np.random.default_rng(2)
    x, w = rng.standard_normal((40, 30)), rng.standard_normal((30, 20))
    upstream = rng.standard_normal((40, 20))
    right = [upstream @ w.T, x.T @ upstream]
    analytic, numerical = fd.inner_product_check(np.matmul, [x, w], upstream, right, count=5)
    assert analytic.shape == (5,) and fd.mismatch(analytic, numerical, 1e-6) is None
    wrong = [upstream @ w.T, 0.5 * x.T @ upstream]
    assert fd.mismatch(*fd.inner_product_check(np.matmul, [x, w], upstream, wrong), 1e-6) is not None


@pytest.mark.parametrize("kinks", [[0.0], [-1.0, 0.0, 1.0], []])
def test_inputs_are_drawn_away_from_the_kinks(kinks):
    values = fd.away_from(kinks, (50, 40), seed=3, margin=0.1)
    assert values.shape == (50, 40) and (np.abs(values) <= 2).all()
    for kink in kinks:
        assert (np.abs(values - kink) >= 0.1).all()


def test_a_scalar_input_can_be_drawn_too():
    assert abs(fd.away_from([0.0], (), seed=4)) >= 0.1


def test_the_relative_error_is_the_lectures_formula():
    assert fd.relative_error(3.0, 1.0) == pytest.approx(2.0 / 4.0)
    assert fd.relative_error(0.0, 0.0) == 0.0
    assert fd.relative_error(1e-12, 0.0, floor=1e-8) == pytest.approx(1e-4)


def test_round_off_on_an_entry_far_smaller_than_the_others_is_not_an_error():
    analytic = np.array([2.0, -1.5, 1.290654409e-4])
    numerical = np.array([2.0, -1.5, 1.290647589e-4])      # central differences' round-off, 7e-10
    assert fd.mismatch(analytic, numerical, 1e-6) is None


def numerical_square_gradient():
    x = np.linspace(-1.5, 2.0, 12).reshape(3, 4)
    return x, fd.vjp(np.square, [x], 0, np.ones((3, 4)))


@pytest.mark.parametrize("mistake, hint", [
    (lambda g: -g, "opposite sign"),
    (lambda g: 0.5 * g, "0.5 times the numerical one"),
    (lambda g: np.zeros_like(g), "all zeros"),
    (lambda g: np.where(np.arange(g.size).reshape(g.shape) == 5, g + 1, g), "only 1 of 12 elements"),
    (lambda g: np.where(np.arange(g.size).reshape(g.shape) == 5, np.nan, g), "NaN or inf"),
    (lambda g: g[:, :2], "sum over the axes broadcasting added"),
    (lambda g: g + np.cos(np.arange(g.size).reshape(g.shape)), "compare each step with its formula"),
], ids=["sign", "factor", "zeros", "one element", "nan", "shape", "other"])
def test_a_failed_check_names_the_worst_index_both_values_and_a_hint(mistake, hint):
    x, numerical = numerical_square_gradient()
    message = fd.mismatch(mistake(2 * x), numerical, 1e-6)
    assert message is not None and hint in message, message
    if hint == "only 1 of 12 elements":
        assert "at index (1, 1)" in message and f"{2 * x[1, 1] + 1:.10g}" in message
        assert f"{numerical[1, 1]:.10g}" in message and "tolerance 1e-06" in message


def test_the_right_gradient_passes():
    x, numerical = numerical_square_gradient()
    assert fd.mismatch(2 * x, numerical, 1e-6) is None


def test_the_two_sides_can_be_named():
    message = fd.mismatch(np.array([1.0]), np.array([2.0]), 1e-6, names=("reverse", "forward"))
    assert "the reverse value is 1 and the forward one 2" in message


def test_a_gradient_where_the_numerical_one_is_zero_is_not_called_a_constant_factor():
    message = fd.mismatch(np.array([2.0, 4.0, 0.7]), np.array([2.0, 4.0, 0.0]), 1e-6)
    assert "times the numerical one" not in message and "only 1 of 3 elements" in message
