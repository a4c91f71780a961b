"""The event-log suite's fixtures: every test about the log's behaviour runs on both stores.

``store`` is ``sqlite`` or ``postgresql``, a parameter of every test that
takes ``target``, ``fresh_target`` or ``log``. ``target`` is where a new,
empty log of that store lives: a file in the test's folder, or a schema of
its own in the run's PostgreSQL server (started only when a PostgreSQL test
runs). ``fresh_target`` hands out a new one per call, for property tests
whose every example needs an empty log (hypothesis does not reset a
function's fixtures between examples). Tests about SQLite itself (query
plans, the file, old files, stand-in connections) take ``sqlite_log`` or
``tmp_path`` instead and run once.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import trio

from eventlog import EventLog, NewEvent, SQLiteEventLog, is_postgres, open_log
from eventlog.connections import SQLiteEngine
from eventlog.engine import Connection, Engine
from eventlog.postgres import PostgresEngine
from trt_actors.events import CODEC, CallbackRejected, Event

STORES = ["sqlite", "postgresql"]
_ids = itertools.count()
_files = itertools.count(1)


def new_event(
    stream: str = "chat:1", cid: str = "cid-1", event: Event | None = None, event_id: str | None = None
) -> NewEvent:
    n = next(_ids)
    return NewEvent(
        event_id=event_id or f"test-{n}",
        stream=stream,
        event=event or CallbackRejected(reason_code="stale", data=f"d{n}"),
        cid=cid,
        ts=1_700_000_000.0 + n,
    )


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest) -> str:
    """The store this run of the test is on."""
    name: str = request.param
    return name


@pytest.fixture
def fresh_target(store: str, tmp_path: Path, request: pytest.FixtureRequest) -> Callable[[], str]:
    """A maker of new, empty targets of the store: a file, or a PostgreSQL URL whose schema is empty."""
    if store == "postgresql":
        server = request.getfixturevalue("postgres_server")
        fresh: Callable[[], str] = server.fresh
        return fresh
    return lambda: str(tmp_path / f"log-{next(_files)}.sqlite3")


@pytest.fixture
def target(store: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """Where a new, empty log of the store lives (what ``TRT_DB`` or ``--db`` would name)."""
    if store == "postgresql":
        url: str = request.getfixturevalue("postgres_url")
        return url
    return str(tmp_path / "log.sqlite3")


@pytest.fixture
async def log(target: str) -> AsyncIterator[EventLog]:
    async with open_log(target, codec=CODEC) as opened:
        yield opened


@pytest.fixture
async def sqlite_log(tmp_path: Path) -> AsyncIterator[SQLiteEventLog]:
    """A log in an SQLite file, for the tests about SQLite itself."""
    async with SQLiteEventLog.open(tmp_path / "log.sqlite3", codec=CODEC) as opened:
        yield opened


def engine_of(target: str) -> Engine:
    """The engine a log at ``target`` runs on: its connections are the test's way into the database behind the log."""
    return PostgresEngine(target) if is_postgres(target) else SQLiteEngine(Path(target))


@contextmanager
def write_lock_held(target: str) -> Iterator[Connection]:
    """The log's write lock, taken by a connection of the test's own as another process's writer would.

    Every writer of the log waits for it, so whatever is appended meanwhile
    queues up; the transaction commits (what the test wrote with the
    connection it is given) when the block ends.
    """
    engine = engine_of(target)
    conn = engine.connect_writer()
    try:
        engine.begin_write(conn)
        yield conn
        conn.execute("COMMIT")
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        conn.close()


async def wait_until(condition: Callable[[], bool], seconds: float = 5) -> None:
    """Return once ``condition()`` holds (checked every millisecond); fail the test after ``seconds``."""
    with trio.fail_after(seconds):
        while not condition():
            await trio.sleep(0.001)
