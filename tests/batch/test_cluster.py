"""Grading a class on a real Ray cluster on this machine: a head and two worker nodes (real raylet
processes, started by Ray's own test utility), each task in a Docker sandbox. A worker node killed
in the middle of the batch loses nothing: its tasks run again on the other, and every submission
is graded exactly once."""
import threading
import time

import pytest

from autograder.classroom import batch, discovery
from autograder.classroom.gradebook import Gradebook

from submissions import COURSE
from test_batch import HW1, SCORES, klass  # noqa: F401  (klass: a fixture)

pytestmark = pytest.mark.slow     # starts a Ray cluster

ray = pytest.importorskip("ray", reason="the cluster extra: pip install -e '.[cluster]'")
from ray.cluster_utils import Cluster  # noqa: E402


@pytest.fixture
def cluster(sandbox_image):
    """A head without CPUs (it schedules, never grades) and two worker nodes of one CPU each."""
    made = Cluster(initialize_head=True, head_node_args={"num_cpus": 0})
    workers = [made.add_node(num_cpus=1) for _ in range(2)]
    made.wait_for_nodes()
    yield made, workers
    ray.shutdown()
    for node in list(made.worker_nodes):
        made.remove_node(node)
    made.remove_node(made.head_node)


def test_a_class_graded_on_the_cluster_survives_a_killed_worker_node_exactly_once(cluster, klass, tmp_path):
    made, workers = cluster
    folder, kinds = klass
    gradebook = Gradebook(tmp_path / "grades.sqlite")
    killed = threading.Event()

    def kill_a_worker_node():
        deadline = time.monotonic() + 300
        while not gradebook.graded(HW1.name) and time.monotonic() < deadline:
            time.sleep(0.05)
        made.remove_node(workers[0], allow_graceful=False)     # SIGKILL to its raylet and workers
        killed.set()

    killer = threading.Thread(target=kill_a_worker_node, daemon=True)
    killer.start()
    summary = batch.grade_class(COURSE, HW1, discovery.discover(folder), gradebook, executor="ray",
                                engine="docker", address=made.address, progress=False)
    killer.join(timeout=60)
    assert killed.is_set() and not summary.failed
    grades = gradebook.grades(HW1.name, history=True)
    assert sorted(grade.student for grade in grades) == sorted(kinds), "each graded exactly once"
    assert {grade.student: grade.score for grade in grades} == \
        {student: SCORES[kind] for student, kind in kinds.items()}


def test_the_cluster_configuration_starts_a_head_that_grades_nothing_and_nodes_with_the_images():
    import yaml

    config = yaml.safe_load((COURSE.root / "infra" / "ray" / "cluster.yaml").read_text())
    assert config["provider"]["type"] == "local" and len(config["provider"]["worker_ips"]) == 2
    assert any("--num-cpus=0" in command for command in config["head_start_ray_commands"])
    assert any("make images" in command for command in config["setup_commands"])
