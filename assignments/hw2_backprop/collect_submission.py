"""Pack your hand-in: run ``python collect_submission.py`` in the assignment's folder.

It checks the files you hand in as the grader will read them, then packs exactly those files,
with their paths (``mytorch/ops/linalg.py``), into ``<assignment>_submission.zip`` in this
folder: hand in that zip. Nothing else goes in (no ``.venv/``, data, weights or outputs).

What is handed in, and the grader's limits, come from ``submission.toml`` beside this script
(written by the course's release tool, from the same settings the grader reads; do not edit it).
For each file it checks that:

- the file is here, at its path;
- it is UTF-8 text (no binaries, no weight files), within the size limits;
- a ``.py`` file is valid Python, and a notebook is valid JSON in nbformat 4;

and then that each handed-in module imports in a fresh Python (``import mytorch.ops.linalg``).
When a check fails it says what to fix, writes no zip (an old one is removed, so that it cannot
be handed in by mistake) and exits with status 1. Only the standard library is used.
"""
import argparse
import json
import subprocess
import sys
import tomllib
import warnings
import zipfile
from pathlib import Path, PurePosixPath

FOLDER = Path(__file__).resolve().parent
SETTINGS = FOLDER / "submission.toml"
COMMAND = "python collect_submission.py"
IMPORT_SECONDS = 120        # a fresh Python importing the handed-in modules
ERROR_LINES = 6             # of an import error, the last lines shown


def hand_in_files(folder, settings):
    """The paths (posix, relative to ``folder``) to hand in: the assignment's files, then the
    files that match its editable patterns (each pattern matches whole paths), never the archive."""
    files = list(settings["files"])
    for pattern in settings["editable"]:
        files += sorted(path.relative_to(folder).as_posix() for path in folder.glob(pattern)
                        if path.is_file())
    return [path for path in dict.fromkeys(files) if path != settings["archive"]]


def check_file(folder, relative, settings):
    """What is wrong with the file ``relative`` of ``folder`` (a list of messages, empty if nothing)."""
    path = folder / relative
    if not path.is_file():
        return [f"{relative} is missing: it must be in this folder at exactly this path; if you moved or "
                "renamed it, put it back (the handout's zip has the original)"]
    suffix = PurePosixPath(relative).suffix.lower()
    if suffix in settings["refused_suffixes"]:
        return [f"{relative}: the grader refuses {suffix} files (weights or other data): your code must "
                "train the model; move the file out of this folder's hand-in paths"]
    data = path.read_bytes()
    if len(data) > settings["file_bytes"]:
        return [f"{relative} is {len(data):,} bytes, more than the {settings['file_bytes']:,} bytes the "
                "grader accepts for one file: hand in code, not data or outputs"]
    text, problem = decode(relative, data)
    if problem:
        return [problem]
    if suffix == ".py":
        return check_python(relative, text)
    if suffix == ".ipynb":
        return check_notebook(relative, text)
    return []


def decode(relative, data):
    """(text, None) for UTF-8 ``data``; (None, what is wrong) otherwise."""
    if 0 in data:
        reason = f"a NUL byte at offset {data.index(0)}"
    else:
        try:
            return data.decode("utf-8"), None
        except UnicodeDecodeError as error:
            reason = f"byte {data[error.start]:#04x} at offset {error.start}"
    return None, (f"{relative} is not UTF-8 text ({reason}): the grader takes source files and notebooks "
                  "saved as UTF-8, never binaries; save it as UTF-8 text")


def check_python(relative, text):
    """[] if ``text`` compiles, else the syntax error as ``file:line: message``."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")     # SyntaxWarning (an invalid escape) is no error
            compile(text, relative, "exec", dont_inherit=True)
    except SyntaxError as error:
        return [f"{relative}:{error.lineno}: {error.msg}: fix this line (or the one before it)"]
    return []


def check_notebook(relative, text):
    """[] if ``text`` is a notebook in JSON of nbformat 4, else what is wrong."""
    try:
        notebook = json.loads(text)
    except json.JSONDecodeError as error:
        return [f"{relative} is not valid JSON ({error.msg} at line {error.lineno}, column {error.colno}): "
                "open it in Jupyter and save it again, or start again from the handout's copy"]
    if not isinstance(notebook, dict) or notebook.get("nbformat") != 4:
        return [f"{relative} is not an nbformat 4 notebook: open it in Jupyter, save it, and run "
                f"`{COMMAND}` again"]
    return []


def module_name(relative):
    """``mytorch.ops.linalg`` for ``mytorch/ops/linalg.py``; ``mytorch.ops`` for its __init__.py."""
    parts = PurePosixPath(relative).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def check_imports(folder, modules):
    """[] if a fresh Python started in ``folder`` imports each module, else what went wrong with
    the first that fails."""
    for module in modules:
        statement = f"import {module}"
        try:
            result = subprocess.run([sys.executable, "-c", statement], cwd=folder, capture_output=True,
                                    text=True, timeout=IMPORT_SECONDS)
        except subprocess.TimeoutExpired:
            return [f"`{statement}` took more than {IMPORT_SECONDS} s: code at the top level of a module "
                    "runs when it is imported; move it into a function or under "
                    "`if __name__ == \"__main__\":`"]
        if result.returncode != 0:
            error = "\n".join("      " + line for line in result.stderr.strip().splitlines()[-ERROR_LINES:])
            return [f"`{statement}` fails in a fresh Python:\n{error}\n"
                    f"    fix that, then try `python -c \"{statement}\"` here until it works"]
    return []


def write_archive(folder, files, archive):
    """Write ``folder/archive`` holding ``files`` with their paths; returns its path. It is written
    under a temporary name first, so that an interrupted run never leaves half a zip."""
    path = folder / archive
    partial = path.with_name(path.name + ".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as zip_file:
        for relative in files:
            zip_file.write(folder / relative, relative)
    return partial.replace(path)


def collect(folder, settings):
    """Check the hand-in files of ``folder``, print what was found, and pack them; returns the
    archive's path, or None when a check failed (then an old archive is removed)."""
    files = hand_in_files(folder, settings)
    width = max(len(relative) for relative in files)
    limit = settings["total_bytes"]
    print(f"{settings['assignment']}: checking the {len(files)} files you hand in")
    problems, total = [], 0
    for relative in files:
        path = folder / relative
        size = path.stat().st_size if path.is_file() else None
        total += size or 0
        print(f"  {relative:<{width}}  {'missing' if size is None else f'{size:,} bytes':>17}")
        problems += check_file(folder, relative, settings)
    print(f"  {'together':<{width}}  {f'{total:,} bytes':>17} (the grader accepts up to {limit:,})")
    if total > limit:
        problems.append(f"your files hold {total:,} bytes together, more than the {limit:,} bytes the grader "
                        "accepts: hand in code, not data or outputs")
    modules = [module_name(relative) for relative in files if relative.endswith(".py")]
    if not problems and modules:
        problems += check_imports(folder, modules)
    if problems:
        print(f"\n{len(problems)} problem(s) to fix before you hand in:")
        print("\n".join(f"  - {problem}" for problem in problems))
        old = folder / settings["archive"]
        if old.exists():
            old.unlink()
            print(f"\nRemoved the old {old.name}: it no longer matches your files.")
        print(f"\nNo zip was written. Fix the problems above, then run `{COMMAND}` again.")
        return None
    archive = write_archive(folder, files, settings["archive"])
    print(f"\nWrote {archive} ({archive.stat().st_size:,} bytes), holding the files above.\n"
          f"Hand in {archive.name}; nothing else in this folder is graded.")
    return archive


def main(argv=None):
    argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args(argv)
    if not SETTINGS.is_file():
        print(f"{SETTINGS.name} is missing beside {Path(__file__).name}: it says what to hand in; take "
              "both files again from the handout's zip", file=sys.stderr)
        return 1
    settings = tomllib.loads(SETTINGS.read_text(encoding="utf-8"))
    return 0 if collect(FOLDER, settings) else 1


if __name__ == "__main__":
    sys.exit(main())
