"""The hidden tests share the public tests' helpers (tests/helpers.py) and add their own
(hidden_helpers.py)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
