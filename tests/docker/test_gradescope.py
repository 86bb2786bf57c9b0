"""hw1's Gradescope archive, run as Gradescope runs it, in a container of the real Docker engine.

``mytorch-base:bookworm`` (python3 with venv and nothing else) stands in for Gradescope's base
image. The container has Docker's default security (not privileged, so unshare(2) is refused and
the local engine runs without namespaces) and no network: setup.sh must make do with the bundled
wheels. As Gradescope does, the test unzips the archive into /autograder/source, runs setup.sh
there once as root (one container for the module), copies run_autograder to /autograder, and runs
it as root for each submission, laid out in /autograder/submission.
"""
import io
import json
import re
import tarfile
import zipfile
from pathlib import Path

import jsonschema
import pytest

from autograder import cli
from autograder.reports import gradescope as results_format
from autograder.sandbox import images

from submissions import COURSE, reference_copy, template_copy

pytestmark = pytest.mark.slow     # runs the Gradescope archive

HW1 = COURSE.assignment("hw1")
# Gradescope's harness may retry PyPI; here, without a network, pip's five retries per package
# would only add minutes before it takes the bundled wheel, which it does anyway.
OFFLINE = {"PIP_RETRIES": "0"}
SNOOP = '''
def _read(path):
    try:
        with open(path) as file:
            return f"read {{len(file.read())}} characters"
    except OSError as error:
        return type(error).__name__


raise RuntimeError(", ".join(f"{{name}}: {{_read(path)}}" for name, path in {secrets!r}.items()))
'''


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    path = tmp_path_factory.mktemp("dist") / "hw1_autograder.zip"
    assert cli.main(["gradescope", "hw1", "-o", str(path)]) == 0
    return path


def unzip(archive, folder):
    """``archive`` extracted into ``folder`` with the modes its entries carry, as unzip does."""
    with zipfile.ZipFile(archive) as zipped:
        for entry in zipped.infolist():
            Path(zipped.extract(entry, folder)).chmod(entry.external_attr >> 16 & 0o7777)
    return folder


def put(container, folder, name):
    """Copy the host's ``folder`` into the container as /autograder/``name``, root's."""
    def as_root(member):
        member.uid = member.gid = 0
        member.uname = member.gname = "root"
        return member

    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w") as tar:
        tar.add(folder, arcname=name, filter=as_root)
    assert container.put_archive("/autograder", data.getvalue())


def run(container, *command, environment=None):
    """``(exit status, output)`` of ``command`` run in the container as root."""
    done = container.exec_run(list(command), user="root", environment=environment)
    return done.exit_code, done.output.decode(errors="replace")


@pytest.fixture(scope="module")
def gradescope(docker_client, gradescope_base, archive, tmp_path_factory):
    """A container in which setup.sh has run: Gradescope's image of hw1's autograder."""
    source = unzip(archive, tmp_path_factory.mktemp("source"))
    container = docker_client.containers.run(gradescope_base.id, ["sleep", "infinity"], detach=True,
                                             user="root", network_disabled=True)
    try:
        run(container, "mkdir", "/autograder")
        put(container, source, "source")
        status, output = run(container, "bash", "/autograder/source/setup.sh", environment=OFFLINE)
        assert status == 0, output
        assert run(container, "cp", "/autograder/source/run_autograder", "/autograder/run_autograder")[0] == 0
        yield container
    finally:
        container.remove(force=True)


def grade(container, submission):
    """``(exit status, output, results.json's data)`` of run_autograder on the host's folder
    ``submission``; results.json must hold to the schema."""
    assert run(container, "rm", "-rf", "/autograder/submission", "/autograder/results")[0] == 0
    assert run(container, "mkdir", "/autograder/results")[0] == 0
    put(container, submission, "submission")
    status, output = run(container, "/autograder/run_autograder")
    read, text = run(container, "cat", "/autograder/results/results.json")
    assert read == 0, output
    data = json.loads(text)
    jsonschema.validate(data, json.loads(results_format.SCHEMA.read_text()),
                        cls=jsonschema.Draft202012Validator)
    return status, output, data


def test_the_archive_holds_this_assignment_and_the_wheels_alone(archive):
    names = zipfile.ZipFile(archive).namelist()
    assert names == sorted(names)
    assert {"setup.sh", "run_autograder", "constraints.txt", "sandbox-requirements.txt",
            "assignments/hw1_autodiff/hidden/probes.py", "reference/mytorch/__init__.py"} <= set(names)
    assert {name.split("/")[0] for name in names} == {"setup.sh", "run_autograder", "constraints.txt",
                                                      "sandbox-requirements.txt", "assignments", "reference",
                                                      "wheels"}
    others = [name for name in names if name.startswith("assignments/")
              and not name.startswith(f"assignments/{HW1.name}/")]
    shared = [path.relative_to(COURSE.root).as_posix() for path in sorted(COURSE.shared_probes.rglob("*.py"))]
    assert sorted(others) == sorted([*shared, *(f"assignments/{other.name}/assignment.toml"
                                               for other in COURSE.assignments if other != HW1)])
    assert shared, "the probes' shared helpers go with them"
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]
    assert any(re.fullmatch(r"wheels/mytorch_course_kit-.*-py3-none-any\.whl", name) for name in names)
    assert any(re.fullmatch(r"wheels/numpy-.*-cp311-.*manylinux.*_x86_64\.whl", name) for name in names)


def test_the_archive_is_the_same_bytes_every_time(archive, tmp_path):
    assert cli.main(["gradescope", "hw1", "-o", str(tmp_path / "again.zip")]) == 0
    assert (tmp_path / "again.zip").read_bytes() == archive.read_bytes()


def test_setup_closes_the_source_to_all_but_root(gradescope):
    assert run(gradescope, "stat", "-c", "%a %U", "/autograder/source") == (0, "700 root\n")


def test_the_sandbox_venv_holds_exactly_the_pinned_packages(gradescope):
    listing = ("import importlib.metadata as m, json; print(json.dumps(sorted("
               "f'{d.metadata[\"Name\"].lower()}=={d.version}' for d in m.distributions())))")
    status, output = run(gradescope, "/opt/mytorch-sandbox/bin/python", "-c", listing)
    pins = re.findall(r"^([\w.-]+==\S+)", (images.DOCKER_DIR / "requirements.txt").read_text(), re.M)
    assert status == 0 and json.loads(output) == sorted(pins)


def test_the_reference_scores_every_point(gradescope, tmp_path):
    status, output, data = grade(gradescope, reference_copy(HW1, tmp_path))
    assert status == 0, output
    assert data["score"] == HW1.total_points == 100
    assert all(test["status"] == "passed" for test in data["tests"]), data["tests"]


def test_the_untouched_template_scores_nothing(gradescope, tmp_path):
    status, output, data = grade(gradescope, template_copy(HW1, tmp_path))
    assert status == 0, output
    assert data["score"] == 0 and len(data["tests"]) > 0


def test_student_code_cannot_read_the_grader_or_the_reference(gradescope, tmp_path):
    found, grader = run(gradescope, "sh", "-c", "ls /autograder/source/.venv/lib/python3*/site-packages/"
                                                "autograder/grading/grader.py")
    secrets = {"grader": grader.strip(), "reference": "/autograder/source/reference/mytorch/__init__.py",
               "probes": f"/autograder/source/assignments/{HW1.name}/hidden/probes.py"}
    assert found == 0 and all(run(gradescope, "test", "-s", path)[0] == 0 for path in secrets.values())
    gradecheck = "mytorch/autodiff/gradcheck.py"
    submission = reference_copy(HW1, tmp_path)
    (submission / gradecheck).write_text((submission / gradecheck).read_text()
                                         + SNOOP.format(secrets=secrets))
    status, output, data = grade(gradescope, submission)
    assert status == 0, output
    assert data["score"] == 0
    expected = "RuntimeError: grader: PermissionError, reference: PermissionError, probes: PermissionError"
    assert all(expected in test["output"] for test in data["tests"]), data["tests"][0]["output"]


def test_a_failing_grader_still_leaves_results_that_say_so(gradescope, tmp_path):
    assert run(gradescope, "mv", "/opt/mytorch-sandbox", "/opt/elsewhere")[0] == 0
    try:
        status, output, data = grade(gradescope, reference_copy(HW1, tmp_path))
    finally:
        assert run(gradescope, "mv", "/opt/elsewhere", "/opt/mytorch-sandbox")[0] == 0
    assert status != 0 and "the grader failed" in output
    assert data["score"] == 0 and data["tests"] == [] and "contact the course staff" in data["output"]
