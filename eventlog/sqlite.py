"""The SQLite event log: one file in WAL mode, one writer thread, any number of readers.

Durability: the log runs with ``synchronous=FULL``. :meth:`SQLiteEventLog.append`
returns only after the transaction holding the events has committed and SQLite
has fsynced the write-ahead log, so an acknowledged append survives a crash of
the process **and** a power loss or kernel panic (provided the disk honours
fsync). An append that has not returned may or may not be in the log; appending
it again with the same event ids is always safe.

Example::

    async with SQLiteEventLog.open("trt.sqlite3") as log:
        [pos] = await log.append([NewEvent(event_id="update:1", stream="chat:7", event=e, cid="c1", ts=now)])
        events = await log.read_stream("chat:7")
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from os import PathLike
from pathlib import Path

import msgspec
import trio

from eventlog.errors import EventLogClosed, EventLogError
from eventlog.records import NewEvent, Position, RecordedEvent, Snapshot
from eventlog.schema import migrate
from eventlog.subscription import Subscription
from eventlog.writer import AppendRequest, Request, Row, SnapshotRequest, Writer, WriterStatistics, check_rows
from trt_actors.events import CODEC, EventCodec

__all__ = ["LogStatistics", "SQLiteEventLog"]

_COLUMNS = "seq, event_id, stream, version, type, ts, cid, causation, chat_id, user_id, payload"


class LogStatistics(msgspec.Struct, frozen=True):
    """The writer's figures, appenders waiting for a commit, and live subscribers."""

    writer: WriterStatistics
    waiting_appenders: int
    subscribers: int
    path: str


def _connect(path: Path, *, readonly: bool) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30.0)
    conn.execute("PRAGMA busy_timeout = 30000")
    if readonly:
        conn.execute("PRAGMA query_only = ON")
    else:
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise EventLogError(f"{path} could not be switched to WAL mode (got {mode!r})")
        conn.execute("PRAGMA synchronous = FULL")
    return conn


class SQLiteEventLog:
    """An event log in one SQLite file. Open it with :meth:`open`."""

    def __init__(self, path: Path, codec: EventCodec, conn: sqlite3.Connection) -> None:
        self.path = path
        self.codec = codec
        self._token = trio.lowlevel.current_trio_token()
        self._writer = Writer(conn, self._deliver)
        self._write_conn = conn
        self._closed = False
        self._waiting = 0
        self._committed = trio.Event()
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._read_limiter = trio.CapacityLimiter(4)
        self._subscribers = 0

    @classmethod
    @asynccontextmanager
    async def open(cls, path: str | PathLike[str], *, codec: EventCodec = CODEC) -> AsyncIterator[SQLiteEventLog]:
        """Open (creating and migrating if needed) the log at ``path``; close it on exit."""
        file = Path(path)

        def setup() -> sqlite3.Connection:
            conn = _connect(file, readonly=False)
            migrate(conn)
            return conn

        conn = await trio.to_thread.run_sync(setup)
        log = cls(file, codec, conn)
        log._writer.start()
        try:
            yield log
        finally:
            with trio.CancelScope(shield=True):
                await log.aclose()

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        await trio.to_thread.run_sync(self._writer.stop)
        self._write_conn.close()
        with self._readers_lock:
            for reader in self._readers:
                reader.close()
            self._readers.clear()
        self._committed.set()

    # -- writing ---------------------------------------------------------

    def _encode(self, events: Sequence[NewEvent]) -> list[Row]:
        encode, type_of = self.codec.encode, self.codec.type_of
        return [
            (e.event_id, e.stream, type_of(e.event), e.ts, e.cid, e.causation, e.chat_id, e.user_id, encode(e.event))
            for e in events
        ]

    async def append(
        self, events: Sequence[NewEvent], *, expected: Mapping[str, int] | None = None
    ) -> list[Position]:
        """Append ``events`` atomically and return once they are durable.

        ``expected`` maps a stream to the version it must be at (0: empty);
        a mismatch raises :class:`~eventlog.errors.VersionConflict` and writes
        nothing. An event id already in the log is not written again: its
        original position comes back with ``duplicate=True``.
        """
        if self._closed:
            raise EventLogClosed()
        if not events:
            return []
        rows = self._encode(events)
        if len(rows) > 1:
            check_rows(rows)
        request = AppendRequest(rows, expected)
        await self._submit(request)
        return request.positions

    async def save_snapshot(self, snapshot: Snapshot) -> None:
        """Store ``snapshot`` (an older version never replaces a newer one)."""
        if self._closed:
            raise EventLogClosed()
        await self._submit(SnapshotRequest(snapshot))

    async def _submit(self, request: Request) -> None:
        done = trio.Event()
        request.release = done.set
        self._waiting += 1
        try:
            self._writer.submit(request)
            # If the caller is cancelled here, the append may still commit: it did not
            # see success, so it does not act, and a retry with the same ids is a no-op.
            await done.wait()
        finally:
            self._waiting -= 1
        if request.error is not None:
            raise request.error

    def _deliver(self, batch: list[Request]) -> None:
        """Called in the writer thread after each commit: one hop back into trio for the whole batch."""

        def release() -> None:
            for request in batch:
                request.release()
            self._committed.set()
            self._committed = trio.Event()

        try:
            self._token.run_sync_soon(release)
        except trio.RunFinishedError:
            pass

    # -- reading ---------------------------------------------------------

    def _reader(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = _connect(self.path, readonly=True)
            self._local.conn = conn
            with self._readers_lock:
                self._readers.append(conn)
        return conn

    def _query(self, sql: str, params: Sequence[object]) -> list[RecordedEvent]:
        decode = self.codec.decode
        rows = self._reader().execute(sql, params).fetchall()
        return [
            RecordedEvent(seq, eid, stream, version, typ, ts, cid, cause, chat, user, decode(typ, payload))
            for seq, eid, stream, version, typ, ts, cid, cause, chat, user, payload in rows
        ]

    async def _read(self, sql: str, params: Sequence[object]) -> list[RecordedEvent]:
        if self._closed:
            raise EventLogClosed()
        return await trio.to_thread.run_sync(self._query, sql, params, limiter=self._read_limiter)

    async def read_stream(
        self, stream: str, from_version: int = 1, limit: int | None = None
    ) -> list[RecordedEvent]:
        """The events of ``stream`` from ``from_version`` on, in version order."""
        return await self._read(
            f"SELECT {_COLUMNS} FROM events WHERE stream = ? AND version >= ? ORDER BY version LIMIT ?",
            (stream, from_version, -1 if limit is None else limit),
        )

    async def read_cid(self, cid: str) -> list[RecordedEvent]:
        """Every event of one causal chain (one update and all that followed from it), in order."""
        return await self._read(f"SELECT {_COLUMNS} FROM events WHERE cid = ? ORDER BY seq", (cid,))

    async def read_from(self, seq: int, limit: int = 1000) -> list[RecordedEvent]:
        """Up to ``limit`` events with a global position of ``seq`` or more, in order."""
        return await self._read(f"SELECT {_COLUMNS} FROM events WHERE seq >= ? ORDER BY seq LIMIT ?", (seq, limit))

    async def stream_version(self, stream: str) -> int:
        """The stream's current version (0 when it has no events)."""

        def query() -> int:
            (v,) = self._reader().execute(
                "SELECT COALESCE(MAX(version), 0) FROM events WHERE stream = ?", (stream,)
            ).fetchone()
            return int(v)

        return await trio.to_thread.run_sync(query, limiter=self._read_limiter)

    async def load_snapshot(self, stream: str) -> Snapshot | None:
        def query() -> Snapshot | None:
            row = self._reader().execute(
                "SELECT stream, version, state, ts FROM snapshots WHERE stream = ?", (stream,)
            ).fetchone()
            return None if row is None else Snapshot(stream=row[0], version=row[1], state=row[2], ts=row[3])

        return await trio.to_thread.run_sync(query, limiter=self._read_limiter)

    def subscribe(self, from_seq: int = 1, *, page: int = 500) -> Subscription:
        """Every event from ``from_seq`` on: first what is in the log, then each new commit as it lands.

        ::

            async for recorded in log.subscribe(from_seq=1):
                project(recorded)
        """
        return Subscription(self, from_seq, page)

    async def wait_committed(self) -> None:
        """Return after the next commit (or when the log closes)."""
        if self._closed:
            return
        await self._committed.wait()

    @property
    def closed(self) -> bool:
        return self._closed

    def statistics(self) -> LogStatistics:
        return LogStatistics(
            writer=self._writer.statistics(),
            waiting_appenders=self._waiting,
            subscribers=self._subscribers,
            path=str(self.path),
        )
