"""Moving a log from one store to another (``python main.py migrate-log``): every row as it is, then proof.

The copy works below the log's front, row for row: events keep their
``seq``, ``event_id``, stream version, ``cid``, times and payload bytes
(nothing is decoded or encoded again), and the tables that say where the
bot is go with them: snapshots, reactors' checkpoints and open items. The
lease does not: the first instance on the new store takes a fresh one.

It refuses a target that already holds events, copies inside one
transaction per table (a copy that fails leaves the target as empty as it
was), and then verifies: the same number of rows in every table, and the
same SHA-256 over every event's fields in ``seq`` order, read back from the
target.

::

    report = copy_log("sqlite:trt.sqlite3", "postgresql://trt@db/trt")
    print(report.line())
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path

import msgspec

from eventlog.connections import SQLiteEngine
from eventlog.engine import Connection, Engine
from eventlog.errors import EventLogError
from eventlog.targets import is_postgres

__all__ = ["CopyReport", "copy_log", "engine_for"]

_PAGE = 5_000
_EVENT_COLUMNS = "seq, event_id, stream, version, type, ts, cid, causation, chat_id, user_id, payload, committed_at"
_TABLES = {  # what moves besides the events, and each table's key (for a stable order)
    "snapshots": ("stream, version, state, ts", "stream"),
    "checkpoints": ("name, seq", "name"),
    "open_items": ("item, stream, seq, event_id", "item"),
}


class CopyReport(msgspec.Struct, frozen=True):
    """What was copied, and the checksum both sides agree on."""

    source: str
    target: str
    events: int
    rows: dict[str, int]
    checksum: str

    def line(self) -> str:
        others = ", ".join(f"{count:,} {table}" for table, count in self.rows.items())
        return (f"copied {self.events:,} events ({others}) from {self.source} to {self.target}; "
                f"counts match and the checksum of every event agrees: sha256 {self.checksum[:16]}…")


def engine_for(target: str) -> Engine:
    """The engine a target names: ``postgresql://…``, ``sqlite:PATH``, or a plain path (SQLite)."""
    if is_postgres(target):
        from eventlog.postgres import PostgresEngine

        return PostgresEngine(target)
    return SQLiteEngine(Path(target.removeprefix("sqlite:")))


def copy_log(source: str, target: str, *, progress: Callable[[int], None] = lambda copied: None) -> CopyReport:
    """Copy the log at ``source`` into the empty store at ``target`` and verify it (blocking; see the module)."""
    source_engine, target_engine = engine_for(source), engine_for(target)
    src = source_engine.connect_readonly()
    try:
        source_engine.schema_version(src)  # a sentence if the source is not a log
        dst = target_engine.connect_writer()
        try:
            target_engine.migrate(dst)
            _refuse_nonempty(dst, target_engine.where)
            events = _copy_events(src, dst, progress)
            rows = {table: _copy_table(src, dst, table) for table in _TABLES}
            return _verified(src, dst, source_engine, target_engine, events, rows)
        finally:
            dst.close()
    finally:
        src.close()


def _refuse_nonempty(dst: Connection, where: str) -> None:
    for table in ("events", *_TABLES):
        (count,) = dst.execute(f"SELECT COUNT(*) FROM {table}").fetchone()
        if count:
            raise EventLogError(f"{where} already holds a log ({count:,} rows in {table}): migrate-log writes "
                                "only into an empty store; give a new database or schema")


def _pages(conn: Connection, columns: str, table: str, key: str) -> Iterator[list[tuple[object, ...]]]:
    """Every row of ``table`` in ``key`` order, a page at a time."""
    last: object = None
    while True:
        if last is None:
            rows = conn.execute(f"SELECT {columns} FROM {table} ORDER BY {key} LIMIT ?", (_PAGE,)).fetchall()
        else:
            rows = conn.execute(f"SELECT {columns} FROM {table} WHERE {key} > ? ORDER BY {key} LIMIT ?",
                                (last, _PAGE)).fetchall()
        if not rows:
            return
        yield [tuple(row) for row in rows]
        last = rows[-1][0]


def _insert(table: str, columns: str) -> str:
    marks = ", ".join("?" for _ in columns.split(","))
    return f"INSERT INTO {table} ({columns}) VALUES ({marks})"


def _copy_events(src: Connection, dst: Connection, progress: Callable[[int], None]) -> int:
    copied = 0
    dst.execute("BEGIN")
    try:
        for page in _pages(src, _EVENT_COLUMNS, "events", "seq"):
            dst.executemany(_insert("events", _EVENT_COLUMNS), [_bytes_last(row, 10) for row in page])
            copied += len(page)
            progress(copied)
        dst.execute("COMMIT")
    except BaseException:
        dst.execute("ROLLBACK")
        raise
    return copied


def _copy_table(src: Connection, dst: Connection, table: str) -> int:
    columns, key = _TABLES[table]
    copied = 0
    dst.execute("BEGIN")
    try:
        for page in _pages(src, columns, table, key):
            dst.executemany(_insert(table, columns), page)
            copied += len(page)
        dst.execute("COMMIT")
    except BaseException:
        dst.execute("ROLLBACK")
        raise
    return copied


def _bytes_last(row: tuple[object, ...], index: int) -> tuple[object, ...]:
    """The payload as ``bytes`` whatever the source's driver gave (``memoryview`` from some)."""
    value = row[index]
    if isinstance(value, memoryview):
        return (*row[:index], value.tobytes(), *row[index + 1:])
    return row


def _checksum(conn: Connection) -> tuple[int, str]:
    digest = hashlib.sha256()
    count = 0
    for page in _pages(conn, _EVENT_COLUMNS, "events", "seq"):
        for row in page:
            seq, event_id, stream, version, kind, ts, cid, causation, chat_id, user_id, payload, _ = row
            fields = (seq, event_id, stream, version, kind, repr(ts), cid, causation, chat_id, user_id)
            digest.update(repr(fields).encode())
            digest.update(bytes(payload))  # type: ignore[call-overload]
            count += 1
    return count, digest.hexdigest()


def _verified(src: Connection, dst: Connection, source: Engine, target: Engine, events: int,
              rows: dict[str, int]) -> CopyReport:
    source_count, source_sum = _checksum(src)
    target_count, target_sum = _checksum(dst)
    if not source_count == target_count == events:
        raise EventLogError(f"the copy does not hold every event: {source_count:,} in the source, "
                            f"{target_count:,} in the target")
    if source_sum != target_sum:
        raise EventLogError("the copy's events differ from the source's (checksums differ): do not use the target")
    for table in _TABLES:
        (count,) = dst.execute(f"SELECT COUNT(*) FROM {table}").fetchone()
        if count != rows[table]:
            raise EventLogError(f"the copy's {table} has {count:,} rows, the source {rows[table]:,}")
    return CopyReport(source=source.where, target=target.where, events=events, rows=rows, checksum=source_sum)
