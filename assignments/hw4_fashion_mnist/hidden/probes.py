"""hw4's probes: they run inside the sandbox, drive the student's data pipeline, networks and attack,
and return plain values; the grader judges them.

- Task 4.1 is compared with the reference's values for the same probes (hand-made IDX bytes,
  DataLoader orders).
- Tasks 4.2 and 4.3, as the handout says, are graded by their accuracy on the held-out test set
  (autograder/heldout.py): the grader put the training files, with the classes secretly
  relabelled, and the test images, perturbed, shuffled and without labels, in grader_data/, and
  the number of epochs in grader_data/tasks.json. The probes train, classify and return the
  classes; only the grader, which holds the labels, computes an accuracy.
- The attack returns its adversarial images together with the weights of the network it attacked;
  the grader checks the budget and evaluates that network itself.

Each task is graded on its own code: the stand-ins of hidden_helpers replace the other tasks'
(the data pipeline of Task 4.1, the MLP and the training recipe of Task 4.2).
"""
import contextlib
import json
import struct
from pathlib import Path

import numpy as np
import pytest

import mytorch
from hidden_helpers import fit, stand_in_mlp, use_stand_in_data_pipeline
from mytorch import adversarial, models, train
from mytorch.data import fashion_mnist
from mytorch.data import DataLoader, TensorDataset, idx
from probing import probe

DATA = Path("grader_data")               # written by the grader into the working directory
LABELS = DATA / "fashion-mnist" / "train-labels-idx1-ubyte"    # relabelled: matches no checksum
ATTACKED_IMAGES = 2000


def settings(task):
    """The grader's settings of ``task`` (epochs, model, ε), from grader_data/tasks.json."""
    return json.loads((DATA / "tasks.json").read_text())[task]


@contextlib.contextmanager
def stand_ins(*uses):
    """Replace other tasks' code by the stand-ins ``uses`` (hidden_helpers.use_stand_in_*) while the
    block runs."""
    with pytest.MonkeyPatch.context() as patch:
        for use in uses:
            use(patch)
        yield


@contextlib.contextmanager
def grader_data_pipeline():
    """The stand-in data pipeline, reading the grader's training files: its relabelled labels are
    put, read by the stand-in parse_idx, among the arrays already verified, since they match no
    published checksum."""
    with stand_ins(use_stand_in_data_pipeline):
        labels = idx.read_idx(LABELS).astype(np.int64)
        labels.flags.writeable = False
        fashion_mnist._arrays[LABELS.resolve()] = labels
        yield


def test_images():
    """The grader's test images, standardised: (N, 1, 28, 28) float32."""
    return train.standardise(np.load(DATA / "test-images.npy", allow_pickle=False))


def training_set():
    """The standardised training images and their labels, read with the stand-in parse_idx."""
    with grader_data_pipeline():
        return train.fashion_mnist(train=True, root=DATA / "fashion-mnist")


# ----- Task 4.1: parse_idx and the DataLoader -------------------------------------------------------
IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def idx_bytes(array, type_code):
    """``array`` as an IDX file: zero, zero, the type code, the number of axes, the sizes (big-endian
    uint32), then the values big-endian."""
    header = bytes([0, 0, type_code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + np.asarray(array, IDX_TYPES[type_code]).tobytes()


@probe("task4_1")
def parse_idx_of_every_type():
    rng = np.random.default_rng(41)
    values = {}
    for type_code, dtype in IDX_TYPES.items():
        shape = tuple(int(n) for n in rng.integers(1, 5, size=int(rng.integers(1, 4))))
        info = np.iinfo(dtype) if np.dtype(dtype).kind in "iu" else None
        array = (rng.integers(info.min, info.max, shape, endpoint=True) if info
                 else rng.standard_normal(shape) * 1e3).astype(dtype)
        parsed = idx.parse_idx(idx_bytes(array, type_code))
        values[f"type_{type_code:02x}"] = np.asarray(parsed)
        values[f"dtype_{type_code:02x}"] = str(np.asarray(parsed).dtype)
    return values


@probe("task4_1")
def parse_idx_rejects_malformed_files():
    good = idx_bytes(np.arange(6, dtype=np.uint8).reshape(2, 3), 0x08)
    malformed = [b"", good[:3], b"\x01" + good[1:], good[:2] + b"\x07" + good[3:], good[:6], good[:-1],
                 good + b"\x00", bytes([0, 0, 0x0C, 1]) + struct.pack(">I", 2) + b"\x00" * 7]
    rejected = []
    for data in malformed:
        try:
            idx.parse_idx(data)
            rejected.append(False)
        except idx.IDXError:
            rejected.append(True)
    return {"rejected": np.array(rejected)}


def loader_batches(n, batch_size, shuffle, drop_last, seed, epochs=2):
    """Every batch of ``epochs`` epochs over features i·(1, 2, 3) and labels i, concatenated, and
    the batch sizes."""
    features = np.arange(n, dtype=np.float32)[:, None] * np.array([1, 2, 3], dtype=np.float32)
    loader = DataLoader(TensorDataset(features, np.arange(n)), batch_size=batch_size, shuffle=shuffle,
                        drop_last=drop_last, seed=seed)
    batches = [(x.numpy(), y.numpy()) for _ in range(epochs) for x, y in loader]
    return {"features": np.concatenate([x for x, _ in batches]),
            "labels": np.concatenate([y for _, y in batches]),
            "sizes": np.array([len(y) for _, y in batches]), "length": len(loader)}


@probe("task4_1")
def dataloader_in_order():
    return loader_batches(23, 5, shuffle=False, drop_last=False, seed=None)


@probe("task4_1")
def dataloader_shuffled_with_a_seed():
    return loader_batches(37, 8, shuffle=True, drop_last=True, seed=1234)


# ----- Tasks 4.2 to 4.4: graded on the held-out test set, as the handout says --------------------------
@probe("task4_2", check="accuracy")
def mlp_on_the_test_set():
    """``train.train`` as the handout gives it (the student's MLP and training step), on the stand-in
    data pipeline."""
    options = settings("task4_2")
    with grader_data_pipeline():
        model, history = train.train(options["model"], epochs=options["epochs"],
                                     root=DATA / "fashion-mnist", progress=False, evaluate=False)
    return {"predictions": train.predict(model, test_images()), "train_loss": np.array(history.train_loss)}


@probe("task4_3", check="accuracy")
def cnn_on_the_test_set():
    """``models.cnn()`` (the student's conv and pool) trained by the course's recipe written out
    (hidden_helpers.fit), so that the training step of Task 4.2 does not count twice."""
    options = settings("task4_3")
    images, labels = training_set()
    mytorch.manual_seed(0)
    model = fit(models.MODELS[options["model"]](), images, labels, epochs=options["epochs"])
    return {"predictions": train.predict(model, test_images())}


@probe("task4_4", check="attack")
def fgsm_fools_a_trained_mlp():
    """A 784-100-10 MLP trained for one epoch by the course's recipe, attacked on the first
    ATTACKED_IMAGES test images with the labels it predicts (the sandbox has no others)."""
    epsilon = settings("task4_4")["epsilon"]
    images, labels = training_set()
    mytorch.manual_seed(0)
    model = fit(stand_in_mlp(hidden=(100,), dropout=0.0), images, labels, epochs=1)
    clean = test_images()[:ATTACKED_IMAGES]
    attacked = adversarial.fgsm(model, clean, train.predict(model, clean),
                                adversarial.epsilon_in_input_units(epsilon))
    pixels = np.asarray(attacked, dtype=np.float64)[:, 0] * train.PIXEL_STD + train.PIXEL_MEAN
    first, second = (layer for layer in model if isinstance(layer, mytorch.nn.Linear))
    return {"adversarial": pixels, "weight1": first.weight.data, "bias1": first.bias.data,
            "weight2": second.weight.data, "bias2": second.bias.data}
