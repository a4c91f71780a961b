"""The event log: every fact, in one SQLite file or a PostgreSQL database; append, read, subscribe, snapshot, checkpoint.

Start with :func:`open_log` (a path or a ``postgresql://`` URL, and a
:class:`Codec` for your events); actors depend only on :class:`EventStore`.
The log imports nothing from the layers above it.
"""

from typing import TYPE_CHECKING

from eventlog.codec import Codec
from eventlog.errors import (
    CommitFailed,
    EventLogClosed,
    EventLogError,
    EventLogReadOnly,
    NotLeaseHolder,
    VersionConflict,
    WriterFailed,
)
from eventlog.event import STREAM_ITEM, Event
from eventlog.readers import ReaderStatistics
from eventlog.records import ACTIVE_LEASE, Append, Lease, NewEvent, OpenItem, Position, RecordedEvent, Snapshot
from eventlog.log import EventLog, LogStatistics
from eventlog.opening import open_log
from eventlog.sqlite import SQLiteEventLog
from eventlog.targets import is_postgres, redacted
from eventlog.store import EventStore
from eventlog.subscription import Subscription

if TYPE_CHECKING:
    from eventlog.postgres import PostgresEventLog
from eventlog.writer import WriterStatistics

__all__ = [
    "ACTIVE_LEASE",
    "STREAM_ITEM",
    "Append",
    "Codec",
    "CommitFailed",
    "Event",
    "EventLog",
    "EventLogClosed",
    "EventLogError",
    "EventLogReadOnly",
    "EventStore",
    "Lease",
    "LogStatistics",
    "NewEvent",
    "NotLeaseHolder",
    "OpenItem",
    "Position",
    "PostgresEventLog",
    "ReaderStatistics",
    "RecordedEvent",
    "SQLiteEventLog",
    "Snapshot",
    "Subscription",
    "VersionConflict",
    "WriterFailed",
    "WriterStatistics",
    "is_postgres",
    "open_log",
    "redacted",
]


def __getattr__(name: str) -> object:
    """``PostgresEventLog`` is imported when first asked for: a bot on SQLite never loads psycopg."""
    if name == "PostgresEventLog":
        from eventlog.postgres import PostgresEventLog

        return PostgresEventLog
    raise AttributeError(f"module 'eventlog' has no attribute {name!r}")
