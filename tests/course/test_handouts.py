"""The handouts' generated blocks: what every handout must say the same way (how to hand in, the
files, the limits, the imports, public and hidden tests, the notebook's points, the collaboration
policy) is written by `autograder release` from assignment.toml, the grader's settings and
assignments/course.toml, between ``<!-- BEGIN GENERATED <name> -->`` and ``<!-- END GENERATED -->``."""
import json
import re

import pytest

from autograder import cli
from autograder.course import handouts, release
from autograder.course.model import Course, CourseError
from autograder.sandbox import images

from submissions import COURSE

BLOCKS = "".join(f"\n## {name}\n\n<!-- BEGIN GENERATED {name} -->\nstale text\n<!-- END GENERATED -->\n"
                 for name in handouts.HANDOUT_BLOCKS)
POLICY = '[policy]\ncollaboration = """\nWork alone.\nAsk the staff.\n"""\n'


@pytest.fixture
def course(tmp_path):
    """A course of one assignment whose handout holds every block, with a course.toml."""
    (tmp_path / "reference" / "mytorch").mkdir(parents=True)
    (tmp_path / "reference" / "mytorch" / "core.py").write_text("def core():\n    return 1\n")
    folder = tmp_path / "assignments" / "hw1_first"
    (folder / "tests").mkdir(parents=True)
    (folder / "assignment.toml").write_text(
        '[assignment]\nname = "hw1_first"\nnumber = 1\ntitle = "Homework 1"\n'
        '[submission]\nfiles = ["mytorch/core.py"]\n[limits]\nseconds_per_test = 7\nmemory_mb = 512\n'
        '[[tasks]]\nid = "task1_1"\ntitle = "part one"\npoints = 10\n')
    (folder / "README.md").write_text(f"# Homework 1\n{BLOCKS}")
    (tmp_path / "assignments" / "course.toml").write_text(POLICY)
    return Course(tmp_path)


def handout(course):
    return release.template(course, course.assignment("hw1"))["README.md"]


def block(text, name):
    """The text of the generated block ``name`` in the handout ``text``."""
    return re.search(rf"<!-- BEGIN GENERATED {name} -->\n(.*?)<!-- END GENERATED -->", text, re.S)[1]


def test_each_block_is_written_from_the_course_files_and_the_rest_is_kept(course):
    text = handout(course)
    assert "stale text" not in text and text.startswith("# Homework 1\n\n## hand-in\n")
    assert "hw1_first_submission.zip" in block(text, "hand-in")
    assert "```\nmytorch/core.py\n```" in block(text, "submit")
    grading = " ".join(block(text, "grading").split())
    assert "Each hidden test may take 7 s" in grading and "in 512 MB of memory" in grading
    assert block(text, "policy") == "\nWork alone. Ask the staff.\n\n"


def test_a_block_changed_by_hand_is_out_of_sync_until_released(course, capsys):
    root = str(course.root)
    assert cli.main(["--course", root, "release", "--all"]) == 0
    readme = course.assignment("hw1").folder / "README.md"
    readme.write_text(readme.read_text().replace("Work alone.", "Work in pairs."))
    assert cli.main(["--course", root, "release", "--all", "--check"]) == 1
    assert "changed: README.md" in capsys.readouterr().out
    assert cli.main(["--course", root, "release", "--all"]) == 0
    assert "Work alone." in readme.read_text()
    assert cli.main(["--course", root, "release", "--all", "--check"]) == 0


def test_the_policy_is_set_once_for_every_handout(course):
    (course.root / "assignments" / "course.toml").write_text(POLICY.replace("Work alone.", "Pairs are fine."))
    assert "Pairs are fine." in block(handout(Course(course.root)), "policy")


@pytest.mark.parametrize("readme, message", [
    ("<!-- BEGIN GENERATED answers -->\n<!-- END GENERATED -->\n", "no generated block is called 'answers'"),
    ("<!-- BEGIN GENERATED policy -->\nno end\n", "needs one `<!-- END GENERATED -->` after it"),
    ("<!-- BEGIN GENERATED policy -->\n<!-- BEGIN GENERATED submit -->\n<!-- END GENERATED -->\n",
     "needs one `<!-- END GENERATED -->` after it"),
])
def test_a_malformed_block_is_an_error_that_names_the_handout(course, readme, message):
    (course.assignment("hw1").folder / "README.md").write_text(f"# Homework 1\n{readme}")
    with pytest.raises(CourseError, match=re.escape(message)):
        handout(course)


def test_the_notebooks_points_come_from_its_nbgrader_metadata():
    def cell(kind, **nbgrader):
        return {"cell_type": kind, "metadata": {"nbgrader": nbgrader}, "source": ""}
    notebook = {"cells": [cell("code", grade=True, solution=False, points=3),        # a test cell
                          cell("code", grade=False, solution=True),                  # an answer, no points
                          cell("code", grade=True, solution=False, points=2),
                          cell("markdown", grade=True, solution=True, points=4),     # a written answer
                          cell("markdown", task=True, points=1),                     # a task
                          {"cell_type": "markdown", "metadata": {}, "source": ""}]}
    assert handouts.notebook_points(json.dumps(notebook)) == (5, 5)


@pytest.mark.parametrize("assignment", COURSE.assignments, ids=lambda a: a.name)
def test_every_handout_says_how_to_hand_in_first_and_holds_every_block(assignment):
    lines = (assignment.folder / "README.md").read_text().splitlines()
    assert lines[0].startswith("# ") and lines[2] == "<!-- BEGIN GENERATED hand-in -->", \
        "the hand-in block comes right under the title"
    text = "\n".join(lines)
    assert all(f"<!-- BEGIN GENERATED {name} -->" in text for name in handouts.HANDOUT_BLOCKS)
    assert text.index("BEGIN GENERATED submit") > text.index("## What to submit")
    assert text.index("BEGIN GENERATED grading") > text.index("## How your work is graded")


def test_what_the_handouts_allow_to_import_is_installed_in_the_sandbox():
    pinned = {line.split("==")[0].lower()
              for line in (images.DOCKER_DIR / "requirements.txt").read_text().splitlines()
              if line and not line.startswith("#")}
    assert {name.lower() for name in handouts.SANDBOX_PACKAGES} <= pinned
