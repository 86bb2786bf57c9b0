"""Numerical derivatives by central differences, in float64: the independent half of every gradient
check. The public tests use it (`autograder release` copies it into each assignment's tests/), the
grader's probes use it inside the sandbox, and the grader's verdicts use :func:`mismatch`.

NumPy only: ``f`` is any function from float64 arrays to an array, usually the *forward* of an
operation, so the numbers here never depend on the backward rules being checked.

    ∂f/∂xᵢ ≈ (f(x + ε eᵢ) − f(x − ε eᵢ)) / 2ε        coordinate by coordinate, error O(ε²)
    J v   ≈ (f(x + ε v) − f(x − ε v)) / 2ε           along a direction v, two calls of f

A coordinate check costs two calls of ``f`` per input element, so it suits small inputs. For a
large input, the inner-product identity checks a backward rule x̄ = Jᵀȳ along random directions v
at two calls of ``f`` each:

    ⟨x̄, v⟩ = ⟨Jᵀȳ, v⟩ = ⟨ȳ, J v⟩

Results are compared by the relative error ``|a − n| / max(floor, |a| + |n|)``, which is scale-free
where values are large and falls back to an absolute error near zero. The floor is 10⁻³ of the
largest ``|a| + |n|`` of the check (at least 10⁻⁸): central differences carry a round-off of about
10⁻¹⁰ of the function's size, which must not count against an entry far smaller than the others.
"""
import numpy as np

EPS = 1e-6      # the step ε: truncation error O(ε²) ≈ 1e-12, round-off O(1e-16 / ε) ≈ 1e-10
FLOOR = 1e-8    # the relative error's denominator never drops below this,
SCALE = 1e-3    # nor below this fraction of the check's largest |a| + |n|


def vjp(f, arrays, index, upstream, eps=EPS):
    """x̄ = ∂⟨ȳ, f(x₁, …, x_k)⟩ / ∂x_index, one coordinate at a time.

    arrays: the inputs x₁ … x_k; upstream: ȳ, of f's output shape.
    Returns an array of ``arrays[index]``'s shape.
    """
    arrays = [np.array(a, dtype=np.float64, order="C") for a in arrays]   # reshape(-1) must be a view
    x = arrays[index]
    grad = np.zeros_like(x)
    for i in range(x.size):
        sums = []
        for sign in (1, -1):
            moved = x.copy()
            moved.reshape(-1)[i] += sign * eps
            args = [moved if j == index else a for j, a in enumerate(arrays)]
            sums.append(np.sum(upstream * f(*args)))
        grad.reshape(-1)[i] = (sums[0] - sums[1]) / (2 * eps)
    return grad


def jvp(f, arrays, tangents, eps=EPS):
    """ẏ = J v ≈ (f(x + εv) − f(x − εv)) / 2ε, every input moved along its tangent at once."""
    arrays = [np.asarray(a, dtype=np.float64) for a in arrays]
    tangents = [np.asarray(v, dtype=np.float64) for v in tangents]
    plus = f(*(a + eps * v for a, v in zip(arrays, tangents)))
    minus = f(*(a - eps * v for a, v in zip(arrays, tangents)))
    return (np.asarray(plus, dtype=np.float64) - np.asarray(minus, dtype=np.float64)) / (2 * eps)


def directions(shapes, count, seed):
    """``count`` random directions, each a list of unit-norm float64 arrays of ``shapes`` (one per
    input); a direction moves all inputs together."""
    rng = np.random.default_rng(seed)
    found = []
    for _ in range(count):
        parts = [rng.standard_normal(shape) for shape in shapes]
        norm = np.sqrt(sum(float(np.sum(p * p)) for p in parts)) or 1.0
        found.append([p / norm for p in parts])
    return found


def inner_product_check(f, arrays, upstream, grads, count=4, seed=0, eps=EPS):
    """Both sides of ⟨x̄, v⟩ = ⟨ȳ, J v⟩ along ``count`` random directions v.

    grads: the backward rule's x̄₁ … x̄_k for the upstream ȳ.
    Returns (analytic, numerical): two float64 arrays of ``count`` inner products, which agree
    when the backward rule is right.
    """
    shapes = [np.shape(a) for a in arrays]
    analytic, numerical = [], []
    for direction in directions(shapes, count, seed):
        analytic.append(sum(float(np.sum(np.asarray(g, dtype=np.float64) * v))
                            for g, v in zip(grads, direction)))
        numerical.append(float(np.sum(upstream * jvp(f, arrays, direction, eps))))
    return np.array(analytic), np.array(numerical)


def away_from(kinks, shape, seed, low=-2.0, high=2.0, margin=0.1):
    """Uniform float64 values in [low, high] of ``shape``, each at least ``margin`` from every point
    of ``kinks`` (where the function is not differentiable, e.g. 0 for |x| or ReLU), so that
    x ± ε never straddles a kink. Redraws the values that land too close."""
    rng = np.random.default_rng(seed)
    kinks = np.asarray(kinks, dtype=np.float64).reshape(-1, *([1] * len(shape)))
    values = np.asarray(rng.uniform(low, high, shape))
    while (close := np.any(np.abs(values[None] - kinks) < margin, axis=0)).any():
        values[close] = rng.uniform(low, high, int(close.sum()))
    return values


def relative_error(a, n, floor=FLOOR):
    """|a − n| / max(floor, |a| + |n|), elementwise, in float64; NaN where either is NaN or both are
    infinite (without a warning: the caller judges NaN)."""
    a, n = np.asarray(a, dtype=np.float64), np.asarray(n, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return np.abs(a - n) / np.maximum(floor, np.abs(a) + np.abs(n))


def mismatch(analytic, numerical, tolerance, names=("analytic", "numerical")):
    """Why ``analytic`` fails the check against ``numerical``, or None when every element's relative
    error (floored as the module says) is at most ``tolerance``: the worst index, both values there,
    the error and a hint. ``names`` call the two sides in the message."""
    analytic, numerical = np.asarray(analytic, dtype=np.float64), np.asarray(numerical, dtype=np.float64)
    if analytic.shape != numerical.shape:
        return (f"the {names[0]} gradient has shape {analytic.shape}, the {names[1]} one {numerical.shape}. "
                f"Hint: a gradient has its input's shape; sum over the axes broadcasting added.")
    finite = np.isfinite(analytic) & np.isfinite(numerical)
    size = np.abs(analytic[finite]) + np.abs(numerical[finite])
    floor = max(FLOOR, SCALE * float(size.max(initial=0.0)))
    error = np.where(finite, relative_error(analytic, numerical, floor), np.inf)
    if not (error > tolerance).any():
        return None
    index = tuple(int(i) for i in np.unravel_index(int(np.argmax(error)), error.shape))
    return (f"at index {index} the {names[0]} value is {analytic[index]:.10g} and the {names[1]} one "
            f"{numerical[index]:.10g} (relative error {error[index]:.1e}, tolerance {tolerance:g}). "
            f"Hint: {hint(analytic, numerical, error > tolerance)}")


def hint(analytic, numerical, wrong):
    """The likeliest cause of a failed check, from how the two arrays relate (``wrong``: the
    elements that fail)."""
    a, n = analytic.reshape(-1), numerical.reshape(-1)
    if not np.isfinite(a).all():
        return "the analytic gradient has NaN or inf; look for a division by zero or a log of 0."
    if not a.any() and n.any():
        return ("the analytic gradient is all zeros; is ȳ multiplied in (a rule), or delivered (the "
                "backward pass)?")
    if np.allclose(a, -n, rtol=1e-4, atol=1e-9):
        return "the analytic gradient has the opposite sign; check the sign of each term."
    scale = 1e-6 * max(float(np.abs(n).max()), FLOOR)
    significant = np.abs(n) > scale
    ratios = a[significant] / n[significant]
    if ratios.size and np.allclose(ratios, ratios[0], rtol=1e-4) and (np.abs(a[~significant]) <= scale).all():
        return (f"the analytic gradient is {ratios[0]:.4g} times the numerical one everywhere: a factor "
                f"is missing or extra (a rule's 2 of x² or 1/N; a path counted twice or lost in the "
                f"backward pass).")
    if wrong.mean() < 0.5:
        return (f"only {int(wrong.sum())} of {wrong.size} elements are wrong; look at the special cases "
                f"(ties of a max, broadcast axes, indices used twice, the edges).")
    return ("compare each step with its formula on a tiny input: a rule's terms, or the backward pass's "
            "order of nodes and sum over paths.")
