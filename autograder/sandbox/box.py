"""What an engine implements for a :class:`~autograder.sandbox.session.Session`: a :class:`Box`
starts, watches and stops one sandbox at a time; :class:`CappedOutput` keeps the first bytes of its
output streams; :class:`Failure` ends a sandbox that can no longer be trusted, and
:class:`EngineError` is the engine's own failure, never the student's."""
import os
import threading
from typing import Protocol

from autograder.errors import KitError


class Failure(Exception):
    """The sandbox cannot be trusted any more (timeout, death, bad reply): it is killed and restarted."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status, self.message = status, message


class CappedOutput:
    """One output stream of a session's sandboxes: its first ``limit`` bytes, and a count of the rest."""

    def __init__(self, name, limit):
        self.name, self.limit = name, limit
        self.kept, self.dropped = bytearray(), 0
        self._lock = threading.Lock()

    def drain(self, stream):
        """Start a daemon thread that reads ``stream`` (a pipe) to its end and then closes it, so that
        the sandbox never blocks on it and the grader never holds more than ``limit`` bytes of it."""
        thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        thread.start()
        return thread

    def _read(self, stream):
        """Keep the first bytes of ``stream`` up to the limit, count the rest; close it at its end (the
        thread owns it: no other thread may close it and see its descriptor reused under this one)."""
        with stream:
            while chunk := os.read(stream.fileno(), 1 << 16):
                self.add(chunk)

    def add(self, chunk):
        """Keep what of ``chunk`` (bytes) fits under the limit, count the rest."""
        with self._lock:
            room = max(0, self.limit - len(self.kept))
            self.kept += chunk[:room]
            self.dropped += max(0, len(chunk) - room)

    def text(self):
        """The kept bytes as text, with a note of how many bytes were dropped."""
        with self._lock:
            text, dropped = bytes(self.kept).decode(errors="replace"), self.dropped
        return text + (f"\n[... {dropped:,} more bytes of {self.name} dropped]" if dropped else "")


class EngineError(KitError):
    """The sandbox's engine cannot run a sandbox (Docker unreachable, an image missing or stale, a
    container that could not be created): the grader's failure, never the student's."""


class Box(Protocol):
    """One session's sandbox on an engine, started again after every failure.

    ``start(config, deadline)`` starts a sandbox process running the runner's ``launch`` stage
    with ``config`` (the engine adds where things are: python, site, workdir, harness, probes, the
    channel and the isolation) and returns ``(requests, replies, ended)``: the descriptor the
    grader writes requests to, the one it reads replies from (non-blocking; the same socket may be
    both), and one that becomes readable once the sandbox has ended. It raises :class:`Failure`
    if the sandbox cannot start by ``deadline`` (``time.monotonic()``).
    ``ending()`` is a sentence on how an ended sandbox ended; ``stop()`` kills every process of the
    sandbox and closes its descriptors (idempotent); ``close()`` stops it and gives back what the
    session held (uid, files).
    """

    def start(self, config, deadline): ...

    def ending(self): ...

    def stop(self): ...

    def close(self): ...
