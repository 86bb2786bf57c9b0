"""Shape primitives: reshape, permute, indexing and concatenation.

They move entries without changing them, so each backward rule moves the
gradient back to where its entries came from, and each JVP moves the tangent
the same way as the values.
"""
from mytorch.autodiff.function import Function
from mytorch.backend import scatter_add
from mytorch._tensor import Tensor


class Reshape(Function):
    """y = x viewed with a new shape;  x̄ = ȳ reshaped back;  ẏ = ẋ reshaped."""

    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.input_shape = x.shape
        return x.reshape(self.shape)

    def backward(self, grad):
        # TODO Task 1.7 (backward of reshape, permute, indexing and concatenation): Reshape ȳ back to the input's shape.
        raise NotImplementedError('Task 1.7: backward of reshape, permute, indexing and concatenation')

    def jvp(self, dx):
        # TODO Task 1.9 (forward mode: JVP rules): ẏ = ẋ reshaped like y.
        raise NotImplementedError('Task 1.9: forward mode: JVP rules')


class Permute(Function):
    """y = x with its axes reordered by ``dims``;  x̄ = ȳ with the inverse order."""

    def __init__(self, dims):
        self.dims = dims

    def forward(self, x):
        return x.transpose(self.dims)

    def backward(self, grad):
        # TODO Task 1.7 (backward of reshape, permute, indexing and concatenation): Transpose ȳ with the inverse permutation.
        raise NotImplementedError('Task 1.7: backward of reshape, permute, indexing and concatenation')

    def jvp(self, dx):
        # TODO Task 1.9 (forward mode: JVP rules): ẏ = ẋ permuted like y.
        raise NotImplementedError('Task 1.9: forward mode: JVP rules')


class GetItem(Function):
    """y = x[index];  x̄ = zeros with ȳ added at ``index``;  ẏ = ẋ[index].

    An integer-array index may pick the same entry twice; its gradient then
    receives both contributions, which is why backward adds rather than assigns.
    ``forward`` first turns the index's lists and tensors into arrays (see
    :func:`_as_array_index`), so that ``x[[0, 0, 2]]`` is recognised as such a
    pick, as ``x[np.array([0, 0, 2])]`` is.
    """

    def __init__(self, index):
        self.index = index

    def forward(self, x):
        self.input_shape, self.input_dtype = x.shape, x.dtype
        self.index = _as_array_index(self.index, self.xp)
        return x[self.index]

    def backward(self, grad):
        # TODO Task 1.7 (backward of reshape, permute, indexing and concatenation): Zeros of the input's shape with ȳ added at index (repeated integer indices add up).
        raise NotImplementedError('Task 1.7: backward of reshape, permute, indexing and concatenation')

    def jvp(self, dx):
        # TODO Task 1.9 (forward mode: JVP rules): ẏ = ẋ[index].
        raise NotImplementedError('Task 1.9: forward mode: JVP rules')


def _picks_repeatable(index):
    """True when ``index`` holds an integer array, which may repeat entries."""
    parts = index if isinstance(index, tuple) else (index,)
    return any(getattr(part, "dtype", None) is not None and part.dtype.kind in "iu" and part.ndim > 0
               for part in parts)


def _as_array_index(index, xp):
    """``index`` with every list (nested or not) and Tensor in it made an array of ``xp``.

    NumPy's rules: ``[0, 0, 2]`` and ``[[0, 1], [1, 0]]`` become integer arrays,
    ``[True, False]`` a boolean mask, ``[]`` an empty integer array; ints,
    slices, ``...`` and ``None`` stay as they are. (PyTorch 2.x still reads a
    list holding lists as a tuple, with a warning that it will follow NumPy.)
    """
    if isinstance(index, tuple):
        return tuple(_as_array_part(part, xp) for part in index)
    return _as_array_part(index, xp)


def _as_array_part(part, xp):
    if isinstance(part, Tensor):
        return part.data
    if isinstance(part, list):
        array = xp.asarray(part)
        return array.astype(xp.intp) if array.size == 0 else array
    return part


class Concatenate(Function):
    """y = [x₁, x₂, …] joined along ``dim``;  x̄ᵢ = the slice of ȳ that came from xᵢ."""

    def __init__(self, dim=0):
        self.dim = dim

    def forward(self, *arrays):
        self.sizes = [a.shape[self.dim] for a in arrays]
        return self.xp.concatenate(arrays, axis=self.dim)

    def backward(self, grad):
        # TODO Task 1.7 (backward of reshape, permute, indexing and concatenation): Split ȳ along dim into the pieces that came from each input.
        raise NotImplementedError('Task 1.7: backward of reshape, permute, indexing and concatenation')

    def jvp(self, *tangents):
        # TODO Task 1.9 (forward mode: JVP rules): ẏ = the tangents concatenated like the values.
        raise NotImplementedError('Task 1.9: forward mode: JVP rules')


def _shape_args(shape):
    """Accept ``reshape(2, 3)`` as well as ``reshape((2, 3))``."""
    return tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape


def reshape(x, *shape):
    return Reshape.apply(x, shape=_shape_args(shape))


view = reshape


def flatten(x, start_dim=0, end_dim=-1):
    """Merge dimensions ``start_dim`` … ``end_dim`` into one (a 0-d tensor becomes 1-d)."""
    if x.ndim == 0:
        return reshape(x, (1,))
    start, end = start_dim % x.ndim, end_dim % x.ndim
    return reshape(x, x.shape[:start] + (-1,) + x.shape[end + 1:])


def unsqueeze(x, dim):
    """Insert a dimension of size 1 at ``dim``."""
    dim = dim % (x.ndim + 1)
    return reshape(x, x.shape[:dim] + (1,) + x.shape[dim:])


def squeeze(x, dim=None):
    """Remove dimensions of size 1 (only ``dim``, when given)."""
    dims = range(x.ndim) if dim is None else [dim % max(x.ndim, 1)]
    return reshape(x, tuple(n for i, n in enumerate(x.shape) if not (i in dims and n == 1)))


def permute(x, *dims):
    return Permute.apply(x, dims=_shape_args(dims))


def transpose(x, dim0, dim1):
    """Swap two dimensions (a 0-d tensor takes 0 or −1 and stays as it is)."""
    dims = list(range(x.ndim))
    if dims:
        dims[dim0], dims[dim1] = dims[dim1], dims[dim0]
    return permute(x, tuple(dims))


def getitem(x, index):
    """``x[index]``, with NumPy's indexing rules; tensors and lists inside ``index`` are allowed."""
    return GetItem.apply(x, index=index)


def cat(tensors, dim=0):
    """Join tensors along an existing dimension."""
    return Concatenate.apply(*tensors, dim=dim)


concatenate = cat


def stack(tensors, dim=0):
    """Join tensors along a new dimension."""
    return cat([unsqueeze(t, dim) for t in tensors], dim)
