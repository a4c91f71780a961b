"""The event log's front: append, read, subscribe, snapshot, checkpoint, over SQLite or PostgreSQL.

Durability: :meth:`EventLog.append` returns only after the transaction holding
the events has committed durably (SQLite: ``synchronous=FULL`` and an fsync
of the write-ahead log; PostgreSQL: ``synchronous_commit`` on, the server's
WAL flushed), so an acknowledged append survives a crash of the process
**and** a power loss or kernel panic (provided the disk honours fsync). An
append that has not returned may or may not be in the log; appending it again
with the same event ids is always safe.

Failure: an append answers, always. A commit the database refuses raises
:class:`~eventlog.errors.CommitFailed`; a writer that cannot recover is
*broken* (:attr:`EventLog.healthy` turns false) and every append raises
:class:`~eventlog.errors.WriterFailed` at once. A supervisor waits for that
with :meth:`EventLog.wait_failed` and stops the process.

This module is the log's front: each public method is a few lines that hand
the work to the writer thread (:mod:`eventlog.writer`), the reader pool
(:mod:`eventlog.readers`) or a query (:mod:`eventlog.queries`). It is as long
as the API is wide, not because it does much. The database behind it is an
:class:`~eventlog.engine.Engine`; open a log with
:meth:`SQLiteEventLog.open <eventlog.sqlite.SQLiteEventLog.open>`,
:meth:`PostgresEventLog.open <eventlog.postgres.PostgresEventLog.open>`, or
:func:`eventlog.open_log`, which picks by the target.

Example::

    async with open_log("trt.sqlite3", codec=CODEC) as log:           # or "postgresql://host/db"
        [pos] = await log.append([NewEvent(event_id="update:1", stream="chat:7", event=e, cid="c1", ts=now)])
        events = await log.read_stream("chat:7")

    async with open_log("trt.sqlite3", codec=CODEC, readonly=True) as log:   # tools: no writer
        chain = await log.read_cid("u1000-3f2a")
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Collection, Mapping, Sequence
from contextlib import asynccontextmanager
from functools import partial
from typing import Self, TypeVar

import msgspec
import trio

from eventlog import queries
from eventlog.codec import Codec
from eventlog.engine import Connection, Engine
from eventlog.errors import EventLogClosed, EventLogError, EventLogReadOnly, VersionConflict, WriterFailed
from eventlog.readers import ReaderPool, ReaderStatistics
from eventlog.records import ACTIVE_LEASE, Append, Lease, NewEvent, OpenItem, Position, RecordedEvent, Snapshot
from eventlog.requests import (
    AppendRequest,
    CheckpointRequest,
    GroupRequest,
    LeaseRequest,
    Request,
    Row,
    SnapshotRequest,
    check_rows,
    committed_events,
    last_committed_seq,
)
from eventlog.subscription import Subscription
from eventlog.writer import Writer, WriterStatistics

__all__ = ["EventLog", "LogStatistics"]

T = TypeVar("T")
_READERS = 4
_FOREIGN_PAGE = 500
"""Events read at a time to hand other processes' commits to the followers."""
_NO_LIMIT = 2**62
_COLUMNS = queries.COLUMNS
_NO_WRITER = WriterStatistics(
    healthy=False,
    queued=0,
    batches=0,
    events=0,
    duplicates=0,
    conflicts=0,
    failed_commits=0,
    reconnects=0,
    largest_batch=0,
    last_batch=0,
    last_commit_ms=0.0,
    head_seq=0,
)


class LogStatistics(msgspec.Struct, frozen=True):
    """Whether the log can record, the writer's and the reader pool's figures, waiting appenders and subscribers.

    A read-only log reports ``readonly=True``, ``healthy=False`` and zeros for the writer.
    """

    healthy: bool
    readonly: bool
    writer: WriterStatistics
    readers: ReaderStatistics
    waiting_appenders: int
    subscribers: int
    path: str
    """Where the log is: a file's path, or a PostgreSQL URL without its password."""


class EventLog:
    """An event log in a database. Open it with ``open`` (or ``open_readonly`` for tools) of a subclass."""

    def __init__(self, engine: Engine, codec: Codec, conn: Connection | None, *, schema: int) -> None:
        """Not for direct use. ``conn``: the writer's connection, None for a read-only log."""
        self.engine = engine
        self.where = engine.where
        self.codec = codec
        self._token = trio.lowlevel.current_trio_token()
        self._schema = schema
        self._closed = False
        self._waiting = 0
        self._subscribers = 0
        self._committed = trio.Event()
        self._parked: dict[Subscription, trio.Event] = {}  # each caught-up follower, and what wakes it
        self._delivered_seq = 0
        self._foreign_seq = 0
        self._foreign_feeding = False
        self._broke = trio.Event()
        self._writer: Writer | None = None
        if conn is None:
            self._readers = ReaderPool(engine.connect_readonly, _READERS)
        else:
            self._readers = ReaderPool(engine.connect_reader, _READERS)
            self._writer = Writer(conn, engine, self._deliver, connect=engine.connect_writer, broken=self._on_broken)

    @classmethod
    @asynccontextmanager
    async def _opening(cls, engine: Engine, codec: Codec) -> AsyncIterator[Self]:
        """Open (creating and migrating if needed) the log behind ``engine``; close it on exit."""

        def setup() -> tuple[Connection, int]:
            conn = engine.connect_writer()
            try:
                engine.migrate(conn)
                return conn, engine.schema_version(conn)
            except BaseException:
                conn.close()
                raise

        conn, schema = await trio.to_thread.run_sync(setup)
        try:
            log = cls(engine, codec, conn, schema=schema)
        except BaseException:
            conn.close()
            raise
        async with log._running():
            yield log

    @classmethod
    @asynccontextmanager
    async def _opening_readonly(cls, engine: Engine, codec: Codec) -> AsyncIterator[Self]:
        """Open the existing log behind ``engine`` for reading only (see the subclasses' ``open_readonly``)."""

        def check() -> int:
            conn = engine.connect_readonly()
            try:
                return engine.schema_version(conn)
            finally:
                conn.close()

        log = cls(engine, codec, None, schema=await trio.to_thread.run_sync(check))
        async with log._running():
            yield log

    @asynccontextmanager
    async def _running(self) -> AsyncIterator[None]:
        self._start()
        try:
            yield
        finally:
            with trio.CancelScope(shield=True):
                await self.aclose()

    def _start(self) -> None:
        if self._writer is not None:
            self._writer.start()

    async def aclose(self) -> None:
        """Finish what is queued, stop the writer, close every connection. Subscriptions end."""
        if self._closed:
            return
        self._closed = True
        if self._writer is not None:
            await trio.to_thread.run_sync(self._writer.stop)
        self._readers.close()
        self._signal_commit()

    # -- state -----------------------------------------------------------

    @property
    def closed(self) -> bool:
        """True once :meth:`aclose` has begun; reads and appends then raise :class:`~eventlog.errors.EventLogClosed`."""
        return self._closed

    @property
    def healthy(self) -> bool:
        """True while the log is open and its writer can commit (false when closed, broken or read-only)."""
        return not self._closed and self._writer is not None and self._writer.failure is None

    @property
    def failure(self) -> BaseException | None:
        """Why the writer broke (a :class:`~eventlog.errors.WriterFailed`), or None."""
        return None if self._writer is None else self._writer.failure

    async def wait_failed(self) -> BaseException:
        """Return the failure once the writer breaks (never, for a log that stays well).

        For a supervisor task that stops the process::

            failure = await log.wait_failed()
            raise SystemExit(f"the event log cannot record any more ({failure})")
        """
        await self._broke.wait()
        failure = self.failure
        assert failure is not None
        return failure

    def statistics(self) -> LogStatistics:
        return LogStatistics(
            healthy=self.healthy,
            readonly=self._writer is None,
            writer=_NO_WRITER if self._writer is None else self._writer.statistics(),
            readers=self._readers.statistics(),
            waiting_appenders=self._waiting,
            subscribers=self._subscribers,
            path=self.where,
        )

    # -- writing ---------------------------------------------------------

    async def append(
        self, events: Sequence[NewEvent], *, expected: Mapping[str, int] | None = None,
        fence: str | None = ACTIVE_LEASE,
    ) -> list[Position]:
        """Append ``events`` all or nothing, and return once they are durable.

        ``expected`` maps a stream to the version it must be at (0: empty);
        a mismatch raises :class:`~eventlog.errors.VersionConflict` and writes
        nothing.

        If any of the event ids is already in the log, nothing is written and
        the append is answered as the earlier one it repeats: every position
        has ``duplicate=True``; an id in the log carries its original seq,
        stream and version, an id that is not carries ``seq=0, version=0``.
        A repeat wins over a stale ``expected``, so retrying after a lost
        acknowledgement is always safe.

        Once this log took a lease, the append counts only under the lease
        ``fence`` (see :mod:`eventlog.writer`): if this instance does not
        hold it, :class:`~eventlog.errors.NotLeaseHolder` is raised and
        nothing is written. ``None`` writes under no lease.
        """
        writer = self._writable()
        if not events:
            return []
        request = self._request(events, expected, fence)
        await self._submit(writer, request)
        return request.positions

    async def append_batch(
        self, appends: Sequence[Append], *, fence: str | None = ACTIVE_LEASE
    ) -> list[list[Position] | VersionConflict]:
        """Commit several appends in one transaction and wake the caller once.

        Each :class:`~eventlog.records.Append` is all or nothing on its own,
        exactly as :meth:`append`; a stale expected version fails only that
        one, and its :class:`~eventlog.errors.VersionConflict` is returned in
        its place instead of raised. A failed commit raises for the whole call, and so does a ``fence`` this
        instance does not hold (as in :meth:`append`).

        ::

            results = await log.append_batch([Append(events=[a]), Append(events=[b], expected={"chat:7": 3})])
        """
        writer = self._writable()
        requests = [self._request(append.events, append.expected, fence) for append in appends]
        live = [request for request in requests if request.rows]
        if live:
            await self._submit(writer, GroupRequest(live, fence))
        return [r.error if isinstance(r.error, VersionConflict) else r.positions for r in requests]

    async def save_snapshot(self, snapshot: Snapshot, *, fence: str | None = ACTIVE_LEASE) -> None:
        """Store ``snapshot`` (an older version never replaces a newer one), under the lease ``fence``."""
        writer = self._writable()
        if not self.engine.text_holds_nul:
            _refuse_nul_names([snapshot.stream])
        await self._submit(writer, SnapshotRequest(snapshot.stream, snapshot.version, snapshot.state, snapshot.ts,
                                                   fence))

    async def save_checkpoint(self, name: str, seq: int, *, fence: str | None = ACTIVE_LEASE) -> None:
        """Durably record that ``name`` (a reactor, a projection) is done through ``seq``.

        A checkpoint never moves backwards: saving a lower ``seq`` than the one
        stored changes nothing. Group-committed with the appends around it.
        """
        writer = self._writable()
        if not self.engine.text_holds_nul:
            _refuse_nul_names([name])
        await self._submit(writer, CheckpointRequest(name, seq, fence))

    async def acquire_lease(self, holder: str, *, ttl: float, now: float, name: str = ACTIVE_LEASE) -> Lease:
        """Take the lease ``name`` for ``holder`` if it is free, expired or already ``holder``'s; the lease as it
        is now.

        From the first lease call on, this log writes only under leases
        ``holder`` holds (see :mod:`eventlog.writer`): an append under a
        lease it does not hold raises :class:`NotLeaseHolder`. Taking it from
        someone else (free or expired) starts a new epoch.
        """
        return await self._lease("acquire", holder, ttl, now, name)

    async def renew_lease(self, holder: str, *, ttl: float, now: float, name: str = ACTIVE_LEASE) -> Lease:
        """Extend ``holder``'s lease to ``now + ttl``; ``mine`` is false if it was lost (taken after it expired)."""
        return await self._lease("renew", holder, ttl, now, name)

    async def release_lease(self, holder: str, *, now: float, name: str = ACTIVE_LEASE) -> Lease:
        """Give the lease up at once (a clean stop), so that a standby takes it without waiting for it to expire.

        This log writes nothing more under it afterwards.
        """
        return await self._lease("release", holder, 0.0, now, name)

    async def lease(self, name: str = ACTIVE_LEASE) -> Lease | None:
        """The lease ``name`` as the log has it (None: never taken), read without writing."""

        def query(conn: Connection) -> Lease | None:
            row = conn.execute("SELECT holder, epoch, expires_at FROM lease WHERE name = ?", (name,)).fetchone()
            return None if row is None else Lease(holder=row[0], epoch=row[1], expires_at=row[2], name=name)

        return await self._read(query)

    async def leases(self, prefix: str = "") -> list[Lease]:
        """Every lease whose name starts with ``prefix``, by name, read without writing."""

        def query(conn: Connection) -> list[Lease]:
            rows = conn.execute("SELECT name, holder, epoch, expires_at FROM lease ORDER BY name").fetchall()
            return [Lease(holder=holder, epoch=epoch, expires_at=expires_at, name=name)
                    for name, holder, epoch, expires_at in rows if name.startswith(prefix)]

        return await self._read(query)

    async def _lease(self, action: str, holder: str, ttl: float, now: float, name: str) -> Lease:
        writer = self._writable()
        if not self.engine.text_holds_nul:
            _refuse_nul_names([name])
        request = LeaseRequest(action, holder, ttl, now, name)
        await self._submit(writer, request)
        assert request.lease is not None
        return request.lease

    def _writable(self) -> Writer:
        if self._writer is None:
            raise EventLogReadOnly(self.where)
        if self._closed:
            raise EventLogClosed()
        return self._writer

    def _request(self, events: Sequence[NewEvent], expected: Mapping[str, int] | None,
                 fence: str | None = ACTIVE_LEASE) -> AppendRequest:
        encode, type_of = self.codec.encode, self.codec.type_of
        rows = [
            (e.event_id, e.stream, type_of(e.event), e.ts, e.cid, e.causation, e.chat_id, e.user_id, encode(e.event))
            for e in events
        ]
        if len(rows) > 1:
            check_rows(rows)
        if not self.engine.text_holds_nul:
            _refuse_nul(rows)
            _refuse_nul_names([name for e in events for name in (e.opens, e.closes)])
        items = [(i, e.closes, e.opens) for i, e in enumerate(events) if e.opens is not None or e.closes is not None]
        return AppendRequest(rows, expected, items, events, fence)

    async def _submit(self, writer: Writer, request: Request) -> None:
        done = trio.Event()
        request.release = done.set
        writer.submit(request)  # raises at once when the writer is broken
        self._waiting += 1
        try:
            # If the caller is cancelled here, the append may still commit: it did not
            # see success, so it does not act, and a retry with the same ids is a no-op.
            await done.wait()
        finally:
            self._waiting -= 1
        if request.error is not None:
            raise request.error

    def _deliver(self, batch: list[Request]) -> None:
        """Called in the writer thread after each batch: one hop back into trio for all of it."""

        def release() -> None:
            self._feed(batch)
            for request in batch:
                request.release()
            self._advance()

        self._into_trio(release)

    def _on_broken(self, failure: WriterFailed) -> None:
        """Called in the writer thread, once, when it breaks."""
        self._into_trio(self._broke.set)

    def _into_trio(self, call: Callable[[], None]) -> None:
        try:
            self._token.run_sync_soon(call)
        except trio.RunFinishedError:
            pass

    # -- the commit signal -----------------------------------------------

    def commit_signal(self) -> trio.Event:
        """An event the next commit sets (closing the log sets it too).

        Take it **before** reading, and wait on it with :meth:`wait_commit`
        when the read found nothing new: a commit that lands during the read
        still wakes you.
        """
        return self._committed

    @property
    def committed_seq(self) -> int:
        """The highest seq committed so far (0 for a read-only log): a read that starts now sees at least this far."""
        return max(self._foreign_seq, 0 if self._writer is None else self._writer.committed_seq)

    async def wait_commit(self, signal: trio.Event) -> None:
        """Wait until ``signal`` (from :meth:`commit_signal`) is set; counted in ``statistics().subscribers``."""
        self._subscribers += 1
        try:
            await signal.wait()
        finally:
            self._subscribers -= 1

    async def wait_committed(self) -> None:
        """Return after the next commit (or when the log closes)."""
        if not self._closed:
            await self.wait_commit(self._committed)

    @property
    def delivered_seq(self) -> int:
        """The highest seq whose commit has been announced in trio (what :meth:`commit_signal` reported)."""
        return self._delivered_seq

    async def wait_fed(self, subscription: Subscription, signal: trio.Event) -> None:
        """Park ``subscription`` until a commit hands it events of its own in memory, or it must read the log.

        ``signal`` (taken before the subscription's last read) set already means a commit landed during that
        read: return at once. A commit with none of its events only moves it on, without waking it, so a
        follower of rare events costs nothing per commit.
        """
        if signal.is_set():
            return
        wake = self._parked[subscription] = trio.Event()
        self._subscribers += 1
        try:
            await wake.wait()
        finally:
            self._subscribers -= 1
            if self._parked.get(subscription) is wake:
                del self._parked[subscription]

    def _feed(self, batch: list[Request]) -> None:
        """Give the events of a commit to the parked subscriptions, as read from the log they would be.

        Only a subscription that has seen everything before this commit takes
        them (its ``next_seq`` is this commit's first seq); any other reads the
        log as usual. The events are the appended objects themselves: nothing
        is read or decoded again. Moves :attr:`delivered_seq` in every case.
        """
        self._delivered_seq = max(self._delivered_seq, last_committed_seq(batch))
        if self._parked:
            committed = committed_events(batch)
            if committed:
                self._feed_parked(committed)

    def _feed_parked(self, committed: list[RecordedEvent]) -> None:
        """Feed every parked subscription; wake the ones that took an event or could not be fed."""
        for subscription, wake in list(self._parked.items()):
            if subscription.feed(committed):
                wake.set()

    def _foreign_commit(self, head: int) -> None:
        """In trio: another process committed the log up to ``head`` (told by the engine, e.g. a notification).

        Subscriptions then read the log (they cannot be fed what another
        process appended), and :attr:`committed_seq` covers it.
        """
        if self._writer is not None and head <= self._writer.committed_seq:
            return  # this process's own commit, seen by the head poll: it is (or will be) delivered as ours
        if head > self._foreign_seq:
            self._foreign_seq = head
            if self._parked and not self._closed:  # followers wait: read the new events once, for all of them
                if not self._foreign_feeding:
                    self._foreign_feeding = True
                    trio.lowlevel.spawn_system_task(self._feed_foreign, name="eventlog-foreign-feed")
                return
            self._delivered_seq = max(self._delivered_seq, head)
            self._signal_commit()

    async def _feed_foreign(self) -> None:
        """Read what other processes committed, once, and hand it to the parked subscriptions as a commit of
        this process's would be (a subscription that misses it reads the log itself, as always)."""
        try:
            while self._delivered_seq < self._foreign_seq and self._parked and not self._closed:
                page = await self.read_from(self._delivered_seq + 1, _FOREIGN_PAGE)
                if not page:
                    break
                self._delivered_seq = max(self._delivered_seq, page[-1].seq)
                self._feed_parked(page)
                self._advance()
        except Exception:  # noqa: BLE001 - closed meanwhile, or a read failed: the followers read for themselves
            pass
        finally:
            self._foreign_feeding = False
            if self._delivered_seq < self._foreign_seq:
                self._delivered_seq = self._foreign_seq
                self._signal_commit()

    def _signal_commit(self) -> None:
        """A commit (or the close): tell :meth:`commit_signal`'s waiters and wake every parked subscription."""
        self._advance()
        for wake in self._parked.values():
            wake.set()

    def _advance(self) -> None:
        """Tell :meth:`commit_signal`'s waiters; parked subscriptions were fed (and woken if need be) already."""
        self._committed.set()
        self._committed = trio.Event()

    # -- reading ---------------------------------------------------------

    async def _read(self, query: Callable[[Connection], T]) -> T:
        if self._closed:
            raise EventLogClosed()
        return await self._readers.run(query)

    async def _events(self, sql: str, params: Sequence[object]) -> list[RecordedEvent]:
        return await self._read(partial(queries.events, codec=self.codec, sql=sql, params=params))

    async def read_stream(
        self, stream: str, from_version: int = 1, limit: int | None = None
    ) -> list[RecordedEvent]:
        """The events of ``stream`` from ``from_version`` on, in version order."""
        return await self._events(
            f"SELECT {_COLUMNS} FROM events WHERE stream = ? AND version >= ? ORDER BY version LIMIT ?",
            (stream, from_version, _NO_LIMIT if limit is None else limit),
        )

    async def read_cid(self, cid: str) -> list[RecordedEvent]:
        """Every event of one causal chain (one update and all that followed from it), in order."""
        return await self._events(f"SELECT {_COLUMNS} FROM events WHERE cid = ? ORDER BY seq", (cid,))

    async def read_from(
        self, seq: int, limit: int = 1000, *, types: Collection[str] | None = None
    ) -> list[RecordedEvent]:
        """Up to ``limit`` events with a global position of ``seq`` or more, in order.

        With ``types`` (type names, ``UiRendered.type_name()``), only events of
        those types; an empty collection matches nothing.
        """
        return await self._read(partial(queries.events_from, codec=self.codec, seq=seq, limit=limit, types=types))

    async def commit_times(self, cid: str) -> dict[int, float]:
        """When each event of chain ``cid`` was committed, by seq (empty for a log older than schema 4)."""
        if self._schema < 4:
            return {}

        def query(conn: Connection) -> dict[int, float]:
            rows = conn.execute("SELECT seq, committed_at FROM events WHERE cid = ? AND committed_at IS NOT NULL",
                                (cid,))
            return {int(seq): float(at) for seq, at in rows}

        return await self._read(query)

    async def last_seq(self) -> int:
        """The highest seq in the file now (0 when empty), read from the file itself (also in a read-only log)."""

        def query(conn: Connection) -> int:
            (top,) = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()
            return int(top)

        return await self._read(query)

    async def stream_version(self, stream: str) -> int:
        """The stream's current version (0 when it has no events)."""
        return await self._read(partial(queries.stream_version, stream=stream))

    async def load_snapshot(self, stream: str) -> Snapshot | None:
        """The newest snapshot of ``stream``, or None."""
        return await self._read(partial(queries.snapshot, stream=stream))

    async def load_stream(self, stream: str) -> tuple[Snapshot | None, list[RecordedEvent]]:
        """The stream's newest snapshot (or None) and every event after it, in one read.

        What an actor needs to come back to life, for the price of one hop to
        a reader thread.
        """
        return await self._read(partial(queries.snapshot_and_after, codec=self.codec, stream=stream))

    async def load_checkpoint(self, name: str) -> int:
        """The seq saved under ``name`` (0 when none was saved)."""
        if self._schema < 2:  # a read-only log older than checkpoints has none
            return 0
        return await self._read(partial(queries.checkpoint, name=name))

    async def checkpoints(self, prefix: str) -> dict[str, int]:
        """Every checkpoint whose name starts with ``prefix``, by name."""
        if self._schema < 2:
            return {}

        def query(conn: Connection) -> dict[str, int]:
            rows = conn.execute("SELECT name, seq FROM checkpoints").fetchall()
            return {name: seq for name, seq in rows if name.startswith(prefix)}

        return await self._read(query)

    async def open_items(self, prefix: str) -> list[OpenItem]:
        """The items some event opened and none closed yet, whose name starts with ``prefix``, oldest first.

        Reads one range of an index, never the log::

            for item in await log.open_items("job:"):
                await resume(item)
        """
        if self._schema < 2:
            return []
        return await self._read(partial(queries.open_items, prefix=prefix))

    def subscribe(
        self, from_seq: int = 1, *, types: Collection[str] | None = None, page: int = 500,
        where: Callable[[RecordedEvent], bool] | None = None,
    ) -> Subscription:
        """Every event from ``from_seq`` on (only of ``types`` when given): first what is in the log, then each new commit.

        ::

            async for recorded in log.subscribe(from_seq=1, types=["UiRendered"]):
                project(recorded)
        """
        return Subscription(self, from_seq, page, None if types is None else tuple(types), where=where)


def _refuse_nul(rows: Sequence[Row]) -> None:
    """Refuse, on its own, an append the database could not store (a NUL in an envelope's text)."""
    for row in rows:
        for text in (row[0], row[1], row[4], row[5]):
            if text is not None and "\x00" in text:
                raise EventLogError(f"event {row[0]!r} has a NUL character in its envelope, which the log cannot store")


def _refuse_nul_names(names: Sequence[str | None]) -> None:
    """Refuse, on its own, an open item, snapshot or checkpoint the database could not store (a NUL in its name)."""
    for name in names:
        if name is not None and "\x00" in name:
            raise EventLogError(f"the name {name!r} has a NUL character, which the log cannot store")
