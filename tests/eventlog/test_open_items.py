"""Open items: opened and closed in the same transaction as their events, listed by prefix from an index."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

import msgspec
import pytest

from eventlog import (
    EventLog,
    NewEvent,
    OpenItem,
    SQLiteEventLog,
    VersionConflict,
    open_log,
    queries,
)
from tests.eventlog.conftest import new_event
from trt_actors.events import CODEC


def opening(item: str, stream: str = "job:1", event_id: str | None = None) -> NewEvent:
    return msgspec.structs.replace(new_event(stream=stream, event_id=event_id), opens=item)


def closing(item: str, stream: str = "job:1", event_id: str | None = None) -> NewEvent:
    return msgspec.structs.replace(new_event(stream=stream, event_id=event_id), closes=item)


async def test_items_open_and_close_with_their_events_and_are_listed_by_prefix(target: str) -> None:
    async with open_log(target, codec=CODEC) as log:
        [job_a] = await log.append([opening("job:a", event_id="submit-a")])
        [job_b, hold] = await log.append([opening("job:b", "job:b"), opening("hold:h1", "ledger:1")])
        await log.append([new_event()])  # an event that names no item
        assert await log.open_items("job:") == [
            OpenItem("job:a", "job:1", job_a.seq, "submit-a"),
            OpenItem("job:b", "job:b", job_b.seq, job_b.event_id),
        ]
        assert await log.open_items("hold:") == [OpenItem("hold:h1", "ledger:1", hold.seq, hold.event_id)]
        assert [i.item for i in await log.open_items("")] == ["job:a", "job:b", "hold:h1"]  # oldest first
        assert await log.open_items("job:c") == []
        [in_chat] = await log.append([msgspec.structs.replace(opening("job:d", "job:d"), chat_id=-100_7)])
        assert await log.open_items("job:d") == [OpenItem("job:d", "job:d", in_chat.seq, in_chat.event_id, -100_7)]
        await log.append([closing("job:d", "job:d")])

        await log.append([closing("job:a"), closing("hold:h1", "ledger:1")])
        assert [i.item for i in await log.open_items("job:")] == ["job:b"]
        assert await log.open_items("hold:") == []
    async with open_log(target, codec=CODEC) as log:
        assert [i.item for i in await log.open_items("job")] == ["job:b"]


async def test_an_item_opened_and_closed_in_one_append_is_closed(log: EventLog) -> None:
    await log.append([opening("job:x"), closing("job:x"), opening("job:y"), closing("job:y"), opening("job:y")])
    assert [i.item for i in await log.open_items("job:")] == ["job:y"]
    [item] = await log.open_items("job:y")
    assert item.seq == 5  # reopened: it points at the last opening


async def test_duplicates_and_conflicts_touch_no_item(log: EventLog) -> None:
    await log.append([opening("job:a", event_id="e1")])
    await log.append([closing("job:a", event_id="e2"), opening("job:b", event_id="e1")])  # e1 is known: a repeat
    assert [i.item for i in await log.open_items("job:")] == ["job:a"]
    with pytest.raises(VersionConflict):
        await log.append([closing("job:a")], expected={"job:1": 0})
    assert [i.item for i in await log.open_items("job:")] == ["job:a"]


class Explaining:
    """A connection that records the query plan of each statement it runs."""

    def __init__(self, real: sqlite3.Connection) -> None:
        self.real = real
        self.plans: list[str] = []

    def execute(self, sql: str, params: Sequence[object] = ()) -> sqlite3.Cursor:
        self.plans.append(" ".join(row[3] for row in self.real.execute(f"EXPLAIN QUERY PLAN {sql}", params)))
        return self.real.execute(sql, params)


@pytest.mark.parametrize("prefix", ["job:", "\U0010ffff"])
async def test_listing_reads_one_range_of_the_primary_key(sqlite_log: SQLiteEventLog, prefix: str) -> None:
    await sqlite_log.append([opening(f"job:{n}") for n in range(3)])
    conn = Explaining(sqlite3.connect(sqlite_log.path))
    items = queries.open_items(conn, prefix)  # type: ignore[arg-type]
    conn.real.close()
    assert len(items) == (3 if prefix == "job:" else 0)
    [plan] = conn.plans
    assert "SEARCH o USING INDEX sqlite_autoindex_open_items_1 (item>?" in plan, plan
    assert "SEARCH e USING INTEGER PRIMARY KEY (rowid=?)" in plan, plan  # the opener's chat: one lookup by seq


@pytest.mark.parametrize("prefix", ["", "job", "job:", "j\U0010ffff", "\U0010ffff", "\ud7ff"])
async def test_prefixes_at_the_edges_of_unicode(log: EventLog, prefix: str) -> None:
    names = ["job:1", "j\U0010ffff\U0010ffff", "\U0010ffffz", "\ud7ffa", "\ue000b", "k"]
    await log.append([opening(name) for name in names])
    assert sorted(i.item for i in await log.open_items(prefix)) == sorted(n for n in names if n.startswith(prefix))
