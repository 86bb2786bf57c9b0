"""Wall time to grade one submission of each assignment: the reference's own files, handed in as a
student would, through ``autograder grade`` (a fresh process, as a grading job runs it).

The time includes everything such a job does: reading the course, running the probes on the
reference for the expected values, the submission's sandbox and the verdicts. Targets: at most 20 s
for hw1 to hw3 and 55 s for hw4 (issue 21; it trains an MLP for up to 10 epochs and a CNN for up to
2, each stopped by the grader once its predictions earn full credit, and attacks a third network).
Run: ``.venv/bin/python benchmarks/grading_time.py [hw1 hw2 ...]``.
"""
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
TARGETS = {"hw1": 20, "hw2": 20, "hw3": 20, "hw4": 55}      # seconds


def main(names):
    for name in names or TARGETS:
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "autograder", "grade", str(REPOSITORY / "reference"),
                            "--assignment", name, "--out", out], check=True, stdout=subprocess.DEVNULL)
            seconds = time.perf_counter() - start
        verdict = "meets" if seconds <= TARGETS[name] else "MISSES"
        print(f"{name}: {seconds:.1f} s to grade the reference (target <= {TARGETS[name]} s: {verdict})",
              flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
