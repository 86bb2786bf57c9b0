"""The sandbox's round trip: how long one trivial probe takes, request to checked reply.

A probe that returns a scalar measures the protocol alone; one that returns a small array adds
the .npy file the runner writes and the grader reads and checks. The target is a median of at
most 5 ms. Run: ``.venv/bin/python benchmarks/probe_overhead.py``.
"""
import statistics
import tempfile
import time
from pathlib import Path

from autograder.sandbox.local import LocalSandbox

CALLS = 200
TARGET_MS = 5.0
PROBES = '''
import numpy as np
from probing import probe


@probe("task0_1")
def scalar():
    return {"x": 1}


@probe("task0_1")
def small_array():
    return {"w": np.arange(100.0)}
'''


def main():
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder) / "submission"
        (workdir / "mytorch").mkdir(parents=True)
        (workdir / "mytorch" / "__init__.py").write_text("")
        probes = Path(folder) / "probes.py"
        probes.write_text(PROBES)
        sandbox = LocalSandbox()
        started = time.perf_counter()
        with sandbox.session(workdir, [probes]) as session:
            print(f"session start (launch, import NumPy and the probes): "
                  f"{1000 * (time.perf_counter() - started):.1f} ms")
            for name in session.names():
                session.run(name)                       # warm-up
                milliseconds = []
                for _ in range(CALLS):
                    start = time.perf_counter()
                    outcome = session.run(name)
                    milliseconds.append(1000 * (time.perf_counter() - start))
                    assert outcome.status == "ok", outcome
                median = statistics.median(milliseconds)
                verdict = "meets" if median <= TARGET_MS else "MISSES"
                print(f"{name:<12} median {median:.3f} ms, 90th percentile "
                      f"{statistics.quantiles(milliseconds, n=10)[-1]:.3f} ms over {CALLS} calls "
                      f"(target <= {TARGET_MS} ms: {verdict})")
        print("isolation:", *sandbox.isolation(), sep="\n  ")


if __name__ == "__main__":
    main()
