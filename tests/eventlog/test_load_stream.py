"""``load_stream``: a stream's snapshot and every event after it, in one read (what recovery needs)."""

from __future__ import annotations

from eventlog import EventLog, Snapshot
from tests.eventlog.conftest import new_event


async def test_without_a_snapshot_it_is_the_whole_stream(log: EventLog) -> None:
    assert await log.load_stream("chat:1") == (None, [])
    await log.append([new_event(stream="chat:1") for _ in range(3)])
    snapshot, events = await log.load_stream("chat:1")
    assert snapshot is None and [e.version for e in events] == [1, 2, 3]


async def test_with_a_snapshot_it_is_the_snapshot_and_what_came_after(log: EventLog) -> None:
    await log.append([new_event(stream="chat:1") for _ in range(5)])
    await log.append([new_event(stream="chat:2")])
    await log.save_snapshot(Snapshot(stream="chat:1", version=3, state=b"{}", ts=1.0))
    snapshot, events = await log.load_stream("chat:1")
    assert snapshot is not None and snapshot.version == 3
    assert [e.version for e in events] == [4, 5] and {e.stream for e in events} == {"chat:1"}
