"""The fully connected layer, y = x Wᵀ + b."""
import math

from mytorch import creation
from mytorch.nn import functional as F, init
from mytorch.nn.module import Module
from mytorch.nn.parameter import Parameter


def new_parameter(shape, device, dtype):
    """An uninitialised (zero) Parameter of ``shape``; float32 on the CPU unless told otherwise."""
    return Parameter(creation.zeros(shape, dtype=dtype, device=device or "cpu"))


def reset_uniform_by_fan_in(weight, bias):
    """PyTorch's default for Linear and Conv2d: weight and bias ~ U(−1/√fan_in, 1/√fan_in).

    (PyTorch writes it as kaiming_uniform_(weight, a=√5), whose bound
    √3 · √(2 / (1 + 5)) / √fan_in is the same 1/√fan_in.)
    """
    fan_in, _ = init.calculate_fan_in_and_fan_out(weight)
    bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
    init.uniform_(weight, -bound, bound)
    if bias is not None:
        init.uniform_(bias, -bound, bound)


class Linear(Module):
    """y = x Wᵀ + b:  x (*, in_features) → y (*, out_features).

    Parameters: weight (out_features, in_features) and, unless ``bias=False``,
    bias (out_features), both initialised from U(−1/√in_features, 1/√in_features).
    """

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = new_parameter((out_features, in_features), device, dtype)
        self.bias = new_parameter((out_features,), device, dtype) if bias else None
        self.reset_parameters()

    def reset_parameters(self):
        reset_uniform_by_fan_in(self.weight, self.bias)

    def forward(self, input):
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")
