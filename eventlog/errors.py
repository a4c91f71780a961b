"""The event log's errors.

``EventLogError``
    Base of everything below.
``VersionConflict``
    An append expected a stream at one version and found another: someone
    else wrote to the stream first. Nothing of that append was written. Re-read
    the stream, decide again, append again.
``EventLogClosed``
    The log was closed; no append is accepted any more.
``CommitFailed``
    SQLite refused the commit (disk full, I/O error, a second writer process).
    Nothing of the batch was written; the cause is chained. Retrying the same
    append with the same event ids is safe.
"""

from __future__ import annotations

__all__ = ["CommitFailed", "EventLogClosed", "EventLogError", "VersionConflict"]


class EventLogError(Exception):
    """Base of every error the event log raises (see the module docstring for the tree)."""


class VersionConflict(EventLogError):
    """The stream moved on since the version the append expected; nothing was written."""

    def __init__(self, stream: str, expected: int, actual: int) -> None:
        super().__init__(
            f"stream {stream!r} is at version {actual}, not the expected {expected}: "
            "another writer appended first; re-read the stream and decide again"
        )
        self.stream = stream
        self.expected = expected
        self.actual = actual


class EventLogClosed(EventLogError):
    """The log is closed; nothing more can be appended."""

    def __init__(self) -> None:
        super().__init__("the event log is closed; open it again to append")


class CommitFailed(EventLogError):
    """SQLite refused the commit; nothing of the batch was written, and retrying with the same ids is safe."""
