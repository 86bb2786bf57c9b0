"""The held-out test set of an assignment graded by accuracy: the grader's side of it, loaded from
the assignment itself, so that the grader knows nothing of a particular data set.

An assignment whose tasks are graded by an accuracy or an attack (``[tasks.accuracy]``,
``[tasks.attack]``) names, in its assignment.toml, a module of its hidden folder::

    [held_out]
    module = "hidden/held_out.py"

whose ``load()`` returns the test set as the grader holds it, an object with

- ``images``: (M, ...) uint8 pixels, what the sandbox gets, in the order the sandbox gets them;
- ``labels``: (M,) int64, their classes, which never enter the sandbox;
- ``scored``: (M,) bool, the images whose predictions count (the others may serve a check of
  answers looked up rather than computed, :func:`autograder.grading.verdicts.accuracy`);
- ``class_names``: the classes' names in their public order, and ``public_classes(classes)``,
  the public classes that ``classes`` (as the sandbox knows them) stand for: the confusion matrix;
- ``hidden``: the paths the sandbox must not see (the system's copy of the data set);
- ``install(workspace, settings)``: writes what the sandbox may see into the workspace, with the
  tasks' ``settings`` ({task id: Task.probe_settings});
- ``classifier(values)``: the network an attack probe returned, as a function from pixels in
  [0, 1] to classes (ValueError, with the reason, for values that make no such network).

The module runs on the grader's side only: it is never shipped to students nor into a sandbox.
hw4's is assignments/hw4_fashion_mnist/hidden/held_out.py (Fashion-MNIST, perturbed, shuffled and
relabelled).
"""
import importlib.util
import sys
from types import ModuleType
from typing import Any

from autograder.course.model import Assignment, CourseError


def held_out_module(assignment: Assignment) -> ModuleType:
    """The module of ``assignment``'s held-out test set, named by its assignment.toml's
    ``[held_out] module``, imported once from that file."""
    path = assignment.folder / assignment.held_out
    name = f"_held_out_{assignment.name}"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or not path.is_file():
            raise CourseError(f"{assignment.name}: [held_out] module = {assignment.held_out!r} is not a "
                              f"Python file in {assignment.folder}")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules[name] = module       # only once it imported whole
    return sys.modules[name]


def load_held_out(assignment: Assignment) -> Any:
    """The held-out test set of ``assignment``, as its module's ``load()`` returns it (see above)."""
    return held_out_module(assignment).load()
