"""The log's SQLite schema, created and migrated with sqlite-utils.

Migrations are numbered, applied in order once each, and recorded in
``schema_migrations``. Each one is idempotent (``if_not_exists``), so a crash
in the middle of one is repaired by running it again on the next open.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from sqlite_utils import Database

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "migrate"]


def _events_and_snapshots(db: Database) -> None:
    db.table("events").create(
        {
            "seq": int,
            "event_id": str,
            "stream": str,
            "version": int,
            "type": str,
            "ts": float,
            "cid": str,
            "causation": str,
            "chat_id": int,
            "user_id": int,
            "payload": bytes,
        },
        pk="seq",
        not_null={"event_id", "stream", "version", "type", "ts", "cid", "payload"},
        if_not_exists=True,
    )
    events = db.table("events")
    events.create_index(["event_id"], index_name="events_event_id", unique=True, if_not_exists=True)
    events.create_index(["stream", "version"], index_name="events_stream_version", unique=True, if_not_exists=True)
    events.create_index(["cid"], index_name="events_cid", if_not_exists=True)
    events.create_index(["type"], index_name="events_type", if_not_exists=True)
    db.table("snapshots").create(
        {"stream": str, "version": int, "state": bytes, "ts": float},
        pk="stream",
        not_null={"version", "state", "ts"},
        if_not_exists=True,
    )


MIGRATIONS: tuple[tuple[int, str, Callable[[Database], None]], ...] = (
    (1, "events and snapshots", _events_and_snapshots),
)
SCHEMA_VERSION = MIGRATIONS[-1][0]


def migrate(conn: sqlite3.Connection) -> list[int]:
    """Bring the schema up to date; return the migrations applied now."""
    db = Database(conn)
    db.table("schema_migrations").create(
        {"version": int, "name": str}, pk="version", not_null={"name"}, if_not_exists=True
    )
    done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
    newer = sorted(v for v in done if v > SCHEMA_VERSION)
    if newer:
        raise RuntimeError(
            f"the log was written by a newer version of trt-actors (schema {newer[-1]}, "
            f"this code knows up to {SCHEMA_VERSION}): upgrade before opening it"
        )
    applied: list[int] = []
    for version, name, step in MIGRATIONS:
        if version in done:
            continue
        step(db)
        conn.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", (version, name))
        applied.append(version)
    return applied
