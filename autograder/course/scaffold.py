"""``autograder new hw5_<topic>``: the folder of a new assignment, with one example task wired end to end.

:func:`scaffold` writes what the teaching staff write by hand for every assignment (docs/AUTHORING.md
walks through each file), for an assignment whose number follows the course's last one:

- ``assignment.toml``: the assignment, its one example task ``task<N>_1``, the files handed in
  (``mytorch/<topic>.py``), the test folders, the limits, the tolerances and the least mutation score,
  each table commented as the other assignments' are;
- ``README.md``: the handout's sections, with the markers of every generated block, which
  ``autograder release`` fills (:mod:`autograder.course.handouts`);
- ``tests/test_task<N>_1_<topic>.py``: a public test marked ``task<N>_1``, which fails with the task's
  message until the task is written;
- ``hidden/probes.py``: one probe of the task, judged against the reference's values;
- ``hidden/alternatives/README.md`` and ``hidden/equivalent_mutants.toml``: what goes there, as comments.

The example task is a function ``<topic>(x)`` of a float64 array, in ``mytorch/<topic>.py``: once the
reference holds it, with its solution region, the new assignment releases, grades the reference with
every point and the untouched template with none. The staff then rewrite the example into their tasks.
Nothing outside the new folder is written: the reference's code is the staff's to write.
"""
import json
import keyword
import re
from string import Template

from autograder.course.model import Course, CourseError

NAME = re.compile(r"^hw(?P<number>[1-9]\d*)_(?P<topic>[a-z][a-z0-9_]{0,31})$")
POINTS = 100    # the example task's; the staff split them among their tasks

ASSIGNMENT_TOML = Template('''\
# ${name}: what the grader and the release tool read about this assignment.
# Task ids name the solution regions in reference/ (### BEGIN SOLUTION ${task}); docs/AUTHORING.md
# says what reads each key. A key that nothing reads is refused.

[assignment]
name = "${name}"
number = ${number}
title = ${title_toml}

[submission]
# The files a student hands in; the only files they may change. Every file that holds a solution
# region of this assignment's tasks must be listed.
files = [
    "mytorch/${topic}.py",
]

[tests]
public = "tests"
hidden = "hidden"

[limits]
# Each probe may take seconds_per_test, the whole grading seconds_total, in memory_mb of memory.
seconds_per_test = 60
seconds_total = 600
memory_mb = 2048

[tolerances]
reference_rtol = 1e-7   # every float64 value of a probe against the reference's (the "reference" check)
reference_atol = 1e-10
# gradcheck = 1e-6      # a "gradient" or "modes" probe: analytic against numerical, by relative error
# rules_rtol = 1e-12    # then its rule-made values against the reference's, relative to each array's scale

[mutation]
# `autograder mutate` plants plausible bugs in the solution regions and grades each mutant: at least
# this share must lose points in their own task (equivalent mutants waived in
# hidden/equivalent_mutants.toml, each with its reason, left out).
score = 0.97

[[tasks]]
id = "${task}"
title = ${title_toml}
points = ${points}
''')

HANDOUT = Template('''\
# Homework ${number} — ${title}

<!-- BEGIN GENERATED hand-in -->
<!-- END GENERATED -->

TODO (staff): what this homework is about, in the lectures' notation, and what students build.

**Total: ${points} points** in 1 task.

| task | what you write | points |
|---|---|---|
| [${label}](#${anchor}) | ${title} | ${points} |

## Setup

You need Python 3.11 or newer, NumPy and pytest (no PyTorch). In the
`${name}` folder:

```bash
python3 -m venv .venv
source .venv/bin/activate          # Windows: .venv\\Scripts\\activate
pip install numpy pytest
```

The folder holds `mytorch/` (the framework, with the parts you write replaced
by `raise NotImplementedError("Task ${number}.N: …")`), `tests/` (the public tests,
one file per task), `pytest.ini`, and `collect_submission.py` with
`submission.toml` (the hand-in command and what it reads). Work in place: the
tests import the `mytorch` of this folder.

## Running the tests

```bash
pytest                     # every public test
pytest -m ${task}          # the tests of Task ${label} only
pytest -m ${task} -x -v    # stop at the first failure, one line per test
```

At first every test fails with `NotImplementedError: Task ${number}.N: …`, naming the
task that the test belongs to.

## What to submit

<!-- BEGIN GENERATED submit -->
<!-- END GENERATED -->

Replace each `# TODO … raise NotImplementedError(…)` with your code. Keep the
names and signatures of functions, classes and methods; you may add helper
functions in these files.

## Collaboration policy

<!-- BEGIN GENERATED policy -->
<!-- END GENERATED -->

## ${heading}

TODO (staff): the lecture's math, and what to write:
`${topic}(x)` in `mytorch/${topic}.py`.

---

## How the tasks depend on each other

| task | also runs |
|---|---|
| ${label} | nothing of this homework |

## How your work is graded

The grader runs hidden probes, of the same kind as the public tests, against
your code in a sandbox, and compares what they return with what the
instructor's solution returns for the same inputs.

<!-- BEGIN GENERATED grading -->
<!-- END GENERATED -->

What the probes of this homework check:

- TODO (staff): the values each task's probes return, and how they are compared.
''')

PUBLIC_TEST = Template('''\
"""Task ${label}: ${title}.

The code under test: ``${topic}`` in mytorch/${topic}.py.

A skeleton that `autograder new` wrote: replace its example with the task's public tests, each one
comparing the code with the handout's formula on small inputs (checks.py holds the course's
assert_close and gradient checks). Every test of this file is marked ${task}, so that
`pytest -m ${task}` runs them and the score table counts them for Task ${label}.
"""
import numpy as np
import pytest

from mytorch.${topic} import ${topic}

pytestmark = pytest.mark.${task}


def test_the_same_input_gives_the_same_answer_and_stays_unchanged():
    x = np.random.default_rng(0).standard_normal((3, 4))
    kept = x.copy()
    first, second = ${topic}(x), ${topic}(x)
    np.testing.assert_array_equal(x, kept, err_msg="the call changed its input")
    np.testing.assert_array_equal(first, second, err_msg="a second call on one input gave another answer")
''')

PROBES = Template('''\
"""The probes of ${name}.

They run inside the sandbox, call the student's code and return plain values, which the grader
judges outside, by each probe's check (autograder/sandbox/harness/probing.py): with
check="reference", against what the same probe returns on the reference. No expected value lives
here, and no solution code: `autograder check-course` fails on a file sent into the sandbox that
copies a solution region.

A skeleton that `autograder new` wrote, with one probe of the example task. Write several per
task, on inputs of their own (other shapes, edge cases), each returning the values that tell a
plausible bug from the reference; `autograder mutate` measures how many bugs they catch.
"""
import numpy as np

from mytorch.${topic} import ${topic}
from probing import probe


@probe("${task}", check="reference", weight=1)
def ${topic}_of_a_random_matrix():
    x = np.random.default_rng(1).standard_normal((3, 4))
    return {"${topic}_of_s3x4": ${topic}(x)}
''')

ALTERNATIVES = Template('''\
# Correct alternatives of ${name}

One TOML file per alternative, `<task>/<what differs>.toml` (`${task}/with_einsum.toml`): an
implementation of a task written the way another student would write it, correctly. Each must earn
every point, and every task needs one: `autograder mutate` grades them, and fails otherwise.

```toml
title = "what differs from the reference, in a sentence"

# One [[region]] table per solution region it rewrites: the file, and the function that holds it.
[[region]]
in = "mytorch/${topic}.py:${topic}"
code = \'\'\'
the region's code, written without indentation: it takes the region's
\'\'\'
```
''')

EQUIVALENT_MUTANTS = Template('''\
# The reviewed equivalent mutants of ${name}:
# `autograder mutate` leaves them out of the score. Each is the same program as the reference for
# every input that the handout and the docstrings allow.
# A waiver whose mutant loses points, or that matches no mutant, fails the run. One table per mutant,
# its key as `autograder mutate` prints it, and the reason on one line:
#
# [[equivalent]]
# mutant = "mytorch/${topic}.py:${topic}: `…` → `…`"
# reason = "why no valid input tells this mutant from the reference"
''')


def scaffold(course: Course, *, name: str, title: str) -> str:
    """Write the folder of the new assignment ``name`` (``hw<N>_<topic>``, N the number after the
    course's last assignment's) titled ``title``; returns the next steps, in words.

    Raises CourseError, saying what to do, for a name of another form or number, a topic that names a
    package of the reference (the example's module would be ``mytorch/<topic>.py``), or a folder that
    exists already.
    """
    match = NAME.fullmatch(name)
    number = max((assignment.number for assignment in course.assignments), default=0) + 1
    if match is None or keyword.iskeyword(match["topic"]):
        raise CourseError(f"{name!r} is no assignment name: write hw{number}_<topic>, the topic a Python "
                          f"module's name of at most 32 lower-case letters, digits and underscores "
                          f"(e.g. hw{number}_attention)")
    if int(match["number"]) != number:
        raise CourseError(f"{name}: the course's next assignment is number {number}: call it "
                          f"hw{number}_{match['topic']}")
    if (course.reference / match["topic"]).is_dir():
        raise CourseError(f"{name}: mytorch/{match['topic']}/ is a package of the reference already, and the "
                          f"example task's code goes to mytorch/{match['topic']}.py: choose another topic")
    folder = course.root / "assignments" / name
    if folder.exists():
        raise CourseError(f"{folder} exists already: choose another name, or remove that folder first")
    if not title.strip() or "\n" in title:
        raise CourseError(f"{name}: give the assignment a title of one line, as its handout's heading "
                          f"shows it, not {title!r}")
    topic, task, label = match["topic"], f"task{number}_1", f"{number}.1"
    heading = f"Task {label} — {title} ({POINTS} points)"
    fields = dict(name=name, number=number, title=title, title_toml=json.dumps(title, ensure_ascii=False),
                  topic=topic, task=task, label=label, points=POINTS, heading=heading,
                  anchor=_anchor(heading))
    files = {"assignment.toml": ASSIGNMENT_TOML, "README.md": HANDOUT,
             f"tests/test_{task}_{topic}.py": PUBLIC_TEST, "hidden/probes.py": PROBES,
             "hidden/alternatives/README.md": ALTERNATIVES,
             "hidden/equivalent_mutants.toml": EQUIVALENT_MUTANTS}
    for relative, template in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(template.substitute(fields))
    return _next_steps(folder, files, topic, task)


def _next_steps(folder, files, topic, task):
    """What the staff do after :func:`scaffold`, in words: the reference's code, then the commands."""
    name = folder.name
    written = "".join(f"  {relative}\n" for relative in files)
    return (f"Wrote assignments/{name}/:\n{written}\n"
            "Next:\n"
            f"1. In reference/mytorch/{topic}.py, write the example task's function, {topic}(x) of a\n"
            "   float64 array, its body a solution region (autograder/course/solutions.py):\n\n"
            f"       def {topic}(x):\n"
            f"           ### BEGIN SOLUTION {task}\n"
            "           ### TODO What students read in the template in place of the code.\n"
            "           return ...\n"
            "           ### END SOLUTION\n\n"
            "2. autograder release --all\n"
            "   writes its template and fills its handout's generated blocks; the other templates get\n"
            f"   mytorch/{topic}.py too, as a part of a later assignment.\n"
            f"3. autograder check-course {name}\n"
            "   grades the reference (every point) and the untouched template (none).\n\n"
            "Then rewrite the example into the assignment's tasks, as docs/AUTHORING.md says step by step: "
            "the handout,\nthe public tests, the probes, a correct alternative per task, and "
            f"`autograder mutate {name}`.")


def _anchor(heading):
    """The anchor GitHub gives a Markdown heading: lower case, punctuation dropped, spaces as dashes."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
