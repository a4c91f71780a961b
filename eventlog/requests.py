"""What the trio side hands to the writer thread: one object per caller that waits.

Every request carries ``release``, called once in trio after the writer is
done with it, and ``error``, set when the whole request failed (the batch
could not commit, or the writer is broken). An :class:`AppendRequest` also
gets its ``positions``, or a :class:`~eventlog.errors.VersionConflict` in
``error``. A :class:`GroupRequest` holds several appends from one
``append_batch`` call: they go into the same transaction and their caller is
woken once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from eventlog.errors import EventLogError
from eventlog.records import ACTIVE_LEASE, Lease, NewEvent, Position, RecordedEvent

__all__ = [
    "AppendRequest",
    "CheckpointRequest",
    "GroupRequest",
    "Item",
    "LeaseRequest",
    "Request",
    "Row",
    "SnapshotRequest",
    "check_rows",
    "committed_events",
    "last_committed_seq",
]

# (event_id, stream, type, ts, cid, causation, chat_id, user_id, payload)
Row = tuple[str, str, str, float, str, str | None, int | None, int | None, bytes]
# (index of the row in its append, the item it closes, the item it opens)
Item = tuple[int, str | None, str | None]


def _nothing() -> None:
    pass


class AppendRequest:
    """One all-or-nothing append on its way through the writer."""

    __slots__ = ("error", "events", "expected", "fence", "items", "positions", "release", "rows")

    def __init__(
        self,
        rows: Sequence[Row],
        expected: Mapping[str, int] | None,
        items: Sequence[Item] = (),
        events: Sequence[NewEvent] = (),
        fence: str | None = ACTIVE_LEASE,
    ) -> None:
        self.rows = rows
        self.fence = fence
        self.events = events
        self.expected = expected
        self.items = items
        self.positions: list[Position] = []
        self.error: BaseException | None = None
        self.release: Callable[[], None] = _nothing


class GroupRequest:
    """The appends of one ``append_batch`` call: one transaction, one wake-up."""

    __slots__ = ("appends", "error", "fence", "release")

    def __init__(self, appends: Sequence[AppendRequest], fence: str | None = ACTIVE_LEASE) -> None:
        self.appends = appends
        self.fence = fence
        self.error: BaseException | None = None
        self.release: Callable[[], None] = _nothing


class LeaseRequest:
    """Take (``acquire``), extend (``renew``) or give up (``release``) the lease ``name`` for ``holder``, at
    ``now``."""

    __slots__ = ("action", "error", "holder", "lease", "name", "now", "release", "ttl")

    def __init__(self, action: str, holder: str, ttl: float, now: float, name: str = ACTIVE_LEASE) -> None:
        self.action, self.holder, self.ttl, self.now, self.name = action, holder, ttl, now, name
        self.lease: Lease | None = None
        self.error: BaseException | None = None
        self.release: Callable[[], None] = _nothing


class SnapshotRequest:
    """Store one snapshot (an older version never replaces a newer one)."""

    __slots__ = ("error", "fence", "release", "state", "stream", "ts", "version")

    def __init__(self, stream: str, version: int, state: bytes, ts: float, fence: str | None = ACTIVE_LEASE) -> None:
        self.stream, self.version, self.state, self.ts, self.fence = stream, version, state, ts, fence
        self.error: BaseException | None = None
        self.release: Callable[[], None] = _nothing


class CheckpointRequest:
    """Move a named checkpoint forward (never backwards)."""

    __slots__ = ("error", "fence", "name", "release", "seq")

    def __init__(self, name: str, seq: int, fence: str | None = ACTIVE_LEASE) -> None:
        self.name, self.seq, self.fence = name, seq, fence
        self.error: BaseException | None = None
        self.release: Callable[[], None] = _nothing


Request = AppendRequest | GroupRequest | SnapshotRequest | CheckpointRequest | LeaseRequest


def check_rows(rows: Sequence[Row]) -> None:
    """Refuse an append that names one event id twice (a caller's bug, not a retry)."""
    seen: set[str] = set()
    for row in rows:
        if row[0] in seen:
            raise EventLogError(f"event id {row[0]!r} appears twice in one append")
        seen.add(row[0])


def _written(batch: Sequence[Request]) -> list[AppendRequest]:
    """The appends of a committed batch that wrote their events (not refused, not repeats)."""
    written: list[AppendRequest] = []
    for request in batch:
        appends = request.appends if isinstance(request, GroupRequest) else (request,)
        for append in appends:
            if isinstance(append, AppendRequest) and append.error is None and append.positions:
                if not append.positions[0].duplicate:  # all or nothing: a repeat wrote none of its events
                    written.append(append)
    return written


def last_committed_seq(batch: Sequence[Request]) -> int:
    """The highest seq a committed batch wrote (0 when it wrote no event)."""
    return max((append.positions[-1].seq for append in _written(batch)), default=0)


def committed_events(batch: Sequence[Request]) -> list[RecordedEvent]:
    """What a committed batch wrote, as the log would give it back, in seq order, from the appended objects."""
    committed = [
        RecordedEvent(
            position.seq, new.event_id, new.stream, position.version, row[2], new.ts, new.cid,
            new.causation, new.chat_id, new.user_id, new.event,
        )
        for append in _written(batch)
        for position, new, row in zip(append.positions, append.events, append.rows)
    ]
    committed.sort(key=lambda recorded: recorded.seq)
    return committed
