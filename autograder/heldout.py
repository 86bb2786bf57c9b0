"""The held-out test set of an assignment graded by accuracy: what the sandbox gets, and what the
grader alone keeps.

The probes of such an assignment train the student's network inside the sandbox and classify test
images. The sandbox gets the Fashion-MNIST training files and the 10 000 test images, each
perturbed; the system's copy of the data set is hidden from it, and the test labels never enter
it: the grader scores the predictions itself (:func:`autograder.verdicts.accuracy`).

The perturbation adds integer noise of at most ±NOISE grey levels to every pixel (a fixed seed,
so grading is deterministic). It changes the bytes of every image, so a table of memorised public
test images finds no match, while a trained network hardly notices: the reference MLP scores
89.2 % on the perturbed images against 89.3 % on the originals. (A one-pixel shift, the other
classic choice, costs an MLP 8 points, since an MLP is not translation-invariant.)

Inside the sandbox (the workspace is its working directory)::

    grader_data/fashion-mnist/train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz
    grader_data/test-images.npy       (10000, 28, 28) uint8, perturbed, no labels
    grader_data/tasks.json            {task id: Task.probe_settings}, e.g. the epochs to train
"""
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mytorch.data import fashion_mnist

FOLDER = "grader_data"
TEST_IMAGES = "test-images.npy"
SETTINGS = "tasks.json"
TRAIN_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte")
NOISE = 8       # grey levels, of 255
SEED = 2026


@dataclass(frozen=True)
class HeldOut:
    """images: (N, 28, 28) uint8, the perturbed test images the sandbox gets;
    originals: the same images unperturbed; labels: (N,) int64, which stay with the grader;
    source: the verified data set's folder."""
    images: np.ndarray
    originals: np.ndarray
    labels: np.ndarray
    source: Path

    @classmethod
    def load(cls, seed=SEED):
        """The verified Fashion-MNIST test split, perturbed with ``seed``; never downloads."""
        source = fashion_mnist.find_fashion_mnist(download=False)
        originals, labels = fashion_mnist.load_fashion_mnist(root=source, train=False, download=False)
        noise = np.random.default_rng(seed).integers(-NOISE, NOISE + 1, originals.shape)
        images = np.clip(originals.astype(np.int16) + noise, 0, 255).astype(np.uint8)
        return cls(images, np.asarray(originals), np.asarray(labels), source)

    def install(self, workspace, settings):
        """Write what the sandbox may see into ``workspace``/grader_data: the training files as
        found (gzipped or not), the perturbed test images and the tasks' ``settings``."""
        folder = Path(workspace) / FOLDER / "fashion-mnist"
        folder.mkdir(parents=True)
        for name in TRAIN_FILES:
            found = next(path for path in (self.source / name, self.source / f"{name}.gz") if path.is_file())
            shutil.copyfile(found, folder / found.name)
        np.save(folder.parent / TEST_IMAGES, self.images, allow_pickle=False)
        (folder.parent / SETTINGS).write_text(json.dumps(settings, indent=1, sort_keys=True))
