"""Shared pieces of the benchmarks: the data, the batch order and a fair timer.

Every contender trains on the same float32 Fashion-MNIST tensors in the same
shuffled order, and epochs are timed alternately (A, B, C, A, B, C, ...) so
that a slow moment of the machine does not land on one contender only.
"""
import statistics
import time

import numpy as np

from mytorch.data import load_fashion_mnist

BATCH_SIZE = 128


def fashion_mnist_float32():
    """Training images scaled to [0, 1] and standardised, (60000, 784) float32; labels int64."""
    images, labels = load_fashion_mnist(train=True)
    x = images.reshape(len(images), -1).astype(np.float32) / 255.0
    return (x - x.mean()) / x.std(), labels.copy()  # writable copies: torch.from_numpy shares memory


def batch_order(n, seed=0):
    """One shuffled epoch as a list of index arrays of ``BATCH_SIZE`` (the last may be shorter)."""
    order = np.random.default_rng(seed).permutation(n)
    return [order[i:i + BATCH_SIZE] for i in range(0, n, BATCH_SIZE)]


def time_epochs(contenders, repeats):
    """Median seconds per epoch of each ``name -> run_epoch()`` callable, after one warm-up epoch."""
    for run_epoch in contenders.values():
        run_epoch()
    seconds = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, run_epoch in contenders.items():
            start = time.perf_counter()
            run_epoch()
            seconds[name].append(time.perf_counter() - start)
    return {name: statistics.median(times) for name, times in seconds.items()}


def report(title, medians, targets):
    """Print seconds per epoch, then mytorch's ratio to every other contender (with its target, if any)."""
    print(f"\n{title}")
    for name, seconds in medians.items():
        print(f"  {name:<12} {seconds:8.3f} s/epoch")
    for baseline in [name for name in medians if name != "mytorch"]:
        ratio = medians["mytorch"] / medians[baseline]
        target = targets.get(baseline)
        verdict = "" if target is None else f"   (target <= {target}: {'meets' if ratio <= target else 'MISSES'})"
        print(f"  mytorch / {baseline:<12} {ratio:6.3f}{verdict}")
