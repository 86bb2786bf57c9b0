"""Probes: the half of a grader test that runs inside the sandbox.

A probe exercises the student's code and returns plain data; the grader compares
that data with the reference outside the sandbox (see docs/ARCHITECTURE.md)::

    from probing import probe

    @probe("task3_1")
    def sgd_trajectory():
        ...
        return {"w": weights_after_each_step, "steps": 30}

A probe takes no arguments and returns a dict from names (identifiers) to values:
NumPy arrays of booleans, integers or floats, lists of numbers (sent as arrays),
``bool``, ``int``, ``float``, ``str`` or ``None``.

The probe's ``check`` says which verdict judges its values (:data:`CHECKS`), and its ``weight``
what share of its task's points it carries: a task's points are split among its probes in
proportion to their weights (1 each by default, an equal split).

A probe that exercises one task's code may meet another task's code on the way (hw1's backward
rules call ``unbroadcast``). So that each task is graded on its own code, the other task's function
is replaced, while the probe runs, by a stand-in that answers from a table: what the reference's
function answered in the reference's run of the same probe (``recorded.StandIn``, the machinery the
public tests use too, which probe_helpers points at this module). The tables are data, never code:
the reference's run records them (``RECORDING``; they join its values under names starting with
:data:`TABLE_PREFIX`), and the grader hands each probe its own table (``TABLES``) when it runs it
against a submission.

A probe that trains may show the grader its values as they come, one :func:`checkpoint` per
epoch (hw4's accuracy probes: the predictions after each epoch). The grader judges each one and
answers whether it wants more: once a checkpoint earns full credit, :func:`checkpoint` raises
:class:`Enough` and the training stops there. A probe that runs out of time is judged on its last
checkpoint.

This module is standalone (standard library only) and never imports ``autograder``:
the grader copies it into the sandbox's working directory, where the probe modules
import it as ``probing``.
"""
from collections.abc import Callable
from typing import Any

CHECKS = {
    "reference": "every value matches the reference solution's, within the assignment's tolerances",
    "gradient": "`analytic` matches `numerical` (central differences), or each `analytic_<case>` its "
                "`numerical_<case>`, within the gradient-check tolerance; then every value matches the "
                "reference's",
    "modes": "`reverse` matches `forward` (the two modes of differentiation), or each `reverse_<case>` its "
             "`forward_<case>`, within the gradient-check tolerance; then every value matches the "
             "reference's",
    "accuracy": "`predictions` (classes of the grader's test images) are scored against the labels, which "
                "only the grader holds, along the task's accuracy curve; the reference does not run it",
    "threshold": "each value named in the task's `[tasks.thresholds]` of assignment.toml is a number "
                 "within its bound (`at_least`, `at_most`); the reference's values must meet the bounds too",
    "public": "`passed` counts the public tests of a file that pass, out of those the reference passes",
    "attack": "`adversarial` images must stay within the task's ε of the grader's images and fool the "
              "network of `weights`, which the grader evaluates itself; the reference does not run it",
}
MAX_WEIGHT = 1000
Probe = Callable[[], dict[str, Any]]      # a probe: no arguments, a dict of values
REGISTRY: dict[str, tuple[str, str, float, Probe]] = {}   # probe name -> (task id, check, weight, function)

# Set by the sandbox's runner before each probe runs.
TABLE_PREFIX = "stand_in_"   # the names of recorded tables among a probe's values
TABLES: dict[str, Any] = {}  # the probe's table, as recorded by the reference's run: {name: value}
RECORDING = False            # whether this is the reference's run, which records the tables
RECORDED: dict[str, Any] = {}   # what the probe's stand-ins recorded so far: {name: value}
# Sends a checkpoint's values to the grader and returns whether it wants more.
CHECKPOINT: Callable[[dict[str, Any]], bool] | None = None


class Enough(BaseException):
    """Raised by :func:`checkpoint` once the grader has judged enough: the probe's verdict is made and
    its work can stop. A BaseException, so that ``except Exception`` in student code lets it through."""


def checkpoint(values: dict[str, Any]) -> None:
    """Show the grader ``values``, a dict such as a probe returns, as the probe's result so far.

    Returns when the grader wants more (outside the grader's sandbox, always); raises :class:`Enough`
    when it has judged enough, and again at every later call of the same probe.
    """
    if CHECKPOINT is not None and not CHECKPOINT(values):
        raise Enough


def probe(task: str, check: str = "reference", weight: float = 1) -> Callable[[Probe], Probe]:
    """Register the decorated function as the probe called ``function.__name__``, graded under
    ``task`` (a task id such as "task3_1") by the verdict ``check`` (a key of :data:`CHECKS`), with
    ``weight`` (a positive number) for its share of the task's points; the function itself is
    returned unchanged.

    Raises ValueError when a probe of that name is already registered, so that two
    probes can never be confused.
    """
    if not isinstance(task, str) or not task:
        raise TypeError(f"@probe takes the task id, e.g. @probe(\"task3_1\"), got {task!r}")
    if check not in CHECKS:
        raise ValueError(f"@probe: check must be one of {sorted(CHECKS)}, not {check!r}")
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0 < weight <= MAX_WEIGHT:
        raise ValueError(f"@probe: weight must be a number in (0, {MAX_WEIGHT}], not {weight!r}")

    def register(function: Probe) -> Probe:
        name = function.__name__
        if name in REGISTRY:
            raise ValueError(f"two probes are called {name!r}")
        REGISTRY[name] = (task, check, weight, function)
        return function
    return register
