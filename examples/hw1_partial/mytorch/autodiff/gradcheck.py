"""A gradient checker: compare backward's gradients with central differences.

For a function f of float64 tensors x_1, …, x_k, perturb one coordinate at a
time and compare, for every output entry, the analytic derivative from
reverse mode with the numerical one

    ∂f/∂x_i ≈ (f(x + ε e_i) − f(x − ε e_i)) / 2ε        (error O(ε²))

using the relative error |a − n| / max(floor, |a| + |n|). Float64 matters:
with float32 the rounding error of the difference, about 10⁻⁷ / ε, swamps
the comparison.
"""
from mytorch.backend import namespace


class GradcheckError(AssertionError):
    """Raised by :func:`gradcheck` with the input, the index and both values."""


def relative_error(analytic, numeric, floor=1e-8):
    """|a − n| / max(floor, |a| + |n|), elementwise."""
    # TODO Task 1.11 (a gradient checker): |a − n| / max(floor, |a| + |n|), elementwise, through the array's namespace.
    raise NotImplementedError('Task 1.11: a gradient checker')


def numerical_jacobian(f, inputs, index, eps=1e-6):
    """∂f/∂inputs[index] by central differences: an array of shape f(x).shape + x.shape."""
    # TODO Task 1.11 (a gradient checker): Central differences (f(x + εeᵢ) − f(x − εeᵢ)) / 2ε, one input coordinate at a time.
    raise NotImplementedError('Task 1.11: a gradient checker')


def gradcheck(f, inputs, eps=1e-6, tolerance=1e-6, floor=1e-8):
    """Check reverse mode against central differences for every input that requires grad.

    f:       a function of tensors returning a tensor
    inputs:  a tuple of float64 tensors; those with ``requires_grad`` are checked
    returns: True, or raises :class:`GradcheckError` naming the input, the
             worst (output, input) index and both values.
    """
    from mytorch.autodiff.transforms import jacobian

    inputs = tuple(inputs)
    for index, x in enumerate(inputs):
        if not x.requires_grad:
            continue
        if x.dtype.name != "float64":
            raise GradcheckError(f"gradcheck needs float64 inputs; input {index} is {x.dtype}")

        def f_of_input(value, index=index):
            return f(*(value if j == index else t for j, t in enumerate(inputs)))

        numeric = numerical_jacobian(f, inputs, index, eps)
        analytic = jacobian(f_of_input, x.detach(), mode="reverse").data
        errors = relative_error(analytic, numeric, floor)
        worst = errors.argmax()
        if errors.reshape(-1)[worst] > tolerance:
            where = tuple(int(i) for i in namespace(errors).unravel_index(worst, errors.shape))
            raise GradcheckError(
                f"gradient of input {index} is wrong at (output, input) index {where}: "
                f"analytic {analytic[where]:.10g}, numerical {numeric[where]:.10g}, relative error "
                f"{errors[where]:.3g} > {tolerance:g}. Check the backward rule of the operations "
                "that touch this input.")
    return True
