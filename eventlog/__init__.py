"""The event log: every fact in one SQLite file; append, read, subscribe, snapshot, checkpoint.

Start with :class:`SQLiteEventLog.open` (and a :class:`Codec` for your events);
actors depend only on :class:`EventStore`. The log imports nothing from the
layers above it.
"""

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
from eventlog.records import Append, Lease, NewEvent, OpenItem, Position, RecordedEvent, Snapshot
from eventlog.sqlite import LogStatistics, SQLiteEventLog
from eventlog.store import EventStore
from eventlog.subscription import Subscription
from eventlog.writer import WriterStatistics

__all__ = [
    "STREAM_ITEM",
    "Append",
    "Codec",
    "CommitFailed",
    "Event",
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
    "ReaderStatistics",
    "RecordedEvent",
    "SQLiteEventLog",
    "Snapshot",
    "Subscription",
    "VersionConflict",
    "WriterFailed",
    "WriterStatistics",
]
