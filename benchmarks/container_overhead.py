"""What a container costs: grading the same submission on the docker engine against the local one.

One Grader per engine grades the reference's hw1 files (handed in as a student would) several
times; the reference's expected values are computed once per Grader before the clock starts, so
each timed grade is what a class's every submission pays: a sandbox started (a container created,
started, connected; or a process in namespaces), every probe run, the sandbox stopped (the
container killed and removed), the verdicts. Grades alternate between the engines and the figure
is the median. Target: at most 1.5 s more per submission in a container. The sandbox image must
be built (``make images``).

Run: ``.venv/bin/python benchmarks/container_overhead.py [--assignment hw1] [--repeats 5]``.
"""
import argparse
import statistics
import tempfile
import time
from pathlib import Path

from autograder.course.model import Course
from autograder.grading.grader import Grader
from autograder.sandbox.engines import ENGINES

REPOSITORY = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 1.5


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="hw1")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    course = Course(REPOSITORY)
    assignment = course.assignment(args.assignment)
    graders = {engine: Grader(course, assignment, engine=engine) for engine in ENGINES}
    for grader in graders.values():
        assert grader.expected, "the reference's run"
    seconds = {engine: [] for engine in ENGINES}
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(args.repeats):
            for engine, grader in graders.items():
                start = time.perf_counter()
                result = grader.grade(course.reference.parent, plots=Path(folder) / engine)
                seconds[engine].append(time.perf_counter() - start)
                assert result.score >= assignment.total_points, f"{engine}: {result.score}"
    median = {engine: statistics.median(times) for engine, times in seconds.items()}
    for engine in ENGINES:
        print(f"{engine:>6}: {median[engine]:.2f} s per {assignment.name} submission "
              f"(median of {args.repeats}: {', '.join(f'{t:.2f}' for t in seconds[engine])})")
    extra = median["docker"] - median["local"]
    verdict = "meets" if extra <= TARGET_SECONDS else "MISSES"
    print(f"docker - local: {extra:+.2f} s per submission, docker / local: "
          f"{median['docker'] / median['local']:.2f} (target <= +{TARGET_SECONDS} s: {verdict})")


if __name__ == "__main__":
    main()
