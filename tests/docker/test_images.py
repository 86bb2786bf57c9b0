"""The sandbox's images against the real Docker engine: what the grader relies on inside them.

Every command runs as the grader runs the sandbox: the image's own user, no network, a read-only
root filesystem with a tmpfs on /tmp, no capabilities. ``mytorch-sandbox:cpu`` is built first
if it is missing or stale (see conftest.py); the GPU image is only checked if it is here.
"""
import json
import re
import textwrap

import docker
import pytest

from autograder.sandbox import images
from mytorch.data import fashion_mnist

pytestmark = pytest.mark.slow     # inspects the sandbox's images


def run(client, image, *command):
    """The stdout of ``command`` in a locked-down container of ``image``; raises on a non-zero exit."""
    output = client.containers.run(image.id, list(command), remove=True, network_disabled=True,
                                   read_only=True, tmpfs={"/tmp": "size=16m"}, cap_drop=["ALL"],
                                   security_opt=["no-new-privileges"])
    return output.decode()


def python(client, image, source):
    """What ``source`` prints as JSON, run by the sandbox's venv Python."""
    return json.loads(run(client, image, images.PYTHON, "-c", textwrap.dedent(source)))


def pins(*names):
    """{normalised name: version} pinned by the requirement files ``names`` of infra/docker."""
    found = {}
    for name in names:
        for line in (images.DOCKER_DIR / name).read_text().splitlines():
            if pin := re.match(r"([\w.-]+)==(\S+)", line):
                found[re.sub(r"[-_.]+", "-", pin[1]).lower()] = pin[2]
    return found


INSTALLED = """
    import importlib.metadata, json, re
    print(json.dumps({re.sub(r"[-_.]+", "-", d.metadata["Name"]).lower(): d.version
                      for d in importlib.metadata.distributions()}))
"""


def test_the_venv_imports_numpy_tqdm_and_pytest(docker_client, sandbox_image):
    versions = python(docker_client, sandbox_image, """
        import json, numpy, tqdm, pytest
        print(json.dumps([numpy.__version__, tqdm.__version__, pytest.__version__]))
    """)
    wanted = pins("requirements.txt")
    assert versions == [wanted["numpy"], wanted["tqdm"], wanted["pytest"]]


def test_the_venv_holds_exactly_the_pinned_packages(docker_client, sandbox_image):
    assert python(docker_client, sandbox_image, INSTALLED) == pins("requirements.txt")


def test_it_runs_as_the_student_in_work(docker_client, sandbox_image):
    found = python(docker_client, sandbox_image, """
        import json, os
        print(json.dumps([os.getuid(), os.getgid(), os.environ["HOME"], os.getcwd()]))
    """)
    assert found == [*images.SANDBOX_USER, "/tmp", "/work"]


def test_the_student_reads_the_training_files_but_not_the_test_files(docker_client, sandbox_image):
    readable = python(docker_client, sandbox_image, f"""
        import json
        readable = {{}}
        for name in {list(fashion_mnist.FILES)}:
            try:
                with open("/usr/share/datasets/fashion-mnist/" + name + ".gz", "rb") as file:
                    readable[name] = len(file.read(2)) == 2
            except PermissionError:
                readable[name] = False
        print(json.dumps(readable))
    """)
    assert readable == {name: name.startswith("train-") for name in fashion_mnist.FILES}


def test_the_harness_is_the_current_files_and_the_label_says_so(docker_client, sandbox_image):
    assert sandbox_image.labels[images.HARNESS_LABEL] == images.harness_digest()
    found = python(docker_client, sandbox_image, f"""
        import json, os
        found = {{}}
        for name in sorted(os.listdir("{images.HARNESS}")):
            status = os.stat("{images.HARNESS}/" + name)
            with open("{images.HARNESS}/" + name) as file:
                found[name] = [status.st_uid, oct(status.st_mode & 0o7777), file.read()]
        print(json.dumps(found))
    """)
    assert found == {path.name: [0, "0o644", path.read_text()] for path in images.HARNESS_FILES}


def test_site_packages_is_the_venvs_and_holds_numpy(docker_client, sandbox_image):
    found = python(docker_client, sandbox_image, f"""
        import json, os, sysconfig
        print(json.dumps([os.path.isdir("{images.SITE}/numpy"), os.path.realpath("{images.SITE}"),
                          sysconfig.get_path("purelib")]))
    """)
    has_numpy, site, purelib = found
    assert has_numpy and site == purelib


def test_there_is_no_compiler(docker_client, sandbox_image):
    found = python(docker_client, sandbox_image, """
        import json, shutil
        print(json.dumps([name for name in ("gcc", "cc", "c++", "clang") if shutil.which(name)]))
    """)
    assert found == []


def test_the_mount_points_are_there_and_empty(docker_client, sandbox_image):
    mount_points = ["/work", "/sandbox/probes", "/sandbox/channel"]
    found = python(docker_client, sandbox_image, f"""
        import json, os
        print(json.dumps({{path: os.listdir(path) for path in {mount_points}}}))
    """)
    assert found == dict.fromkeys(mount_points, [])


@pytest.fixture(scope="module")
def gpu_image(docker_client):
    """``mytorch-sandbox:gpu`` if it is here (building it downloads about 1 GB): else the test is skipped."""
    try:
        return docker_client.images.get(images.GPU_IMAGE)
    except docker.errors.ImageNotFound:
        pytest.skip(f"{images.GPU_IMAGE} is not built (python -m autograder.sandbox.images gpu)")


def test_the_gpu_image_imports_cupy_without_a_device(docker_client, gpu_image):
    found = python(docker_client, gpu_image, """
        import json, cupy
        print(json.dumps([cupy.__version__, cupy.cuda.nvrtc.getVersion()[0]]))
    """)
    assert found == [pins("requirements-gpu.txt")["cupy-cuda12x"], 12]
    cuda_wheels = () if images.has_cuda(docker_client, gpu_image.id) else (images.CUDA_REQUIREMENTS,)
    wanted = pins(*images.REQUIREMENTS["gpu"], *cuda_wheels)
    assert python(docker_client, gpu_image, INSTALLED) == wanted
