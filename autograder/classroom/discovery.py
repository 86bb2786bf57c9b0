"""The hand-ins of a class, found in a folder: each archive, notebook or folder in it is one, and the
student is read from its name by a pattern (an LMS bulk download names files
``doejane_12345_67890_hw1.zip``; a Gradescope export has folders ``submission_<id>`` and a
``submission_metadata.yml`` that names their submitters)."""
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from autograder.classroom.gradebook import content_hash
from autograder.errors import KitError

DEFAULT_PATTERN = r"(?P<student>[^_.]+)"     # the name up to its first underscore or dot
SUFFIXES = (".zip", ".tar.gz", ".tgz", ".ipynb")
GRADESCOPE_METADATA = "submission_metadata.yml"


class DiscoveryError(KitError, ValueError):
    """The hand-ins of a class folder cannot be listed: the folder is missing or holds none, the
    student pattern is not a regular expression with a group 'student' or does not match a name, or
    a Gradescope export's metadata cannot be read; the message says which and what to do."""


@dataclass(frozen=True)
class Submission:
    """One hand-in: who, where, and the SHA-256 of its content."""
    student: str
    path: Path
    content: str


def discover(folder, pattern=DEFAULT_PATTERN):
    """The submissions in ``folder``, sorted by student: every archive, notebook or folder in it,
    its student the ``student`` group of ``pattern`` (a regular expression) matched at the start of
    its name, or named by a Gradescope export's metadata. Raises :class:`DiscoveryError` for a folder
    that is missing or holds no submission, a bad pattern, and a name the pattern does not match."""
    folder = Path(folder)
    try:
        regex = re.compile(pattern)
    except re.error as error:
        raise DiscoveryError(f"the student pattern {pattern!r} is not a regular expression ({error}): "
                             f"fix --student-pattern") from None
    if "student" not in regex.groupindex:
        raise DiscoveryError(f"the student pattern {pattern!r} has no group named 'student': write one, "
                             f"as in the default {DEFAULT_PATTERN!r}")
    if not folder.is_dir():
        raise DiscoveryError(f"{folder}: {'not a folder' if folder.exists() else 'no such folder'}; name "
                             f"the folder that holds the class's hand-ins, one per student")
    named = _gradescope_submitters(folder)
    submissions = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith(".") or entry.name == GRADESCOPE_METADATA:
            continue
        if not (entry.is_dir() or entry.name.endswith(SUFFIXES)):
            continue
        student = named.get(entry.name)
        if student is None:
            match = regex.match(entry.name)
            if match is None or not match["student"]:
                raise DiscoveryError(f"{entry}: the student pattern {pattern!r} does not match its name: "
                                     f"rename it, move it out of the folder, or change --student-pattern")
            student = match["student"]
        submissions.append(Submission(student, entry, content_hash(entry)))
    if not submissions:
        raise DiscoveryError(f"{folder}: no submissions (archives, notebooks or folders) in it; name the "
                             f"folder that holds the class's hand-ins")
    return sorted(submissions, key=lambda s: (s.student, s.path.name))


def _gradescope_submitters(folder):
    """{folder name: submitters' names joined by ", "} from a Gradescope export's metadata, or {}."""
    metadata = folder / GRADESCOPE_METADATA
    if not metadata.is_file():
        return {}
    try:
        entries = yaml.safe_load(metadata.read_text()) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise DiscoveryError(f"{metadata}: not a Gradescope export's metadata that can be read ({error}): "
                             f"download the export again, or remove the file") from None
    if not isinstance(entries, dict):
        raise DiscoveryError(f"{metadata}: not a Gradescope export's metadata (a mapping of submissions): "
                             f"download the export again, or remove the file")
    named = {}
    for key, entry in entries.items():
        submitters = (entry or {}).get(":submitters") or (entry or {}).get("submitters") or []
        names = [person.get(":name") or person.get("name") for person in submitters]
        if names and all(names):
            named[str(key).lstrip(":")] = ", ".join(names)
    return named
