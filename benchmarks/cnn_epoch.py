"""One training epoch of the reference CNN (two conv 3×3 + ReLU + max-pool blocks of 32 and
64 channels, then 3136-128-10 with dropout; Adam, batch 128, float32) in mytorch and PyTorch.

    python benchmarks/cnn_epoch.py [--repeats 1] [--device cpu|cuda]

Target on the CPU: mytorch / PyTorch <= 2.5. With --device cuda it compares
CuPy against PyTorch CUDA.
"""
import argparse

import numpy as np
import torch

import mytorch
from mytorch import models, nn, optim

from harness import batch_order, fashion_mnist_float32, report, time_epochs


def torch_cnn():
    return torch.nn.Sequential(
        torch.nn.Conv2d(1, 32, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(32, 64, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(3136, 128), torch.nn.ReLU(), torch.nn.Dropout(0.5),
        torch.nn.Linear(128, 10))


def mytorch_epoch(x, y, batches, device):
    model = models.cnn().to(device)
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    x = mytorch.tensor(x, device=device)
    y = mytorch.tensor(y, device=device)

    def run():
        model.train()
        for index in batches:
            loss = loss_fn(model(x[index]), y[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        synchronize(device)
    return run


def torch_epoch(x, y, batches, device):
    model = torch_cnn().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    x, y = torch.from_numpy(x).to(device), torch.from_numpy(y).to(device)

    def run():
        model.train()
        for index in batches:
            index = torch.from_numpy(index).to(device)
            loss = loss_fn(model(x[index]), y[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        if device == "cuda":
            torch.cuda.synchronize()
    return run


def synchronize(device):
    if device == "cuda":
        mytorch.backend.cupy.cuda.Device().synchronize()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=1, help="timed epochs per implementation")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    args = parser.parse_args()
    x, y = fashion_mnist_float32()
    x = np.ascontiguousarray(x.reshape(-1, 1, 28, 28))
    batches = batch_order(len(x))
    medians = time_epochs({"mytorch": mytorch_epoch(x, y, batches, args.device),
                           "PyTorch": torch_epoch(x, y, batches, args.device)}, args.repeats)
    threads = f"{torch.get_num_threads()} threads" if args.device == "cpu" else "CuPy vs PyTorch CUDA"
    report(f"CNN, Adam, batch 128, float32, {len(batches)} batches per epoch on {args.device} ({threads})",
           medians, {"PyTorch": 2.5} if args.device == "cpu" else {})


if __name__ == "__main__":
    main()
