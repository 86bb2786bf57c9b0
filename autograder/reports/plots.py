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
    """The training loss per epoch and, beside it, the test accuracy per epoch, each where there is
    one, as a PNG at ``path``.

    history: {"train_loss": [...], "test_accuracy": [...]}, either or both, one number per epoch from
    the first (accuracy as a fraction), as ``mytorch.train`` records them; or the accuracies at the
    epochs ``"accuracy_epochs"`` (1.25, …), as the grader scores an accuracy probe's checkpoints. A
    value that is not finite leaves a gap.
    """
    panels = [(name, list(history[name])) for name in ("train_loss", "test_accuracy") if name in history]
    if not panels:
        raise ValueError("a training curve needs the training loss or the test accuracy per epoch")
    if len(panels) == 2 and len(panels[0][1]) != len(panels[1][1]) and "accuracy_epochs" not in history:
        raise ValueError(f"a training curve needs one loss and one accuracy per epoch, got "
                         f"{len(panels[0][1])} losses and {len(panels[1][1])} accuracies")
    with style.context("default"):
        figure = Figure(figsize=(5 * len(panels), 4))
        axes = figure.subplots(1, len(panels), squeeze=False)[0]
        for axis, (name, numbers) in zip(axes, panels):
            epochs = range(1, len(numbers) + 1)
            if name == "test_accuracy":
                epochs = list(history.get("accuracy_epochs", epochs))
            if name == "train_loss":
                axis.plot(epochs, numbers, marker="o")
                axis.set(xlabel="epoch", ylabel="training loss", title="Training loss")
            else:
                axis.plot(epochs, [100 * a for a in numbers], marker="o", color="tab:green")
                axis.set(xlabel="epoch", ylabel="test accuracy (%)", title="Test accuracy")
            whole = all(float(epoch).is_integer() for epoch in epochs)      # else quarters, halves
            axis.xaxis.set_major_locator(MaxNLocator(integer=whole, steps=[1, 2.5, 5, 10]))
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
