"""Our own full JSON report: :meth:`GradingResult.to_dict`, all of it, for tools and instructors
(:data:`VIEW`).

Unlike the student's reports it holds both views: every test's full output, hidden ones
included, beside its feedback, and the instructor's notes (isolation, detections, flags), with
the text exactly as the grader recorded it (non-ASCII characters are written as ``\\u``
escapes, so even a lone surrogate a student printed survives the round trip):
``GradingResult.from_dict(json.loads(render(result)))`` equals ``result``.
"""
import json
from pathlib import Path

from autograder.grading.results import GradingResult

FILE_NAME = "result.json"
VIEW = "instructor"


def render(result: GradingResult) -> str:
    """The JSON text (checks the result first)."""
    result.validate()
    return json.dumps(result.to_dict(), indent=2, allow_nan=False) + "\n"


def write(result: GradingResult, path: str | Path) -> None:
    """Write ``result`` as JSON at ``path``."""
    Path(path).write_text(render(result), encoding="ascii")
