"""The writer's memory: stream heads and the next seq, and what each append becomes.

The writer is the only one writing, so it keeps the head (last version) of
every stream it has touched and the next global seq in memory, and checks an
append against them without a query. :meth:`Planner.plan` applies the rules
of an all-or-nothing append (see :mod:`eventlog.writer`) and gives the rows
to insert; :meth:`Planner.reset` forgets everything after a rollback, so the
next batch starts again from what the file holds.
"""

from __future__ import annotations

from typing import NamedTuple

from eventlog.engine import Connection
from eventlog.errors import VersionConflict
from eventlog.records import Position
from eventlog.requests import AppendRequest

__all__ = ["Plan", "Planner"]

_MAX_CACHED_HEADS = 200_000

# (seq, stream, event_id, the item it closes, the item it opens)
ItemChange = tuple[int, str, str, str | None, str | None]
_NO_ITEMS: list[ItemChange] = []  # shared, never changed


class Plan(NamedTuple):
    """What one append becomes: rows to insert, open-item changes, and its answer."""

    rows: list[tuple[object, ...]]
    items: list[ItemChange]
    positions: list[Position]
    error: VersionConflict | None


class Planner:
    """Stream heads and the next seq of the log behind ``conn`` (see the module docstring)."""

    def __init__(self, conn: Connection) -> None:
        self.reset(conn)

    def reset(self, conn: Connection) -> None:
        """Forget every head and read the next seq again (after a rollback, or with a fresh connection)."""
        self._conn = conn
        self._heads: dict[str, int] = {}
        self.next_seq = self.top(conn) + 1

    @staticmethod
    def top(conn: Connection) -> int:
        """The highest seq in the log now."""
        (top,) = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()
        return int(top)

    def catch_up(self, conn: Connection) -> None:
        """Inside the write transaction: forget what another process changed since this planner last wrote.

        Several processes may write one log, one transaction at a time (the
        write lock); the heads this planner remembers hold only if nobody
        else committed since. One look at the log's head tells.
        """
        if self.top(conn) != self.next_seq - 1:
            self.reset(conn)

    def plan(self, request: AppendRequest, known: dict[str, Position]) -> Plan:
        """Decide what one append becomes. ``known``: ids already in the log or earlier in this batch.

        Advances the heads and the next seq, and adds this append's ids to
        ``known``; :meth:`reset` undoes that if the transaction fails.
        """
        rows = request.rows
        if known:
            for row in rows:
                if row[0] in known:
                    return self._repeat(request, known)
        if request.expected:
            for stream, version in request.expected.items():
                actual = self._head(stream)
                if actual != version:
                    # A retry of an append that did commit must be answered as such, not as a conflict.
                    found = self.existing([row[0] for row in rows])
                    if found:
                        return self._repeat(request, found)
                    return Plan([], [], [], VersionConflict(stream, version, actual))
        heads: dict[str, int] = {}
        positions: list[Position] = []
        inserts: list[tuple[object, ...]] = []
        seq = self.next_seq
        for row in rows:
            event_id, stream = row[0], row[1]
            head = heads.get(stream)
            if head is None:
                head = self._head(stream)
            head += 1
            heads[stream] = head
            position = Position(seq, stream, head, event_id)
            known[event_id] = position
            positions.append(position)
            inserts.append((seq, event_id, stream, head, *row[2:]))
            seq += 1
        items = (
            [(positions[i].seq, rows[i][1], rows[i][0], closes, opens) for i, closes, opens in request.items]
            if request.items
            else _NO_ITEMS
        )
        self.next_seq = seq
        self._heads.update(heads)
        return Plan(inserts, items, positions, None)

    def existing(self, ids: list[str]) -> dict[str, Position]:
        """The positions of those of ``ids`` that are in the log (marked duplicate)."""
        found: dict[str, Position] = {}
        for start in range(0, len(ids), 900):
            chunk = ids[start : start + 900]
            marks = ",".join("?" * len(chunk))
            for seq, event_id, stream, version in self._conn.execute(
                f"SELECT seq, event_id, stream, version FROM events WHERE event_id IN ({marks})", chunk
            ):
                found[event_id] = Position(seq, stream, version, event_id, duplicate=True)
        return found

    @staticmethod
    def _repeat(request: AppendRequest, known: dict[str, Position]) -> Plan:
        """The answer to an append that repeats an earlier one: every position a duplicate, nothing written."""
        positions: list[Position] = []
        for row in request.rows:
            old = known.get(row[0])
            if old is None:
                positions.append(Position(0, row[1], 0, row[0], duplicate=True))
            else:
                positions.append(Position(old.seq, old.stream, old.version, old.event_id, duplicate=True))
        return Plan([], [], positions, None)

    def _head(self, stream: str) -> int:
        head = self._heads.get(stream)
        if head is None:
            (found,) = self._conn.execute(
                "SELECT COALESCE(MAX(version), 0) FROM events WHERE stream = ?", (stream,)
            ).fetchone()
            head = int(found)
            if len(self._heads) >= _MAX_CACHED_HEADS:
                self._heads.clear()
            self._heads[stream] = head
        return head
