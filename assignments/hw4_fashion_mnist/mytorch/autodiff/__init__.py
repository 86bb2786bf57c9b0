"""Automatic differentiation: the graph node, the reverse-mode engine,
grad-mode switches, the function transforms (jvp, vjp, grad, jacobian) and gradcheck."""
from mytorch.autodiff.function import Function
from mytorch.autodiff.gradcheck import GradcheckError, gradcheck
from mytorch.autodiff.mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from mytorch.autodiff.transforms import grad, jacobian, jvp, vjp

__all__ = ["Function", "GradcheckError", "gradcheck", "enable_grad", "grad", "is_grad_enabled", "jacobian", "jvp", "no_grad",
           "set_grad_enabled", "vjp"]
