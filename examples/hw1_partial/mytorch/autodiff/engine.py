"""Reverse mode: walk the graph from an output back to its leaves.

The chain rule in vector-Jacobian form: every node receives ȳ, the gradient of
the final scalar with respect to its output, once all of that output's uses
have contributed, and passes x̄_i = ȳ · ∂y/∂x_i to each input. A node that
feeds several others sums the contributions (the multivariate chain rule).

The order that guarantees "all uses first" is a reverse topological order,
found here with an explicit stack, so a graph of any depth fits.
"""
from mytorch.backend import namespace


def topological_order(root_fn):
    """Nodes reachable from ``root_fn``, each listed after every node it depends on.

    Iterative depth-first search: a node is appended once all of its inputs'
    nodes have been appended (post-order), with no recursion.
    """
    order, visited = [], set()
    stack = [(root_fn, False)]
    while stack:
        fn, inputs_done = stack.pop()
        if inputs_done:
            order.append(fn)
            continue
        if fn in visited:
            continue
        visited.add(fn)
        stack.append((fn, True))
        for tensor in fn.inputs:
            if tensor.grad_fn is not None and tensor.grad_fn not in visited:
                stack.append((tensor.grad_fn, False))
    return order


def backward(root, grad=None, *, retain_graph=False, inputs=None):
    """Backpropagate from ``root`` (a tensor) with upstream gradient ``grad`` (an array).

    Without ``inputs``, gradients accumulate into ``.grad`` of the leaves that
    require them, as ``Tensor.backward`` does. With ``inputs`` (a sequence of
    leaf tensors), nothing is accumulated; their gradients are returned
    instead, as arrays (zeros for an input the output does not depend on).
    """
    if not root.requires_grad:
        raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
    grad = _initial_grad(root, grad)
    collected = None if inputs is None else {id(t): None for t in inputs}

    def deliver(leaf, leaf_grad):
        if collected is None:
            leaf._accumulate_grad(leaf_grad)
        elif id(leaf) in collected:
            previous = collected[id(leaf)]
            collected[id(leaf)] = leaf_grad if previous is None else previous + leaf_grad

    if root.grad_fn is None:
        deliver(root, grad)
    else:
        pending = {root.grad_fn: grad}
        for fn in reversed(topological_order(root.grad_fn)):
            input_grads = fn.backward(pending.pop(fn))
            if not isinstance(input_grads, tuple):
                input_grads = (input_grads,)
            for tensor, needed, g in zip(fn.inputs, fn.needs_input_grad, input_grads):
                if not needed:
                    continue
                _check_grad(fn, tensor, g)
                if tensor.grad_fn is None:
                    deliver(tensor, g)
                elif tensor.grad_fn in pending:
                    pending[tensor.grad_fn] = pending[tensor.grad_fn] + g
                else:
                    pending[tensor.grad_fn] = g
            if not retain_graph:
                fn.release()
    if collected is not None:
        return tuple(namespace(t.data).zeros_like(t.data) if collected[id(t)] is None
                     else collected[id(t)] for t in inputs)
    return None


def _initial_grad(root, grad):
    xp = namespace(root.data)
    if grad is None:
        if root.data.size != 1:
            raise RuntimeError(
                f"grad can be implicitly created only for scalar outputs; this output has shape "
                f"{tuple(root.shape)}, so pass backward(grad) with a gradient of that shape")
        return xp.ones_like(root.data)
    if tuple(grad.shape) != tuple(root.shape):
        raise RuntimeError(f"backward: grad has shape {tuple(grad.shape)} but the output has "
                           f"shape {tuple(root.shape)}")
    return grad.astype(root.dtype, copy=False)


def _check_grad(fn, tensor, grad):
    """Catch a wrong rule where it happens, naming the primitive."""
    if grad is None or grad.shape != tensor.data.shape:
        got = None if grad is None else tuple(grad.shape)
        raise RuntimeError(
            f"{type(fn).__name__}.backward returned a gradient of shape {got} for an input of "
            f"shape {tuple(tensor.shape)}; a gradient has the shape of its input")
