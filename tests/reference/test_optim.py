"""The optimizers of mytorch against torch.optim, step by step, in float64.

Two problems: a tiny two-layer tanh network's mean squared error on fixed
data (nonconvex; four parameters of different shapes, one of them a 0-d
scale), written once in
mytorch and once in torch, each framework differentiating it itself; and a
fixed sequence of random gradients fed to both, which isolates the
optimizers' arithmetic. Every step's parameters must agree.
"""
import numpy as np
import pytest
import torch

import mytorch
import mytorch.optim as optim
from mytorch.optim import SGD, Adadelta, Adagrad, Adam, AdamW, Optimizer, RMSprop
from mytorch.optim.optimizer import lerp_

STEPS = 30
RTOL, ATOL = 1e-10, 1e-12

_rng = np.random.default_rng(0)
X, Y = _rng.standard_normal((8, 3)), _rng.standard_normal((8, 2))
INITIAL = [_rng.standard_normal((3, 4)), 0.1 * _rng.standard_normal(4), _rng.standard_normal((4, 2)),
           np.array(1.3)]
GIVEN_GRADIENTS = [[_rng.standard_normal(a.shape) * 0.5 ** (step % 4) for a in INITIAL]
                   for step in range(STEPS)]


def mytorch_loss(w1, b1, w2, scale):
    prediction = scale * (mytorch.tanh(mytorch.tensor(X) @ w1 + b1) @ w2)
    return ((prediction - mytorch.tensor(Y)) ** 2).mean()


def torch_loss(w1, b1, w2, scale):
    prediction = scale * (torch.tanh(torch.tensor(X) @ w1 + b1) @ w2)
    return ((prediction - torch.tensor(Y)) ** 2).mean()


# (id, mytorch class, torch class, options)
SETTINGS = [
    ("sgd", SGD, torch.optim.SGD, dict(lr=0.1)),
    ("sgd-momentum", SGD, torch.optim.SGD, dict(lr=0.05, momentum=0.9)),
    ("sgd-dampening", SGD, torch.optim.SGD, dict(lr=0.05, momentum=0.9, dampening=0.3)),
    ("sgd-nesterov", SGD, torch.optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("sgd-nesterov-weight_decay", SGD, torch.optim.SGD,
     dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.1)),
    ("sgd-weight_decay", SGD, torch.optim.SGD, dict(lr=0.1, weight_decay=0.05)),
    ("adagrad", Adagrad, torch.optim.Adagrad, dict(lr=0.1)),
    ("adagrad-lr_decay", Adagrad, torch.optim.Adagrad, dict(lr=0.2, lr_decay=0.05)),
    ("adagrad-initial_accumulator", Adagrad, torch.optim.Adagrad,
     dict(lr=0.1, initial_accumulator_value=0.5, eps=1e-6)),
    ("adagrad-weight_decay", Adagrad, torch.optim.Adagrad, dict(lr=0.1, lr_decay=0.01, weight_decay=0.1)),
    ("adadelta", Adadelta, torch.optim.Adadelta, dict()),
    ("adadelta-rho-eps-lr", Adadelta, torch.optim.Adadelta, dict(lr=0.5, rho=0.5, eps=1e-4)),
    ("adadelta-weight_decay", Adadelta, torch.optim.Adadelta, dict(lr=2.0, weight_decay=0.1)),
    ("rmsprop", RMSprop, torch.optim.RMSprop, dict(lr=0.01)),
    ("rmsprop-alpha", RMSprop, torch.optim.RMSprop, dict(lr=0.01, alpha=0.5, eps=1e-6)),
    ("rmsprop-momentum", RMSprop, torch.optim.RMSprop, dict(lr=0.01, momentum=0.9)),
    ("rmsprop-centered", RMSprop, torch.optim.RMSprop, dict(lr=0.01, centered=True)),
    ("rmsprop-centered-momentum-weight_decay", RMSprop, torch.optim.RMSprop,
     dict(lr=0.01, centered=True, momentum=0.5, weight_decay=0.1)),
    ("adam", Adam, torch.optim.Adam, dict(lr=0.05)),
    ("adam-amsgrad", Adam, torch.optim.Adam, dict(lr=0.05, amsgrad=True)),
    ("adam-weight_decay", Adam, torch.optim.Adam, dict(lr=0.05, weight_decay=0.1)),
    ("adam-small_beta1", Adam, torch.optim.Adam, dict(lr=0.05, betas=(0.3, 0.9), eps=1e-6)),
    ("adam-amsgrad-weight_decay", Adam, torch.optim.Adam, dict(lr=0.05, amsgrad=True, weight_decay=0.1)),
    ("adamw", AdamW, torch.optim.AdamW, dict(lr=0.05)),
    ("adamw-weight_decay", AdamW, torch.optim.AdamW, dict(lr=0.05, weight_decay=0.3)),
    ("adamw-amsgrad", AdamW, torch.optim.AdamW, dict(lr=0.05, weight_decay=0.1, amsgrad=True)),
]
SETTING_IDS = [setting[0] for setting in SETTINGS]


def make_pair(mt_cls, torch_cls, options, initial=INITIAL):
    """The same optimizer in both frameworks over copies of the same parameters."""
    mt_params = [mytorch.tensor(a, requires_grad=True) for a in initial]
    th_params = [torch.tensor(a, requires_grad=True) for a in initial]
    # foreach=False: torch's single-tensor code path, the one mytorch follows
    return mt_cls(mt_params, **options), torch_cls(th_params, foreach=False, **options)


def compare_trajectories(mt_cls, torch_cls, options, feed_gradients):
    """Run both optimizers STEPS steps; assert each step's parameters agree; return the max deviation."""
    mt_opt, th_opt = make_pair(mt_cls, torch_cls, options)
    mt_params, th_params = mt_opt.param_groups[0]["params"], th_opt.param_groups[0]["params"]
    deviation = 0.0
    for step in range(STEPS):
        mt_opt.zero_grad()
        th_opt.zero_grad()
        if feed_gradients:
            for mine, theirs, g in zip(mt_params, th_params, GIVEN_GRADIENTS[step]):
                mine.grad, theirs.grad = mytorch.tensor(g), torch.tensor(g)
        else:
            mytorch_loss(*mt_params).backward()
            torch_loss(*th_params).backward()
        mt_opt.step()
        th_opt.step()
        for i, (mine, theirs) in enumerate(zip(mt_params, th_params)):
            expected = theirs.detach().numpy()
            np.testing.assert_allclose(mine.data, expected, rtol=RTOL, atol=ATOL,
                                       err_msg=f"parameter {i} after step {step + 1}")
            deviation = max(deviation, float(np.max(np.abs(mine.data - expected))))
            if feed_gradients:
                np.testing.assert_array_equal(mine.grad.data, GIVEN_GRADIENTS[step][i],
                                              err_msg="step() modified param.grad")
    return deviation


@pytest.mark.parametrize("problem", ["autograd", "given_gradients"])
@pytest.mark.parametrize("name, mt_cls, torch_cls, options", SETTINGS, ids=SETTING_IDS)
def test_trajectory_matches_torch(name, mt_cls, torch_cls, options, problem):
    compare_trajectories(mt_cls, torch_cls, options, feed_gradients=problem == "given_gradients")


@pytest.mark.parametrize("name, mt_cls, torch_cls, options", SETTINGS, ids=SETTING_IDS)
def test_updates_happen_in_place(name, mt_cls, torch_cls, options):
    params = [mytorch.tensor(a, requires_grad=True) for a in INITIAL]
    opt = mt_cls(params, **options)
    arrays, buffers = None, None
    for step in range(3):
        for param, g in zip(params, GIVEN_GRADIENTS[step]):
            param.grad = mytorch.tensor(g)
        opt.step()
        now = ([p.data for p in params],
               [value for p in params for value in opt.state[p].values() if isinstance(value, np.ndarray)])
        if arrays is None:
            arrays, buffers = now
            assert all(a.dtype == np.float64 for a in buffers)
        else:
            assert all(a is b for a, b in zip(arrays, now[0])), "param.data was replaced"
            assert len(buffers) == len(now[1]) and all(a is b for a, b in zip(buffers, now[1])), \
                "a state buffer was reallocated"


@pytest.mark.parametrize("name", sorted(optim.OPTIMIZERS))
def test_float32_stays_float32(name):
    param = mytorch.tensor(np.array([[1.0, -2.0], [0.5, 3.0]], dtype=np.float32), requires_grad=True)
    options = {"weight_decay": 0.1} | ({"momentum": 0.9} if name in ("sgd", "rmsprop") else {})
    opt = optim.create(name, [param], **options)
    for _ in range(2):
        param.grad = mytorch.tensor(np.ones((2, 2), dtype=np.float32))
        opt.step()
    assert param.dtype == np.float32
    assert all(value.dtype == np.float32 for value in opt.state[param].values()
               if isinstance(value, np.ndarray))


@pytest.mark.parametrize("weight", [0.0, 1.0])
def test_moving_average_endpoints_are_exact(weight):
    """lerp(a, b, 0) = a and lerp(a, b, 1) = b exactly, as torch.lerp; here a + (b − a) = 0 ≠ b."""
    average, target = np.array([0.1, -3.0]), np.array([1e-17, 2.0])
    expected = target.copy() if weight else average.copy()
    lerp_(average, target, weight)
    np.testing.assert_array_equal(average, expected)


# ----- param groups, zero_grad, skipped parameters --------------------------------------------

def test_param_groups_with_different_lr():
    a = mytorch.tensor([1.0, 2.0], dtype=mytorch.float64, requires_grad=True)
    b = mytorch.tensor([3.0], dtype=mytorch.float64, requires_grad=True)
    opt = SGD([{"params": [a], "lr": 0.5}, {"params": b}], lr=0.1, momentum=0.9)
    assert [g["lr"] for g in opt.param_groups] == [0.5, 0.1]
    assert all(g["momentum"] == 0.9 and g["nesterov"] is False for g in opt.param_groups)
    a.grad, b.grad = mytorch.ones_like(a), mytorch.ones_like(b)
    opt.step()
    np.testing.assert_allclose(a.data, [0.5, 1.5])
    np.testing.assert_allclose(b.data, [2.9])
    opt.param_groups[1]["lr"] = 1.0  # what a learning-rate schedule does
    opt.step()  # b_2 = 0.9 · 1 + 1 = 1.9
    np.testing.assert_allclose(b.data, [2.9 - 1.9])


def test_param_groups_match_torch():
    options = [{"lr": 0.1, "betas": (0.5, 0.9)}, {"weight_decay": 0.2}]
    mt_params = [mytorch.tensor(a, requires_grad=True) for a in INITIAL]
    th_params = [torch.tensor(a, requires_grad=True) for a in INITIAL]
    mt_opt = Adam([{"params": mt_params[:2], **options[0]}, {"params": mt_params[2:], **options[1]}], lr=0.01)
    th_opt = torch.optim.Adam([{"params": th_params[:2], **options[0]},
                               {"params": th_params[2:], **options[1]}], lr=0.01, foreach=False)
    for _ in range(STEPS):
        for opt, loss, params in ((mt_opt, mytorch_loss, mt_params), (th_opt, torch_loss, th_params)):
            opt.zero_grad()
            loss(*params).backward()
            opt.step()
    for mine, theirs in zip(mt_params, th_params):
        np.testing.assert_allclose(mine.data, theirs.detach().numpy(), rtol=RTOL, atol=ATOL)


def test_zero_grad_sets_to_none():
    a = mytorch.tensor([1.0, 2.0], requires_grad=True)
    opt = SGD([a], lr=0.1)
    (a * a).sum().backward()
    opt.zero_grad()
    assert a.grad is None


def test_zero_grad_without_set_to_none_sets_zeros_and_spares_other_leaves():
    a = mytorch.tensor([1.0, 2.0], requires_grad=True)
    outside = mytorch.tensor([3.0, 4.0], requires_grad=True)
    unused = mytorch.tensor([5.0], requires_grad=True)
    opt = SGD([a, unused], lr=0.1)
    (a + outside).sum().backward()  # both leaves receive the same upstream gradient
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(a.grad.data, [0.0, 0.0])
    np.testing.assert_array_equal(outside.grad.data, [1.0, 1.0])
    assert unused.grad is None
    (a * a).sum().backward()  # accumulates onto the zeros
    np.testing.assert_array_equal(a.grad.data, [2.0, 4.0])


@pytest.mark.parametrize("name", sorted(optim.OPTIMIZERS))
def test_parameters_without_grad_are_skipped(name):
    used, unused = mytorch.tensor([1.0, -2.0], requires_grad=True), mytorch.tensor([3.0], requires_grad=True)
    opt = optim.create(name, [used, unused], lr=0.1, weight_decay=0.1)
    for _ in range(3):
        opt.zero_grad()
        (used * used).sum().backward()
        opt.step()
    assert unused.grad is None
    np.testing.assert_array_equal(unused.data, [3.0])
    assert unused not in opt.state
    assert not np.array_equal(used.data, [1.0, -2.0])


# ----- no graph, closure ----------------------------------------------------------------------

class GradModeProbe(Optimizer):
    """Records whether graph recording was on during each update."""

    def __init__(self, params):
        super().__init__(params, {})
        self.seen = []

    def update(self, param, grad, state, group):
        self.seen.append(mytorch.is_grad_enabled())


def test_step_runs_under_no_grad():
    a = mytorch.tensor([1.0], requires_grad=True)
    opt = GradModeProbe([a])
    (a * 2).sum().backward()
    opt.step()
    assert opt.seen == [False]
    assert mytorch.is_grad_enabled()


@pytest.mark.parametrize("name", sorted(optim.OPTIMIZERS))
def test_step_records_no_graph(name):
    a = mytorch.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.create(name, [a], lr=0.1)
    (a * a).sum().backward()
    opt.step()
    assert a.is_leaf and a.grad_fn is None and a.requires_grad
    assert a.grad.grad_fn is None and not a.grad.requires_grad


def test_step_with_closure_returns_its_loss():
    a = mytorch.tensor([1.0, 2.0], requires_grad=True)
    opt = SGD([a], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (a * a).sum()
        loss.backward()
        return loss

    with mytorch.no_grad():  # the closure records its graph all the same
        loss = opt.step(closure)
    assert loss.item() == 5.0
    np.testing.assert_allclose(a.data, [0.8, 1.6])


# ----- validation and lookup ------------------------------------------------------------------

INVALID = [
    ("sgd-lr", "SGD", dict(lr=-0.1)),
    ("sgd-momentum", "SGD", dict(momentum=-0.5)),
    ("sgd-weight_decay", "SGD", dict(weight_decay=-1.0)),
    ("sgd-nesterov-no-momentum", "SGD", dict(nesterov=True)),
    ("sgd-nesterov-dampening", "SGD", dict(nesterov=True, momentum=0.9, dampening=0.1)),
    ("adagrad-lr_decay", "Adagrad", dict(lr_decay=-1.0)),
    ("adagrad-initial_accumulator_value", "Adagrad", dict(initial_accumulator_value=-1.0)),
    ("adagrad-eps", "Adagrad", dict(eps=-1e-10)),
    ("adadelta-rho", "Adadelta", dict(rho=1.5)),
    ("adadelta-lr", "Adadelta", dict(lr=-1.0)),
    ("rmsprop-alpha", "RMSprop", dict(alpha=-0.1)),
    ("rmsprop-momentum", "RMSprop", dict(momentum=-0.1)),
    ("adam-beta1", "Adam", dict(betas=(1.0, 0.999))),
    ("adam-beta2", "Adam", dict(betas=(0.9, -0.1))),
    ("adam-eps", "Adam", dict(eps=-1.0)),
    ("adamw-weight_decay", "AdamW", dict(weight_decay=-0.1)),
]


@pytest.mark.parametrize("cls_name, options", [case[1:] for case in INVALID],
                         ids=[case[0] for case in INVALID])
def test_invalid_options_raise_torchs_error(cls_name, options):
    with pytest.raises(ValueError) as theirs:
        getattr(torch.optim, cls_name)([torch.zeros(2, requires_grad=True)], **options)
    with pytest.raises(ValueError) as mine:
        getattr(optim, cls_name)([mytorch.zeros(2, requires_grad=True)], **options)
    assert str(mine.value) == str(theirs.value)


def test_invalid_params():
    a = mytorch.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="empty parameter list"):
        SGD([])
    with pytest.raises(TypeError, match="iterable of Tensors"):
        SGD(a)
    with pytest.raises(TypeError, match="can only optimize Tensors"):
        SGD([a, np.ones(1)])
    with pytest.raises(TypeError, match="ordered collection"):
        SGD([{"params": {a}}])
    with pytest.raises(ValueError, match="non-leaf"):
        SGD([a * 2])
    with pytest.raises(ValueError, match="appears twice"):
        SGD([{"params": [a]}, {"params": [a], "lr": 0.5}])
    with pytest.raises(ValueError, match="appears twice"):
        SGD([a, a])


def test_create_by_name():
    a = mytorch.tensor([1.0], requires_grad=True)
    assert set(optim.OPTIMIZERS) == {"sgd", "adagrad", "adadelta", "rmsprop", "adam", "adamw"}
    opt = optim.create("adam", [a], lr=0.5, amsgrad=True)
    assert type(opt) is Adam
    assert opt.param_groups[0]["lr"] == 0.5 and opt.param_groups[0]["amsgrad"] is True
    assert type(optim.create("AdamW", [a])) is AdamW
    assert optim.create("RMSprop", [a]).param_groups[0]["alpha"] == 0.99
    with pytest.raises(ValueError, match="unknown optimizer 'adamax'; valid names: adadelta, adagrad, "
                                         "adam, adamw, rmsprop, sgd"):
        optim.create("adamax", [a])


PAIRS = [(SGD, torch.optim.SGD), (Adagrad, torch.optim.Adagrad), (Adadelta, torch.optim.Adadelta),
         (RMSprop, torch.optim.RMSprop), (Adam, torch.optim.Adam), (AdamW, torch.optim.AdamW)]


@pytest.mark.parametrize("mt_cls, torch_cls", PAIRS, ids=[pair[0].__name__ for pair in PAIRS])
def test_defaults_match_torch(mt_cls, torch_cls):
    mine = mt_cls([mytorch.zeros(1, requires_grad=True)]).defaults
    theirs = torch_cls([torch.zeros(1, requires_grad=True)]).defaults
    assert mine == {key: theirs[key] for key in mine}
