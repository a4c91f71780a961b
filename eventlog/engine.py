"""What the log needs from a database: the few places SQLite and PostgreSQL differ.

The writer thread, the planner, the reader pool and the queries are written
once, against a DB-API connection (:class:`Connection`) and an
:class:`Engine` that says how to open connections, how to start a write
transaction, how placeholders are spelled, which error means "this event id
is already there", and how the schema is migrated. Two engines exist:
:class:`~eventlog.connections.SQLiteEngine` (one file) and
:class:`~eventlog.postgres.PostgresEngine` (a server, several instances).

SQL in this package is written once, with ``?`` placeholders; the PostgreSQL
engine's connections turn it into psycopg's spelling (each statement once,
cached).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Protocol

__all__ = ["Connection", "Cursor", "Engine"]


class Cursor(Protocol):
    """What the log reads from a statement's result."""

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    """A DB-API connection as the log uses it: statements in autocommit mode, transactions by hand."""

    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> Cursor: ...

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> object: ...

    @property
    def in_transaction(self) -> bool: ...

    def close(self) -> None: ...


class Engine(Protocol):
    """How one kind of database is opened, written and migrated (see the module docstring)."""

    @property
    def name(self) -> str:
        """``sqlite`` or ``postgresql``."""
        ...

    @property
    def where(self) -> str:
        """Where the log is, fit to print: a path, or a URL without its password."""
        ...

    @property
    def text_holds_nul(self) -> bool:
        """Whether a text column can hold a NUL character (SQLite: yes; PostgreSQL: no)."""
        ...

    @property
    def integrity_errors(self) -> tuple[type[Exception], ...]:
        """The errors a unique index raises (an event id already in the log)."""
        ...

    def connect_writer(self) -> Connection: ...

    def connect_reader(self) -> Connection: ...

    def connect_readonly(self) -> Connection:
        """A connection that cannot change the log; raises ``EventLogError`` with a sentence if there is no log."""
        ...

    def begin_write(self, conn: Connection) -> None:
        """Start a transaction that holds the log's write lock until it ends (one writer at a time)."""
        ...

    def announce(self, conn: Connection, head: int) -> None:
        """Inside a write transaction: tell other processes following the log that ``head`` commits with it."""
        ...

    def migrate(self, conn: Connection) -> list[int]:
        """Bring the schema up to date; the migrations applied now."""
        ...

    def schema_version(self, conn: Connection) -> int:
        """The schema of an existing log, read without writing; ``EventLogError`` if it is not a log or too new."""
        ...
