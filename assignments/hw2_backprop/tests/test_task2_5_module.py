"""Task 2.5: Module and Sequential (mytorch/nn/module.py ``_all_named_parameters``,
mytorch/nn/modules/container.py ``Sequential.forward``).

A parameter's name is its path in the module tree ("body.0.weight"); ``parameters()``
lists each tensor once, in registration order. Sequential computes f_k(… f_1(x)).
"""
import numpy as np
import pytest

from mytorch import nn

from helpers import assert_close, const, leaf, randn

pytestmark = pytest.mark.task2_5


class Scale(nn.Module):
    """y = w · x, with a learnable scalar w (hw1's operations only)."""

    def __init__(self, value):
        super().__init__()
        self.w = nn.Parameter(leaf(value).data)

    def forward(self, x):
        return x * self.w


class Shift(nn.Module):
    """y = x + c, no parameters."""

    def __init__(self, c):
        super().__init__()
        self.c = c

    def forward(self, x):
        return x + self.c


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(leaf(np.ones(3)).data)
        self.body = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2, bias=False))
        self.head = nn.Linear(2, 1)


def test_named_parameters_are_dotted_paths_in_registration_order():
    net = Net()
    names = [name for name, _ in net.named_parameters()]
    assert names == ["scale", "body.0.weight", "body.0.bias", "body.2.weight", "head.weight", "head.bias"], (
        f"named_parameters() of a nested module gave {names}")
    expected = [net.scale, net.body[0].weight, net.body[0].bias, net.body[2].weight, net.head.weight,
                net.head.bias]
    assert all(a is b for a, b in zip(net.parameters(), expected)) and len(list(net.parameters())) == 6, (
        "parameters() must yield the Parameter objects themselves, in the same order")


def test_recurse_false_lists_only_the_modules_own_parameters():
    names = [name for name, _ in Net().named_parameters(recurse=False)]
    assert names == ["scale"], f"named_parameters(recurse=False) gave {names}"


def test_a_shared_layer_is_listed_once():
    layer = nn.Linear(2, 2)
    model = nn.Sequential(layer, nn.Tanh(), layer)
    params = list(model.parameters())
    assert len(params) == 2 and params[0] is layer.weight and params[1] is layer.bias, (
        f"a layer used twice must give its 2 parameters once each, got {len(params)} parameters")
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"], (
        f"state_dict keeps every name of a shared parameter, got {list(model.state_dict())}")


def test_sequential_applies_the_modules_in_order():
    x = randn(5, 0)
    model = nn.Sequential(Shift(1.0), Scale(3.0), Shift(-2.0))
    assert_close(model(const(x)), (x + 1.0) * 3.0 - 2.0, "Sequential(x + 1, 3·x, x − 2)", 1e-12, 1e-12)
    assert_close(nn.Sequential()(const(x)), x, "an empty Sequential is the identity", 0, 0)


def test_gradients_flow_through_sequential_to_every_parameter():
    x = randn(4, 1)
    first, second = Scale(2.0), Scale(-0.5)
    model = nn.Sequential(first, Shift(1.0), second)
    model(const(x)).sum().backward()           # L = Σ w₂ (w₁ xᵢ + 1)
    assert_close(second.w.grad, np.sum(2.0 * x + 1.0), "∂L/∂w₂ = Σ (w₁ xᵢ + 1)")
    assert_close(first.w.grad, -0.5 * np.sum(x), "∂L/∂w₁ = w₂ Σ xᵢ")
    model.zero_grad()
    assert first.w.grad is None and second.w.grad is None, "zero_grad() must reach every parameter"
