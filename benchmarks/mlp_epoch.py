"""One training epoch of the 784-256-128-10 MLP (ReLU, cross-entropy, Adam, batch 128,
float32) in three implementations: mytorch, hand-written NumPy and PyTorch CPU.

    python benchmarks/mlp_epoch.py [--repeats 3]

Targets: mytorch / NumPy <= 1.15 and mytorch / PyTorch <= 1.2.
"""
import argparse

import numpy as np
import torch

import mytorch
from mytorch import nn, optim

from harness import batch_order, fashion_mnist_float32, report, time_epochs

SIZES = [784, 256, 128, 10]
LR, BETAS, EPS = 1e-3, (0.9, 0.999), 1e-8


def initial_weights(seed=0):
    """PyTorch's Linear initialisation, U(−1/√fan_in, 1/√fan_in), as (weight (out, in), bias) pairs."""
    rng = np.random.default_rng(seed)
    layers = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        bound = 1 / np.sqrt(fan_in)
        layers.append((rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32),
                       rng.uniform(-bound, bound, fan_out).astype(np.float32)))
    return layers


def mytorch_epoch(x, y, batches):
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    model.load_state_dict({f"{i}.{name}": value for i, (w, b) in zip((0, 2, 4), initial_weights())
                           for name, value in (("weight", w), ("bias", b))})
    optimizer = optim.Adam(model.parameters(), lr=LR, betas=BETAS, eps=EPS)
    loss_fn = nn.CrossEntropyLoss()

    def run():
        for index in batches:
            loss = loss_fn(model(mytorch.tensor(x[index])), mytorch.tensor(y[index]))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return run


def torch_epoch(x, y, batches):
    model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128),
                                torch.nn.ReLU(), torch.nn.Linear(128, 10))
    with torch.no_grad():
        for layer, (w, b) in zip(model[::2], initial_weights()):
            layer.weight.copy_(torch.from_numpy(w))
            layer.bias.copy_(torch.from_numpy(b))
    optimizer = torch.optim.Adam(model.parameters(), lr=LR, betas=BETAS, eps=EPS)
    loss_fn = torch.nn.CrossEntropyLoss()
    x, y = torch.from_numpy(x), torch.from_numpy(y)

    def run():
        for index in batches:
            index = torch.from_numpy(index)
            loss = loss_fn(model(x[index]), y[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return run


def numpy_epoch(x, y, batches):
    """The same network with forward, backward and Adam written out by hand."""
    params = [p for layer in initial_weights() for p in layer]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    step = [0]

    def run():
        for index in batches:
            xb, yb = x[index], y[index]
            w1, b1, w2, b2, w3, b3 = params
            h1 = xb @ w1.T + b1
            a1 = np.maximum(h1, 0)
            h2 = a1 @ w2.T + b2
            a2 = np.maximum(h2, 0)
            logits = a2 @ w3.T + b3
            shifted = logits - logits.max(axis=1, keepdims=True)
            probs = np.exp(shifted)
            probs /= probs.sum(axis=1, keepdims=True)
            probs[np.arange(len(yb)), yb] -= 1          # dL/dlogits = (softmax − onehot) / N
            d_logits = probs / len(yb)
            d_a2 = d_logits @ w3
            d_h2 = d_a2 * (h2 > 0)
            d_a1 = d_h2 @ w2
            d_h1 = d_a1 * (h1 > 0)
            grads = [d_h1.T @ xb, d_h1.sum(0), d_h2.T @ a1, d_h2.sum(0), d_logits.T @ a2, d_logits.sum(0)]
            step[0] += 1
            correction1, correction2 = 1 - BETAS[0] ** step[0], 1 - BETAS[1] ** step[0]
            for p, g, m_p, v_p in zip(params, grads, m, v):
                m_p *= BETAS[0]
                m_p += (1 - BETAS[0]) * g
                v_p *= BETAS[1]
                v_p += (1 - BETAS[1]) * g * g
                p -= (LR / correction1) * m_p / (np.sqrt(v_p) / np.sqrt(correction2) + EPS)
    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3, help="timed epochs per implementation")
    args = parser.parse_args()
    x, y = fashion_mnist_float32()
    batches = batch_order(len(x))
    medians = time_epochs({"mytorch": mytorch_epoch(x, y, batches), "NumPy": numpy_epoch(x, y, batches),
                           "PyTorch": torch_epoch(x, y, batches)}, args.repeats)
    report(f"MLP 784-256-128-10, Adam, batch 128, float32, {len(batches)} batches per epoch "
           f"(NumPy: hand-written; PyTorch: CPU, {torch.get_num_threads()} threads)",
           medians, {"NumPy": 1.15, "PyTorch": 1.2})


if __name__ == "__main__":
    main()
