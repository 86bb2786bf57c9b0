"""Golden results: the score of every test for the reference, the untouched template and the demo
hand-in (examples/hw1_partial) of hw1 to hw3, pinned in tests/grader/golden/<assignment>.json.

A change to the grader, the probes or the reference that moves any of these scores fails here, with
each test that moved, old and new score. When the move is intended (a new probe, new weights),
rewrite the files with ``MYTORCH_UPDATE_GOLDEN=1 pytest tests/grader/test_golden.py`` and let the
review see the diff. hw4 is left out: its reference trains networks (tests/grader/test_grade.py
grades it once).
"""
import json
import os
from pathlib import Path

import pytest

from submissions import COURSE, reference_copy, template_copy

pytestmark = pytest.mark.slow     # grades three hand-ins of each of three assignments

GOLDEN = Path(__file__).with_name("golden")
UPDATE = os.environ.get("MYTORCH_UPDATE_GOLDEN") == "1"
DEMO = {"hw1": COURSE.root / "examples" / "hw1_partial"}


def scores(grader, folder):
    """{test name: score} of ``folder`` graded, with the total under "total", rounded to 1e-9."""
    result = grader.grade(folder)
    return {**{test.name: round(test.score, 9) for test in result.tests}, "total": round(result.score, 9)}


@pytest.mark.parametrize("name", ["hw1", "hw2", "hw3"])
def test_the_scores_of_the_reference_the_template_and_the_demo_are_pinned(graders, name, tmp_path):
    assignment = COURSE.assignment(name)
    hand_ins = {"reference": reference_copy(assignment, tmp_path / "reference"),
                "template": template_copy(assignment, tmp_path / "template"),
                **({"demo": DEMO[name]} if name in DEMO else {})}
    found = {label: scores(graders(name), folder) for label, folder in hand_ins.items()}
    path = GOLDEN / f"{assignment.name}.json"
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(json.dumps(found, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    pinned = json.loads(path.read_text())
    moved = [f"{label}: {test}: pinned {pinned[label].get(test)}, now {score}"
             for label, tests in found.items() for test, score in tests.items()
             if pinned.get(label, {}).get(test) != score]
    moved += [f"{label}: {test}: pinned {score}, no longer graded"
              for label, tests in pinned.items() for test, score in tests.items()
              if test not in found.get(label, {})]
    assert not moved, (f"scores moved against {path.relative_to(COURSE.root)} (intended? rerun with "
                       "MYTORCH_UPDATE_GOLDEN=1 and review the diff):\n" + "\n".join(moved))
    assert found["reference"]["total"] == assignment.total_points and found["template"]["total"] == 0
