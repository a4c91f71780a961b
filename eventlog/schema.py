"""The log's SQLite schema, created and migrated with sqlite-utils.

Migrations are numbered, applied in order once each, and recorded in
``schema_migrations``. Each one is idempotent (``if_not_exists``), so a crash
in the middle of one is repaired by running it again on the next open.
Migration 1 is frozen: a change to the schema is always a new migration.

Migration 2 adds the ``(type, seq)`` index that type-filtered reads and
subscriptions walk (it replaces the ``(type)`` index, which it covers), the
``checkpoints`` table, and the ``open_items`` table.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from sqlite_utils import Database

from eventlog.errors import EventLogError

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "migrate", "refuse_newer", "schema_version"]


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


def _types_checkpoints_and_open_items(db: Database) -> None:
    events = db.table("events")
    events.create_index(["type", "seq"], index_name="events_type_seq", if_not_exists=True)
    db.execute("DROP INDEX IF EXISTS events_type")
    db.table("checkpoints").create({"name": str, "seq": int}, pk="name", not_null={"seq"}, if_not_exists=True)
    db.table("open_items").create(
        {"item": str, "stream": str, "seq": int, "event_id": str},
        pk="item",
        not_null={"stream", "seq", "event_id"},
        if_not_exists=True,
    )


def _lease(db: Database) -> None:
    db.table("lease").create(
        {"name": str, "holder": str, "epoch": int, "expires_at": float},
        pk="name",
        not_null={"holder", "epoch", "expires_at"},
        if_not_exists=True,
    )


def _commit_times(db: Database) -> None:
    if "committed_at" not in db.table("events").columns_dict:
        db.table("events").add_column("committed_at", float)


MIGRATIONS: tuple[tuple[int, str, Callable[[Database], None]], ...] = (
    (1, "events and snapshots", _events_and_snapshots),
    (2, "type index, checkpoints and open items", _types_checkpoints_and_open_items),
    (3, "the lease of the active instance", _lease),
    (4, "when each event was committed", _commit_times),
)
SCHEMA_VERSION = MIGRATIONS[-1][0]


def refuse_newer(done: set[int], known: int = SCHEMA_VERSION) -> None:
    """Refuse a log whose applied migrations (``done``) go past the ``known`` ones (either store's)."""
    newer = sorted(v for v in done if v > known)
    if newer:
        raise EventLogError(
            f"the log was written by a newer version of trt-actors (schema {newer[-1]}, "
            f"this code knows up to {known}): upgrade before opening it"
        )


def migrate(conn: sqlite3.Connection) -> list[int]:
    """Bring the schema up to date; return the migrations applied now."""
    db = Database(conn)
    db.table("schema_migrations").create(
        {"version": int, "name": str}, pk="version", not_null={"name"}, if_not_exists=True
    )
    done = {int(row[0]) for row in conn.execute("SELECT version FROM schema_migrations")}
    refuse_newer(done)
    applied: list[int] = []
    for version, name, step in MIGRATIONS:
        if version in done:
            continue
        step(db)
        conn.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", (version, name))
        applied.append(version)
    return applied


def schema_version(conn: sqlite3.Connection, name: str) -> int:
    """The schema of an existing log, read without writing anything (for read-only opening).

    Raises :class:`~eventlog.errors.EventLogError` with a sentence when ``name``
    is not an event log or was written by a newer version.
    """
    try:
        done = {int(row[0]) for row in conn.execute("SELECT version FROM schema_migrations")}
    except sqlite3.DatabaseError as exc:
        raise EventLogError(f"{name} is not an event log ({exc})") from exc
    if 1 not in done:
        raise EventLogError(f"{name} is not an event log (it has no events table)")
    refuse_newer(done)
    return max(done)
