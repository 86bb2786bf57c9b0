"""Loss functions as modules: ``loss_fn = nn.CrossEntropyLoss(); loss = loss_fn(logits, labels)``.

Each returns the per-entry losses reduced by ``reduction``: their ``'mean'``
(the default), their ``'sum'``, or ``'none'`` to keep them all.
"""
from mytorch.nn import functional as F
from mytorch.nn.functional import check_reduction
from mytorch.nn.module import Module


class _Loss(Module):
    """A loss with its ``reduction``, checked when the module is made; ``function`` computes it."""

    def __init__(self, reduction="mean"):
        super().__init__()
        self.reduction = check_reduction(reduction)

    def forward(self, input, target):
        return self.function(input, target, reduction=self.reduction)


class MSELoss(_Loss):
    """ℓᵢ = (xᵢ − yᵢ)², for input and target of the same shape."""

    function = staticmethod(F.mse_loss)


class L1Loss(_Loss):
    """ℓᵢ = |xᵢ − yᵢ|, for input and target of the same shape."""

    function = staticmethod(F.l1_loss)


class NLLLoss(_Loss):
    """ℓₙ = −x[n, yₙ], for log-probabilities x (N, C) and integer classes y (N,)."""

    function = staticmethod(F.nll_loss)


class CrossEntropyLoss(_Loss):
    """ℓₙ = −log softmax(xₙ)[yₙ], for logits x (N, C) and integer classes y (N,)."""

    function = staticmethod(F.cross_entropy)
