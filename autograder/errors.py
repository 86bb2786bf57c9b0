"""The kit's one error hierarchy: every problem a user can act on is a :class:`KitError`.

A KitError's message says what went wrong and what to do about it; the command line
(:func:`autograder.cli.main`) prints it as ``autograder: <message>`` on stderr and exits with 2,
never with a traceback. Anything else that escapes is a bug of the kit, and keeps its traceback.

Each kind is defined where it arises:

    CourseError        autograder/course/model.py         a course file missing, malformed or inconsistent
    ExportError        autograder/classroom/exports.py    grades that cannot be exported as asked
    MarkerError        autograder/course/solutions.py     a malformed solution region in the reference
    DiscoveryError     autograder/classroom/discovery.py  a class folder whose hand-ins cannot be listed
    SubmissionError    autograder/grading/archives.py     a hand-in that cannot be graded at all
    EngineError        autograder/sandbox/box.py          a sandbox engine that cannot run a sandbox
    ImageError         autograder/sandbox/images.py       a sandbox image or Gradescope archive not built
    MissingDependency  here                               an optional module that the chosen options need
    PathError          here                               a path on the command line that cannot be used

The sandbox's own ``Failure`` (autograder/sandbox/box.py) is none of these: it restarts a sandbox
that can no longer be trusted, and never reaches the user.
"""
import importlib
from types import ModuleType

# The optional modules, each with the extra of pyproject.toml's [project.optional-dependencies]
# that installs it (tests/grader/test_errors.py checks them against pyproject.toml).
EXTRAS = {"matplotlib": "plot", "nbgrader": "notebooks", "ray": "cluster"}


class KitError(Exception):
    """A problem the user can act on; the message says what went wrong and what to do."""


class MissingDependency(KitError):
    """An optional module that the chosen options need is not installed (or cannot be imported).

    module:  the module's name, a key of :data:`EXTRAS`;
    purpose: what needs it, e.g. "the plots of hw4_fashion_mnist's html report (--format html)";
    problem: why it cannot be imported, as the ImportError said; None when it is not installed.
    """

    def __init__(self, module, purpose, problem=None):
        self.module, self.extra = module, EXTRAS[module]
        state = "is not installed" if problem is None else f"cannot be imported ({problem})"
        super().__init__(f"{module} is needed for {purpose}, but it {state}: install it with "
                         f"`pip install -e '.[{self.extra}]'` in the course repository")


class PathError(KitError):
    """A file or folder named on the command line that is not there, or a folder for its output that
    cannot be made; the message names the path and the option."""


def require(module: str, purpose: str) -> ModuleType:
    """The optional ``module`` (a key of :data:`EXTRAS`), imported; raises :class:`MissingDependency`,
    naming ``purpose`` and the pip extra that installs it, when it cannot be imported. Called before
    any work starts (the command line's preflight), so that a missing module never costs a run."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        missing = isinstance(error, ModuleNotFoundError) and error.name == module
        raise MissingDependency(module, purpose, None if missing else str(error)) from None
