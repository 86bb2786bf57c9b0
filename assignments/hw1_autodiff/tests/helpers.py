"""Helpers of hw1's public tests: the course-wide checks (checks.py), and hw1's own: inputs without
ties, a numerical Jacobian, and a primitive with rules of its own."""
import numpy as np

from mytorch.autodiff import Function

from checks import (ATOL, EPS, RTOL, as_tuple, assert_backward_matches_finite_differences,  # noqa: F401
                    assert_close, assert_jvp_matches_finite_differences, const, leaf, numerical_jvp,
                    numerical_vjp, on_arrays, raises, randn, to_array)


def distinct(shape, seed, spacing=0.1):
    """Values at least ``spacing`` apart and never 0 (no ties for max, no kink for abs)."""
    size = int(np.prod(shape, dtype=np.int64))
    values = np.random.default_rng(seed).permutation(size) - size / 2 + 0.5
    return (values * spacing).reshape(shape)


def numerical_jacobian(f, x, eps=EPS):
    """The Jacobian of ``f`` (arrays to an array) at ``x``, of shape f(x).shape + x.shape."""
    x = np.array(x, dtype=np.float64)
    out_shape = np.shape(f(x))
    columns = []
    for i in range(x.size):
        e = np.zeros(x.size)
        e[i] = 1.0
        columns.append(numerical_jvp(f, [x], [e.reshape(x.shape)], eps).reshape(-1))
    return np.stack(columns, axis=-1).reshape(out_shape + x.shape)


class Modulate(Function):
    """A primitive of the tests, with rules of its own: y = a · sin(b) (same shapes);
    ā = ȳ sin b,  b̄ = ȳ a cos b,  ẏ = ȧ sin b + a cos(b) ḃ. Returns None for an input that needs no
    gradient, as a rule may."""

    def forward(self, a, b):
        self.save_for_backward(a, b)
        return a * np.sin(b)

    def backward(self, grad):
        a, b = self.saved_tensors
        return (grad * np.sin(b) if self.needs_input_grad[0] else None,
                grad * a * np.cos(b) if self.needs_input_grad[1] else None)

    def jvp(self, da, db):
        a, b = self.saved_tensors
        return da * np.sin(b) + a * np.cos(b) * db
