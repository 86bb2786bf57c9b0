"""hw4's held-out test set, on the grader's side only (assignment.toml's ``[held_out]`` names this
file; the generic grader, :mod:`autograder.grading.heldout`, loads it): what the sandbox gets, and
what the grader alone keeps.

The probes of such an assignment train the student's network inside the sandbox and classify test
images. The sandbox gets the Fashion-MNIST training files and test images without labels; the
system's copy of the data set is hidden from it, and the test labels never enter it: the grader
scores the predictions itself (autograder.grading.verdicts.accuracy). Three changes to the public
data defeat answers prepared outside the sandbox, and cost a network trained inside it nothing:

- **Perturbed images.** Every test image gets integer noise of at most ±NOISE grey levels. It
  changes the bytes of every image, so a table of memorised public test images finds no match,
  while a trained network hardly notices: the reference MLP scores 89.2 % on the perturbed images
  against 89.3 % on the originals. (A one-pixel shift, the other classic choice, costs an MLP 8
  points, since an MLP is not translation-invariant.)
- **A secret order.** The images come shuffled, so the public test labels in their public order
  score what guessing scores.
- **Secret class names.** The training labels are relabelled by a secret permutation of the
  classes that moves every class, and the grader scores predictions against the test labels
  relabelled the same way. A
  network trained in the sandbox learns the relabelled classes; a network trained beforehand and
  shipped in the code, or memorised labels, answer in the public classes and score as guessing.

Among the perturbed images the sandbox also gets ORIGINALS of them unperturbed, at secret places.
They are not scored: a real network scores about the same on both kinds, while answers looked up
by the exact public images score far better on the originals. autograder.grading.verdicts.accuracy
reports such a gap. Everything is drawn from a fixed seed, so grading is deterministic.

Inside the sandbox (the workspace is its working directory)::

    grader_data/fashion-mnist/train-images-idx3-ubyte[.gz]   as published
    grader_data/fashion-mnist/train-labels-idx1-ubyte        relabelled
    grader_data/train-images.npy      (60000, 28, 28) uint8, the same training images, decoded
    grader_data/train-labels.npy      (60000,) uint8, the same relabelled training labels, decoded
    grader_data/test-images.npy       (M, 28, 28) uint8, perturbed and original images, no labels
    grader_data/tasks.json            {task id: Task.probe_settings}, e.g. the epochs to train

The IDX files are what the student's reader of the data set decodes; the decoded arrays let the
probes of the other tasks train without it, so that a bug in the reader costs its own task alone,
and without any reader of their own in the sandbox.
"""
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mytorch.data import fashion_mnist
from mytorch.train import standardise

FOLDER = "grader_data"
TEST_IMAGES = "test-images.npy"
TRAIN_IMAGES_ARRAY, TRAIN_LABELS_ARRAY = "train-images.npy", "train-labels.npy"
SETTINGS = "tasks.json"
TRAIN_IMAGES, TRAIN_LABELS = "train-images-idx3-ubyte", "train-labels-idx1-ubyte"
LABELS_MAGIC = b"\x00\x00\x08\x01"   # an IDX file of unsigned bytes in one dimension
NOISE = 8           # grey levels, of 255
ORIGINALS = 2000    # unperturbed copies mixed in, for the gap check
SEED = 2026


@dataclass(frozen=True)
class HeldOut:
    """The held-out test set as the grader holds it.

    images:    (M, 28, 28) uint8, what the sandbox gets, in the secret order: every test image
               perturbed, and ORIGINALS copies of them unperturbed
    labels:    (M,) int64, their classes, relabelled: the classes the sandbox's training teaches
    perturbed: (M,) bool, which images are perturbed (scored); the others are the originals
    classes:   (C,) int64, the relabelling: public class c is class ``classes[c]`` in the sandbox
    train_images: (60000, 28, 28) uint8, the training images as published
    train_labels: (60000,) uint8, the training labels relabelled, as the sandbox gets them
    source:    the verified data set's folder, which the sandbox must not see
    """
    class_names = fashion_mnist.CLASSES     # the public classes' names, for the confusion matrix
    images: np.ndarray
    labels: np.ndarray
    perturbed: np.ndarray
    classes: np.ndarray
    train_images: np.ndarray
    train_labels: np.ndarray
    source: Path

    @classmethod
    def load(cls, seed=SEED):
        """The verified Fashion-MNIST test split, perturbed, mixed, shuffled and relabelled from
        ``seed``; never downloads."""
        source = fashion_mnist.find_fashion_mnist(download=False)
        originals, labels = fashion_mnist.load_fashion_mnist(root=source, train=False, download=False)
        originals, labels = np.asarray(originals), np.asarray(labels, dtype=np.int64)
        rng = np.random.default_rng(seed)
        noise = rng.integers(-NOISE, NOISE + 1, originals.shape)
        perturbed = np.clip(originals.astype(np.int16) + noise, 0, 255).astype(np.uint8)
        copies = rng.choice(len(originals), ORIGINALS, replace=False)
        images = np.concatenate([perturbed, originals[copies]])
        kinds = np.concatenate([np.ones(len(perturbed), bool), np.zeros(ORIGINALS, bool)])
        order = rng.permutation(len(images))
        classes = _derangement(rng, len(fashion_mnist.CLASSES))
        train_images, train_labels = fashion_mnist.load_fashion_mnist(root=source, train=True, download=False)
        return cls(images[order], classes[np.concatenate([labels, labels[copies]])[order]], kinds[order],
                   classes, np.asarray(train_images),
                   classes[np.asarray(train_labels, dtype=np.int64)].astype(np.uint8), source)

    def public_classes(self, classes):
        """``classes`` (integers, relabelled) as the public classes they stand for."""
        return np.argsort(self.classes)[classes]

    @property
    def scored(self):
        """(M,) bool: the images whose predictions count (the perturbed ones)."""
        return self.perturbed

    @property
    def hidden(self):
        """The paths the sandbox must not see: the system's copy of the data set (test labels too)."""
        return (self.source,)

    @staticmethod
    def classifier(values):
        """The network an attack probe returned, as a function from pixels in [0, 1], (n, 28, 28), to
        classes: ``weight1`` (H, 784), ``bias1`` (H,), ``weight2`` (C, H), ``bias2`` (C,), which
        classify standardised pixels (train.standardise) by logits = W₂ relu(W₁ x + b₁) + b₂.
        Raises ValueError, with the reason, for weights that do not make such a network."""
        weights = [values.get(name) for name in ("weight1", "bias1", "weight2", "bias2")]
        if not all(isinstance(w, np.ndarray) and w.dtype.kind == "f" and np.isfinite(w).all()
                   for w in weights):
            raise ValueError("weight1, bias1, weight2, bias2: expected finite float arrays")
        w1, b1, w2, b2 = (w.astype(np.float64) for w in weights)
        if w1.ndim != 2 or w1.shape[1] != 28 * 28 or b1.shape != w1.shape[:1] or w2.shape[1:] != b1.shape \
                or b2.shape != w2.shape[:1]:
            raise ValueError(f"weights: shapes {[w.shape for w in weights]} do not make a 784-H-C network")

        def classify(pixels):
            x = standardise(pixels * 255).reshape(len(pixels), -1)
            return (np.maximum(x @ w1.T + b1, 0.0) @ w2.T + b2).argmax(axis=1)
        return classify

    def install(self, workspace, settings):
        """Write what the sandbox may see into ``workspace``/grader_data: the training images as
        found (gzipped or not), the relabelled training labels, both also decoded, the test images
        and the tasks' ``settings``."""
        folder = Path(workspace) / FOLDER / "fashion-mnist"
        folder.mkdir(parents=True)
        found = next(path for path in (self.source / TRAIN_IMAGES, self.source / f"{TRAIN_IMAGES}.gz")
                     if path.is_file())
        shutil.copyfile(found, folder / found.name)
        header = LABELS_MAGIC + len(self.train_labels).to_bytes(4, "big")
        (folder / TRAIN_LABELS).write_bytes(header + self.train_labels.tobytes())
        np.save(folder.parent / TRAIN_IMAGES_ARRAY, self.train_images, allow_pickle=False)
        np.save(folder.parent / TRAIN_LABELS_ARRAY, self.train_labels, allow_pickle=False)
        np.save(folder.parent / TEST_IMAGES, self.images, allow_pickle=False)
        (folder.parent / SETTINGS).write_text(json.dumps(settings, indent=1, sort_keys=True))


def load():
    """The held-out test set the grader uses for hw4 (the fixed seed)."""
    return HeldOut.load()


def _derangement(rng, n):
    """A random permutation of range(n) that moves every element: no public class keeps its name."""
    while True:
        order = rng.permutation(n)
        if (order != np.arange(n)).all():
            return order
