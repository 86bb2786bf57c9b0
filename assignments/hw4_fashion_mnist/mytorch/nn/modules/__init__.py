"""The layers, activations, containers and losses of :mod:`mytorch.nn`, one concept per file."""
from mytorch.nn.modules.activation import LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from mytorch.nn.modules.container import Sequential
from mytorch.nn.modules.conv import Conv2d
from mytorch.nn.modules.dropout import Dropout
from mytorch.nn.modules.flatten import Flatten
from mytorch.nn.modules.linear import Linear
from mytorch.nn.modules.loss import CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from mytorch.nn.modules.pooling import MaxPool2d

__all__ = ["Conv2d", "CrossEntropyLoss", "Dropout", "Flatten", "L1Loss", "LeakyReLU", "Linear",
           "LogSoftmax", "MSELoss", "MaxPool2d", "NLLLoss", "ReLU", "Sequential", "Sigmoid", "Softmax",
           "Tanh"]
