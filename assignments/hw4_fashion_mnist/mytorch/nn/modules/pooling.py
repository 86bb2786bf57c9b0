"""Max pooling."""
from mytorch.nn import functional as F
from mytorch.nn.module import Module


class MaxPool2d(Module):
    """The largest entry of each kernel_size window:  x (N, C, H, W) → y (N, C, H_out, W_out).

    ``stride`` defaults to ``kernel_size`` (windows side by side); padding adds −∞.
    """

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding

    def forward(self, input):
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
