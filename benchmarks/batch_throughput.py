"""Throughput of `autograder batch`: a class of generated hw1 submissions graded with 1 and with 2
worker processes (the scaling efficiency), and on a Ray cluster against local workers on the
same batch (Ray's overhead).

The class: ``--students`` zips of hw1, a third the reference's files, a third the untouched
template, a third the partly done sample, each with a comment of its own so that every content
hash differs. Every run grades the whole class into a fresh gradebook with the same sandbox
engine (``--engine``, local by default), so that the local and the Ray runs do the same work; the
Ray cluster is Ray's own test cluster on this machine, a head without CPUs and two worker nodes
of one CPU each, like ``--workers 2``; it grades the class twice, once just started (its worker
processes start and run the reference) and once warm. Targets: a scaling efficiency t₁ / (2 t₂)
of at least 85 %, and Ray at most 10 % slower than the local workers.

Run: ``.venv/bin/python benchmarks/batch_throughput.py [--students 100] [--engine local|docker]``
(the cluster extra; the docker engine needs the sandbox image: ``make images``).
"""
import argparse
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from autograder import batch
from autograder.course import Course
from autograder.gradebook import Gradebook

REPOSITORY = Path(__file__).resolve().parents[1]
SCALING_TARGET, RAY_TARGET = 0.85, 0.10


def make_class(course, assignment, folder, students):
    """``students`` zips of ``assignment`` in ``folder``, of three kinds in turn."""
    sources = [course.reference.parent, assignment.folder, REPOSITORY / "examples" / "hw1_partial"]
    for number in range(students):
        source = sources[number % len(sources)]
        with zipfile.ZipFile(folder / f"student{number:03d}_{number}_hw1.zip", "w") as archive:
            for relative in assignment.submission:
                if (source / relative).is_file():
                    text = (source / relative).read_text() + f"\n# student {number}\n"
                    archive.writestr(relative, text)


def timed(course, assignment, submissions, folder, **options):
    """Seconds to grade the class into a fresh gradebook, and the number graded."""
    gradebook = Gradebook(folder / f"gradebook-{time.monotonic_ns()}.sqlite")
    start = time.perf_counter()
    summary = batch.grade_class(course, assignment, submissions, gradebook, progress=False, **options)
    seconds = time.perf_counter() - start
    assert not summary.failed and len(summary.scores) == len(submissions), summary.render()
    return seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=100)
    parser.add_argument("--engine", choices=["local", "docker"], default="local")
    args = parser.parse_args()
    course = Course(REPOSITORY)
    hw1 = course.assignment("hw1")
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        (folder / "class").mkdir()
        make_class(course, hw1, folder / "class", args.students)
        submissions = batch.discover(folder / "class")
        one = timed(course, hw1, submissions, folder, engine=args.engine, workers=1)
        two = timed(course, hw1, submissions, folder, engine=args.engine, workers=2)
        efficiency = one / (2 * two)
        print(f"1 worker : {one:6.1f} s, {args.students / one:.2f} submissions/s", flush=True)
        verdict = "meets" if efficiency >= SCALING_TARGET else "MISSES"
        print(f"2 workers: {two:6.1f} s, {args.students / two:.2f} submissions/s; scaling efficiency "
              f"{efficiency:.0%} (target >= {SCALING_TARGET:.0%}: {verdict})", flush=True)
        for state, on_ray in zip(("just started", "warm"), ray_seconds(course, hw1, submissions, folder,
                                                                        args.engine)):
            overhead = on_ray / two - 1
            verdict = "meets" if overhead <= RAY_TARGET else "MISSES"
            print(f"Ray, 2 nodes of 1 CPU, {state}: {on_ray:6.1f} s; against 2 local workers "
                  f"{overhead:+.0%} (target <= +{RAY_TARGET:.0%}: {verdict})", flush=True)


def ray_seconds(course, assignment, submissions, folder, engine):
    """Seconds to grade the class twice on a two-node Ray cluster of this machine (its start not
    counted): just started, then warm."""
    import ray
    from ray.cluster_utils import Cluster

    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 0})
    for _ in range(2):
        cluster.add_node(num_cpus=1)
    cluster.wait_for_nodes()
    try:
        return [timed(course, assignment, submissions, folder, engine=engine, address=cluster.address)
                for _ in range(2)]
    finally:
        ray.shutdown()
        for node in list(cluster.worker_nodes):
            cluster.remove_node(node)
        cluster.remove_node(cluster.head_node)


if __name__ == "__main__":
    sys.exit(main())
