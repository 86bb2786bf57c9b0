"""Hidden tests of Task 2.5: the parameter tree (deep nesting, shared modules and parameters,
absent members, recurse=False, state_dict round trips) and Sequential (nesting, named members,
slices, gradients). The Linear primitive and tanh (Tasks 2.1, 2.2) are replaced by stand-ins."""
from collections import OrderedDict

import numpy as np
import pytest

import mytorch
from mytorch import nn

from helpers import assert_close, const, leaf, randn
from hidden_helpers import use_stand_in_activations, use_stand_in_linear

pytestmark = pytest.mark.task2_5


@pytest.fixture(autouse=True)
def independent_of_tasks_2_1_and_2_2(monkeypatch):
    use_stand_in_linear(monkeypatch)
    use_stand_in_activations(monkeypatch)


def parameter(values):
    return nn.Parameter(leaf(values).data)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.gamma = parameter(np.ones(2))
        self.inner = nn.Sequential(nn.Linear(2, 2), nn.Tanh())
        self.absent = None                      # a plain attribute
        self.register_parameter("beta", None)   # an absent parameter


class Tower(nn.Module):
    def __init__(self):
        super().__init__()
        self.first = Block()
        self.add_module("missing", None)
        self.second = Block()
        self.top = parameter(np.zeros(1))


def test_a_three_level_tree():
    tower = Tower()
    names = [name for name, _ in tower.named_parameters()]
    block = ["gamma", "inner.0.weight", "inner.0.bias"]
    expected = ["top"] + [f"first.{n}" for n in block] + [f"second.{n}" for n in block]   # own ones first
    assert names == expected, f"named_parameters() of a three-level tree: {names}, expected {expected}"
    assert [p is q for p, q in zip(tower.parameters(), dict(tower.named_parameters()).values())] == [True] * 7
    assert [n for n, _ in tower.second.named_parameters(prefix="x")] == [f"x.{n}" for n in block], (
        "named_parameters(prefix='x') puts the prefix before every name")
    assert [n for n, _ in tower.named_parameters(recurse=False)] == ["top"]
    assert [n for n, _ in tower.first.inner.named_parameters(recurse=False)] == []


def test_shared_parameters_and_modules_are_listed_once_under_their_first_name():
    shared = parameter(np.ones(3))
    a, b = nn.Module(), nn.Module()
    a.w, b.w = shared, shared
    b.own = parameter(np.zeros(2))
    root = nn.Sequential(a, b, a)
    assert [n for n, _ in root.named_parameters()] == ["0.w", "1.own"]
    assert list(root.state_dict()) == ["0.w", "1.w", "1.own", "2.w"], (
        f"state_dict names every path to a shared parameter: {list(root.state_dict())}")


def test_state_dict_round_trip_and_zero_grad():
    mytorch.manual_seed(0)
    source, target = Tower(), Tower()
    target.load_state_dict(source.state_dict())
    for (name, p), (_, q) in zip(source.named_parameters(), target.named_parameters()):
        assert_close(q, p.data, f"load_state_dict copied {name}", 0, 0)
    for p in target.parameters():
        p.grad = mytorch.ones_like(p)
    target.zero_grad()
    assert all(p.grad is None for p in target.parameters()), "zero_grad() must reach every level"
    target.to(mytorch.float64)
    assert all(p.dtype == np.float64 for p in target.parameters()), "to(float64) must reach every parameter"


class Affine(nn.Module):
    def __init__(self, a, b):
        super().__init__()
        self.a, self.b = parameter(a), parameter(b)

    def forward(self, x):
        return x * self.a + self.b


def test_nested_and_named_sequentials():
    x = randn(6, 1)
    inner = nn.Sequential(Affine(2.0, 1.0), Affine(-1.0, 0.5))
    outer = nn.Sequential(OrderedDict(pre=Affine(3.0, 0.0), body=inner, post=Affine(1.0, -4.0)))
    expected = (-(2.0 * (3.0 * x) + 1.0) + 0.5) - 4.0
    assert_close(outer(const(x)), expected, "nested, named Sequential", 1e-12, 1e-12)
    assert_close(outer[1:](const(x)), (-(2.0 * x + 1.0) + 0.5) - 4.0, "a slice of a Sequential", 1e-12, 1e-12)
    assert [n for n, _ in outer.named_parameters()] == [
        "pre.a", "pre.b", "body.0.a", "body.0.b", "body.1.a", "body.1.b", "post.a", "post.b"]


def test_gradients_through_an_mlp_in_a_sequential():
    mytorch.manual_seed(1)
    model = nn.Sequential(nn.Linear(3, 4, dtype=mytorch.float64), nn.Tanh(), nn.Linear(4, 2, dtype=mytorch.float64))
    x = randn((5, 3), 2)
    model(const(x)).sum().backward()
    w1, b1, w2, b2 = (p.data for p in model.parameters())
    h = np.tanh(x @ w1.T + b1)
    delta = (np.ones((5, 2)) @ w2) * (1 - h ** 2)
    assert_close(model[2].weight.grad, np.ones((2, 5)) @ h, "MLP: last weight's gradient")
    assert_close(model[0].weight.grad, delta.T @ x, "MLP: first weight's gradient (backprop through tanh)")
    assert_close(model[0].bias.grad, delta.sum(axis=0), "MLP: first bias's gradient")
    assert len(list(model.parameters())) == 4 and b2.shape == (2,)
