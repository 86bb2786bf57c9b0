"""Throughput of `autograder batch`: a class of generated hw1 submissions graded with 1 and with 2
worker processes (the scaling efficiency), and on a Ray cluster against local workers on the
same batch (Ray's overhead).

The class: ``--students`` zips of hw1, a third the reference's files, a third the untouched
template, a third the partly done sample, each with a comment of its own so that every content
hash differs. Every run grades the whole class into a fresh gradebook with the same sandbox
engine (``--engine``, local by default), so that the local and the Ray runs do the same work. The
Ray cluster is Ray's own test cluster on this machine, a head without CPUs and two worker nodes
of one CPU each, like ``--workers 2``; it is started once, and its start is not counted.

First a few submissions are graded and not counted, so that the engine's first sandboxes on the
machine (Docker's first containers since its daemon started) fall on no run. The cluster's first
batch is timed on its own (just started: Ray's worker processes start and run the reference).
Then ``--repeats`` rounds each time 1 local worker, 2 local workers and the warm cluster, one after
the other and in turn forwards and backwards, so that a slow spell or a drift of the machine falls
on all three alike; the figures compare the medians. Targets: a scaling efficiency t₁ / (2 t₂)
of at least 85 %, and the warm cluster at most 10 % slower than the 2 local workers (the
just-started one is held to it too, and printed on its own line).

Run: ``.venv/bin/python benchmarks/batch_throughput.py [--students 100] [--repeats 3]
[--engine local|docker]`` (the cluster extra; the docker engine needs the sandbox image:
``make images``).
"""
import argparse
import contextlib
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from autograder.classroom import batch, discovery
from autograder.classroom.gradebook import Gradebook
from autograder.course.model import Course

REPOSITORY = Path(__file__).resolve().parents[1]
SCALING_TARGET, RAY_TARGET = 0.85, 0.10
WARM_UP = 6        # graded first and not counted: the engine's first sandboxes since it started


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
    """Seconds to grade the class into a fresh gradebook (every submission, or an AssertionError)."""
    gradebook = Gradebook(folder / f"gradebook-{time.monotonic_ns()}.sqlite")
    start = time.perf_counter()
    summary = batch.grade_class(course, assignment, submissions, gradebook, progress=False, **options)
    seconds = time.perf_counter() - start
    assert not summary.failed and len(summary.scores) == len(submissions), summary.render()
    return seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--engine", choices=["local", "docker"], default="local")
    args = parser.parse_args()
    course = Course(REPOSITORY)
    hw1 = course.assignment("hw1")
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        (folder / "class").mkdir()
        make_class(course, hw1, folder / "class", args.students)
        submissions = discovery.discover(folder / "class")
        timed(course, hw1, submissions[:WARM_UP], folder, engine=args.engine, workers=2)
        with ray_cluster() as address:
            started, runs = rounds(course, hw1, submissions, folder, args.engine, args.repeats, address)
    one, two, warm = (statistics.median(times) for times in runs.values())
    print(f"\nmedians of {args.repeats} rounds, {args.students} submissions:")
    for name, seconds in zip(runs, (one, two, warm)):
        print(f"{name:>10}: {seconds:6.1f} s, {args.students / seconds:.2f} submissions/s")
    report("scaling efficiency t1 / (2 t2)", one / (2 * two), SCALING_TARGET, at_least=True)
    report("Ray warm against 2 local workers", warm / two - 1, RAY_TARGET)
    report(f"Ray just started ({started:.1f} s) against 2 local workers", started / two - 1, RAY_TARGET)


def rounds(course, assignment, submissions, folder, engine, repeats, address):
    """The seconds of the cluster's first batch, and {run: [seconds in each of ``repeats`` rounds]}."""
    def run(**options):
        seconds = timed(course, assignment, submissions, folder, engine=engine, **options)
        print(f"  {seconds:6.1f} s", flush=True)
        return seconds

    print("Ray, just started:", flush=True)
    started = run(executor="ray", address=address)
    configurations = {"1 worker": {"workers": 1}, "2 workers": {"workers": 2},
                      "Ray, warm": {"executor": "ray", "address": address}}
    runs = {name: [] for name in configurations}
    for number in range(1, repeats + 1):
        for name in list(configurations)[::1 if number % 2 else -1]:    # a drift falls on all
            print(f"round {number}, {name}:", flush=True)
            runs[name].append(run(**configurations[name]))
    return started, runs


def report(what, figure, target, at_least=False):
    """Print ``figure`` against ``target``: a floor with ``at_least``, else a ceiling (an overhead)."""
    meets = figure >= target if at_least else figure <= target
    if at_least:
        shown, bound = f"{figure:.0%}", f">= {target:.0%}"
    else:
        shown, bound = f"{figure:+.0%}", f"<= {target:+.0%}"
    print(f"{what}: {shown} (target {bound}: {'meets' if meets else 'MISSES'})", flush=True)


@contextlib.contextmanager
def ray_cluster():
    """The address of a Ray cluster on this machine, a head without CPUs and two worker nodes of
    one CPU each; removed on leaving."""
    import ray
    from ray.cluster_utils import Cluster

    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 0})
    for _ in range(2):
        cluster.add_node(num_cpus=1)
    cluster.wait_for_nodes()
    try:
        yield cluster.address
    finally:
        ray.shutdown()
        for node in list(cluster.worker_nodes):
            cluster.remove_node(node)
        cluster.remove_node(cluster.head_node)


if __name__ == "__main__":
    sys.exit(main())
