"""The in-sandbox harness: the files that run inside every sandbox, beside the student's package.
Each is standalone (the standard library and NumPy; public_tests.py also pytest) and is imported
there by its file name, never as part of ``autograder``.

- launch.py: the privileged stage, which isolates, limits and unprivileges the sandbox process;
- runner.py: the unprivileged stage, which serves probe requests, and the protocol's frames;
- probing.py: ``@probe(task, check, weight)``, how a probe module registers its probes;
- finite_differences.py: central differences and the gradient check's message (also copied into
  every template's tests/);
- public_tests.py: the probe module of ``grade --public``, one probe per public test file.
"""
from pathlib import Path

FOLDER = Path(__file__).resolve().parent
LAUNCH, RUNNER, PROBING = FOLDER / "launch.py", FOLDER / "runner.py", FOLDER / "probing.py"
HARNESS_FILES = (RUNNER, PROBING, LAUNCH)             # in every sandbox
PUBLIC_TESTS = FOLDER / "public_tests.py"             # the probe module of --public
