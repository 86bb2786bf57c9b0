"""Hidden tests of Task 3.6: the two losses at random points, with random κ, a and b, and on grids of
several shapes; ``minimize`` with every optimizer on both 2-D problems against NumPy, afresh at every
run, and on the spiral MLP; the outcome of the race on Rosenbrock; the plot of the command.

The optimizers (Tasks 3.1–3.5) are replaced by correct stand-ins, so these tests grade Task 3.6 alone.
"""
import numpy as np
import pytest

from mytorch import convergence

from helpers import (adadelta_rule, adagrad_rule, adam_rule, adamw_rule, assert_close, const, leaf,
                     np_quadratic, np_rosenbrock, numpy_minimize, rmsprop_rule, sgd_rule)
from hidden_helpers import use_stand_in_optimizers

pytestmark = pytest.mark.task3_6


@pytest.fixture(autouse=True)
def independent_of_tasks_3_1_to_3_5(monkeypatch):
    use_stand_in_optimizers(monkeypatch)


def the_two_losses(kappa, a, b):
    """(name, the loss of mytorch, its closed form in NumPy) for both problems."""
    return [(f"quadratic_loss(κ={kappa:.3g})", lambda w: convergence.quadratic_loss(w, kappa),
             lambda w: np_quadratic(w, kappa)),
            (f"rosenbrock_loss(a={a:.3g}, b={b:.3g})", lambda w: convergence.rosenbrock_loss(w, a=a, b=b),
             lambda w: np_rosenbrock(w, a, b))]


@pytest.mark.parametrize("seed", range(4))
def test_random_points_and_constants(seed):
    rng = np.random.default_rng(seed)
    kappa, a, b = float(rng.uniform(0.1, 50)), float(rng.uniform(-2, 2)), float(rng.uniform(1, 200))
    for point in rng.uniform(-3, 3, size=(3, 2)):
        for name, loss, closed_form in the_two_losses(kappa, a, b):
            w = leaf(point)
            value = loss(w)
            expected, gradient = closed_form(point)
            assert_close(value, np.asarray(expected), f"{name} at {point}", 1e-12, 1e-12)
            value.backward()
            assert_close(w.grad, gradient, f"the gradient of {name} at {point}")


@pytest.mark.parametrize("shape", [(2, 5), (2, 1, 3), (2, 2, 1, 3)])
def test_grids_of_several_shapes(shape):
    grid = np.random.default_rng(len(shape)).uniform(-2, 2, size=shape)
    for name, loss, closed_form in the_two_losses(7.0, 0.5, 30.0):
        expected, gradient = closed_form(grid)
        assert_close(loss(const(grid)), expected, f"{name} of a grid of shape {shape}", 1e-12, 1e-12)
        w = leaf(grid)
        loss(w).sum().backward()
        assert_close(w.grad, gradient, f"{name}: the gradient of the sum over a grid of shape {shape}")


SETTINGS = [
    ("sgd", sgd_rule, dict(lr=0.05)),
    ("sgd", sgd_rule, dict(lr=0.02, momentum=0.8, nesterov=True)),
    ("adagrad", adagrad_rule, dict(lr=0.5, lr_decay=0.01)),
    ("adadelta", adadelta_rule, dict(lr=10.0)),
    ("rmsprop", rmsprop_rule, dict(lr=0.01, centered=True, momentum=0.5)),
    ("adam", adam_rule, dict(lr=0.05, amsgrad=True)),
    ("adamw", adamw_rule, dict(lr=0.05, weight_decay=0.1)),
]
PROBLEMS = [
    ("quadratic", lambda: convergence.quadratic(condition=8.0, start=(1.5, -1.0)),
     lambda w: np_quadratic(w, 8.0), (1.5, -1.0)),
    ("rosenbrock", lambda: convergence.rosenbrock(start=(0.5, -0.5)), np_rosenbrock, (0.5, -0.5)),
]


@pytest.mark.parametrize("problem, make, closed_form, start", PROBLEMS, ids=[p[0] for p in PROBLEMS])
@pytest.mark.parametrize("name, rule, options", SETTINGS, ids=[f"{s[0]}-{i}" for i, s in enumerate(SETTINGS)])
def test_minimize_against_numpy(problem, make, closed_form, start, name, rule, options):
    if problem == "rosenbrock" and name == "sgd":
        options = dict(options, lr=options["lr"] / 50)     # the valley's walls are steep
    run = convergence.minimize(make(), name, 40, **options)
    losses, path = numpy_minimize(closed_form, start, rule, 40, options)
    what = f"minimize({problem}, {name!r}, 40, {options})"
    assert run.path is not None and run.path.shape == (41, 2), f"{what}: Run.path must have shape (41, 2)"
    assert run.losses.shape == (40,) and run.losses.dtype == np.float64, (
        f"{what}: Run.losses must be float64 of shape (40,)")
    np.testing.assert_allclose(run.path, path, rtol=1e-9, atol=1e-12, err_msg=f"{what}: the path")
    np.testing.assert_allclose(run.losses, losses, rtol=1e-9, atol=1e-15,
                               err_msg=f"{what}: the loss before each step")


def test_every_run_starts_afresh():
    problem = convergence.rosenbrock()
    first, second = (convergence.minimize(problem, "adam", 10, lr=0.05) for _ in range(2))
    np.testing.assert_array_equal(first.path, second.path, err_msg=(
        "two runs of one problem must agree: each starts from a fresh problem.setup()"))
    np.testing.assert_array_equal(first.path[0], [-1.5, 2.0],
                                  err_msg="the path starts at the problem's start")


def test_the_spiral_mlp():
    problem = convergence.spiral_mlp(n_samples=80, seed=1)
    run = convergence.minimize(problem, "adam", 150, lr=0.03)
    assert run.path is None, "the spiral MLP is not a 2-D problem: Run.path must be None"
    assert run.losses.shape == (150,) and run.losses.dtype == np.float64 and np.all(np.isfinite(run.losses))
    _, loss = problem.setup()
    assert run.losses[0] == pytest.approx(loss().item(), rel=1e-6), (
        "the first loss is that of the fresh model, before any step")
    assert run.losses[-1] < 0.5 * run.losses[0], (
        f"Adam(lr=0.03): the loss went from {run.losses[0]:.3f} to {run.losses[-1]:.3f} in 150 steps")


def test_the_race_on_rosenbrock():
    contenders = {"SGD": ("sgd", dict(lr=1e-3)), "momentum": ("sgd", dict(lr=2e-4, momentum=0.9)),
                  "Adam": ("adam", dict(lr=0.03))}
    runs = convergence.compare(convergence.rosenbrock(), steps=3000, contenders=contenders)
    finals = {label: run.losses[-1] for label, run in runs.items()}
    assert finals["Adam"] < 1e-10, f"Adam after 3000 steps: {finals}"
    np.testing.assert_allclose(runs["Adam"].path[-1], [1.0, 1.0], atol=1e-6)
    assert finals["momentum"] < finals["SGD"] / 5, f"momentum beats plain SGD along the valley: {finals}"


def test_the_command_draws_a_plot(tmp_path):
    pytest.importorskip("matplotlib")
    convergence.main(["--problems", "quadratic", "--out", str(tmp_path)])
    assert (tmp_path / "convergence-quadratic.png").read_bytes()[:4] == b"\x89PNG"
