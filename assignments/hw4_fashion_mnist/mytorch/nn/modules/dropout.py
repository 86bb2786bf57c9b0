"""Dropout, the regulariser that zeroes random activations during training."""
from mytorch.nn import functional as F
from mytorch.nn.functional import check_probability
from mytorch.nn.module import Module


class Dropout(Module):
    """In training mode, y = x · m / (1 − p) with m ~ Bernoulli(1 − p) per entry; in eval mode, y = x."""

    def __init__(self, p=0.5):
        super().__init__()
        self.p = check_probability(p)

    def forward(self, input):
        return F.dropout(input, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}"
