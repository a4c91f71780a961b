"""The event log: every fact in one SQLite file; append, read, subscribe, snapshot.

Start with :class:`SQLiteEventLog.open`; actors depend only on :class:`EventStore`.
"""

from eventlog.errors import CommitFailed, EventLogClosed, EventLogError, VersionConflict
from eventlog.records import NewEvent, Position, RecordedEvent, Snapshot
from eventlog.sqlite import LogStatistics, SQLiteEventLog
from eventlog.store import EventStore
from eventlog.subscription import Subscription
from eventlog.writer import WriterStatistics

__all__ = [
    "CommitFailed",
    "EventLogClosed",
    "EventLogError",
    "EventStore",
    "LogStatistics",
    "NewEvent",
    "Position",
    "RecordedEvent",
    "SQLiteEventLog",
    "Snapshot",
    "Subscription",
    "VersionConflict",
    "WriterStatistics",
]
