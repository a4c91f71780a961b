"""Stand-ins for the writer's SQLite connection: fail or hold chosen statements on cue.

:class:`FlakyConnection` delegates everything to a real ``sqlite3`` connection,
except that a statement starting with a chosen keyword (``COMMIT``,
``ROLLBACK``, ``BEGIN``) can be made to raise a given number of times, or to
wait on a gate first. :func:`log_with` opens an event log whose writer uses
connections made by a factory of the test's choosing.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from eventlog import SQLiteEventLog
from eventlog.connections import SQLiteEngine, connect_writer
from eventlog.engine import Connection
from eventlog.schema import SCHEMA_VERSION, migrate
from trt_actors.events import CODEC


class FlakyConnection:
    """A real connection whose chosen statements raise on cue (see the module docstring)."""

    def __init__(self, real: sqlite3.Connection) -> None:
        self.real = real
        self.failures: dict[str, list[BaseException]] = {}
        self.gates: dict[str, threading.Event] = {}
        self.reached: dict[str, threading.Event] = {}
        self.closed = False

    def fail(self, keyword: str, *errors: BaseException) -> None:
        """The next ``len(errors)`` statements starting with ``keyword`` raise these, in order."""
        self.failures.setdefault(keyword, []).extend(errors)

    def hold(self, keyword: str) -> tuple[threading.Event, threading.Event]:
        """The next statement starting with ``keyword`` waits for the returned gate; ``reached`` is set when it does."""
        gate, reached = threading.Event(), threading.Event()
        self.gates[keyword], self.reached[keyword] = gate, reached
        return gate, reached

    def _cue(self, sql: str) -> None:
        keyword = sql.split(None, 1)[0].upper()
        gate = self.gates.pop(keyword, None)
        if gate is not None:
            self.reached.pop(keyword).set()
            gate.wait(10)
        pending = self.failures.get(keyword)
        if pending:
            raise pending.pop(0)

    def execute(self, sql: str, params: Sequence[object] = ()) -> sqlite3.Cursor:
        self._cue(sql)
        return self.real.execute(sql, params)

    def executemany(self, sql: str, rows: Any) -> sqlite3.Cursor:
        self._cue(sql)
        return self.real.executemany(sql, rows)

    @property
    def in_transaction(self) -> bool:
        return self.real.in_transaction

    def close(self) -> None:
        self.closed = True
        self.real.close()


def writer_connection(path: Path) -> sqlite3.Connection:
    """A connection with the writer's pragmas, as the log itself would open it."""
    return connect_writer(path)


class _ChosenWriter(SQLiteEngine):
    """The SQLite engine, except that the writer's connections come from the test's factory."""

    def __init__(self, path: Path, connect: Callable[[], Any]) -> None:
        super().__init__(path)
        self._connect = connect

    def connect_writer(self) -> Connection:
        connection: Connection = self._connect()
        return connection


@asynccontextmanager
async def log_with(path: Path, connect: Callable[[], Any]) -> AsyncIterator[SQLiteEventLog]:
    """An event log at ``path`` whose writer's connections come from ``connect``."""
    setup = writer_connection(path)
    migrate(setup)
    setup.close()
    engine = _ChosenWriter(path, connect)
    log = SQLiteEventLog(engine, CODEC, engine.connect_writer(), schema=SCHEMA_VERSION)
    log._start()
    try:
        yield log
    finally:
        await log.aclose()
