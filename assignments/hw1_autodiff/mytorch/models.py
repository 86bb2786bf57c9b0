"""The reference networks for Fashion-MNIST. Both take images (N, 1, 28, 28)
and return logits (N, 10)."""
from mytorch import nn


def mlp(hidden=(256, 128), dropout=0.2):
    """784 → 256 → 128 → 10 with ReLU, and dropout after each hidden layer."""
    raise NotImplementedError('part of hw4_fashion_mnist: not needed in hw1_autodiff')


def cnn(dropout=0.5):
    """Two conv(3×3, padding 1) + ReLU + 2×2 max-pool blocks (32 and 64 channels), then
    a 3136 → 128 → 10 classifier with dropout.

    Shapes: (N, 1, 28, 28) → (N, 32, 14, 14) → (N, 64, 7, 7) → (N, 3136) → (N, 128) → (N, 10).
    """
    return nn.Sequential(
        nn.Conv2d(1, 32, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Dropout(dropout),
        nn.Linear(128, 10),
    )


MODELS = {"mlp": mlp, "cnn": cnn}
