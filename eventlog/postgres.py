"""The event log on PostgreSQL: the same log, for a bot that outgrows one machine or several instances.

Chosen by a target of ``postgresql://…`` (``TRT_DB``); everything above the
log works unchanged. What differs from SQLite, and why:

* **Connections.** psycopg 3's synchronous API, on the same writer thread
  and reader pool as SQLite (:mod:`eventlog.writer`, :mod:`eventlog.readers`),
  so both stores share one group-commit loop and one set of rules. The async
  API would need a bridge from trio to asyncio; a thread per connection is
  what the SQLite log already pays, and it keeps the GIL released while the
  server works.
* **One writer at a time.** Several processes may write one database (the
  active instance and a standby, or instances sharing the work). Every write
  transaction first takes a transaction-scoped advisory lock
  (``pg_advisory_xact_lock``), so transactions that append commit one after
  another, each numbering its events from the head it finds under the lock.
  Hence ``seq`` is dense and **commit-ordered**: a reader that has seen seq
  *n* has seen every event below it, and a subscription never skips an event
  that committed late (the trap of a plain sequence, whose numbers commit out
  of order). Group commit keeps the lock's cost per transaction, not per event.
* **Following other processes.** A transaction that appends also sends
  ``pg_notify('trt_events', …)``, delivered when it commits; each open log
  listens on a connection of its own and wakes its subscriptions when another
  process committed (it cannot feed them those events in memory, so they read
  them). A look at the head once a second covers a lost notification.
* **Schema.** Numbered migrations as in SQLite (the same numbers mean the
  same tables), applied at start-up under a session advisory lock so that
  instances starting together migrate once. ``open_items.item`` is collated
  ``"C"`` so a prefix is one range of the index, as SQLite's binary order.
* **Text.** PostgreSQL text cannot hold a NUL character: an append whose
  envelope has one is refused on its own (:class:`~eventlog.errors.EventLogError`),
  before it could fail a whole group commit.

A log lives in the connection's schema (``search_path``), so one server can
hold several logs (the tests give each test a schema of its own).

Example::

    async with PostgresEventLog.open("postgresql://trt@db.internal/trt", codec=CODEC) as log:
        await log.append([...])
"""

from __future__ import annotations

import functools
import secrets
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

import psycopg
import trio
from psycopg import pq

from eventlog.codec import Codec
from eventlog.engine import Connection
from eventlog.errors import EventLogError
from eventlog.log import EventLog
from eventlog.schema import refuse_newer
from eventlog.targets import is_postgres, redacted

__all__ = ["PostgresEngine", "PostgresEventLog", "is_postgres", "redacted"]

_LOCK_CLASS = 7471  # the first key of the log's advisory locks; the second is the schema's hash
_MIGRATE_CLASS = 7472
_CHANNEL = "trt_events"
_POLL_SECONDS = 1.0
_WAKE_SECONDS = 0.1

_MIGRATIONS: tuple[tuple[int, str, tuple[str, ...]], ...] = (
    (1, "events and snapshots", (
        "CREATE TABLE IF NOT EXISTS events ("
        " seq BIGINT PRIMARY KEY, event_id TEXT NOT NULL, stream TEXT NOT NULL, version BIGINT NOT NULL,"
        " type TEXT NOT NULL, ts DOUBLE PRECISION NOT NULL, cid TEXT NOT NULL, causation TEXT,"
        " chat_id BIGINT, user_id BIGINT, payload BYTEA NOT NULL)",
        "CREATE UNIQUE INDEX IF NOT EXISTS events_event_id ON events (event_id)",
        "CREATE UNIQUE INDEX IF NOT EXISTS events_stream_version ON events (stream, version)",
        "CREATE INDEX IF NOT EXISTS events_cid ON events (cid)",
        "CREATE TABLE IF NOT EXISTS snapshots ("
        " stream TEXT PRIMARY KEY, version BIGINT NOT NULL, state BYTEA NOT NULL, ts DOUBLE PRECISION NOT NULL)",
    )),
    (2, "type index, checkpoints and open items", (
        "CREATE INDEX IF NOT EXISTS events_type_seq ON events (type, seq)",
        "CREATE TABLE IF NOT EXISTS checkpoints (name TEXT PRIMARY KEY, seq BIGINT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS open_items ("
        ' item TEXT COLLATE "C" PRIMARY KEY, stream TEXT NOT NULL, seq BIGINT NOT NULL, event_id TEXT NOT NULL)',
    )),
    (3, "the lease of the active instance", (
        "CREATE TABLE IF NOT EXISTS lease ("
        " name TEXT PRIMARY KEY, holder TEXT NOT NULL, epoch BIGINT NOT NULL, expires_at DOUBLE PRECISION NOT NULL)",
    )),
    (4, "when each event was committed", (
        "ALTER TABLE events ADD COLUMN IF NOT EXISTS committed_at DOUBLE PRECISION",
    )),
)
SCHEMA_VERSION = _MIGRATIONS[-1][0]


@functools.lru_cache(maxsize=1024)
def _spelled(sql: str) -> str:
    """The package's ``?`` placeholders in psycopg's spelling (there is no ``?`` or ``%`` in a literal of ours)."""
    return sql.replace("%", "%%").replace("?", "%s")


class PostgresConnection:
    """A psycopg connection that speaks the log's SQL (``?`` placeholders) and DB-API's ``in_transaction``."""

    def __init__(self, real: psycopg.Connection[Any]) -> None:
        self.real = real

    def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> psycopg.Cursor[Any]:
        return self.real.execute(_spelled(sql), parameters if parameters else None)

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> None:
        with self.real.cursor() as cursor:
            cursor.executemany(_spelled(sql), parameters)

    @property
    def in_transaction(self) -> bool:
        return self.real.info.transaction_status != pq.TransactionStatus.IDLE

    @property
    def broken(self) -> bool:
        """The server dropped this connection (or it was closed): the reader pool replaces it."""
        return self.real.broken or self.real.closed

    def close(self) -> None:
        self.real.close()


class PostgresEngine:
    """The log in the PostgreSQL database at ``url``, in the schema its ``search_path`` names (default: public)."""

    name = "postgresql"
    text_holds_nul = False
    integrity_errors: tuple[type[Exception], ...] = (psycopg.errors.UniqueViolation,)

    def __init__(self, url: str) -> None:
        self.url = url
        self.where = redacted(url)
        self.token = secrets.token_hex(6)  # tells this log's own notifications from other processes'

    def _connect(self, *settings: str) -> PostgresConnection:
        try:
            real = psycopg.connect(self.url, autocommit=True)
        except psycopg.Error as exc:
            raise EventLogError(f"cannot connect to the event log at {self.where} ({_first_line(exc)})") from None
        for setting in settings:
            real.execute(setting)
        return PostgresConnection(real)

    def connect_writer(self) -> Connection:
        return self._connect("SET synchronous_commit = on")

    def connect_reader(self) -> Connection:
        return self._connect("SET default_transaction_isolation = 'repeatable read'",
                             "SET default_transaction_read_only = on")

    def connect_readonly(self) -> Connection:
        return self.connect_reader()

    def begin_write(self, conn: Connection) -> None:
        # Read committed whatever the database's default: the head read after the lock must see the commit of
        # whoever held it before (a repeatable-read snapshot would be taken before the lock was granted).
        conn.execute("BEGIN ISOLATION LEVEL READ COMMITTED")
        conn.execute(f"SELECT pg_advisory_xact_lock({_LOCK_CLASS}, hashtext(current_schema()))")

    def announce(self, conn: Connection, head: int) -> None:
        conn.execute(f"SELECT pg_notify('{_CHANNEL}', current_schema() || ' ' || ?)", (f"{head} {self.token}",))

    def migrate(self, conn: Connection) -> list[int]:
        try:
            return self._migrate(conn)
        except psycopg.Error as exc:
            raise EventLogError(f"the event log at {self.where} cannot be created or migrated "
                                f"({_first_line(exc)}): check the database and the schema its search_path names, "
                                "and that this user may create tables there") from None

    def _migrate(self, conn: Connection) -> list[int]:
        conn.execute(f"SELECT pg_advisory_lock({_MIGRATE_CLASS}, hashtext(current_schema()))")
        try:
            conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL)")
            done = {int(row[0]) for row in conn.execute("SELECT version FROM schema_migrations")}
            refuse_newer(done, SCHEMA_VERSION)
            applied: list[int] = []
            for version, name, statements in _MIGRATIONS:
                if version in done:
                    continue
                conn.execute("BEGIN")
                try:
                    for statement in statements:
                        conn.execute(statement)
                    conn.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", (version, name))
                    conn.execute("COMMIT")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                applied.append(version)
            return applied
        finally:
            conn.execute(f"SELECT pg_advisory_unlock({_MIGRATE_CLASS}, hashtext(current_schema()))")

    def schema_version(self, conn: Connection) -> int:
        try:
            return self._schema_version(conn)
        except psycopg.Error as exc:
            raise EventLogError(f"the event log at {self.where} cannot be read ({_first_line(exc)})") from None

    def _schema_version(self, conn: Connection) -> int:
        (table,) = conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()
        if not table:
            raise EventLogError(f"{self.where} holds no event log (no schema_migrations table in its schema)")
        done = {int(row[0]) for row in conn.execute("SELECT version FROM schema_migrations")}
        if 1 not in done:
            raise EventLogError(f"{self.where} holds no event log (it has no events table)")
        refuse_newer(done, SCHEMA_VERSION)
        return max(done)


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _heard(payload: str, schema: str, token: str) -> int:
    """The head another process of this schema announced (``"<schema> <head> <token>"``), else 0.

    Read from the right, so a schema whose name has spaces still matches; anything malformed is ignored.
    """
    where, head, sender = (payload.rsplit(" ", 2) + ["", "", ""])[:3] if payload.count(" ") >= 2 else ("", "", "")
    if where != schema or sender == token or not head.isdigit():
        return 0
    return int(head)


class _Listener:
    """A thread that tells the log when another process committed (see the module docstring)."""

    def __init__(self, engine: PostgresEngine, told: Callable[[int], None]) -> None:
        self._engine = engine
        self._told = told
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="eventlog-listener", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.ident is not None:
            self._thread.join()

    def _run(self) -> None:
        seen = 0
        while not self._stopping.is_set():
            try:
                with psycopg.connect(self._engine.url, autocommit=True) as conn:
                    (schema,) = conn.execute("SELECT current_schema()").fetchone() or ("",)
                    conn.execute(f"LISTEN {_CHANNEL}")
                    looked = time.monotonic()
                    while not self._stopping.is_set():
                        for note in conn.notifies(timeout=_WAKE_SECONDS):  # short, so that closing is prompt
                            head = _heard(note.payload, schema, self._engine.token)
                            if head > seen:
                                seen = head
                                self._told(seen)
                        if time.monotonic() - looked >= _POLL_SECONDS:  # in case a notification was lost
                            looked = time.monotonic()
                            (top,) = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone() or (0,)
                            if int(top) > seen:
                                seen = int(top)
                                self._told(seen)
            except Exception:  # the server went away (or worse): listen again in a moment, never give up
                self._stopping.wait(_POLL_SECONDS)


class PostgresEventLog(EventLog):
    """An event log in a PostgreSQL database. Open it with :meth:`open` (or :meth:`open_readonly` for tools)."""

    _listener: _Listener | None = None

    @classmethod
    @asynccontextmanager
    async def open(cls, url: str, *, codec: Codec) -> AsyncIterator[PostgresEventLog]:
        """Open (creating and migrating if needed) the log in the database at ``url``; close it on exit."""
        async with cls._opening(PostgresEngine(url), codec) as log:
            yield log

    @classmethod
    @asynccontextmanager
    async def open_readonly(cls, url: str, *, codec: Codec) -> AsyncIterator[PostgresEventLog]:
        """Open the existing log at ``url`` for reading only (for tools); it follows the writers' commits."""
        async with cls._opening_readonly(PostgresEngine(url), codec) as log:
            yield log

    def _start(self) -> None:
        super()._start()
        assert isinstance(self.engine, PostgresEngine)
        self._listener = _Listener(self.engine, self._told)
        self._listener.start()

    def _told(self, head: int) -> None:
        """In the listener's thread."""
        self._into_trio(partial(self._foreign_commit, head))

    async def aclose(self) -> None:
        listener, self._listener = self._listener, None
        await super().aclose()
        if listener is not None:
            await trio.to_thread.run_sync(listener.stop)
