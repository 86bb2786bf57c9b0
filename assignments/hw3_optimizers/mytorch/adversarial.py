"""Adversarial examples: the fast gradient sign method (FGSM, Goodfellow et al., 2015).

A trained classifier is nearly linear around an image x, so the loss L grows
fastest, for a budget of ε per pixel (an L∞ ball), along the sign of its
gradient with respect to the image:

    x_adv = clip(x + ε · sign(∇ₓ L(f(x), y)),  low, high)

One gradient per image, the same backward pass as training but taken with
respect to the input instead of the weights. With ε = 0.1 of the pixel range,
changes a person barely notices, a network that scores 90 % on Fashion-MNIST
loses most of its accuracy (`python -m mytorch.adversarial`).

    python -m mytorch.adversarial --epochs 5 --out runs

trains the reference MLP, then prints and plots its test accuracy against ε.
"""
import argparse
from pathlib import Path

import mytorch
from mytorch import autodiff, train as training
from mytorch.backend import namespace, to_device
from mytorch.nn import functional as F

# Pixels are standardised as (p − mean) / std, so the valid range [0, 1] of a raw pixel,
# and a budget of ε in raw pixel units, become these in the network's input units.
PIXEL_LOW = (0.0 - training.PIXEL_MEAN) / training.PIXEL_STD
PIXEL_HIGH = (1.0 - training.PIXEL_MEAN) / training.PIXEL_STD


def fgsm(model, images, labels, epsilon, low=PIXEL_LOW, high=PIXEL_HIGH):
    """Adversarial images by one signed-gradient step.

    images: (N, ...) float array or Tensor, the model's input; labels: (N,) int64.
    epsilon: the step per pixel, in the images' units (``epsilon_in_input_units``
        converts a budget in raw pixel units).
    low, high: the valid range of an input pixel (None: no clipping).
    Returns (N, ...) NumPy array: clip(x + ε · sign(∇ₓ L), low, high), with L the mean
    cross-entropy of ``model(x)``; the model's parameters get no gradient.
    """
    x = images.detach() if isinstance(images, mytorch.Tensor) else mytorch.tensor(images)
    y = mytorch.tensor(labels)
    raise NotImplementedError('part of hw4_fashion_mnist: not needed in hw3_optimizers')


def epsilon_in_input_units(epsilon):
    """A budget of ``epsilon`` in raw pixel units ([0, 1]) as a step on standardised inputs."""
    return epsilon / training.PIXEL_STD


def robust_accuracy(model, images, labels, epsilons, batch_size=1000):
    """The accuracy on FGSM images for each budget in ``epsilons`` (raw pixel units).

    Returns a list of floats, one per ε; ε = 0 is the clean accuracy.
    """
    model.eval()
    scores = []
    for epsilon in epsilons:
        correct = 0
        for start in range(0, len(labels), batch_size):
            x, y = images[start:start + batch_size], labels[start:start + batch_size]
            attacked = fgsm(model, x, y, epsilon_in_input_units(epsilon))
            with mytorch.no_grad():
                correct += int((model(mytorch.tensor(attacked)).argmax(dim=1).numpy() == y).sum())
        scores.append(correct / len(labels))
    return scores


def plot_robustness(epsilons, scores, path, title="FGSM"):
    """Accuracy against ε, as a PNG."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(5, 3.5))
    axis.plot(epsilons, scores, "o-")
    axis.axhline(0.1, color="grey", linestyle=":", label="chance")
    axis.set(xlabel="ε (pixel range 0–1)", ylabel="test accuracy", ylim=(0, 1), title=title)
    axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Train the reference MLP, then attack it with FGSM.")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--epsilons", type=float, nargs="+", default=[0, 0.01, 0.02, 0.05, 0.1])
    parser.add_argument("--test-images", type=int, default=2000)
    parser.add_argument("--out", type=Path, default=Path("runs"))
    args = parser.parse_args(argv)

    model, _ = training.train("mlp", epochs=args.epochs)
    images, labels = training.fashion_mnist(train=False)
    images, labels = images[:args.test_images], labels[:args.test_images]
    scores = robust_accuracy(model, images, labels, args.epsilons)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "fgsm-accuracy.png"
    plot_robustness(args.epsilons, scores, path)
    for epsilon, score in zip(args.epsilons, scores):
        print(f"ε = {epsilon:<5g} accuracy {score:.1%}")
    print(f"plot: {path}")


if __name__ == "__main__":
    main()
