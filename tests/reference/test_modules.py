"""Module, Parameter and the layers of mytorch.nn, against the equivalent torch.nn modules:
registration and names, state dicts through real .npz files, modes, and whole small networks
whose outputs and gradients equal PyTorch's once they share weights."""
from collections import OrderedDict

import numpy as np
import pytest
import torch

import mytorch
from mytorch import nn

from helpers import distinct_values, to_torch
from oracle import assert_matches_torch

F64 = mytorch.float64


def cnn(lib, **float64):
    """The same small CNN in mytorch (lib=nn) or torch (lib=torch.nn)."""
    return lib.Sequential(lib.Conv2d(2, 4, 3, padding=1, **float64), lib.ReLU(), lib.MaxPool2d(2),
                          lib.Conv2d(4, 3, (2, 3), stride=(1, 2), bias=False, **float64), lib.Tanh(),
                          lib.Flatten(), lib.Linear(6, 5, **float64), lib.LeakyReLU(0.1),
                          lib.Dropout(0.5), lib.Linear(5, 3, **float64))


class Block(nn.Module):
    """A custom module with a parameter of its own, a sub-module and a nested Sequential."""

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(np.ones(3))
        self.inner = nn.Linear(3, 2)
        self.stack = nn.Sequential(nn.ReLU(), nn.Linear(2, 2, bias=False))
        self.note = "not registered"

    def forward(self, x):
        return self.stack(self.inner(x * self.scale))


class TorchBlock(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = torch.nn.Parameter(torch.ones(3))
        self.inner = torch.nn.Linear(3, 2)
        self.stack = torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Linear(2, 2, bias=False))


def copy_weights(torch_module, module):
    module.load_state_dict({name: value.detach().numpy()
                            for name, value in torch_module.state_dict().items()})


# ----- Parameter ------------------------------------------------------------------------
def test_parameter_requires_grad_and_prints_like_torch():
    p = nn.Parameter(np.array([1.0, 2.0]))
    assert isinstance(p, mytorch.Tensor) and p.requires_grad and p.is_leaf
    assert repr(p) == "Parameter containing:\ntensor([1., 2.], dtype=float64, requires_grad=True)"
    assert not nn.Parameter(np.ones(2), requires_grad=False).requires_grad


# ----- registration -----------------------------------------------------------------------
@pytest.mark.parametrize("build", [cnn, lambda lib: Block() if lib is nn else TorchBlock()],
                         ids=["cnn", "custom"])
def test_parameter_names_and_shapes_match_torch(build):
    ours, theirs = build(nn), build(torch.nn)
    assert [(name, tuple(p.shape)) for name, p in ours.named_parameters()] == \
           [(name, tuple(p.shape)) for name, p in theirs.named_parameters()]
    assert list(ours.state_dict()) == list(theirs.state_dict())


def test_children_modules_and_recursion():
    block = Block()
    assert [name for name, _ in block.named_children()] == ["inner", "stack"]
    assert list(block.children()) == [block.inner, block.stack]
    assert [name for name, _ in block.named_modules()] == ["", "inner", "stack", "stack.0", "stack.1"]
    assert len(list(block.modules())) == 5
    assert [name for name, _ in block.named_parameters(recurse=False)] == ["scale"]
    names = [name for name, _ in block.named_parameters(prefix="model")]
    assert names[:2] == ["model.scale", "model.inner.weight"]
    assert block.note == "not registered" and "note" not in dict(block.named_parameters())


def test_a_shared_parameter_is_listed_once():
    layer = nn.Linear(2, 2)
    model = nn.Sequential(layer, nn.ReLU(), layer)
    assert len(list(model.parameters())) == 2
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_assignment_rules():
    layer = nn.Linear(3, 2)
    with pytest.raises(TypeError, match="Parameter or None expected"):
        layer.weight = mytorch.zeros(2, 3)
    layer.bias = None
    assert [name for name, _ in layer.named_parameters()] == ["weight"]
    del layer.weight
    assert list(layer.parameters()) == []

    class Forgetful(nn.Module):
        def __init__(self):
            self.weight = nn.Parameter(np.ones(2))

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Forgetful()
    with pytest.raises(KeyError, match="without '.'"):
        nn.Module().add_module("a.b", nn.ReLU())


def test_apply_visits_every_module():
    seen = []
    model = cnn(nn)
    assert model.apply(lambda m: seen.append(type(m).__name__)) is model
    assert seen[-1] == "Sequential" and seen.count("Linear") == 2 and len(seen) == 11


# ----- modes and gradients ----------------------------------------------------------------
def test_train_and_eval_switch_dropout():
    model = nn.Sequential(nn.Linear(50, 50), nn.Sequential(nn.Dropout(0.5)))
    x = mytorch.ones(20, 50)
    assert model.training and model[1][0].training
    assert model.eval() is model and not any(m.training for m in model.modules())
    np.testing.assert_array_equal(model(x).data, model[0](x).data)
    assert model.train() is model and all(m.training for m in model.modules())
    dropped = model(x).data == 0
    assert 0.3 < dropped.mean() < 0.7
    with pytest.raises(ValueError, match="bool"):
        model.train("no")


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad(set_to_none):
    model = nn.Linear(3, 2)
    model(mytorch.ones(4, 3)).sum().backward()
    model.zero_grad(set_to_none=set_to_none)
    for p in model.parameters():
        assert p.grad is None if set_to_none else not p.grad.data.any()


# ----- state dicts ------------------------------------------------------------------------
def test_state_dict_round_trip_through_an_npz_file(tmp_path):
    mytorch.manual_seed(0)
    model = cnn(nn)
    path = tmp_path / "cnn.npz"
    mytorch.save(model.state_dict(), path)
    other = cnn(nn)
    params_before = list(other.parameters())
    x = mytorch.tensor(distinct_values((2, 2, 4, 12), 0).astype(np.float32))
    assert not np.allclose(other.eval()(x).data, model.eval()(x).data)
    result = other.load_state_dict(mytorch.load(path))
    assert result.missing_keys == [] and result.unexpected_keys == []
    np.testing.assert_array_equal(other(x).data, model(x).data)
    assert list(other.parameters()) == params_before          # the same objects, updated in place
    assert all(p.dtype == np.float32 and p.requires_grad for p in other.parameters())


def test_state_dict_values_are_detached():
    state = nn.Linear(2, 2).state_dict()
    assert all(isinstance(v, mytorch.Tensor) and not v.requires_grad for v in state.values())


def test_load_state_dict_converts_dtype_and_accepts_tensors():
    model = nn.Linear(2, 3)
    model.load_state_dict({"weight": mytorch.tensor(np.ones((3, 2))), "bias": np.arange(3.0)})
    assert model.weight.dtype == np.float32 and model.bias.tolist() == [0, 1, 2]


def test_load_state_dict_errors():
    model = nn.Sequential(nn.Linear(2, 3))
    good = {k: v.data for k, v in model.state_dict().items()}
    with pytest.raises(RuntimeError, match=r"Missing key\(s\) in state_dict: '0.bias'"):
        model.load_state_dict({"0.weight": good["0.weight"]})
    with pytest.raises(RuntimeError, match=r"Unexpected key\(s\) in state_dict: '1.weight'"):
        model.load_state_dict({**good, "1.weight": np.zeros(1)})
    with pytest.raises(RuntimeError, match=r"size mismatch for '0.weight'.*\(2, 3\).*\(3, 2\)"):
        model.load_state_dict({"0.weight": np.zeros((2, 3)), "0.bias": np.ones(3)}, strict=False)
    assert model[0].bias.data.tolist() == good["0.bias"].tolist()   # nothing copied after an error
    result = model.load_state_dict({"0.bias": np.ones(3), "extra": np.ones(1)}, strict=False)
    assert result.missing_keys == ["0.weight"] and result.unexpected_keys == ["extra"]
    assert model[0].bias.tolist() == [1, 1, 1]


def test_to_converts_parameters_in_place():
    model = nn.Linear(3, 2)
    params = list(model.parameters())
    model(mytorch.ones(1, 3)).sum().backward()
    assert model.to(F64) is model and model.to("cpu", F64) is model
    assert list(model.parameters()) == params
    assert all(p.dtype == np.float64 and p.grad.dtype == np.float64 for p in params)


def test_repr_matches_torch():
    def build(lib):
        return lib.Sequential(lib.Conv2d(1, 8, 3, padding=1), lib.ReLU(),
                              lib.Sequential(lib.Flatten(), lib.Linear(8, 2, bias=False)),
                              lib.Conv2d(2, 2, (1, 2), stride=2, bias=False), lib.LeakyReLU(0.2),
                              lib.Softmax(dim=1))
    assert repr(build(nn)) == repr(build(torch.nn))
    assert repr(nn.MaxPool2d(2)) == "MaxPool2d(kernel_size=2, stride=2, padding=0)"
    assert repr(nn.Dropout(0.25)) == "Dropout(p=0.25)"


# ----- containers -------------------------------------------------------------------------
def test_sequential_is_list_like():
    layers = [nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)]
    model = nn.Sequential(*layers)
    assert len(model) == 3 and list(model) == layers
    assert model[0] is layers[0] and model[-1] is layers[2]
    assert isinstance(model[1:], nn.Sequential) and list(model[1:]) == layers[1:]
    with pytest.raises(IndexError):
        model[3]
    assert model.append(nn.Sigmoid()) is model and len(model) == 4
    assert [name for name, _ in model.named_children()] == ["0", "1", "2", "3"]
    named = nn.Sequential(OrderedDict(hidden=nn.Linear(2, 2), act=nn.Tanh()))
    assert list(named.state_dict()) == ["hidden.weight", "hidden.bias"]


# ----- layers against torch ---------------------------------------------------------------
@pytest.mark.parametrize("name,args", [("ReLU", ()), ("LeakyReLU", (0.3,)), ("Sigmoid", ()), ("Tanh", ()),
                                       ("Softmax", (1,)), ("LogSoftmax", (0,)), ("Flatten", ()),
                                       ("Flatten", (0, 1)), ("MaxPool2d", (2, 1, 1))])
def test_parameterless_layers_match_torch(name, args):
    x = distinct_values((2, 3, 4, 3), 1) * 0.3     # distinct and non-zero: no ReLU or pooling kinks
    assert_matches_torch(getattr(nn, name)(*args), getattr(torch.nn, name)(*args), x)


@pytest.mark.parametrize("build", [lambda lib: lib.Linear(40, 200),
                                   lambda lib: lib.Conv2d(3, 50, (3, 2), stride=(2, 1), padding=1)])
def test_default_initialisation_is_torchs(build):
    """weight and bias ~ U(−1/√fan_in, 1/√fan_in); fan_out (200 or 300) would give a tighter bound."""
    mytorch.manual_seed(0)
    layer, reference = build(nn), build(torch.nn)
    bound = 1 / np.sqrt(np.prod(layer.weight.shape[1:]))
    for p in layer.parameters():
        assert p.dtype == np.float32 and np.abs(p.data).max() <= bound
        assert p.data.std() == pytest.approx(bound / np.sqrt(3), rel=0.15)
    assert np.abs(layer.weight.data).max() > 0.95 * bound
    assert [p.shape for p in layer.parameters()] == [tuple(p.shape) for p in reference.parameters()]


def test_initialisation_is_repeatable_with_manual_seed():
    mytorch.manual_seed(5)
    first = nn.Conv2d(2, 3, 3).weight.data.copy()
    mytorch.manual_seed(5)
    np.testing.assert_array_equal(nn.Conv2d(2, 3, 3).weight.data, first)


def test_device_and_dtype_arguments():
    layer = nn.Linear(2, 2, device="cpu", dtype=F64)
    assert layer.weight.dtype == layer.bias.dtype == np.float64 and layer.weight.device == "cpu"


def networks_agree(ours, theirs, x, target):
    """Forward values, loss and every parameter's gradient of two networks with the same weights."""
    copy_weights(theirs, ours)
    out = ours(mytorch.tensor(x))
    expected = theirs(to_torch(x))
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    nn.CrossEntropyLoss()(out, mytorch.tensor(target)).backward()
    torch.nn.CrossEntropyLoss()(expected, torch.tensor(target)).backward()
    theirs_grads = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.data, theirs_grads[name].grad.numpy(), rtol=1e-9, atol=1e-12,
                                   err_msg=name)


def test_tiny_mlp_matches_torch():
    rng = np.random.default_rng(0)

    def mlp(lib):
        return lib.Sequential(lib.Linear(4, 8, dtype=torch.float64 if lib is torch.nn else F64), lib.Tanh(),
                              lib.Linear(8, 3, dtype=torch.float64 if lib is torch.nn else F64))
    networks_agree(mlp(nn), mlp(torch.nn), rng.standard_normal((6, 4)), rng.integers(0, 3, 6))


def test_small_cnn_matches_torch_in_eval_mode():
    rng = np.random.default_rng(1)
    ours, theirs = cnn(nn, dtype=F64).eval(), cnn(torch.nn, dtype=torch.float64).eval()
    networks_agree(ours, theirs, distinct_values((3, 2, 4, 12), 2), rng.integers(0, 3, 3))
