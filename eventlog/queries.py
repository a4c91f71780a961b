"""The log's reads, as plain functions of a connection (SQLite's or PostgreSQL's): SQL in, records out.

They run in a worker thread with a connection borrowed from the reader pool
(see :mod:`eventlog.readers`). Each is one statement, so it sees one
consistent state of the log.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from eventlog.codec import Codec
from eventlog.engine import Connection
from eventlog.records import OpenItem, RecordedEvent, Snapshot

__all__ = [
    "checkpoint",
    "events",
    "events_from",
    "open_items",
    "snapshot",
    "snapshot_and_after",
    "stream_version",
]

COLUMNS = "seq, event_id, stream, version, type, ts, cid, causation, chat_id, user_id, payload"


def events(conn: Connection, codec: Codec, sql: str, params: Sequence[object]) -> list[RecordedEvent]:
    """Run ``sql`` (which selects :data:`COLUMNS`) and decode each row."""
    decode = codec.decode
    return [
        RecordedEvent(seq, eid, stream, version, typ, ts, cid, cause, chat, user, decode(typ, payload))
        for seq, eid, stream, version, typ, ts, cid, cause, chat, user, payload in conn.execute(sql, params)
    ]


def events_from(
    conn: Connection, codec: Codec, seq: int, limit: int, types: Collection[str] | None
) -> list[RecordedEvent]:
    """Up to ``limit`` events from ``seq`` on, in order; only of ``types`` when given.

    With types, each type is one range of the ``(type, seq)`` index, and the
    ranges are merged in one statement, so a rare type costs no more than its
    own events, wherever they are in the log.
    """
    if types is None:
        return events(conn, codec, f"SELECT {COLUMNS} FROM events WHERE seq >= ? ORDER BY seq LIMIT ?", (seq, limit))
    names = sorted(set(types))
    if not names:
        return []
    arm = f"SELECT {COLUMNS} FROM events WHERE type = ? AND seq >= ? ORDER BY seq LIMIT ?"
    if len(names) == 1:
        return events(conn, codec, arm, (names[0], seq, limit))
    sql = " UNION ALL ".join(f"SELECT * FROM ({arm}) AS arm{n}" for n in range(len(names))) + " ORDER BY seq LIMIT ?"
    params: list[object] = []
    for name in names:
        params += (name, seq, limit)
    params.append(limit)
    return events(conn, codec, sql, params)


def stream_version(conn: Connection, stream: str) -> int:
    (version,) = conn.execute("SELECT COALESCE(MAX(version), 0) FROM events WHERE stream = ?", (stream,)).fetchone()
    return int(version)


def snapshot_and_after(conn: Connection, codec: Codec, stream: str) -> tuple[Snapshot | None, list[RecordedEvent]]:
    """The stream's snapshot and every event after it, read in one transaction."""
    conn.execute("BEGIN")
    try:
        found = snapshot(conn, stream)
        after = events(
            conn,
            codec,
            f"SELECT {COLUMNS} FROM events WHERE stream = ? AND version > ? ORDER BY version",
            (stream, 0 if found is None else found.version),
        )
    finally:
        conn.execute("COMMIT")
    return found, after


def snapshot(conn: Connection, stream: str) -> Snapshot | None:
    row = conn.execute("SELECT stream, version, state, ts FROM snapshots WHERE stream = ?", (stream,)).fetchone()
    return None if row is None else Snapshot(stream=row[0], version=row[1], state=row[2], ts=row[3])


def checkpoint(conn: Connection, name: str) -> int:
    row = conn.execute("SELECT seq FROM checkpoints WHERE name = ?", (name,)).fetchone()
    return 0 if row is None else int(row[0])


_OPEN_ITEMS = ("SELECT o.item, o.stream, o.seq, o.event_id, e.chat_id FROM open_items o"
               " LEFT JOIN events e ON e.seq = o.seq")


def open_items(conn: Connection, prefix: str) -> list[OpenItem]:
    """The open items whose name starts with ``prefix``, oldest first: one range of the primary key."""
    above = _successor(prefix)
    if above is not None:
        rows = conn.execute(
            f"{_OPEN_ITEMS} WHERE o.item >= ? AND o.item < ?", (prefix, above)
        ).fetchall()
    else:
        rows = conn.execute(f"{_OPEN_ITEMS} WHERE o.item >= ?", (prefix,)).fetchall()
    items = [OpenItem(item, stream, seq, event_id, chat_id) for item, stream, seq, event_id, chat_id in rows]
    items.sort(key=lambda open_item: open_item.seq)
    return items


def _successor(prefix: str) -> str | None:
    """The smallest string above every string that starts with ``prefix`` (SQLite's binary order); None: no bound."""
    while prefix:
        last = ord(prefix[-1])
        if last < 0x10FFFF:
            following = last + 1 if last + 1 != 0xD800 else 0xE000  # surrogates cannot be stored
            return prefix[:-1] + chr(following)
        prefix = prefix[:-1]
    return None
