"""Whether operations record the graph for reverse mode.

Inside ``with mytorch.no_grad():`` operations compute values only: no node is
kept, so evaluation and optimizer updates cost no memory for backward.
"""
import contextlib

_enabled = True


def is_grad_enabled():
    """True when new operations record the graph."""
    return _enabled


@contextlib.contextmanager
def set_grad_enabled(mode):
    """Record the graph (``mode=True``) or not, inside the ``with`` block."""
    global _enabled
    previous, _enabled = _enabled, bool(mode)
    try:
        yield
    finally:
        _enabled = previous


def no_grad():
    """Context manager (and decorator) that turns graph recording off."""
    return set_grad_enabled(False)


def enable_grad():
    """Context manager (and decorator) that turns graph recording back on."""
    return set_grad_enabled(True)
