"""Neural networks: :class:`Module` and :class:`Parameter`, the layers and losses
built on them, and the submodules ``functional`` (the same as functions, usually
imported as ``F``) and ``init`` (weight initialisation)."""
from mytorch.nn import functional, init
from mytorch.nn.module import Module
from mytorch.nn.modules import (Conv2d, CrossEntropyLoss, Dropout, Flatten, L1Loss, LeakyReLU, Linear,
                                LogSoftmax, MaxPool2d, MSELoss, NLLLoss, ReLU, Sequential, Sigmoid,
                                Softmax, Tanh)
from mytorch.nn.parameter import Parameter

__all__ = ["Conv2d", "CrossEntropyLoss", "Dropout", "Flatten", "L1Loss", "LeakyReLU", "Linear",
           "LogSoftmax", "MSELoss", "MaxPool2d", "Module", "NLLLoss", "Parameter", "ReLU", "Sequential",
           "Sigmoid", "Softmax", "Tanh", "functional", "init"]
