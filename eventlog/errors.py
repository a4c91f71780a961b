"""The event log's errors.

``EventLogError``
    Base of everything below. Raised as itself for a caller's bug (one event
    id twice in one append) and for a file that cannot be opened as a log
    (missing, not an event log, written by a newer version): the message says
    which.
``VersionConflict``
    An append expected a stream at one version and found another: someone
    else wrote to the stream first. Nothing of that append was written. Re-read
    the stream, decide again, append again. (``append_batch`` returns it in
    place of that append's positions instead of raising.)
``EventLogClosed``
    The log was closed; no append is accepted any more.
``EventLogReadOnly``
    The log was opened read-only (``open_log(..., readonly=True)``, for tools
    such as ``trace``); it reads, but appends and saves are refused. Open it
    with ``open_log`` to write.
``CommitFailed``
    The database refused the commit (disk full, I/O error, a second writer
    process, a PostgreSQL server that dropped the connection).
    Nothing of the batch was written; the cause is chained. Retrying the same
    append with the same event ids is safe.
``NotLeaseHolder``
    This instance asked for the lease of the active instance and does not
    hold it now (never took it, lost it when it expired and another took it,
    or released it): it may not write. Nothing of the request was written and
    the log still works for the holder. Fencing, not a failure: an instance
    that gets it stops acting as the active one.
``WriterFailed``
    The writer is broken for good: a failed commit could not be rolled back
    and a fresh connection could not be opened either, or the writer thread
    ended. Every append fails at once from now on (nothing waits). Nothing
    unacknowledged was written; the cause is chained. Stop the process and
    restart it: ``EventLog.wait_failed`` tells a supervisor when.
"""

from __future__ import annotations

__all__ = [
    "CommitFailed",
    "EventLogClosed",
    "EventLogError",
    "EventLogReadOnly",
    "NotLeaseHolder",
    "VersionConflict",
    "WriterFailed",
]


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


class EventLogReadOnly(EventLogError):
    """The log was opened read-only; appends and saves are refused."""

    def __init__(self, path: str) -> None:
        super().__init__(f"the event log at {path} is open read-only; open it for writing (open_log) to write")
        self.path = path


class CommitFailed(EventLogError):
    """The database refused the commit; nothing of the batch was written, and retrying with the same ids is safe."""


class WriterFailed(EventLogError):
    """The writer is broken for good; every append fails at once. Restart the process."""


class NotLeaseHolder(EventLogError):
    """This instance writes only while it holds the lease, and it does not (it never took it, lost it, or let
    it go): nothing of the request was written. Fencing, not a failure: the log works for the holder."""

    def __init__(self, holder: str, held_by: str, epoch: int, name: str = "active") -> None:
        who = f"{held_by!r} holds epoch {epoch}" if held_by else "nobody holds it"
        lease = "the lease" if name == "active" else f"the lease {name}"
        super().__init__(f"{holder!r} does not hold {lease} ({who}); it may not write")
        self.name = name
        self.holder = holder
        self.held_by = held_by
        self.epoch = epoch
