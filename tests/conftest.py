"""Fixtures shared by the test folders: a Grader per assignment, made once per session (its
reference's run is the slow part); and, for the tests that need a Docker engine, a client, the
sandbox's images and the base image that stands in for Gradescope's.

Without an engine the Docker tests are skipped, with the reason, unless ``MYTORCH_REQUIRE_DOCKER=1``
(set it where an engine must be there, as on the grading servers and in CI): then they fail. The
browser test of the feedback page does the same without Chromium, under ``MYTORCH_REQUIRE_BROWSER=1``.
"""
import os
import shutil

import docker
import pytest

from autograder.grading.grader import Grader
from autograder.sandbox import images

from submissions import COURSE


@pytest.fixture(scope="session")
def graders():
    """graders(name): the local engine's Grader of that assignment, made on first use, so that the
    reference runs once a session."""
    made = {}

    def grader(name):
        if name not in made:
            made[name] = Grader(COURSE, COURSE.assignment(name))
        return made[name]
    return grader


def unavailable(reason, required_by="MYTORCH_REQUIRE_DOCKER"):
    """Skip the requesting test because ``reason``; fail it instead when the environment variable
    ``required_by`` is 1."""
    if os.environ.get(required_by) == "1":
        pytest.fail(f"{reason}, and {required_by}=1 requires it")
    pytest.skip(f"{reason} (set {required_by}=1 to fail instead)")


@pytest.fixture(scope="session")
def chromium():
    """The path of Debian's ``chromium``, the browser that opens the feedback pages in tests."""
    path = shutil.which("chromium")
    if path is None:
        unavailable("no Chromium installed (apt-get install chromium, or make browser)", "MYTORCH_REQUIRE_BROWSER")
    return path


@pytest.fixture(scope="session")
def docker_client():
    """A client of the environment's Docker engine (DOCKER_HOST or the local socket)."""
    try:
        client = docker.from_env()
        client.ping()
    except (docker.errors.DockerException, OSError) as err:
        unavailable(f"no Docker engine reachable ({err})")
    yield client
    client.close()


@pytest.fixture(scope="session")
def sandbox_image(docker_client):
    """The CPU image of this grader's harness, built first if it is missing (after a change to the
    harness, that rebuilds only its last layer)."""
    try:
        return docker_client.images.get(images.image_for("cpu"))
    except docker.errors.ImageNotFound:
        return images.build("cpu", client=docker_client)


@pytest.fixture(scope="session")
def gradescope_base(docker_client):
    """``mytorch-base:bookworm`` (a minimal Debian with python3 and venv), standing in for
    Gradescope's base image; made with debootstrap first if it is missing (root only)."""
    try:
        return docker_client.images.get(images.LOCAL_BASE)
    except docker.errors.ImageNotFound:
        pass
    try:
        images.build_local_base(docker_client)
    except images.ImageError as err:
        unavailable(f"no {images.LOCAL_BASE} here, and it cannot be made ({err})")
    return docker_client.images.get(images.LOCAL_BASE)
