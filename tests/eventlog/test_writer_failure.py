"""A failing writer never hangs its appenders: each failure is an answer, within a deadline.

The failures are made by stand-ins for SQLite's connection; a PostgreSQL
server that drops the writer's connection is in tests/test_postgres_connections.py.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import trio

from eventlog import CommitFailed, WriterFailed, open_log
from tests.eventlog.conftest import new_event
from tests.eventlog.stand_ins import FlakyConnection, log_with, writer_connection
from trt_actors.events import CODEC


def disk_error() -> sqlite3.OperationalError:
    return sqlite3.OperationalError("disk I/O error")


class Connections:
    """A factory of flaky connections; ``refuse`` makes the next ones fail to open."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.made: list[FlakyConnection] = []
        self.refuse = False

    def __call__(self) -> FlakyConnection:
        if self.refuse:
            raise sqlite3.OperationalError("unable to open database file")
        conn = FlakyConnection(writer_connection(self.path))
        self.made.append(conn)
        return conn


async def test_a_failed_commit_fails_its_batch_and_the_next_append_commits(tmp_path: Path) -> None:
    connections = Connections(tmp_path / "log.sqlite3")
    async with log_with(connections.path, connections) as log:
        connections.made[0].fail("COMMIT", disk_error())
        with trio.fail_after(5), pytest.raises(CommitFailed) as caught:
            await log.append([new_event()])
        assert isinstance(caught.value.__cause__, sqlite3.OperationalError)
        with trio.fail_after(5):
            [position] = await log.append([new_event()])
        assert position.seq == 1
        assert log.healthy and log.failure is None


async def test_a_failed_rollback_replaces_the_connection_and_the_log_carries_on(tmp_path: Path) -> None:
    connections = Connections(tmp_path / "log.sqlite3")
    async with log_with(connections.path, connections) as log:
        first = connections.made[0]
        first.fail("COMMIT", disk_error())
        first.fail("ROLLBACK", sqlite3.OperationalError("database is locked"))
        with trio.fail_after(5), pytest.raises(CommitFailed):
            await log.append([new_event(stream="chat:1")])
        with trio.fail_after(5):
            [position] = await log.append([new_event(stream="chat:1")])
        assert (position.seq, position.version) == (1, 1)
        assert first.closed and len(connections.made) == 2
        assert log.healthy
        assert log.statistics().writer.reconnects == 1


async def test_a_writer_that_cannot_recover_fails_every_append_at_once(tmp_path: Path) -> None:
    connections = Connections(tmp_path / "log.sqlite3")
    async with log_with(connections.path, connections) as log:
        conn = connections.made[0]
        gate, reached = conn.hold("COMMIT")
        conn.fail("COMMIT", disk_error())
        conn.fail("ROLLBACK", disk_error())
        connections.refuse = True
        outcomes: dict[int, BaseException] = {}

        async def append(n: int) -> None:
            try:
                await log.append([new_event(stream=f"chat:{n}")])
            except (CommitFailed, WriterFailed) as exc:
                outcomes[n] = exc

        with trio.fail_after(5):
            async with trio.open_nursery() as nursery:
                nursery.start_soon(append, 0)
                await trio.to_thread.run_sync(reached.wait)  # the first batch is committing ...
                for n in range(1, 6):
                    nursery.start_soon(append, n)  # ... and these queue behind it
                await trio.sleep(0.05)
                gate.set()
            failure = await log.wait_failed()
        assert sorted(outcomes) == list(range(6))
        assert isinstance(outcomes[0], CommitFailed)  # its batch failed ...
        assert all(isinstance(outcomes[n], WriterFailed) for n in range(1, 6))  # ... and the writer then broke
        assert isinstance(failure, WriterFailed) and log.failure is failure
        assert "restart" in str(failure)
        assert not log.healthy and not log.statistics().healthy
        with trio.fail_after(1), pytest.raises(WriterFailed):
            await log.append([new_event()])
        with trio.fail_after(1), pytest.raises(WriterFailed):
            await log.save_checkpoint("reactor:x", 5)


async def test_a_writer_thread_that_ends_for_any_reason_breaks_the_log(tmp_path: Path) -> None:
    class Crash(BaseException):
        pass

    connections = Connections(tmp_path / "log.sqlite3")
    async with log_with(connections.path, connections) as log:
        connections.made[0].fail("BEGIN", Crash("the thread was torn down"))
        with trio.fail_after(5), pytest.raises(WriterFailed):
            await log.append([new_event()])
        assert not log.healthy
        assert isinstance(log.failure, WriterFailed)
        with trio.fail_after(1), pytest.raises(WriterFailed):
            await log.append([new_event()])


async def test_a_closed_log_is_not_healthy(target: str) -> None:
    async with open_log(target, codec=CODEC) as log:
        assert log.healthy and not log.closed
    assert not log.healthy and log.closed and log.failure is None
