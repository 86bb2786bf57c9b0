"""Task 3.6: the convergence comparison (mytorch/convergence.py: ``quadratic_loss``, ``rosenbrock_loss`` and
the loop of ``minimize``).

    quadratic:   f(w) = ½ (w₁² + κ w₂²),           ∇f = (w₁, κ w₂)
    Rosenbrock:  f(w) = (a − w₁)² + b (w₂ − w₁²)²,  ∇f = (−2 (a − w₁) − 4 b w₁ (w₂ − w₁²), 2 b (w₂ − w₁²))
for w of shape (2, ...), elementwise over the trailing axes. ``minimize`` takes ``steps`` optimizer
steps and returns Run(losses (steps,): the loss before each step, path (steps + 1, 2) or None).
The ``minimize`` tests run optimizers of the tests' own (stand_ins.py), which no task asks for, so
they need none of your optimizers of Tasks 3.1–3.5.
"""
import numpy as np
import pytest

from mytorch import convergence, optim

from helpers import assert_close, const, leaf, np_quadratic, np_rosenbrock, numpy_minimize
from stand_ins import OPTIMIZERS, preconditioned_rule, slowing_rule

pytestmark = pytest.mark.task3_6


@pytest.fixture(autouse=True)
def optimizers_of_the_tests(monkeypatch):
    """The tests' own optimizers, by name, for ``minimize`` (``optim.create``) to find."""
    for name, optimizer in OPTIMIZERS.items():
        monkeypatch.setitem(optim.OPTIMIZERS, name, optimizer)


def points(seed, count=4):
    return np.random.default_rng(seed).uniform(-2, 2, size=(count, 2))


@pytest.mark.parametrize("kappa", [1.0, 20.0, 0.5])
def test_quadratic_loss_value_and_gradient(kappa):
    for point in points(0):
        w = leaf(point)
        value = convergence.quadratic_loss(w, kappa)
        expected, gradient = np_quadratic(point, kappa)
        assert_close(value, np.asarray(expected), f"quadratic_loss(w={point}, κ={kappa}): ½ (w₁² + κ w₂²)",
                     1e-12, 1e-12)
        value.backward()
        assert_close(w.grad, gradient, f"the gradient of quadratic_loss at w={point}, κ={kappa}: (w₁, κ w₂)")


@pytest.mark.parametrize("a, b", [(1.0, 100.0), (2.0, 10.0)])
def test_rosenbrock_loss_value_and_gradient(a, b):
    for point in points(1):
        w = leaf(point)
        value = convergence.rosenbrock_loss(w, a, b)
        expected, gradient = np_rosenbrock(point, a, b)
        assert_close(value, np.asarray(expected), f"rosenbrock_loss(w={point}, a={a}, b={b}): "
                     f"(a − w₁)² + b (w₂ − w₁²)²", 1e-12, 1e-12)
        value.backward()
        assert_close(w.grad, gradient, f"the gradient of rosenbrock_loss at w={point}, a={a}, b={b}")


@pytest.mark.parametrize("name, loss, closed_form", [
    ("quadratic_loss", lambda w: convergence.quadratic_loss(w, 3.0), lambda w: np_quadratic(w, 3.0)),
    ("rosenbrock_loss", convergence.rosenbrock_loss, np_rosenbrock),
])
def test_the_losses_evaluate_a_whole_grid_at_once(name, loss, closed_form):
    # w of shape (2, 3, 4): 12 points, one value each (this is how the contour plot is drawn).
    grid = np.random.default_rng(2).uniform(-2, 2, size=(2, 3, 4))
    expected, gradient = closed_form(grid)
    assert_close(loss(const(grid)), expected,
                 f"{name} of a grid w of shape (2, 3, 4): values of shape (3, 4)", 1e-12, 1e-12)
    w = leaf(grid)
    loss(w).sum().backward()
    assert_close(w.grad, gradient, f"{name}: the gradient of the sum over a (2, 3, 4) grid, point by point")


def test_minimize_records_the_loss_before_each_step_and_the_path():
    # w ← w − η ∇f / (1 + w²) on the quadratic, step by step in NumPy.
    lr, kappa, start, steps = 0.1, 5.0, (-2.0, 1.0), 20
    problem = convergence.quadratic(condition=kappa, start=start)
    run = convergence.minimize(problem, "preconditioned", steps, lr=lr)
    losses, path = numpy_minimize(lambda w: np_quadratic(w, kappa), start, preconditioned_rule, steps, {"lr": lr})
    assert isinstance(run, convergence.Run), f"minimize must return a Run, got {type(run).__name__}"
    assert run.path is not None and run.path.shape == (steps + 1, 2), (
        f"Run.path: expected shape {(steps + 1, 2)}, the point before each step and after the last")
    assert run.losses.shape == (steps,) and run.losses.dtype == np.float64, (
        f"Run.losses: expected float64 of shape {(steps,)} (one Python float per step, loss.item()), got "
        f"{run.losses.dtype} of shape {run.losses.shape}")
    np.testing.assert_allclose(run.path, path, rtol=1e-12, atol=1e-14, err_msg=(
        "Preconditioned(lr=0.1) on ½ (w₁² + 5 w₂²): the path (are the gradients zeroed before each backward?)"))
    np.testing.assert_allclose(run.losses, losses, rtol=1e-12, atol=1e-14,
                               err_msg="Run.losses[t] must be the loss at path[t], before step t")


def test_minimize_on_rosenbrock_keeps_one_optimizer_for_every_step():
    # Slowing steps by η / t: an optimizer made anew at every step would take step 1 again and again.
    run = convergence.minimize(convergence.rosenbrock(start=(-1.0, 1.5)), "slowing", 30, lr=2e-3)
    losses, path = numpy_minimize(np_rosenbrock, (-1.0, 1.5), slowing_rule, 30, {"lr": 2e-3})
    np.testing.assert_allclose(run.path, path, rtol=1e-9, atol=1e-12,
                               err_msg="Slowing(lr=2e-3) on Rosenbrock from (−1, 1.5): the path")
    np.testing.assert_allclose(run.losses, losses, rtol=1e-9, err_msg="the loss before each step")


def test_a_problem_that_cannot_be_drawn_has_no_path():
    problem = convergence.spiral_mlp(n_samples=60)
    run = convergence.minimize(problem, "preconditioned", 5, lr=0.01)
    assert run.path is None, "Run.path must be None for a problem that is not 2-D (problem.function is None)"
    assert run.losses.shape == (5,) and np.all(np.isfinite(run.losses)), f"Run.losses: {run.losses}"
    _, loss = problem.setup()
    assert run.losses[0] == pytest.approx(loss().item(), rel=1e-6), (
        "Run.losses[0] must be the loss of the fresh model, before the first step")


def test_a_long_run_finds_the_bottom_of_the_bowl():
    run = convergence.minimize(convergence.quadratic(), "preconditioned", 300, lr=0.09)
    assert run.losses[-1] < 1e-10, (
        f"Preconditioned(lr=0.09) after 300 steps on the quadratic (κ = 20) from (−4, 1.5): loss "
        f"{run.losses[-1]:.3g}, expected < 1e-10")
    np.testing.assert_allclose(run.path[-1], [0.0, 0.0], atol=1e-6, err_msg="the minimum lies at (0, 0)")
