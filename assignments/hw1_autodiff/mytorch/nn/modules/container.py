"""Sequential: modules applied one after the other."""
from mytorch.nn.module import Module


class Sequential(Module):
    """y = f_k(… f_2(f_1(x))): the modules in the order given, named "0", "1", ….

    ``Sequential(OrderedDict(name=module, ...))`` names them instead.
    Indexing (``model[0]``, ``model[-1]``, ``model[1:3]``), ``len`` and
    iteration work as on a list.
    """

    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], dict):
            for name, module in modules[0].items():
                self.add_module(name, module)
        else:
            for module in modules:
                self.append(module)

    def append(self, module):
        """Add ``module`` at the end; returns self."""
        self.add_module(str(len(self._modules)), module)
        return self

    def __getitem__(self, index):
        modules = list(self._modules.values())
        if isinstance(index, slice):
            return Sequential(*modules[index])
        if not -len(modules) <= index < len(modules):
            raise IndexError(f"index {index} is out of range for a Sequential of {len(modules)} modules")
        return modules[index]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def forward(self, input):
        raise NotImplementedError('part of hw2_backprop: not needed in hw1_autodiff')
