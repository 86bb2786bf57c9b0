"""The docker engine's containers as the Docker engine itself reports them, and its refusals.

The attacks on the sandbox run on both engines in tests/grader/test_sandbox.py; here the
container of a live session is inspected: every lock the engine promises is in its HostConfig.
"""
import io
import os

import pytest

from autograder.sandbox import docker as docker_sandbox
from autograder.sandbox import images
from autograder.sandbox.box import EngineError
from autograder.sandbox.docker import DockerSandbox
from autograder.sandbox.limits import Limits

pytestmark = pytest.mark.slow     # runs containers

STALE = "mytorch-sandbox:stale-for-test"
PROBES = '''
from probing import probe


@probe("task1_1")
def nothing():
    return {}
'''


@pytest.fixture
def session(sandbox_image, tmp_path):
    (tmp_path / "work").mkdir()
    (tmp_path / "probes.py").write_text(PROBES)
    limits = Limits(memory_mb=700, cpus=0.5, processes=40, file_size_mb=32)
    with DockerSandbox(limits).session(tmp_path / "work", [tmp_path / "probes.py"]) as session:
        yield session


def live_container(docker_client):
    [container] = docker_client.containers.list(filters={"label": f"{docker_sandbox.LABEL}={os.getpid()}"})
    return container


def test_a_sessions_container_is_locked_down(session, docker_client):
    assert session.run("nothing").status == "ok"
    container = live_container(docker_client)
    host = container.attrs["HostConfig"]
    assert host["NetworkMode"] == "none" and host["ReadonlyRootfs"] is True
    assert host["CapDrop"] == ["ALL"] and host["SecurityOpt"] == ["no-new-privileges"]
    assert host["Memory"] == host["MemorySwap"] == 700 * 2**20
    assert host["NanoCpus"] == 5 * 10**8 and host["PidsLimit"] == 40
    assert host["Tmpfs"] == {"/tmp": "rw,nosuid,nodev,size=32m,mode=1777"}
    assert host["LogConfig"]["Type"] == "none" and not host.get("DeviceRequests")
    assert container.attrs["Config"]["User"] == "{}:{}".format(*images.SANDBOX_USER)
    mounts = {mount["Destination"]: mount["RW"] for mount in container.attrs["Mounts"]}
    read_only = dict.fromkeys([docker_sandbox.WORKDIR, docker_sandbox.PROBES, docker_sandbox.CHANNEL], False)
    assert mounts == read_only


def test_the_gpus_come_by_a_device_request_with_the_gpu_image(docker_client):
    try:
        sandbox = DockerSandbox(gpus=True)
    except EngineError as error:
        pytest.skip(f"no usable GPU image here: {error}")
    [request] = sandbox.container_options()["device_requests"]
    assert sandbox.image == images.image_for("gpu")
    assert (request["Count"], request["Capabilities"]) == (-1, [["gpu"]])


def test_a_missing_image_is_refused_with_what_to_do(docker_client):
    with pytest.raises(EngineError, match=r"mytorch-sandbox:missing is missing: build it with `make images`"):
        DockerSandbox(image="mytorch-sandbox:missing")


def test_an_image_of_another_harness_is_refused(sandbox_image, docker_client):
    dockerfile = io.BytesIO(f"FROM {images.image_for('cpu')}\nLABEL {images.HARNESS_LABEL}=another\n".encode())
    docker_client.images.build(fileobj=dockerfile, tag=STALE, rm=True)
    try:
        with pytest.raises(EngineError, match="another version of the sandbox harness.*`make images`"):
            DockerSandbox(image=STALE)
    finally:
        docker_client.images.remove(STALE, force=True)
