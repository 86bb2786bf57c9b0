"""The plots of a feedback page, as PNG files whose bytes depend on the data alone.

Figures are drawn with matplotlib's object-oriented API on the Agg canvas (no pyplot, no
global figure state, no display needed), in matplotlib's default style whatever the
user's matplotlibrc says, at a fixed size and dpi, and saved without the "Software"
metadata that names the matplotlib version: with the same matplotlib and fonts, the same
data gives the same bytes.
"""
import numpy
from matplotlib import style
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

DPI = 100
METADATA = {"Software": None}


def _save(figure, path):
    figure.tight_layout()
    figure.savefig(path, format="png", dpi=DPI, metadata=METADATA)


def training_curve(history, path):
    """The training loss per epoch and, beside it, the test accuracy per epoch if there is one, as a
    PNG at ``path``.

    history: {"train_loss": [...], "test_accuracy": [...] (optional)}, one number per epoch (accuracy
    as a fraction), as ``mytorch.train`` records them; a value that is not finite leaves a gap.
    """
    losses, accuracies = list(history["train_loss"]), list(history.get("test_accuracy", []))
    if accuracies and len(losses) != len(accuracies):
        raise ValueError(f"a training curve needs one loss and one accuracy per epoch, got {len(losses)} "
                         f"losses and {len(accuracies)} accuracies")
    epochs = range(1, len(losses) + 1)
    with style.context("default"):
        figure = Figure(figsize=(10, 4) if accuracies else (5, 4))
        axes = figure.subplots(1, 2 if accuracies else 1, squeeze=False)[0]
        axes[0].plot(epochs, losses, marker="o")
        axes[0].set(xlabel="epoch", ylabel="training loss", title="Training loss")
        if accuracies:
            axes[1].plot(epochs, [100 * a for a in accuracies], marker="o", color="tab:green")
            axes[1].set(xlabel="epoch", ylabel="test accuracy (%)", title="Test accuracy")
        for axis in axes:
            axis.xaxis.set_major_locator(MaxNLocator(integer=True))
            axis.grid(alpha=0.3)
        _save(figure, path)


def confusion_matrix(matrix, class_names, path):
    """A confusion matrix (rows: true class, columns: predicted class) with its counts, as a PNG."""
    matrix = numpy.asarray(matrix)
    size = len(class_names)
    if size == 0 or matrix.shape != (size, size):
        raise ValueError(f"a confusion matrix of {size} classes must have shape ({size}, {size}), "
                         f"got {matrix.shape}")
    if matrix.dtype.kind not in "iuf" or not numpy.isfinite(matrix).all() or (matrix < 0).any():
        raise ValueError("a confusion matrix holds finite counts >= 0")
    with style.context("default"):
        side = max(4.0, 0.6 * size + 2)
        figure = Figure(figsize=(side + 1, side))
        axis = figure.subplots()
        image = axis.imshow(matrix, cmap="Blues")
        figure.colorbar(image, ax=axis)
        ticks = range(size)
        axis.set_xticks(ticks, class_names, rotation=45, ha="right")
        axis.set_yticks(ticks, class_names)
        axis.set(xlabel="predicted class", ylabel="true class", title="Confusion matrix")
        threshold = matrix.max() / 2
        for (row, column), count in numpy.ndenumerate(matrix):
            axis.text(column, row, f"{count:g}", ha="center", va="center", fontsize=8,
                      color="white" if count > threshold else "black")
        _save(figure, path)
