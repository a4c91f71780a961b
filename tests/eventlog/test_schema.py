"""Migrations: a log written by the first schema is brought up to date, its events intact."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database

from eventlog import SQLiteEventLog
from eventlog.connections import connect_writer
from eventlog.schema import MIGRATIONS, SCHEMA_VERSION, migrate
from tests.eventlog.conftest import new_event
from trt_actors.events import CODEC, CallbackAccepted


def schema_one(path: Path) -> None:
    conn = connect_writer(path)
    db = Database(conn)
    db.table("schema_migrations").create({"version": int, "name": str}, pk="version")
    version, name, step = MIGRATIONS[0]
    step(db)
    conn.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", (version, name))
    for seq in (1, 2, 3):
        event = new_event(event=CallbackAccepted(action=f"a{seq}") if seq == 2 else None)
        conn.execute(
            "INSERT INTO events (seq, event_id, stream, version, type, ts, cid, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (seq, event.event_id, "chat:1", seq, CODEC.type_of(event.event), event.ts, "c", CODEC.encode(event.event)),
        )
    conn.close()


async def test_a_first_schema_log_is_migrated_on_open_and_keeps_its_events(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    schema_one(path)
    async with SQLiteEventLog.open(path, codec=CODEC) as log:
        assert [r.seq for r in await log.read_from(1)] == [1, 2, 3]
        assert [r.seq for r in await log.read_from(1, types=["CallbackAccepted"])] == [2]
        [position] = await log.append([new_event(stream="chat:1")])
        assert (position.seq, position.version) == (4, 4)
        await log.save_checkpoint("reactor:x", 3)
    conn = sqlite3.connect(path)
    assert [v for (v,) in conn.execute("SELECT version FROM schema_migrations ORDER BY version")] == [1, 2, 3, 4]
    indexes = {row[1] for row in conn.execute("PRAGMA index_list(events)")}
    assert "events_type_seq" in indexes and "events_type" not in indexes
    assert migrate(conn) == []  # once each
    conn.close()
    assert SCHEMA_VERSION == 4
