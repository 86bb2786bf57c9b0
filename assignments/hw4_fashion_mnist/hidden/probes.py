"""hw4's probes: they run inside the sandbox, drive the student's data pipeline, networks and attack,
and return plain values; the grader judges them.

- Task 4.1 is compared with the reference's values for the same probes: the grader's copies of the
  training files read by the student's parse_idx; hand-made IDX bytes, each
  parse_idx probe checking acceptance and rejection together (code that accepts everything or rejects
  everything earns nothing), and DataLoader orders over labels read by the student's parse_idx from a
  uint8 IDX file, as train.train reads them (so that a parse_idx that returns its input earns nothing
  with the DataLoader given).
- Tasks 4.2 to 4.4 are graded, as the handout says, by their accuracy on the held-out test set
  (hidden/held_out.py): the grader put the training set, with the classes secretly
  relabelled, as IDX files and decoded, and the test images, perturbed, shuffled and without
  labels, in grader_data/, and
  the number of epochs in grader_data/tasks.json. The probes train, classify and return the
  classes; only the grader, which holds the labels, computes an accuracy. The attack returns its
  adversarial images together with the weights of the network it attacked; the grader checks the
  budget and evaluates that network itself.
- Beside them, fast probes of each task's contract, compared with the reference (no training):
  models.mlp's parameter shapes, dtypes and logits with seeded weights, six steps of train.train's
  mini-batch step on seeded data (4.2); a gradient check of conv2d with im2col/col2im (also with one
  input needing a gradient, in float32, and in a small network), and max pooling with ties, large
  windows and float32 (4.3); fgsm on a small network with known weights, in float64 and float32 (4.4).
  Their weights split each task's points as the handout says (accuracy 55 and contract 20 in 4.2;
  7, 4 and 4 in 4.3; attack 6 and fgsm 4 in 4.4).

Each task is graded on its own code, and no other task's code runs in its probes (hidden_helpers.py,
stand_ins.py): the probes of Tasks 4.2 to 4.4 read the training set as the grader decoded it and cut
it into mini-batches of their own (not Task 4.1's parse_idx and DataLoader), and those of Tasks 4.3
and 4.4 train networks of homework 2's layers with homework 3's convergence.minimize (not Task 4.2's
mlp and step). No solution of a hw4 task comes with the probes.
"""
import json
import struct
from pathlib import Path

import numpy as np

import mytorch
import finite_differences
from hidden_helpers import channels_last_view, fit, one_hidden_layer_mlp
from mytorch import adversarial, autodiff, models, nn, train
from mytorch.nn import functional as F
from mytorch.ops import convolution
from mytorch.data import DataLoader, TensorDataset, idx
from probe_helpers import stand_ins
from probing import checkpoint, probe
from stand_ins import feed_train, random_batches

DATA = Path("grader_data")               # written by the grader into the working directory
BATCH_SIZE = 128                         # train.train's, for the probes that train on the training set
ATTACKED_IMAGES = 2000


def settings(task):
    """The grader's settings of ``task`` (epochs, model, ε), from grader_data/tasks.json."""
    return json.loads((DATA / "tasks.json").read_text())[task]


def test_images():
    """The grader's test images, standardised: (N, 1, 28, 28) float32."""
    return train.standardise(np.load(DATA / "test-images.npy", allow_pickle=False))


def training_set():
    """The grader's training images, standardised, (60000, 1, 28, 28) float32, and their relabelled
    classes, int64: decoded by the grader, so that no parse_idx runs (Task 4.1)."""
    images = np.load(DATA / "train-images.npy", allow_pickle=False)
    return train.standardise(images), np.load(DATA / "train-labels.npy", allow_pickle=False).astype(np.int64)


def trained_by_fit(model, epochs, after=None, parts=1):
    """``model`` trained for ``epochs`` on the grader's training set in shuffled batches of BATCH_SIZE
    by hidden_helpers.fit (which calls ``after(model, epoch)`` ``parts`` times an epoch), in eval mode."""
    images, labels = training_set()
    batches = random_batches(len(labels), BATCH_SIZE, epochs, seed=0)
    return fit(model, images, labels, batches, after=after, parts=parts)


class Checkpoints:
    """The checkpoints of an accuracy probe (``probing.checkpoint``), as often as the task's
    ``checkpoints_per_epoch`` says: the model's classes of the grader's test images so far go to the
    grader, which stops the training once they earn full credit. The model's training mode and
    mytorch's random numbers are left as they were, so that the training goes on exactly as without
    the checkpoint."""

    def __init__(self):
        self.images, self.last = test_images(), None

    def __call__(self, model, epoch):
        training, generator = model.training, mytorch.random.generator()
        state = generator.bit_generator.state
        self.last = {"predictions": train.predict(model, self.images), "epoch": epoch}
        model.train(training)
        generator.bit_generator.state = state
        checkpoint(self.last)


# ----- Task 4.1: parse_idx and the DataLoader -------------------------------------------------------
IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def idx_bytes(array, type_code):
    """``array`` as an IDX file: zero, zero, the type code, the number of axes, the sizes (big-endian
    uint32), then the values big-endian."""
    header = bytes([0, 0, type_code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + np.asarray(array, IDX_TYPES[type_code]).tobytes()


def parsed_or_rejected(data, source):
    """(the array parse_idx makes of ``data``, None), or (None, the message of the IDXError it raised);
    any other exception is the student's to see."""
    try:
        return idx.parse_idx(data, source=source), None
    except idx.IDXError as error:
        return None, str(error)


def accepted_values(values, name, array):
    """Record a well-formed file's array: its values (in native order), its dtype and whether it is
    read-only."""
    array = np.asarray(array)
    values[f"{name}_values"] = array.astype(array.dtype.newbyteorder("="))
    values[f"{name}_dtype"] = str(array.dtype)
    values[f"{name}_is_read_only"] = not array.flags.writeable


def rejections(values, files, source):
    """Record, for each malformed file of ``files`` ({case: bytes}), whether parse_idx raised IDXError
    (``rejects_<case>``), and whether every message names ``source``."""
    messages = []
    for case, data in files.items():
        parsed, message = parsed_or_rejected(data, source)
        values[f"rejects_{case}"] = message is not None
        messages.append(message or "")
    values["every_error_message_names_the_source"] = all(source in message for message in messages)


@probe("task4_1")
def parse_idx_reads_every_type_and_rejects_malformed_headers():
    """Acceptance and rejection in one probe: code that accepts everything, or rejects everything,
    earns nothing."""
    rng = np.random.default_rng(41)
    values = {}
    for type_code, dtype in IDX_TYPES.items():
        shape = tuple(int(n) for n in rng.integers(1, 5, size=int(rng.integers(1, 4))))
        info = np.iinfo(dtype) if np.dtype(dtype).kind in "iu" else None
        array = (rng.integers(info.min, info.max, shape, endpoint=True) if info
                 else rng.standard_normal(shape) * 1e3).astype(dtype)
        parsed, message = parsed_or_rejected(idx_bytes(array, type_code), "every-type.idx")
        if parsed is None:
            raise AssertionError(f"parse_idx rejected a well-formed file of type 0x{type_code:02x} and shape "
                                 f"{shape}: {message}")
        accepted_values(values, f"type_{type_code:02x}", parsed)
    good = idx_bytes(np.arange(6, dtype=np.uint8).reshape(2, 3), 0x08)
    rejections(values, {"an_empty_file": b"", "three_bytes": good[:3],
                        "a_first_magic_byte_of_1": b"\x01" + good[1:],
                        "a_second_magic_byte_of_1": good[:1] + b"\x01" + good[2:],
                        "the_unknown_type_code_07": good[:2] + b"\x07" + good[3:],
                        "the_unknown_type_code_0a": good[:2] + b"\x0a" + good[3:],
                        "the_unknown_type_code_00": good[:2] + b"\x00" + good[3:],
                        "the_unknown_type_code_0f": good[:2] + b"\x0f" + good[3:],
                        "the_unknown_type_code_ff": good[:2] + b"\xff" + good[3:],
                        "one_byte": good[:1], "a_magic_number_ffff": b"\xff\xff" + good[2:],
                        "a_header_cut_inside_the_sizes": good[:6],
                        "255_dimensions_in_16_bytes": good[:3] + b"\xff" + bytes(12)}, "broken-header.idx")
    return values


@probe("task4_1")
def parse_idx_reads_empty_and_0_d_arrays_and_rejects_wrong_lengths():
    """Acceptance and rejection in one probe, as above."""
    rng = np.random.default_rng(42)
    values = {}
    files = {"a_zero_dimensional_int32": idx_bytes(np.array(-123456, dtype=np.int32), 0x0C),
             "an_empty_float32_array_of_shape_3_0_2": idx_bytes(np.zeros((3, 0, 2), np.float32), 0x0D),
             "a_four_dimensional_int16": idx_bytes(rng.integers(-3000, 3000, (2, 1, 3, 2)), 0x0B),
             "a_uint8_file_with_sizes_above_255": idx_bytes(rng.integers(0, 256, (2, 300)), 0x08)}
    for case, data in files.items():
        parsed, message = parsed_or_rejected(data, f"{case}.idx")
        if parsed is None:
            raise AssertionError(f"parse_idx rejected a well-formed file ({case.replace('_', ' ')}): "
                                 f"{message}")
        accepted_values(values, case, parsed)
        values[f"{case}_shape"] = np.array(np.shape(parsed), dtype=np.int64)
    good = idx_bytes(np.arange(-3, 3, dtype=np.int32).reshape(2, 3), 0x0C)
    rejections(values, {"a_file_one_byte_short": good[:-1], "a_file_one_value_short": good[:-4],
                        "one_trailing_byte": good + b"\x00", "four_trailing_bytes": good + b"\x00" * 4,
                        "an_int32_file_sized_for_uint8_values": good[:12 + 6],
                        "a_header_without_its_last_size": good[:8]}, "wrong-length.idx")
    return values


@probe("task4_1")
def parse_idx_reads_the_fashion_mnist_training_files():
    """The grader's copies of the training images and labels (the labels relabelled), read by the given
    read_idx, which runs the student's parse_idx on the whole file: shapes, dtypes, read-only flags,
    every label and the images' sums per image and per pixel."""
    folder = DATA / "fashion-mnist"
    values = {}
    for name, kind in (("train-images-idx3-ubyte", "images"), ("train-labels-idx1-ubyte", "labels")):
        path = next(p for p in (folder / name, folder / f"{name}.gz") if p.is_file())
        array = idx.read_idx(path)
        values[f"{kind}_shape"] = np.array(np.shape(array), dtype=np.int64)
        values[f"{kind}_dtype"] = str(np.asarray(array).dtype)
        values[f"{kind}_is_read_only"] = not np.asarray(array).flags.writeable
        array = np.asarray(array, dtype=np.int64)
        if kind == "labels":
            values["labels"] = array
        else:
            values["sum_of_each_image"] = array.reshape(len(array), -1).sum(axis=1)
            values["sum_of_each_pixel_over_the_images"] = array.sum(axis=0)
    return values


def loader_batches(n, batch_size, shuffle, drop_last, seed, epochs=2, broken_off=0):
    """Every batch of ``epochs`` epochs over features i·(1, 2, 3) and labels i, concatenated, the batch
    sizes and len(loader). The labels are read from a uint8 IDX file by the student's parse_idx, as
    train.train reads them; ``broken_off`` passes that stop after their first batch come first."""
    parsed, message = parsed_or_rejected(idx_bytes(np.arange(n, dtype=np.uint8), 0x08), "labels.idx")
    if parsed is None:
        raise AssertionError(f"parse_idx rejected a well-formed uint8 file of labels: {message}")
    labels = np.asarray(parsed, dtype=np.int64)
    features = labels[:, None].astype(np.float32) * np.array([1, 2, 3], dtype=np.float32)
    loader = DataLoader(TensorDataset(features, labels), batch_size=batch_size, shuffle=shuffle,
                        drop_last=drop_last, seed=seed)
    first_batches = []
    for _ in range(broken_off):
        for _, y in loader:
            first_batches.append(y.numpy())
            break
    batches = [(x.numpy(), y.numpy()) for _ in range(epochs) for x, y in loader]
    values = {"features": np.concatenate([x for x, _ in batches]),
              "labels": np.concatenate([y for _, y in batches]),
              "batch_sizes": np.array([len(y) for _, y in batches]), "len_of_the_loader": len(loader)}
    if broken_off:
        values["first_batches_of_passes_broken_off"] = np.concatenate(first_batches)
    return values


def prefixed(prefix, values):
    return {f"{prefix}_{name}": value for name, value in values.items()}


def other_datasets():
    """Batches of a TensorDataset of one array (1-tuples) and of a plain list of arrays (one Tensor per
    batch, stacked by the given _batch): what __iter__ yields is _batch's, whatever its kind."""
    one_array = list(DataLoader(TensorDataset(np.arange(21, dtype=np.float32).reshape(7, 3)), batch_size=3))
    plain_list = list(DataLoader([np.full(2, i, dtype=np.float32) for i in range(5)], batch_size=2))
    return {"one_array_dataset_batch_kinds": " ".join(f"{type(b).__name__}{len(b)}" for b in one_array),
            "one_array_dataset_batches": np.concatenate([b[0].numpy() for b in one_array]),
            "plain_list_batch_kinds": " ".join(type(b).__name__ for b in plain_list),
            "plain_list_batches": np.concatenate([np.asarray(b.numpy()) for b in plain_list])}


@probe("task4_1")
def dataloader_in_order_with_a_short_last_batch_and_drop_last():
    return {**prefixed("n_23_in_batches_of_5", loader_batches(23, 5, False, False, None)),
            **prefixed("n_23_in_batches_of_5_drop_last", loader_batches(23, 5, False, True, None)),
            **prefixed("n_20_in_batches_of_5_drop_last", loader_batches(20, 5, False, True, None, epochs=1)),
            **prefixed("n_3_in_a_batch_of_8", loader_batches(3, 8, False, False, None, epochs=1)),
            **other_datasets()}


@probe("task4_1")
def dataloader_shuffled_with_a_seed_in_a_new_order_every_epoch():
    return {**prefixed("drop_last", loader_batches(37, 8, True, True, 1234, epochs=3)),
            **prefixed("short_last_batch", loader_batches(37, 8, True, False, 99, epochs=2)),
            **prefixed("after_two_passes_broken_off", loader_batches(19, 4, True, False, 5, epochs=1,
                                                                     broken_off=2))}


@probe("task4_1")
def dataloader_shuffled_without_a_seed_by_mytorch_generator():
    mytorch.manual_seed(2024)
    return loader_batches(29, 6, True, False, None, epochs=3)


# ----- Tasks 4.2 to 4.4: graded on the held-out test set, as the handout says --------------------------
@probe("task4_2", check="accuracy", weight=55)
def mlp_on_the_test_set():
    """``train.train`` as the handout gives it (the student's MLP and training step), on the grader's
    training set in shuffled batches of BATCH_SIZE (stand_ins.feed_train), with a checkpoint after each
    epoch."""
    options = settings("task4_2")
    images, labels = training_set()
    checkpoints, built = Checkpoints(), []     # the model train.train builds
    with stand_ins() as patch:
        build = models.MODELS[options["model"]]
        patch.setitem(models.MODELS, options["model"], lambda: built.append(build()) or built[-1])
        feed_train(patch, images, labels, random_batches(len(labels), BATCH_SIZE, options["epochs"], seed=0),
                   after_epoch=lambda epoch: built and checkpoints(built[-1], epoch))
        model, history = train.train(options["model"], epochs=options["epochs"], progress=False,
                                     evaluate=False)
    return {"predictions": train.predict(model, checkpoints.images), "epoch": options["epochs"],
            "train_loss": np.array(history.train_loss)}


def set_known_weights(model, seed):
    """Overwrite every parameter of ``model`` with seeded values of its shape and dtype: N(0, 1/fan-in)
    for a weight matrix, N(0, 0.1²) for a bias."""
    rng = np.random.default_rng(seed)
    for parameter in model.parameters():
        scale = 1 / np.sqrt(parameter.shape[-1]) if len(parameter.shape) > 1 else 0.1
        parameter.data[...] = (scale * rng.standard_normal(parameter.shape)).astype(parameter.data.dtype)
    return model


def parameter_shapes(model):
    """'37x784 37 19x37 …': the shapes of the parameters in the order of model.parameters()."""
    return " ".join("x".join(str(n) for n in parameter.shape) for parameter in model.parameters())


def logits(model, images, training, seed=0):
    """model(images) as an array, in eval mode, or in training mode with mytorch seeded (dropout)."""
    model.train(training)
    mytorch.manual_seed(seed)
    return model(mytorch.tensor(images)).detach().numpy()


def mlp_contract():
    """The student's models.mlp: its parameters' shapes for other arguments and for the defaults, and
    its outputs, with seeded weights, in eval mode (the logits, no softmax after them) and in training
    mode (the dropout rate and where dropout sits)."""
    rng = np.random.default_rng(4242)
    images = rng.standard_normal((5, 1, 28, 28)).astype(np.float32)
    small = set_known_weights(models.mlp(hidden=(37, 19), dropout=0.3), seed=1)
    default = set_known_weights(models.mlp(), seed=2)
    one_layer = set_known_weights(models.mlp(hidden=(12,), dropout=0.5), seed=3)
    three_layers = set_known_weights(models.mlp(hidden=(30, 20, 15), dropout=0.25), seed=4)
    no_dropout = set_known_weights(models.mlp(hidden=(32,), dropout=0.0), seed=6)
    return {"parameter_shapes_of_mlp_with_hidden_37_19": parameter_shapes(small),
            "parameter_shapes_of_mlp_with_default_arguments": parameter_shapes(default),
            "parameter_shapes_of_mlp_with_hidden_12": parameter_shapes(one_layer),
            "parameter_shapes_of_mlp_with_hidden_30_20_15": parameter_shapes(three_layers),
            "parameter_dtypes_of_mlp_with_default_arguments":
                " ".join(str(parameter.dtype) for parameter in default.parameters()),
            "logits_of_mlp_hidden_30_20_15_dropout_0_25_in_training_mode":
                logits(three_layers, images, True, 10),
            "logits_of_mlp_hidden_32_dropout_0_in_training_mode": logits(no_dropout, images, True, 11),
            "logits_of_mlp_with_hidden_37_19_in_eval_mode": logits(small, images, training=False),
            "logits_of_mlp_hidden_37_19_dropout_0_3_in_training_mode": logits(small, images, True, 7),
            "logits_of_mlp_with_default_arguments_in_eval_mode": logits(default, images, training=False),
            "logits_of_mlp_with_default_arguments_in_training_mode": logits(default, images, True, 8),
            "logits_of_mlp_hidden_12_dropout_0_5_in_training_mode": logits(one_layer, images, True, 9)}


def training_steps():
    """The student's mini-batch step inside train.train, run on 40 seeded images for two epochs of
    seeded batches of 16, 16, then 8 (stand_ins.feed_train), from the grader's 784-16-10 MLP with
    seeded weights and no dropout (so that an extra forward pass, e.g. for a training accuracy, draws
    nothing): the parameters afterwards and the epochs' mean training loss (the mean of each batch's
    mean cross-entropy)."""
    rng = np.random.default_rng(777)
    images = rng.standard_normal((40, 1, 28, 28)).astype(np.float32)
    labels = rng.integers(0, 10, 40).astype(np.int64)
    batches = [np.split(rng.permutation(40), [16, 32]) for _ in range(2)]
    with stand_ins() as patch:
        feed_train(patch, images, labels, batches)
        patch.setitem(models.MODELS, "probe_mlp", lambda: set_known_weights(one_hidden_layer_mlp(16), seed=5))
        trained, history = train.train("probe_mlp", epochs=2, seed=3, batch_size=16, lr=0.01,
                                       progress=False, evaluate=False)
    values = {f"parameter_{i}_after_two_epochs": parameter.data
              for i, parameter in enumerate(trained.parameters())}
    values["mean_training_loss_of_each_epoch"] = np.array(history.train_loss)
    return values


@probe("task4_2", weight=20)
def mlp_gives_logits_of_the_sizes_asked_and_one_adam_step_per_batch():
    """The contract of Task 4.2 beside its accuracy: the architecture of models.mlp, and the training
    step (with the stand-in MLP, so that each half is checked on its own region)."""
    return {**mlp_contract(), **training_steps()}


@probe("task4_3", check="accuracy", weight=7)
def cnn_on_the_test_set():
    """``models.cnn()`` (the student's conv and pool) trained by the course's recipe with homework 3's
    steps (hidden_helpers.fit), so that the training step of Task 4.2 does not count twice."""
    options = settings("task4_3")
    mytorch.manual_seed(0)
    checkpoints = Checkpoints()
    trained_by_fit(models.MODELS[options["model"]](), options["epochs"], after=checkpoints,
                   parts=options["checkpoints_per_epoch"])
    return checkpoints.last


# ----- Task 4.3: the operations themselves, beside the CNN's accuracy ---------------------------------
CONV_CASES = {      # case: (input shape, weight shape, stride, padding, channels-last input)
    "kernel_3_stride_1_padding_1": ((2, 2, 5, 5), (3, 2, 3, 3), 1, 1, False),
    "kernel_3x2_stride_2x1_padding_1x0": ((2, 3, 7, 5), (2, 3, 3, 2), (2, 1), (1, 0), False),
    "kernel_2_stride_3_padding_2_skipping_pixels": ((1, 2, 8, 7), (2, 2, 2, 2), 3, 2, False),
    "kernel_4x3_stride_2_padding_0x1_channels_last": ((3, 2, 8, 6), (2, 2, 4, 3), 2, (0, 1), True),
    "a_1x1_kernel_with_stride_2": ((2, 3, 5, 4), (4, 3, 1, 1), 2, 0, True),
}


@probe("task4_3", check="gradient", weight=4)
def conv2d_gradients_with_strides_and_padding():
    """For each case, ``analytic_<case>``: x̄ and w̄ of Conv2d.backward (through im2col and col2im), joined;
    ``numerical_<case>``: central differences of conv2d's forward (the given forward on the student's
    im2col); and im2col, col2im and the forward as values, all compared with the reference's."""
    rng = np.random.default_rng(43)
    values = {}
    for case, (x_shape, w_shape, stride, padding, channels_last) in CONV_CASES.items():
        x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
        if channels_last:
            x = channels_last_view(x)

        def forward(x, w, stride=stride, padding=padding):
            with mytorch.no_grad():
                return F.conv2d(mytorch.tensor(x), mytorch.tensor(w), stride=stride, padding=padding).numpy()

        xt, wt = mytorch.tensor(x, requires_grad=True), mytorch.tensor(w, requires_grad=True)
        y = F.conv2d(xt, wt, stride=stride, padding=padding)
        upstream = rng.standard_normal(y.shape)
        y.backward(mytorch.tensor(upstream))
        values[f"analytic_{case}"] = np.concatenate([xt.grad.numpy().ravel(), wt.grad.numpy().ravel()])
        # finite_differences.vjp moves one entry at a time through reshape(-1), which copies (and so
        # loses the move) for a channels-last array: it gets the same values in C order.
        contiguous = np.ascontiguousarray(x)
        values[f"numerical_{case}"] = np.concatenate(
            [finite_differences.vjp(forward, [contiguous, w], i, upstream).ravel() for i in (0, 1)])
        values[f"forward_{case}"] = y.detach().numpy()
        kernel, pair = w_shape[2:], (lambda v: (v, v) if isinstance(v, int) else tuple(v))
        cols = np.asarray(convolution.im2col(x, kernel, pair(stride), pair(padding)))
        values[f"im2col_{case}"] = cols
        values[f"col2im_{case}"] = np.asarray(convolution.col2im(rng.standard_normal(cols.shape), x_shape,
                                                                 kernel, pair(stride), pair(padding)))
    values.update(conv2d_with_one_input_needing_a_gradient(rng))
    values.update(conv2d_in_float32_on_a_channels_last_input(rng))
    values.update(a_small_network_of_conv_relu_pool_conv(rng))
    return values


def conv2d_with_one_input_needing_a_gradient(rng):
    """x̄ alone (the weight a constant) and w̄ alone (the input a constant, as the images are for the
    CNN's first convolution): Conv2d.backward computes what needs_input_grad asks for."""
    x, w = rng.standard_normal((2, 2, 6, 5)), rng.standard_normal((3, 2, 2, 3))
    values = {}
    for wanted in ("input", "weight"):
        xt = mytorch.tensor(x, requires_grad=wanted == "input")
        wt = mytorch.tensor(w, requires_grad=wanted == "weight")
        y = F.conv2d(xt, wt, stride=(2, 1), padding=(1, 1))
        y.backward(mytorch.tensor(np.random.default_rng(46).standard_normal(y.shape)))
        needed, other = (xt, wt) if wanted == "input" else (wt, xt)
        if needed.grad is None:
            raise AssertionError(f"conv2d where only the {wanted} needs a gradient: the {wanted} got none "
                                 "(Conv2d.backward must return it when needs_input_grad asks for it)")
        values[f"gradient_when_only_the_{wanted}_needs_one"] = needed.grad.numpy()
        values[f"the_other_gets_none_when_only_the_{wanted}_needs_one"] = other.grad is None
    return values


def conv2d_in_float32_on_a_channels_last_input(rng):
    """A float32 convolution of an input stored as (C, H, W, N): its output and gradients stay float32."""
    x = channels_last_view(rng.standard_normal((3, 2, 6, 6))).astype(np.float32)
    w = rng.standard_normal((3, 2, 3, 3)).astype(np.float32)
    xt, wt = mytorch.tensor(x, requires_grad=True), mytorch.tensor(w, requires_grad=True)
    y = F.conv2d(xt, wt, stride=1, padding=1)
    y.backward(mytorch.tensor(rng.standard_normal(y.shape).astype(np.float32)))
    arrays = (y.detach().numpy(), xt.grad.numpy(), wt.grad.numpy())
    return {"float32_dtypes_of_the_output_and_the_two_gradients": " ".join(str(a.dtype) for a in arrays),
            "float32_forward": y.detach().numpy(), "float32_input_gradient": xt.grad.numpy(),
            "float32_weight_gradient": wt.grad.numpy()}


def a_small_network_of_conv_relu_pool_conv(rng):
    """conv (padding 1) → relu → 2×2 max pooling → conv (stride 2) → sum of squares: the layers meet
    each other's memory layouts; the gradients of the input and of both weights."""
    shapes = ((2, 2, 6, 6), (3, 2, 3, 3), (2, 3, 2, 2))
    leaves = [mytorch.tensor(rng.standard_normal(shape), requires_grad=True) for shape in shapes]
    hidden = F.max_pool2d(F.relu(F.conv2d(leaves[0], leaves[1], stride=1, padding=1)), 2)
    (F.conv2d(hidden, leaves[2], stride=2, padding=0) ** 2).sum().backward()
    return {f"small_network_gradient_of_{name}": leaf.grad.numpy()
            for name, leaf in zip(("x", "w1", "w2"), leaves)}


POOL_CASES = {      # case: (input shape, kernel, stride, padding, channels-last input)
    "kernel_2_stride_2": ((2, 3, 6, 6), 2, None, 0, False),
    "overlapping_windows_kernel_3_stride_1": ((2, 2, 5, 6), 3, 1, 0, False),
    "kernel_3x2_stride_2x1_padding_1x1": ((1, 3, 7, 6), (3, 2), (2, 1), (1, 1), False),
    "kernel_2_stride_2_on_a_channels_last_input": ((3, 2, 6, 4), 2, 2, 0, True),
    "negative_inputs_with_padding_1": ((2, 2, 4, 5), 3, 2, 1, False),
    "a_20x14_kernel_of_280_offsets": ((1, 2, 21, 15), (20, 14), 1, 0, False),
    "a_14x20_kernel_of_280_offsets": ((1, 2, 15, 21), (14, 20), 1, 0, False),
}


@probe("task4_3", weight=4)
def max_pool_routes_each_gradient_to_the_first_maximum_of_its_window():
    """Inputs with many ties (a few small integers): the pooled values, the gradient of Σ ȳ·y (each ȳ
    goes to the first maximal entry of its window, in row-major order, as in PyTorch; overlapping
    windows add up), and the tangent of the given jvp, which reads the saved argmax."""
    rng = np.random.default_rng(44)
    values = {}
    for case, (shape, kernel, stride, padding, channels_last) in POOL_CASES.items():
        x = rng.integers(-2, 2, shape).astype(np.float64)
        if case.startswith("negative"):
            x = x - 3
        if channels_last:
            x = channels_last_view(x)
        xt = mytorch.tensor(x, requires_grad=True)
        y = F.max_pool2d(xt, kernel, stride=stride, padding=padding)
        upstream = rng.integers(1, 9, y.shape).astype(np.float64)
        y.backward(mytorch.tensor(upstream))
        values[f"forward_{case}"] = y.detach().numpy()
        values[f"gradient_{case}"] = xt.grad.numpy()
        _, tangent = autodiff.jvp(lambda t: F.max_pool2d(t, kernel, stride=stride, padding=padding),
                                  (mytorch.tensor(x),), (mytorch.tensor(rng.standard_normal(shape)),))
        values[f"jvp_{case}"] = tangent.numpy()
    values.update(max_pool_with_more_offsets_than_float16_counts(rng))
    x = channels_last_view(rng.standard_normal((3, 2, 6, 4))).astype(np.float32)
    xt = mytorch.tensor(x, requires_grad=True)
    y = F.max_pool2d(xt, 2)
    y.backward(mytorch.tensor(rng.standard_normal(y.shape).astype(np.float32)))
    values["float32_dtypes_of_the_output_and_the_gradient"] = f"{y.dtype} {xt.grad.dtype}"
    values["float32_forward"], values["float32_gradient"] = y.detach().numpy(), xt.grad.numpy()
    return values


def max_pool_with_more_offsets_than_float16_counts(rng):
    """One 46×46 window (2116 offsets) per channel, its first maximum at offsets above 2048 (where
    float16 no longer holds every integer) in the first channels: the gradient and the jvp."""
    x = rng.permutation(4 * 46 * 46).reshape(4, 1, 46, 46).astype(np.float64)
    for channel, offset in enumerate((2049, 2051, 2115)):
        x[channel, 0].flat[offset] = x.max() + 1
    xt = mytorch.tensor(x, requires_grad=True)
    y = F.max_pool2d(xt, 46)
    y.backward(mytorch.tensor(np.arange(1.0, 5.0).reshape(4, 1, 1, 1)))
    _, tangent = autodiff.jvp(lambda t: F.max_pool2d(t, 46), (mytorch.tensor(x),),
                              (mytorch.tensor(rng.standard_normal(x.shape)),))
    return {"forward_a_46x46_kernel": y.detach().numpy(), "gradient_a_46x46_kernel": xt.grad.numpy(),
            "jvp_a_46x46_kernel": tangent.numpy()}


@probe("task4_4", check="attack", weight=6)
def fgsm_fools_a_trained_mlp():
    """A 784-100-10 MLP trained for one epoch by the course's recipe (hidden_helpers.fit), attacked on
    the first ATTACKED_IMAGES test images with the labels it predicts (the sandbox has no others)."""
    epsilon = settings("task4_4")["epsilon"]
    mytorch.manual_seed(0)
    model = trained_by_fit(one_hidden_layer_mlp(100), epochs=1)
    clean = test_images()[:ATTACKED_IMAGES]
    attacked = adversarial.fgsm(model, clean, train.predict(model, clean),
                                adversarial.epsilon_in_input_units(epsilon))
    pixels = np.asarray(attacked, dtype=np.float64)[:, 0] * train.PIXEL_STD + train.PIXEL_MEAN
    first, second = (layer for layer in model if isinstance(layer, mytorch.nn.Linear))
    return {"adversarial": pixels, "weight1": first.weight.data, "bias1": first.bias.data,
            "weight2": second.weight.data, "bias2": second.bias.data}


# ----- Task 4.4: fgsm itself, beside the attack --------------------------------------------------------
@probe("task4_4", weight=4)
def fgsm_steps_along_the_sign_of_the_input_gradient_and_clips():
    """fgsm on a small network with seeded weights, in float64: the first pixel's column of weights is
    zero, so its gradient is exactly 0 and its sign 0 (the pixel stays); the defaults clip to the pixel
    range, None leaves a side open; the parameters get no gradient."""
    rng = np.random.default_rng(45)
    model = nn.Sequential(nn.Flatten(), nn.Linear(12, 6), nn.Tanh(), nn.Linear(6, 4))
    for parameter in model.parameters():
        parameter.data = rng.standard_normal(parameter.shape)
    first = next(iter(model.parameters()))
    first.data[:, 0] = 0.0
    images = rng.uniform(adversarial.PIXEL_LOW, adversarial.PIXEL_HIGH, (7, 1, 3, 4))
    labels = rng.integers(0, 4, 7)
    values = {}
    cases = {"default_range": {}, "unclipped": {"low": None, "high": None},
             "clipped_below_only": {"low": -0.3, "high": None},
             "clipped_above_only": {"low": None, "high": 0.4}}
    for case, bounds in cases.items():
        attacked = adversarial.fgsm(model, images, labels, 0.3, **bounds)
        values[f"adversarial_{case}"] = np.asarray(attacked)
        values[f"returns_a_numpy_array_{case}"] = isinstance(attacked, np.ndarray)
    tensor_input = adversarial.fgsm(model, mytorch.tensor(images), labels, 0.05)
    values["adversarial_of_a_tensor_input_epsilon_0_05"] = np.asarray(tensor_input)
    values["parameters_have_no_gradient"] = all(p.grad is None for p in model.parameters())
    images_tensor = mytorch.tensor(images, requires_grad=True)
    adversarial.fgsm(model, images_tensor, labels, 0.3)
    values["an_input_tensor_requiring_grad_gets_no_gradient"] = images_tensor.grad is None
    values["an_input_tensor_requiring_grad_keeps_its_values"] = np.array(images_tensor.data)
    model(mytorch.tensor(images)).sum().backward()
    before = [p.grad.numpy().copy() for p in model.parameters()]
    values["adversarial_when_the_parameters_hold_gradients"] = np.asarray(
        adversarial.fgsm(model, images, labels, 0.3))
    values["gradients_the_parameters_held_are_left_as_they_were"] = all(
        p.grad is not None and np.array_equal(p.grad.numpy(), held)
        for p, held in zip(model.parameters(), before))
    values.update(fgsm_in_float32(rng))
    return values


def fgsm_in_float32(rng):
    """fgsm on float32 images through a float32 network (mytorch's default dtype): the images it returns
    are float32 too."""
    model = nn.Sequential(nn.Flatten(), nn.Linear(12, 5), nn.ReLU(), nn.Linear(5, 3))
    for parameter in model.parameters():
        parameter.data = rng.standard_normal(parameter.shape).astype(np.float32)
    images = rng.uniform(-0.5, 1.5, (6, 1, 4, 3)).astype(np.float32)
    attacked = adversarial.fgsm(model, images, rng.integers(0, 3, 6), 0.25)
    return {"dtype_of_the_adversarial_float32_images": str(np.asarray(attacked).dtype),
            "adversarial_float32_images": np.asarray(attacked)}
