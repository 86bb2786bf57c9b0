"""The reverse-mode engine, grad mode and the function transforms, against PyTorch."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import mytorch
from mytorch.autodiff import Function, grad, jacobian, jvp, vjp

from oracle import assert_close


def test_backward_twice_raises_like_pytorch():
    x = mytorch.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time.*retain_graph=True"):
        y.backward()


def test_retain_graph_accumulates_like_pytorch():
    values = np.array([1.0, -2.0, 3.0])
    x, tx = mytorch.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    y, ty = (x.exp() * x).sum(), (tx.exp() * tx).sum()
    for _ in range(3):
        y.backward(retain_graph=True)
        ty.backward(retain_graph=True)
    assert_close(x.grad.data, tx.grad.numpy(), "accumulated gradient")


def test_gradients_accumulate_on_leaves_only():
    x = mytorch.tensor([1.0, 2.0], requires_grad=True)
    hidden = x * 3
    (hidden * hidden).sum().backward()
    assert hidden.grad is None and not hidden.is_leaf
    assert x.grad.tolist() == [18.0, 36.0]


def test_a_value_used_twice_receives_both_contributions():
    """The diamond x → (a, b) → y: x̄ = ā ∂a/∂x + b̄ ∂b/∂x."""
    values = np.array([0.5, -1.5])
    x, tx = mytorch.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    (mytorch.sigmoid(x) * mytorch.tanh(x) + x).sum().backward()
    (torch.sigmoid(tx) * torch.tanh(tx) + tx).sum().backward()
    assert_close(x.grad.data, tx.grad.numpy(), "diamond")


def test_depth_is_not_limited_by_recursion():
    x = mytorch.tensor([1.0], dtype=mytorch.float64, requires_grad=True)
    y = x
    for _ in range(50_000):
        y = y * 1.00001
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, [1.00001 ** 50_000])


def test_backward_needs_a_gradient_for_non_scalars():
    y = mytorch.tensor([1.0, 2.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="only for scalar outputs"):
        y.backward()
    with pytest.raises(RuntimeError, match="shape"):
        y.backward(mytorch.tensor([1.0, 2.0, 3.0]))
    y.backward(mytorch.tensor([1.0, 10.0]))


def test_no_grad_records_nothing():
    x = mytorch.tensor([1.0], requires_grad=True)
    with mytorch.no_grad():
        y = x * 2
    assert not y.requires_grad and y.grad_fn is None
    assert mytorch.is_grad_enabled()

    @mytorch.no_grad()
    def double(t):
        return t * 2

    assert double(x).grad_fn is None
    assert (x * 2).grad_fn is not None


def test_detach_cuts_the_graph():
    x = mytorch.tensor([2.0], requires_grad=True)
    (x.detach() * x).sum().backward()
    assert x.grad.tolist() == [2.0]


def test_only_floating_point_tensors_require_grad():
    with pytest.raises(RuntimeError, match="floating point"):
        mytorch.tensor(np.arange(3), requires_grad=True)


def test_a_wrong_backward_rule_is_reported_by_name():
    class BrokenSum(Function):
        def forward(self, x):
            return x.sum()

        def backward(self, grad):
            return grad  # forgot to broadcast back to the input's shape

        def jvp(self, dx):
            return dx.sum()

    x = mytorch.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="BrokenSum.backward returned a gradient of shape"):
        BrokenSum.apply(x).backward()


def test_dtype_rules_follow_pytorch():
    assert mytorch.tensor([1, 2]).dtype == np.float32          # lists become float32
    assert mytorch.tensor(3).dtype == np.float32               # so do numbers
    assert mytorch.tensor(np.zeros(2)).dtype == np.float64     # arrays keep their dtype
    assert mytorch.tensor(np.zeros(2, np.int64)).dtype == np.int64
    x = mytorch.tensor([1.0, 2.0])
    assert (x * 2.5 + 1).dtype == np.float32                   # numbers do not promote
    assert (2 / x).dtype == np.float32
    assert x.double().dtype == np.float64 and x.to(mytorch.float64).dtype == np.float64


def test_tensor_copies_its_input_like_torch_tensor():
    source = np.zeros(3)
    t = mytorch.tensor(source)
    source[0] = 1.0
    assert t.tolist() == [0.0, 0.0, 0.0]


def test_item_numpy_and_repr():
    x = mytorch.tensor([[1.5]], requires_grad=True)
    assert x.item() == 1.5
    assert x.detach().numpy().shape == (1, 1)
    with pytest.raises(RuntimeError, match="detach"):
        x.numpy()
    assert "requires_grad=True" in repr(x) and "grad_fn=<MulBackward>" in repr(x * 2)


def test_ops_on_a_missing_device_explain_how_to_get_it(monkeypatch):
    monkeypatch.setattr(mytorch.backend, "cupy", None)
    with pytest.raises(RuntimeError, match="pip install cupy"):
        mytorch.zeros(2, device="cuda")
    with pytest.raises(ValueError, match="unknown device"):
        mytorch.zeros(2, device="tpu")


# ----- function transforms ---------------------------------------------------------------

def f_vector(x):
    """ℝ⁴ → ℝ³ with a dense, non-trivial Jacobian."""
    return mytorch.tanh(x[:3] * x[1:] + x.sum() * 0.3) ** 2


def f_vector_torch(x):
    return torch.tanh(x[:3] * x[1:] + x.sum() * 0.3) ** 2


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_jacobian_forward_and_reverse_agree_with_torch(seed):
    x = np.random.default_rng(seed).uniform(-1, 1, size=4)
    expected = torch.autograd.functional.jacobian(f_vector_torch, torch.tensor(x)).numpy()
    for mode in ("forward", "reverse"):
        assert_close(jacobian(f_vector, mytorch.tensor(x), mode=mode).data, expected, mode)


def test_jacobian_keeps_output_and_input_shapes():
    x = mytorch.tensor(np.ones((2, 3)))
    assert jacobian(lambda t: t.sum(dim=0), x, mode="forward").shape == (3, 2, 3)
    assert jacobian(lambda t: t.sum(dim=0), x, mode="reverse").shape == (3, 2, 3)
    with pytest.raises(ValueError, match="mode"):
        jacobian(f_vector, x, mode="sideways")


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_inner_product_identity_links_the_two_modes(seed):
    """⟨u, J v⟩ = ⟨Jᵀ u, v⟩ for random u, v: forward mode against reverse mode."""
    rng = np.random.default_rng(seed)
    x, v, u = rng.uniform(-1, 1, 4), rng.standard_normal(4), rng.standard_normal(3)
    _, jv = jvp(f_vector, (x,), (v,))
    _, vjp_fn = vjp(f_vector, mytorch.tensor(x))
    ju, = vjp_fn(u)
    np.testing.assert_allclose(u @ jv.data, ju.data @ v, rtol=1e-12)


def test_grad_and_argnums():
    def f(a, b):
        return (a * b.exp()).sum()

    a, b = mytorch.tensor(np.array([1.0, 2.0])), mytorch.tensor(np.array([0.0, 1.0]))
    assert_close(grad(f)(a, b).data, np.exp([0.0, 1.0]), "d/da")
    da, db = grad(f, argnums=(0, 1))(a, b)
    assert_close(db.data, np.array([1.0, 2.0 * np.e]), "d/db")
    with pytest.raises(RuntimeError, match="scalar output"):
        grad(lambda t: t * 2)(a)


def test_jvp_of_a_function_that_ignores_its_input_is_zero():
    out, tangent = jvp(lambda t: mytorch.tensor(np.ones(2)), (np.ones(3),), (np.ones(3),))
    assert tangent.tolist() == [0.0, 0.0]


# ----- the gradient checker --------------------------------------------------------------

def test_gradcheck_accepts_correct_gradients_and_matches_torch_verdict():
    rng = np.random.default_rng(0)
    x = mytorch.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    w = mytorch.tensor(rng.standard_normal((4, 2)), requires_grad=True)
    assert mytorch.autodiff.gradcheck(lambda a, b: mytorch.log_softmax(a @ b, dim=1), (x, w))
    assert torch.autograd.gradcheck(lambda a, b: torch.log_softmax(a @ b, dim=1),
                                    (torch.tensor(x.data, requires_grad=True), torch.tensor(w.data, requires_grad=True)))


def test_gradcheck_names_the_input_the_index_and_both_values():
    class WrongSquare(Function):
        def forward(self, x):
            self.save_for_backward(x)
            return x * x

        def backward(self, grad):
            x, = self.saved_tensors
            return grad * x  # should be 2x

        def jvp(self, dx):
            x, = self.saved_tensors
            return 2 * x * dx

    x = mytorch.tensor(np.array([1.0, 2.0]), requires_grad=True)
    with pytest.raises(mytorch.autodiff.GradcheckError, match=r"input 0 .* index \(1, 1\): analytic 2, numerical 4"):
        mytorch.autodiff.gradcheck(WrongSquare.apply, (x,))


def test_gradcheck_needs_float64():
    with pytest.raises(mytorch.autodiff.GradcheckError, match="float64"):
        mytorch.autodiff.gradcheck(mytorch.exp, (mytorch.tensor([1.0], requires_grad=True),))


def test_relative_error_has_a_floor():
    from mytorch.autodiff.gradcheck import relative_error
    np.testing.assert_allclose(relative_error(np.array([1.0, 0.0]), np.array([3.0, 1e-12])), [0.5, 1e-4])
