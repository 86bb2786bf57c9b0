"""The lectures' 2-D playground: a small MLP learns spiral, circles or xor by
plain gradient descent, and its decision boundary is drawn over the points.

    python -m mytorch.playground --dataset spiral --epochs 1000 --out runs

Gradient descent on the full data set, epoch after epoch:
    L(w) = (1/N) Σₙ −log softmax(f_w(xₙ))[yₙ]        (cross-entropy)
    w ← w − η ∇L(w)                                   (for every parameter w)
"""
import argparse
from pathlib import Path

import numpy

import mytorch
from mytorch import nn
from mytorch.data import toy
from mytorch.nn import functional as F

DATASETS = {"spiral": toy.spiral, "circles": toy.circles, "xor": toy.xor}


def mlp(hidden=32, layers=2):
    """2 → hidden → … → hidden → 2 with tanh: smooth boundaries, as in the playground."""
    sizes = [2] + [hidden] * layers
    modules = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        modules += [nn.Linear(fan_in, fan_out), nn.Tanh()]
    return nn.Sequential(*modules, nn.Linear(sizes[-1], 2))


def train_classifier(model, points, labels, lr=0.5, epochs=1000):
    """Full-batch gradient descent on the cross-entropy; returns the loss of every epoch.

    points (N, 2) float, labels (N,) int64; the model maps (N, 2) to logits (N, 2).
    """
    x, y = mytorch.tensor(points), mytorch.tensor(labels)
    losses = []
    for _ in range(epochs):
        raise NotImplementedError('part of hw2_backprop: not needed in hw1_autodiff')
        losses.append(loss.item())
    return losses


@mytorch.no_grad()
def accuracy(model, points, labels):
    """The fraction of points whose larger logit is their label."""
    return float((model(mytorch.tensor(points)).argmax(dim=1).numpy() == labels).mean())


@mytorch.no_grad()
def plot_decision_boundary(model, points, labels, path, title="", resolution=200):
    """Colour the plane by the model's predicted class and draw the points on top (a PNG)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    low, high = points.min(axis=0) - 0.5, points.max(axis=0) + 0.5
    xs, ys = numpy.meshgrid(numpy.linspace(low[0], high[0], resolution), numpy.linspace(low[1], high[1], resolution))
    grid = numpy.stack([xs.ravel(), ys.ravel()], axis=1).astype(points.dtype)
    probabilities = F.softmax(model(mytorch.tensor(grid)), dim=1).numpy()[:, 1].reshape(xs.shape)
    figure, axis = plt.subplots(figsize=(5, 5))
    axis.contourf(xs, ys, probabilities, levels=20, cmap="RdBu", alpha=0.6)
    axis.contour(xs, ys, probabilities, levels=[0.5], colors="black", linewidths=1)
    axis.scatter(points[:, 0], points[:, 1], c=labels, cmap="RdBu", edgecolors="black", s=15)
    axis.set(title=title, xticks=[], yticks=[])
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Train an MLP on a 2-D toy set and draw its decision boundary.")
    parser.add_argument("--dataset", choices=sorted(DATASETS), default="spiral")
    parser.add_argument("--epochs", type=int, default=1000)
    parser.add_argument("--lr", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("runs"))
    args = parser.parse_args(argv)

    mytorch.manual_seed(args.seed)
    points, labels = DATASETS[args.dataset](n_samples=400, noise=0.1, seed=args.seed)
    model = mlp()
    losses = train_classifier(model, points, labels, lr=args.lr, epochs=args.epochs)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"{args.dataset}-boundary.png"
    score = accuracy(model, points, labels)
    plot_decision_boundary(model, points, labels, path, f"{args.dataset}: {score:.0%} training accuracy")
    print(f"{args.dataset}: loss {losses[0]:.3f} → {losses[-1]:.3f}, training accuracy {score:.1%}\nplot: {path}")


if __name__ == "__main__":
    main()
