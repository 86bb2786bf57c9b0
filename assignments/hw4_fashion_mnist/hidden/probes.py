"""hw4's probes: they run inside the sandbox, drive the student's data pipeline, networks and attack,
and return plain values; the grader judges them.

- Task 4.1 and the building blocks of 4.2 to 4.4 are compared with the reference's values for the
  same probes (hand-made IDX bytes, DataLoader orders, conv/pool rules checked against central
  differences, FGSM on small models).
- The networks are graded on the held-out test set (autograder/heldout.py): the grader put the
  training files and the perturbed test images, without labels, in grader_data/, and the number of
  epochs in grader_data/tasks.json. The probes train, classify and return the classes; only the
  grader, which holds the labels, computes an accuracy.
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

import finite_differences as fd
import mytorch
from hidden_helpers import fit, stand_in_mlp, use_stand_in_data_pipeline
from mytorch import adversarial, models, train
from mytorch.data import DataLoader, TensorDataset, idx
from mytorch.ops.convolution import Conv2d, col2im, im2col
from mytorch.nn import functional as F
from probing import probe

DATA = Path("grader_data")               # written by the grader into the working directory
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


def test_images():
    """The grader's perturbed test images, standardised: (N, 1, 28, 28) float32."""
    return train.standardise(np.load(DATA / "test-images.npy", allow_pickle=False))


def training_set():
    """The standardised training images and their labels, read with the stand-in parse_idx."""
    with stand_ins(use_stand_in_data_pipeline):
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


# ----- Task 4.2: the MLP and its training ---------------------------------------------------------------
@probe("task4_2")
def mlp_shapes_and_logits():
    mytorch.manual_seed(42)
    model = models.mlp(hidden=(64, 32), dropout=0.3)
    model.eval()
    x = np.random.default_rng(42).standard_normal((5, 1, 28, 28)).astype(np.float32)
    values = {f"shape_{i}": np.array(p.shape) for i, p in enumerate(model.parameters())}
    with mytorch.no_grad():
        return {**values, "logits": model(mytorch.tensor(x)).numpy()}


@probe("task4_2", check="accuracy")
def mlp_on_the_test_set():
    options = settings("task4_2")
    with stand_ins(use_stand_in_data_pipeline):
        model, history = train.train(options["model"], epochs=options["epochs"],
                                     root=DATA / "fashion-mnist", progress=False, evaluate=False)
    return {"predictions": train.predict(model, test_images()), "train_loss": np.array(history.train_loss)}


# ----- Task 4.3: the CNN's building blocks and its accuracy ---------------------------------------------
CONV_CASES = [((2, 3, 7, 6), (3, 2), (2, 1), (1, 0)), ((1, 2, 5, 5), (3, 3), (1, 1), (1, 1)),
              ((3, 1, 6, 8), (2, 4), (2, 3), (0, 2))]     # (input shape, kernel, stride, padding)


def gradient_checks(cases):
    """For each case (f, arrays, seed): the gradients of ⟨ȳ, f(x₁, …)⟩ (ȳ random) by one backward
    pass, and central differences of f's forward. Returns "analytic" and "numerical", every case's
    gradients flattened and concatenated, and the gradients themselves, "grad_<case>_<input>"."""
    analytic, numerical, values = [], [], {}
    for case, (f, arrays, seed) in enumerate(cases):
        leaves = [mytorch.tensor(a, requires_grad=True) for a in arrays]
        y = f(*leaves)
        upstream = np.random.default_rng(seed).standard_normal(y.shape)
        y.backward(mytorch.tensor(upstream))
        forward = lambda *xs, f=f: f(*(mytorch.tensor(x) for x in xs)).numpy()  # noqa: E731
        for i, leaf in enumerate(leaves):
            values[f"grad_{case}_{i}"] = leaf.grad.numpy()
            analytic.append(leaf.grad.numpy().reshape(-1))
            numerical.append(fd.vjp(forward, arrays, i, upstream).reshape(-1))
    return {"analytic": np.concatenate(analytic), "numerical": np.concatenate(numerical), **values}


@probe("task4_3")
def im2col_and_col2im():
    values = {}
    for case, (shape, kernel, stride, padding) in enumerate(CONV_CASES):
        x = np.random.default_rng(case).standard_normal(shape)
        cols = im2col(x, kernel, stride, padding)
        values[f"cols_{case}"] = cols
        values[f"back_{case}"] = col2im(cols, shape, kernel, stride, padding)
    return values


def conv_case(shape, kernel, stride, padding, seed):
    """(f, [x, w], seed) of a gradient check of Conv2d with two output channels."""
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal(shape), rng.standard_normal((2, shape[1], *kernel))
    return (lambda x, w: Conv2d.apply(x, w, stride=stride, padding=padding)), [x, w], seed


@probe("task4_3", check="gradient")
def conv2d_backward():
    return gradient_checks([conv_case(*case, seed=10 + i) for i, case in enumerate(CONV_CASES)])


@probe("task4_3", check="gradient")
def max_pool2d_backward():
    x = np.random.default_rng(20).permutation(2 * 3 * 7 * 6).reshape(2, 3, 7, 6) / 10.0   # no ties
    values = gradient_checks([(lambda x: F.max_pool2d(x, 3, stride=2, padding=1), [x], 20)])
    with mytorch.no_grad():
        values["pooled"] = F.max_pool2d(mytorch.tensor(x), 2).numpy()
    return values


@probe("task4_3", check="accuracy")
def cnn_on_the_test_set():
    options = settings("task4_3")
    images, labels = training_set()
    mytorch.manual_seed(0)
    model = fit(models.MODELS[options["model"]](), images, labels, epochs=options["epochs"])
    return {"predictions": train.predict(model, test_images())}


# ----- Task 4.4: FGSM --------------------------------------------------------------------------------
@probe("task4_4")
def fgsm_on_a_linear_model():
    rng = np.random.default_rng(44)
    mytorch.manual_seed(44)
    model = mytorch.nn.Sequential(mytorch.nn.Linear(6, 4, dtype=mytorch.float64))
    x, labels = rng.standard_normal((9, 6)), rng.integers(0, 4, 9)
    return {"unclipped": adversarial.fgsm(model, x, labels, 0.3, low=None, high=None),
            "clipped": adversarial.fgsm(model, x, labels, 0.3, low=-0.5, high=0.6)}


@probe("task4_4", check="attack")
def fgsm_fools_a_trained_mlp():
    """A 784-100-10 MLP trained for one epoch by the stand-in recipe, attacked on the first
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
