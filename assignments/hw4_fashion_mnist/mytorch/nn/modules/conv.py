"""The 2-D convolution layer."""
from mytorch.nn import functional as F
from mytorch.nn.module import Module
from mytorch.nn.modules.linear import new_parameter, reset_uniform_by_fan_in
from mytorch.ops.convolution import _pair


class Conv2d(Module):
    """y = w ⋆ x + b:  x (N, C_in, H, W) → y (N, C_out, H_out, W_out), H_out = ⌊(H + 2p − k) / s⌋ + 1.

    Parameters: weight (out_channels, in_channels, kH, kW) and, unless
    ``bias=False``, bias (out_channels), both initialised from
    U(−1/√fan_in, 1/√fan_in) with fan_in = in_channels · kH · kW.
    ``kernel_size``, ``stride`` and ``padding`` are ints or (height, width) pairs.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, bias=True,
                 device=None, dtype=None):
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.padding = _pair(kernel_size), _pair(stride), _pair(padding)
        self.weight = new_parameter((out_channels, in_channels, *self.kernel_size), device, dtype)
        self.bias = new_parameter((out_channels,), device, dtype) if bias else None
        self.reset_parameters()

    def reset_parameters(self):
        reset_uniform_by_fan_in(self.weight, self.bias)

    def forward(self, input):
        return F.conv2d(input, self.weight, self.bias, self.stride, self.padding)

    def extra_repr(self):
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if self.padding != (0, 0):
            text += f", padding={self.padding}"
        return text if self.bias is not None else text + ", bias=False"
