"""The SQLite engine: how the log opens one file, writes it and migrates it.

The writer's connection runs in WAL mode with ``synchronous=FULL`` (an
acknowledged append survives a power loss). Readers of a writable log set
``query_only``. A read-only log (``SQLiteEventLog.open_readonly``) opens the
file with ``mode=ro``: SQLite then cannot create, migrate or change it.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from eventlog import schema
from eventlog.engine import Connection
from eventlog.errors import EventLogError

__all__ = ["SQLiteEngine", "connect_reader", "connect_readonly", "connect_writer"]

_BUSY_MS = 30_000


def connect_writer(path: Path) -> sqlite3.Connection:
    """The writer's connection (creates the file if needed)."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=_BUSY_MS / 1000)
    conn.execute(f"PRAGMA busy_timeout = {_BUSY_MS}")
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        conn.close()
        raise EventLogError(f"{path} could not be switched to WAL mode (got {mode!r})")
    conn.execute("PRAGMA synchronous = FULL")
    return conn


def connect_reader(path: Path) -> sqlite3.Connection:
    """A reader's connection to a log this process writes."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=_BUSY_MS / 1000)
    conn.execute(f"PRAGMA busy_timeout = {_BUSY_MS}")
    conn.execute("PRAGMA query_only = ON")
    return conn


def connect_readonly(path: Path) -> sqlite3.Connection:
    """A connection that cannot write to ``path``, nor create it."""
    if not path.is_file():
        raise EventLogError(f"there is no event log at {path}: check the path (TRT_DB or --db)")
    uri = f"{path.resolve().as_uri()}?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False, timeout=_BUSY_MS / 1000)
        conn.execute(f"PRAGMA busy_timeout = {_BUSY_MS}")
    except sqlite3.Error as exc:
        raise EventLogError(f"the event log at {path} cannot be opened for reading ({exc})") from exc
    return conn


class SQLiteEngine:
    """The log in one SQLite file at ``path`` (see :class:`~eventlog.engine.Engine`)."""

    name = "sqlite"
    text_holds_nul = True
    integrity_errors: tuple[type[Exception], ...] = (sqlite3.IntegrityError,)

    def __init__(self, path: Path) -> None:
        self.path = path

    @property
    def where(self) -> str:
        return str(self.path)

    def connect_writer(self) -> Connection:
        return connect_writer(self.path)

    def connect_reader(self) -> Connection:
        return connect_reader(self.path)

    def connect_readonly(self) -> Connection:
        return connect_readonly(self.path)

    def begin_write(self, conn: Connection) -> None:
        conn.execute("BEGIN IMMEDIATE")

    def announce(self, conn: Connection, head: int) -> None:
        """Nothing: another process reading the file sees the commit (there is no notification channel)."""

    def migrate(self, conn: Connection) -> list[int]:
        assert isinstance(conn, sqlite3.Connection)
        return schema.migrate(conn)

    def schema_version(self, conn: Connection) -> int:
        assert isinstance(conn, sqlite3.Connection)
        return schema.schema_version(conn, str(self.path))
