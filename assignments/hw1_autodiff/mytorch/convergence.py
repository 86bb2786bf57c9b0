"""The optimizers raced on three problems: an ill-conditioned quadratic bowl, the
Rosenbrock valley and a small MLP on the spiral set.

    python -m mytorch.convergence --out runs

writes one figure per problem (the paths over the contours for the 2-D ones,
and the loss of every step on a log scale) and prints the final losses.

The problems, each with its minimum value 0 (the MLP's loss only approaches it):
    quadratic:   f(w) = ½ (w₁² + κ w₂²)                  minimum at (0, 0)
    Rosenbrock:  f(w) = (a − w₁)² + b (w₂ − w₁²)²        minimum at (a, a²)
    spiral MLP:  L(w) = mean cross-entropy of playground.mlp() on toy.spiral

κ is the condition number: the bowl is κ times steeper across than along, so
plain gradient descent zigzags across it and crawls along it. Momentum damps
the zigzag; the adaptive methods rescale each coordinate. The Rosenbrock valley
is curved and almost flat along its floor, which tests the same habits.
"""
import argparse
from pathlib import Path
from typing import Callable, NamedTuple

import numpy

import mytorch
from mytorch import optim, playground
from mytorch.data import toy
from mytorch.nn import functional as F


class Problem(NamedTuple):
    """Something to minimize.

    setup:  () → (params, loss), fresh at every call: ``params`` a list of leaf
            tensors that require grad, and ``loss()`` the scalar loss at their
            current values.
    function: for a 2-D problem, f(w) with w of shape (2, ...), evaluated
            elementwise over the trailing axes (for the contour plot); else None.
    bounds: ((w₁ low, w₁ high), (w₂ low, w₂ high)) for a 2-D problem, the window
            of its contour plot; else None.
    """
    name: str
    setup: Callable
    function: Callable = None
    bounds: tuple = None


class Run(NamedTuple):
    """What :func:`minimize` records.

    losses: (steps,) float64, the loss before each step.
    path:   (steps + 1, 2) float64 for a 2-D problem, the point before each step
            and after the last; None otherwise.
    """
    losses: numpy.ndarray
    path: numpy.ndarray


def quadratic_loss(w, condition):
    """f(w) = ½ (w₁² + κ w₂²) for w of shape (2, ...); returns a tensor of shape (...).

    ∇f = (w₁, κ w₂): the curvature is 1 along w₁ and κ (``condition``) along w₂.
    """
    raise NotImplementedError('part of hw3_optimizers: not needed in hw1_autodiff')


def rosenbrock_loss(w, a=1.0, b=100.0):
    """f(w) = (a − w₁)² + b (w₂ − w₁²)² for w of shape (2, ...); returns a tensor of shape (...).

    Its minimum, 0, lies at (a, a²), at the bottom of a curved, nearly flat valley.
    """
    raise NotImplementedError('part of hw3_optimizers: not needed in hw1_autodiff')


def _plane_problem(name, function, start, bounds):
    def setup():
        w = mytorch.tensor(start, dtype=mytorch.float64, requires_grad=True)
        return [w], lambda: function(w)
    return Problem(name, setup, function, bounds)


def quadratic(condition=20.0, start=(-4.0, 1.5)):
    """The bowl ½ (w₁² + κ w₂²), from ``start``."""
    return _plane_problem("quadratic", lambda w: quadratic_loss(w, condition), start,
                          bounds=((-4.5, 1.5), (-2.0, 2.0)))


def rosenbrock(start=(-1.5, 2.0)):
    """The Rosenbrock valley with a = 1, b = 100, from ``start``."""
    return _plane_problem("rosenbrock", rosenbrock_loss, start, bounds=((-2.0, 2.0), (-1.0, 3.0)))


def spiral_mlp(n_samples=200, seed=0):
    """Full-batch cross-entropy of ``playground.mlp()`` on the spiral set; the same
    initial weights at every setup."""
    points, labels = toy.spiral(n_samples=n_samples, noise=0.1, seed=seed)
    x, y = mytorch.tensor(points), mytorch.tensor(labels)

    def setup():
        mytorch.manual_seed(seed)
        model = playground.mlp()
        return list(model.parameters()), lambda: F.cross_entropy(model(x), y)
    return Problem("spiral MLP", setup)


def minimize(problem, optimizer, steps, **options):
    """Take ``steps`` steps of the optimizer called ``optimizer`` (see
    ``mytorch.optim.create``; ``options`` are its lr, momentum, ...) on a fresh
    setup of ``problem``, and return the :class:`Run`.
    """
    params, loss = problem.setup()
    plane = problem.function is not None
    stepper = optim.create(optimizer, params, **options)
    losses, path = [], []
    for _ in range(steps):
        if plane:
            path.append(params[0].detach().numpy().copy())
        raise NotImplementedError('part of hw3_optimizers: not needed in hw1_autodiff')
    if not plane:
        return Run(numpy.array(losses), None)
    path.append(params[0].detach().numpy().copy())
    return Run(numpy.array(losses), numpy.array(path))


# Each problem's contenders: label → (optimizer name, options), with learning rates tuned
# by hand for that problem (the same η cannot suit a unit bowl and the Rosenbrock valley).
CONTENDERS = {
    "quadratic": {
        "SGD": ("sgd", dict(lr=0.09)),
        "momentum": ("sgd", dict(lr=0.02, momentum=0.8)),
        "Nesterov": ("sgd", dict(lr=0.02, momentum=0.8, nesterov=True)),
        "Adagrad": ("adagrad", dict(lr=1.5)),
        "Adadelta": ("adadelta", dict(lr=30.0)),
        "RMSprop": ("rmsprop", dict(lr=0.1)),
        "Adam": ("adam", dict(lr=0.1)),
    },
    "rosenbrock": {
        "SGD": ("sgd", dict(lr=1e-3)),
        "momentum": ("sgd", dict(lr=2e-4, momentum=0.9)),
        "Nesterov": ("sgd", dict(lr=2e-4, momentum=0.9, nesterov=True)),
        "Adagrad": ("adagrad", dict(lr=0.5)),
        "Adadelta": ("adadelta", dict(lr=1.0)),
        "RMSprop": ("rmsprop", dict(lr=3e-3)),
        "Adam": ("adam", dict(lr=0.03)),
    },
    "spiral MLP": {
        "SGD": ("sgd", dict(lr=0.5)),
        "momentum": ("sgd", dict(lr=0.1, momentum=0.9)),
        "Nesterov": ("sgd", dict(lr=0.1, momentum=0.9, nesterov=True)),
        "Adagrad": ("adagrad", dict(lr=0.05)),
        "Adadelta": ("adadelta", dict(lr=10.0)),
        "RMSprop": ("rmsprop", dict(lr=1e-2)),
        "Adam": ("adam", dict(lr=3e-2)),
    },
}
STEPS = {"quadratic": 100, "rosenbrock": 3000, "spiral MLP": 500}


def compare(problem, steps=None, contenders=None):
    """{label: Run} for every contender of ``problem`` (default: its CONTENDERS and STEPS)."""
    steps = STEPS[problem.name] if steps is None else steps
    contenders = CONTENDERS[problem.name] if contenders is None else contenders
    return {label: minimize(problem, name, steps, **options) for label, (name, options) in contenders.items()}


def plot_comparison(problem, runs, path):
    """Draw ``runs`` ({label: Run}) of ``problem`` into a PNG: the paths over the contours of
    f for a 2-D problem, and the loss of every step on a log scale."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plane = problem.function is not None
    figure, axes = plt.subplots(1, 2 if plane else 1, figsize=(11 if plane else 5.5, 4.5), squeeze=False)
    if plane:
        axis = axes[0, 0]
        (x_low, x_high), (y_low, y_high) = problem.bounds
        grid = numpy.stack(numpy.meshgrid(numpy.linspace(x_low, x_high, 200),
                                          numpy.linspace(y_low, y_high, 200)))
        with mytorch.no_grad():
            values = problem.function(mytorch.tensor(grid)).numpy()
        axis.contour(grid[0], grid[1], numpy.log1p(values), levels=25, cmap="Greys", linewidths=0.6)
        for label, run in runs.items():
            axis.plot(run.path[:, 0], run.path[:, 1], ".-", markersize=2, linewidth=1, label=label)
        axis.set(xlim=(x_low, x_high), ylim=(y_low, y_high), xlabel="$w_1$", ylabel="$w_2$",
                 title=f"{problem.name}: paths")
    axis = axes[0, -1]
    for label, run in runs.items():
        axis.semilogy(numpy.maximum(run.losses, 1e-16), label=label)
    axis.set(xlabel="step", ylabel="loss", title=f"{problem.name}: loss")
    axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


PROBLEMS = {"quadratic": quadratic, "rosenbrock": rosenbrock, "spiral": spiral_mlp}


def main(argv=None):
    parser = argparse.ArgumentParser(description="Race the optimizers on a quadratic, the Rosenbrock "
                                                 "function and an MLP, and plot their losses.")
    parser.add_argument("--problems", nargs="+", choices=sorted(PROBLEMS), default=list(PROBLEMS))
    parser.add_argument("--out", type=Path, default=Path("runs"))
    args = parser.parse_args(argv)

    args.out.mkdir(parents=True, exist_ok=True)
    for key in args.problems:
        problem = PROBLEMS[key]()
        runs = compare(problem)
        path = args.out / f"convergence-{key}.png"
        plot_comparison(problem, runs, path)
        finals = ", ".join(f"{label} {run.losses[-1]:.2e}" for label, run in runs.items())
        print(f"{problem.name} after {STEPS[problem.name]} steps: {finals}\nplot: {path}")


if __name__ == "__main__":
    main()
