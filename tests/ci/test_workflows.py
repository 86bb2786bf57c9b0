"""The CI templates of infra/ci/ and the score table that the student workflow shows.

- every workflow validates against schemastore's GitHub workflow schema (the copy that the
  ``check-jsonschema`` package vendors, so no network is needed);
- what the schema cannot see: every job has a timeout, the students install the versions the
  sandbox image pins, the instructor grades in Docker into JUnit and keeps student code out of
  the checkout;
- the public tests' plugin (assignments/common/conftest.py) prints its table and appends it to
  ``$GITHUB_STEP_SUMMARY``, with full points for a task the reference solves and none for the
  untouched template.
"""
import json
import os
import re
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
import yaml

from autograder.course.model import Course

ROOT = Path(__file__).resolve().parents[2]
CI = ROOT / "infra" / "ci"
WORKFLOWS = sorted(CI.glob("*.yml"))
DOCKER_REQUIREMENTS = ROOT / "infra" / "docker" / "requirements.txt"
COURSE = Course(ROOT)
PIN = re.compile(r"([A-Za-z0-9_.\-]+)==([^\s;]+)")


def load(path):
    """The workflow as data. YAML 1.1 reads the key ``on`` as True; GitHub reads it as "on"."""
    workflow = yaml.safe_load(path.read_text())
    if True in workflow:
        workflow["on"] = workflow.pop(True)
    return workflow


def steps(workflow):
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def commands(workflow):
    """Every ``run`` script of the workflow, joined."""
    return "\n".join(step["run"] for step in steps(workflow) if "run" in step)


def normalized(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def test_there_are_both_workflows():
    assert {path.name for path in WORKFLOWS} >= {"student-public-tests.yml", "instructor-grade.yml"}


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test_a_workflow_validates_against_the_github_workflow_schema(path):
    schema_file = resources.files("check_jsonschema.builtin_schemas.vendor") / "github-workflows.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    errors = sorted(validator_class(schema).iter_errors(load(path)), key=lambda error: list(error.path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors)


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test_every_job_has_a_timeout(path):
    for name, job in load(path)["jobs"].items():
        assert isinstance(job.get("timeout-minutes"), int), f"{path.name}: job {name} has no timeout-minutes"


def test_the_student_workflow_runs_the_public_tests_on_every_push():
    workflow = load(CI / "student-public-tests.yml")
    assert {"push", "pull_request", "workflow_dispatch"} <= set(workflow["on"])
    python = [s for s in steps(workflow) if s.get("uses", "").startswith("actions/setup-python")]
    assert python and str(python[0]["with"]["python-version"]) == "3.11"
    assert re.search(r"^python -m pytest$", commands(workflow), re.MULTILINE)
    summary = [s for s in steps(workflow) if "GITHUB_STEP_SUMMARY" in s.get("run", "")]
    assert summary and all(s.get("if") == "always()" for s in summary)


def test_the_student_workflow_installs_the_versions_of_the_sandbox_image():
    workflow = load(CI / "student-public-tests.yml")
    pins = {normalized(name): version for name, version in PIN.findall(commands(workflow))}
    assert set(pins) == {"numpy", "tqdm", "pytest"}
    if not DOCKER_REQUIREMENTS.exists():
        pytest.skip(f"{DOCKER_REQUIREMENTS.relative_to(ROOT)} does not exist yet")
    image = {normalized(name): version for name, version in PIN.findall(DOCKER_REQUIREMENTS.read_text())}
    assert {name: image.get(name) for name in pins} == pins


def test_the_instructor_workflow_grades_in_docker_into_junit_outside_the_checkout():
    workflow = load(CI / "instructor-grade.yml")
    assert {"workflow_dispatch", "schedule"} <= set(workflow["on"])
    assert {"assignment", "submissions"} <= set(workflow["on"]["workflow_dispatch"]["inputs"])
    grade = next(step["run"] for step in steps(workflow) if "autograder grade" in step.get("run", ""))
    for option in ("--engine docker", "--format junit", "--format gradescope", "--out results"):
        assert option in grade, option
    assert "$RUNNER_TEMP/submissions" in commands(workflow) and "make images" in commands(workflow)
    checkouts = [s for s in steps(workflow) if s.get("uses", "").startswith("actions/checkout")]
    assert len(checkouts) == 1 and not {"path", "repository"} & set(checkouts[0].get("with", {})), \
        "only the course repository is checked out, at the workspace root"
    uses = [s.get("uses", "") for s in steps(workflow)]
    assert any(u.startswith("actions/upload-artifact") for u in uses)
    assert any(u.startswith(("dorny/test-reporter", "mikepenz/action-junit-report")) for u in uses)


# ----- the score table of the public tests --------------------------------------------------------

def student_repository(tmp_path, solved):
    """A student's repository of hw1 as the workflow sees it: the released folder, with the
    reference's mytorch in place of the template's when ``solved``."""
    hw1 = COURSE.assignment("hw1")
    repository = tmp_path / "student"
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(COURSE.reference if solved else hw1.folder / "mytorch", repository / "mytorch",
                    ignore=ignore)
    shutil.copytree(hw1.public_tests, repository / "tests", ignore=ignore)
    for name in ("pytest.ini", "README.md"):
        shutil.copyfile(hw1.folder / name, repository / name)
    return repository


def run_task1_1(repository, summary):
    environment = {**os.environ, "GITHUB_STEP_SUMMARY": str(summary)}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-m", "task1_1"],
                          cwd=repository, env=environment, capture_output=True, text=True, timeout=300)


def rows(markdown):
    """{first cell: [cells]} of the Markdown table's rows."""
    table = [line.strip("|").split(" | ") for line in markdown.splitlines() if line.startswith("| ")]
    return {cells[0].strip(): [cell.strip() for cell in cells] for cells in table}


@pytest.mark.parametrize("solved", [True, False], ids=["reference", "template"])
def test_the_public_tests_print_and_publish_the_score_table(tmp_path, solved):
    summary = tmp_path / "summary.md"
    summary.write_text("earlier steps' summary\n")
    result = run_task1_1(student_repository(tmp_path, solved), summary)
    assert result.returncode == (0 if solved else 1), result.stdout[-3000:]
    total, worth = COURSE.assignment("hw1").total_points, COURSE.tasks["task1_1"].points
    earned = worth if solved else 0       # no other task runs
    assert "score estimate from the public tests" in result.stdout
    assert "hidden tests decide the grade" in result.stdout

    text = summary.read_text()
    assert text.startswith("earlier steps' summary\n"), "the table is appended, not written over"
    table = rows(text)
    _, title, tests, points = table["`task1_1`"]
    passed, run = map(int, tests.split("/"))
    assert title == "topological sort" and run > 0 and passed == (run if solved else 0)
    assert points == f"{earned:g} / {worth:g}"
    assert table["`task1_2`"][2:] == ["not run", f"- / {COURSE.tasks['task1_2'].points:g}"]
    assert table[""][1:] == ["**Total**", f"**{passed}/{run}**", f"**{earned:g} / {total:g}**"]
