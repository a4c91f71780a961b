"""The writer thread: group commit, and what happens when the database fails.

Appenders on the trio side put a request on a thread-safe queue and wait. The
writer thread takes every request that is queued (up to a batch limit), checks
and inserts them in **one** transaction, commits, and then releases every
waiting appender of that batch with **one** hop back into trio
(``TrioToken.run_sync_soon``). While one batch is being fsynced, the next one
fills up, so the cost of a durable commit is shared by everyone who arrived
during the previous one.

Each append is all or nothing, on its own:

* if none of its event ids is known, all of its events are written;
* if **any** is known (in the log, or in an earlier append of the same batch),
  nothing of it is written and it is answered as the earlier append it
  repeats: every position is a duplicate (see :class:`~eventlog.records.Position`);
* otherwise, if a stream is not at the version it expects, it fails alone
  with :class:`~eventlog.errors.VersionConflict` and the rest of its batch commits.

Checks happen in memory, against the stream heads this thread remembers, so
the insert is a single ``executemany``. Every transaction takes the log's
write lock (:meth:`~eventlog.engine.Engine.begin_write`), so commits happen
one at a time and in ``seq`` order even with several processes writing one
PostgreSQL log; inside the lock one look at the log's head tells whether
another process wrote since, and then the remembered heads are dropped
(:meth:`~eventlog.planner.Planner.catch_up`). Duplicates are rare (a retry,
a redelivery), so the first attempt inserts without looking and lets the
unique index object; only then are the ids looked up.

**Fencing.** Several processes may open one log (a deploy: the old instance
and the new one; several instances sharing the chats), but a write counts only
under a lease its instance holds. Once an instance asks for a lease
(:class:`~eventlog.requests.LeaseRequest`), its writer is fenced: every
request names the lease it is written under (``fence``: the active
instance's by default, a shard's for the work of that shard, None for a
write any instance may make), every transaction first reads those lease
rows, and a request under a lease this instance does not hold at the epoch it
took is refused with :class:`~eventlog.errors.NotLeaseHolder` (nothing of it
written; the rest of the batch commits, and the writer is fine). Taking a
lease bumps its epoch in a transaction of its own, so the instance that held
it before cannot commit anything under it after that, whatever it had in
flight; the new holder then reads the log's head afresh (what it knew of the
streams was written by someone else since). A log that never asks for a
lease is not fenced.

Failure never ends in silence. A batch that cannot commit fails every request
in it with :class:`~eventlog.errors.CommitFailed`. If even the rollback fails,
the writer replaces its connection once; if that fails too, or if the thread
ends for any other reason, the writer is **broken**: every queued and every
later request fails at once with :class:`~eventlog.errors.WriterFailed`.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import ClassVar

import msgspec

from eventlog.engine import Connection, Engine
from eventlog.errors import CommitFailed, EventLogClosed, EventLogError, NotLeaseHolder, WriterFailed
from eventlog.planner import Plan, Planner
from eventlog.records import Lease, Position
from eventlog.requests import (
    AppendRequest,
    CheckpointRequest,
    GroupRequest,
    LeaseRequest,
    Request,
    SnapshotRequest,
)

__all__ = ["Writer", "WriterStatistics"]

_MAX_BATCH_EVENTS = 5000
_STATEMENTS = {
    "insert": "INSERT INTO events (seq, event_id, stream, version, type, ts, cid, causation, chat_id, user_id, payload,"
    " committed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "snapshot": "INSERT INTO snapshots (stream, version, state, ts) VALUES (?, ?, ?, ?)"
    " ON CONFLICT(stream) DO UPDATE SET version = excluded.version,"
    " state = excluded.state, ts = excluded.ts WHERE excluded.version >= snapshots.version",
    "checkpoint": "INSERT INTO checkpoints (name, seq) VALUES (?, ?)"
    " ON CONFLICT(name) DO UPDATE SET seq = excluded.seq WHERE excluded.seq > checkpoints.seq",
    "open": "INSERT INTO open_items (item, stream, seq, event_id) VALUES (?, ?, ?, ?)"
    " ON CONFLICT(item) DO UPDATE SET stream = excluded.stream, seq = excluded.seq, event_id = excluded.event_id",
    "close": "DELETE FROM open_items WHERE item = ?",
    "lease": "SELECT holder, epoch, expires_at FROM lease WHERE name = ?",
    "take": "INSERT INTO lease (name, holder, epoch, expires_at) VALUES (?, ?, ?, ?)"
    " ON CONFLICT(name) DO UPDATE SET holder = excluded.holder, epoch = excluded.epoch,"
    " expires_at = excluded.expires_at",
}


class WriterStatistics(msgspec.Struct, frozen=True):
    """Batches and events committed, duplicates and conflicts seen, failures, the last commit's size and time.

    ``healthy`` is false once the writer is broken or stopped; ``reconnects``
    counts connections replaced after a failed rollback.
    """

    COUNTERS: ClassVar[frozenset[str]] = frozenset({"batches", "events", "duplicates", "conflicts", "failed_commits", "reconnects", "unleased"})

    healthy: bool
    queued: int
    batches: int
    events: int
    duplicates: int
    conflicts: int
    failed_commits: int
    reconnects: int
    largest_batch: int
    last_batch: int
    last_commit_ms: float
    head_seq: int
    unleased: int = 0
    """Batches refused because this instance did not hold the lease (fencing)."""


class Writer:
    """Owns the write connection and the thread that commits. Not for direct use: see ``EventLog``.

    ``deliver(batch)`` is called in the writer thread with every finished
    batch; ``broken(failure)`` once, if the writer breaks. ``connect`` opens
    a replacement connection (with the same settings) after a failed rollback.
    """

    def __init__(
        self,
        conn: Connection,
        engine: Engine,
        deliver: Callable[[list[Request]], None],
        *,
        connect: Callable[[], Connection] | None = None,
        broken: Callable[[WriterFailed], None] = lambda failure: None,
    ) -> None:
        self._conn = conn
        self._engine = engine
        self._deliver = deliver
        self._connect = connect
        self._broken = broken
        self._queue: queue.SimpleQueue[Request | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._refusal: EventLogError | None = None  # set once: why no request is taken any more
        self._failure: WriterFailed | None = None
        self._inflight: list[Request] = []
        self._planner = Planner(conn)
        self._committed_seq = self._planner.next_seq - 1
        self._batches = 0
        self._events = 0
        self._duplicates = 0
        self._conflicts = 0
        self._failed = 0
        self._reconnects = 0
        self._largest = 0
        self._last = 0
        self._last_commit_ms = 0.0
        self._holder: str | None = None  # who this writer writes for once it asked for a lease; None: not fenced
        self._epochs: dict[str, int] = {}  # lease name -> the epoch this writer holds it at (-1: not held)
        self._unleased = 0
        self._thread = threading.Thread(target=self._run, name="eventlog-writer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def submit(self, request: Request) -> None:
        """Queue ``request``; raise at once if the writer is broken or stopped."""
        with self._lock:
            if self._refusal is not None:
                if isinstance(self._refusal, WriterFailed):
                    raise WriterFailed(str(self._refusal)) from self._refusal
                raise EventLogClosed()
            self._queue.put(request)

    def stop(self) -> None:
        """Finish what is queued, then end the thread and close the connection (blocking)."""
        self._queue.put(None)
        if self._thread.ident is not None:
            self._thread.join()

    @property
    def committed_seq(self) -> int:
        """The highest seq committed so far: a read that starts now sees at least this far."""
        return self._committed_seq

    @property
    def failure(self) -> WriterFailed | None:
        """Why the writer is broken, or None while it works (or after a clean stop)."""
        return self._failure

    def statistics(self) -> WriterStatistics:
        return WriterStatistics(
            healthy=self._refusal is None,
            queued=self._queue.qsize(),
            batches=self._batches,
            events=self._events,
            duplicates=self._duplicates,
            conflicts=self._conflicts,
            failed_commits=self._failed,
            reconnects=self._reconnects,
            largest_batch=self._largest,
            last_batch=self._last,
            last_commit_ms=self._last_commit_ms,
            head_seq=self._planner.next_seq - 1,
            unleased=self._unleased,
        )

    # -- the thread ----------------------------------------------------------

    def _run(self) -> None:
        crash: BaseException | None = None
        try:
            while (batch := self._next_batch()) is not None:
                self._inflight = batch
                self._commit(batch)
                self._inflight = []
                self._deliver(batch)
        except BaseException as exc:  # whatever ends the thread must reach every waiting caller
            crash = exc
        self._finish(crash)

    def _next_batch(self) -> list[Request] | None:
        """Block for the first request, then take what is queued, up to the batch limit. None: stop."""
        first = self._queue.get()
        if first is None:
            return None
        batch: list[Request] = [first]
        size = _size(first)
        while size < _MAX_BATCH_EVENTS:
            try:
                more = self._queue.get_nowait()
            except queue.Empty:
                break
            if more is None:
                self._queue.put(None)  # stop after this batch
                break
            batch.append(more)
            size += _size(more)
        return batch

    def _finish(self, crash: BaseException | None) -> None:
        """The thread ends: refuse everything from now on and answer whatever still waits."""
        if crash is None:
            refusal: EventLogError = EventLogClosed()
        elif isinstance(crash, WriterFailed):
            refusal = crash
        else:
            refusal = WriterFailed(
                f"the event log writer thread ended ({crash!r}); nothing more can be written: restart the process"
            )
            refusal.__cause__ = crash
        with self._lock:
            self._refusal = refusal
            if isinstance(refusal, WriterFailed):
                self._failure = refusal
            waiting = self._inflight
            while True:
                try:
                    request = self._queue.get_nowait()
                except queue.Empty:
                    break
                if request is not None:
                    waiting.append(request)
        self._inflight = []
        for request in waiting:
            if request.error is None:
                request.error = refusal
        try:
            self._conn.close()
        except Exception:
            pass
        if waiting:
            self._deliver(waiting)
        if self._failure is not None:
            self._broken(self._failure)

    # -- one batch -----------------------------------------------------------

    def _commit(self, batch: list[Request]) -> None:
        started = time.perf_counter()
        for lease in (r for r in batch if isinstance(r, LeaseRequest)):
            self._lease_request(lease)
        written = [r for r in batch if isinstance(r, (AppendRequest, GroupRequest, SnapshotRequest, CheckpointRequest))]
        if not written:
            return
        try:
            try:
                admitted, plans = self._write(written, known={})
            except self._engine.integrity_errors:  # an event id is already in the log: look them up, plan again
                self._rollback()
                ids = [row[0] for r in _appends(written) for row in r.rows]
                admitted, plans = self._write(written, known=self._planner.existing(ids))
        except Exception as exc:  # the whole batch failed: nothing of it is in the log
            self._failed += 1
            failure = CommitFailed(f"the event log could not commit a batch of {len(written)} requests: {exc}")
            failure.__cause__ = exc
            for request in written:
                request.error = failure
            self._recover()
            return
        self._unleased += len(written) - len(admitted)
        self._committed_seq = self._planner.next_seq - 1
        inserted = 0
        for request, plan in zip(_appends(admitted), plans):
            request.positions, request.error = plan.positions, plan.error
            inserted += len(plan.rows)
            if plan.error is not None:
                self._conflicts += 1
            elif not plan.rows:
                self._duplicates += len(plan.positions)
        if not admitted:
            return
        self._batches += 1
        self._events += inserted
        self._last = inserted
        self._largest = max(self._largest, inserted)
        self._last_commit_ms = (time.perf_counter() - started) * 1000

    def _write(self, batch: list[Written], known: dict[str, Position]) -> tuple[list[Written], list[Plan]]:
        """Commit what of ``batch`` its leases admit; the requests admitted and the plans of their appends (the
        others are failed with :class:`NotLeaseHolder`)."""
        conn, sql, engine = self._conn, _STATEMENTS, self._engine
        engine.begin_write(conn)
        if self._holder is not None:
            batch = self._fenced(conn, batch)
        self._planner.catch_up(conn)
        appends = list(_appends(batch))
        plans = [self._planner.plan(request, known) for request in appends]
        committed_at = time.time()  # when this batch is written: trace shows where a chain's time goes
        inserts = [(*row, committed_at) for plan in plans for row in plan.rows]
        if inserts:
            conn.executemany(sql["insert"], inserts)
        for plan in plans:
            for seq, stream, event_id, closes, opens in plan.items:
                if closes is not None:
                    conn.execute(sql["close"], (closes,))
                if opens is not None:
                    conn.execute(sql["open"], (opens, stream, seq, event_id))
        for other in batch:
            if isinstance(other, SnapshotRequest):
                conn.execute(sql["snapshot"], (other.stream, other.version, other.state, other.ts))
            elif isinstance(other, CheckpointRequest):
                conn.execute(sql["checkpoint"], (other.name, other.seq))
        if inserts:
            engine.announce(conn, self._planner.next_seq - 1)
        conn.execute("COMMIT")
        return batch, plans

    def _fenced(self, conn: Connection, batch: list[Written]) -> list[Written]:
        """The requests of ``batch`` written under a lease this writer holds (or under none); the others failed
        with :class:`NotLeaseHolder`. One read of each lease named, inside the write lock."""
        holder = self._holder
        assert holder is not None
        refusals: dict[str, NotLeaseHolder] = {}
        for name in {request.fence for request in batch if request.fence is not None}:
            held_by, epoch, _ = conn.execute(_STATEMENTS["lease"], (name,)).fetchone() or ("", 0, 0.0)
            if (held_by, epoch) != (holder, self._epochs.get(name, -1)):
                refusals[name] = NotLeaseHolder(holder, held_by, epoch, name)
        if not refusals:
            return batch
        admitted: list[Written] = []
        for request in batch:
            refusal = refusals.get(request.fence) if request.fence is not None else None
            if refusal is None:
                admitted.append(request)
            else:
                request.error = refusal
                for append in request.appends if isinstance(request, GroupRequest) else ():
                    append.error = refusal
        return admitted

    # -- the lease ---------------------------------------------------------------

    def _lease_request(self, request: LeaseRequest) -> None:
        """Take, extend or give up a lease in a transaction of its own; fence this writer from now on."""
        conn, holder, now, name = self._conn, request.holder, request.now, request.name
        if self._holder != holder:  # from the first lease request on, this writer writes only under leases it holds
            self._holder, self._epochs = holder, {}
        held_epoch = self._epochs.get(name, -1)
        try:
            self._engine.begin_write(conn)
            held_by, epoch, expires_at = conn.execute(_STATEMENTS["lease"], (name,)).fetchone() or ("", 0, 0.0)
            mine = (held_by, epoch) == (holder, held_epoch)
            if request.action == "acquire" and (mine or expires_at <= now):
                epoch = epoch if mine else epoch + 1
                held_by, expires_at = holder, now + request.ttl
                conn.execute(_STATEMENTS["take"], (name, holder, epoch, expires_at))
            elif request.action == "renew" and mine:
                expires_at = now + request.ttl
                conn.execute(_STATEMENTS["take"], (name, holder, epoch, expires_at))
            elif request.action == "release" and mine:
                expires_at = 0.0
                conn.execute(_STATEMENTS["take"], (name, holder, epoch, expires_at))
            conn.execute("COMMIT")
        except Exception as exc:
            request.error = CommitFailed(f"the event log could not {request.action} the lease {name}: {exc}")
            request.error.__cause__ = exc
            self._recover()
            return
        took = held_by == holder and epoch != held_epoch and request.action == "acquire"
        if took:
            self._planner.reset(conn)  # the previous holder wrote since this writer last looked
            self._committed_seq = self._planner.next_seq - 1
        self._epochs[name] = epoch if held_by == holder and request.action != "release" else -1
        request.lease = Lease(holder=held_by, epoch=epoch, expires_at=expires_at, mine=self._epochs[name] == epoch,
                              name=name)

    # -- recovering from a failed batch ----------------------------------------

    def _rollback(self) -> None:
        if self._conn.in_transaction:
            self._conn.execute("ROLLBACK")
        self._planner.reset(self._conn)

    def _recover(self) -> None:
        """Make the connection usable after a failed batch, or raise :class:`WriterFailed`."""
        try:
            self._rollback()
            return
        except Exception as exc:
            rollback_error = exc
        try:
            self._reconnect()
        except Exception as exc:
            failure = WriterFailed(
                f"the event log writer could not roll back a failed commit ({rollback_error}) nor open a "
                f"fresh connection ({exc}); nothing more can be written: restart the process"
            )
            raise failure from exc

    def _reconnect(self) -> None:
        if self._connect is None:
            raise EventLogError("this writer cannot open a fresh connection")
        try:
            self._conn.close()  # also drops what the failed transaction left
        except Exception:
            pass
        self._conn = self._connect()
        self._reconnects += 1
        self._planner.reset(self._conn)


def _size(request: Request) -> int:
    if isinstance(request, AppendRequest):
        return len(request.rows)
    if isinstance(request, GroupRequest):
        return sum(len(a.rows) for a in request.appends)
    return 1


Written = AppendRequest | GroupRequest | SnapshotRequest | CheckpointRequest
"""A request that writes under a lease (all but a lease request itself)."""


def _appends(batch: Sequence[Request]) -> Iterable[AppendRequest]:
    for request in batch:
        if isinstance(request, AppendRequest):
            yield request
        elif isinstance(request, GroupRequest):
            yield from request.appends
