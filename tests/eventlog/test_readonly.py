"""Read-only opening for tools: no writer, no migration, no change to the file, clear sentences.

The file's own guarantees (its mtime and schema untouched, an old file not
migrated, a missing or foreign file named as such) are SQLite's; the rest
holds on both stores.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import trio
from sqlite_utils import Database

import main
from eventlog import (
    Append,
    EventLogError,
    EventLogReadOnly,
    Snapshot,
    SQLiteEventLog,
    open_log,
)
from eventlog.connections import connect_writer
from eventlog.schema import MIGRATIONS
from tests.eventlog.conftest import new_event, write_lock_held
from tests.eventlog.test_append_and_read import write_schema_99
from tests.eventlog.test_trace import chain
from trt_actors.events import CODEC


def fingerprint(path: Path) -> tuple[int, list[tuple[str, str]], list[int]]:
    """The main file's mtime, its schema, and its applied migrations."""
    mtime = path.stat().st_mtime_ns
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    schema = conn.execute("SELECT name, sql FROM sqlite_master ORDER BY name").fetchall()
    versions = [v for (v,) in conn.execute("SELECT version FROM schema_migrations ORDER BY version")]
    conn.close()
    return mtime, schema, versions


async def test_tracing_reads_what_another_connection_is_writing(
    target: str, capsys: pytest.CaptureFixture[str]
) -> None:
    async with open_log(target, codec=CODEC) as writer:
        await writer.append(chain("u5")[:2])
        async with open_log(target, codec=CODEC, readonly=True) as reader:
            assert [r.event_id for r in await reader.read_cid("u5")] == ["e1", "e2"]
            await writer.append(chain("u5")[2:])
            assert [r.event_id for r in await reader.read_cid("u5")] == ["e1", "e2", "e3", "e4"]
            # A write transaction held open elsewhere does not block the reader.
            with write_lock_held(target) as other:
                other.execute("UPDATE snapshots SET ts = 0")
                assert len(await reader.read_cid("u5")) == 4
                assert await trio.to_thread.run_sync(main.main, ["trace", "u5", "--db", target]) == 0
        assert writer.healthy
        await writer.append([new_event()])
    assert "CallbackAccepted(action='home')" in capsys.readouterr().out


def test_tracing_leaves_a_log_it_did_not_create_untouched(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"

    async def fill() -> None:
        async with SQLiteEventLog.open(path, codec=CODEC) as log:
            await log.append(chain("u5"))

    trio.run(fill)
    before = fingerprint(path)
    assert main.main(["trace", "u5", "--db", str(path)]) == 0
    assert main.main(["trace", "none", "--db", str(path)]) == 1
    assert fingerprint(path) == before


def test_tracing_an_older_log_neither_migrates_it_nor_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "old.sqlite3"
    conn = connect_writer(path)
    db = Database(conn)
    db.table("schema_migrations").create({"version": int, "name": str}, pk="version")
    version, name, step = MIGRATIONS[0]
    step(db)
    conn.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", (version, name))
    event = chain("u9")[0]
    conn.execute(
        "INSERT INTO events (seq, event_id, stream, version, type, ts, cid, payload) VALUES (1, ?, ?, 1, ?, ?, ?, ?)",
        (event.event_id, event.stream, CODEC.type_of(event.event), event.ts, "u9", CODEC.encode(event.event)),
    )
    conn.close()
    before = fingerprint(path)

    async def look() -> None:
        async with SQLiteEventLog.open_readonly(path, codec=CODEC) as log:
            assert [r.event_id for r in await log.read_cid("u9")] == ["e1"]
            assert await log.load_checkpoint("reactor:x") == 0
            assert await log.open_items("job:") == []
            assert [r.event_id for r in await log.read_from(1, types=["UpdateReceived"])] == ["e1"]

    trio.run(look)
    assert main.main(["trace", "u9", "--db", str(path)]) == 0
    assert "UpdateReceived" in capsys.readouterr().out
    assert fingerprint(path) == before


async def test_a_readonly_log_refuses_every_write(target: str) -> None:
    async with open_log(target, codec=CODEC):
        pass
    async with open_log(target, codec=CODEC, readonly=True) as log:
        with pytest.raises(EventLogReadOnly, match="read-only"):
            await log.append([new_event()])
        with pytest.raises(EventLogReadOnly):
            await log.append_batch([Append(events=[new_event()])])
        with pytest.raises(EventLogReadOnly):
            await log.save_snapshot(Snapshot(stream="chat:1", version=1, state=b"", ts=0.0))
        with pytest.raises(EventLogReadOnly):
            await log.save_checkpoint("reactor:x", 1)
        stats = log.statistics()
        assert stats.readonly and not stats.healthy and not log.healthy
        assert await log.read_from(1) == []


async def test_a_missing_or_foreign_file_is_refused_with_a_sentence(tmp_path: Path) -> None:
    missing = tmp_path / "missing.sqlite3"
    with pytest.raises(EventLogError, match="there is no event log at"):
        async with SQLiteEventLog.open_readonly(missing, codec=CODEC):
            pass
    assert not missing.exists()

    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"not a database at all" * 100)
    with pytest.raises(EventLogError, match="is not an event log"):
        async with SQLiteEventLog.open_readonly(garbage, codec=CODEC):
            pass

    foreign = tmp_path / "foreign.sqlite3"
    sqlite3.connect(foreign).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(EventLogError, match="is not an event log"):
        async with SQLiteEventLog.open_readonly(foreign, codec=CODEC):
            pass


async def test_a_log_of_a_newer_schema_is_refused_for_reading_too(target: str) -> None:
    async with open_log(target, codec=CODEC):
        pass
    write_schema_99(target)
    with pytest.raises(EventLogError, match="newer version of trt-actors"):
        async with open_log(target, codec=CODEC, readonly=True):
            pass


def test_the_trace_command_says_what_is_wrong_with_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "foreign.sqlite3"
    sqlite3.connect(path).execute("CREATE TABLE t (x)").connection.close()
    assert main.main(["trace", "u5", "--db", str(path)]) == 2
    assert "is not an event log" in capsys.readouterr().err
