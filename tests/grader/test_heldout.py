"""The held-out test set: what the sandbox gets hides the answers that could be prepared outside it
(the public order, the public classes, the exact public images), and the grader can undo all of it.
hw4's held-out set lives with the assignment (assignments/hw4_fashion_mnist/hidden/held_out.py, named by
its assignment.toml's [held_out]); the grader loads it (autograder/grading/heldout.py)."""
import json

import numpy as np
import pytest

from autograder.grading.heldout import held_out_module
from mytorch.data import fashion_mnist, idx
from submissions import COURSE

HW4 = COURSE.assignment("hw4")
heldout = held_out_module(HW4)      # hw4's [held_out] module, as the grader loads it
HeldOut = heldout.HeldOut


@pytest.fixture(scope="module")
def held():
    return HeldOut.load()


@pytest.fixture(scope="module")
def public():
    images, labels = fashion_mnist.load_fashion_mnist(train=False, download=False)
    return np.asarray(images), np.asarray(labels)


def test_every_test_image_comes_perturbed_with_some_unperturbed_copies(held, public):
    images, labels = public
    assert held.images.shape == (len(images) + heldout.ORIGINALS, 28, 28) and held.images.dtype == np.uint8
    assert held.perturbed.sum() == len(images)
    copies = held.images[~held.perturbed].reshape(heldout.ORIGINALS, -1)
    known = {image.tobytes() for image in images.reshape(len(images), -1)}
    assert all(copy.tobytes() in known for copy in copies), "the copies are public test images, unchanged"
    perturbed = held.images[held.perturbed].reshape(len(images), -1)
    assert sum(image.tobytes() in known for image in perturbed) < 10, "hardly any perturbed image is public"


def test_the_public_labels_in_the_public_order_score_what_guessing_scores(held, public):
    _, labels = public
    memorised = np.concatenate([labels, labels[:heldout.ORIGINALS]])
    assert abs((memorised == held.labels).mean() - 0.1) < 0.02
    assert abs((memorised == held.public_classes(held.labels)).mean() - 0.1) < 0.02


def test_the_classes_are_relabelled_and_the_grader_can_name_them_back(held, public):
    _, labels = public
    assert sorted(held.classes) == list(range(10)) and (held.classes != np.arange(10)).all()
    scored = held.public_classes(held.labels[held.perturbed])
    assert np.bincount(scored).tolist() == np.bincount(labels).tolist()
    _, train_labels = fashion_mnist.load_fashion_mnist(train=True, download=False)
    assert (held.public_classes(held.train_labels) == train_labels).all()
    assert (held.train_labels != train_labels).mean() > 0.5


def test_the_workspace_gets_the_relabelled_training_set_and_the_images_without_labels(held, tmp_path):
    held.install(tmp_path, {"task4_2": {"epochs": 3}})
    data = tmp_path / heldout.FOLDER
    assert sorted(path.name.removesuffix(".gz") for path in (data / "fashion-mnist").iterdir()) == \
        ["train-images-idx3-ubyte", "train-labels-idx1-ubyte"]
    assert (idx.read_idx(data / "fashion-mnist" / "train-labels-idx1-ubyte") == held.train_labels).all()
    assert (np.load(data / heldout.TEST_IMAGES, allow_pickle=False) == held.images).all()
    assert json.loads((data / heldout.SETTINGS).read_text()) == {"task4_2": {"epochs": 3}}
    assert not any("t10k" in path.name or "label" in path.name and "train" not in path.name
                   for path in data.rglob("*"))
