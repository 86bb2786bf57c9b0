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

This module is standalone (standard library only) and never imports ``autograder``:
the grader copies it into the sandbox's working directory, where the probe modules
import it as ``probing``.
"""
REGISTRY = {}   # probe name -> (task id, function)


def probe(task):
    """Register the decorated function as the probe called ``function.__name__``, graded under
    ``task`` (a task id such as "task3_1"); the function itself is returned unchanged.

    Raises ValueError when a probe of that name is already registered, so that two
    probes can never be confused.
    """
    if not isinstance(task, str) or not task:
        raise TypeError(f"@probe takes the task id, e.g. @probe(\"task3_1\"), got {task!r}")

    def register(function):
        name = function.__name__
        if name in REGISTRY:
            raise ValueError(f"two probes are called {name!r}")
        REGISTRY[name] = (task, function)
        return function
    return register
