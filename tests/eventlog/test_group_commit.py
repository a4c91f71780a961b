"""Persist-then-act: an appender is released only after its events are committed."""

from __future__ import annotations

import trio

from eventlog import EventLog
from tests.eventlog.conftest import engine_of, new_event


async def test_fifty_concurrent_appenders_each_see_their_events_committed_on_return(log: EventLog, target: str) -> None:
    outsider = engine_of(target).connect_reader()  # a separate connection, as another process would have
    seen_on_return: dict[int, int] = {}

    async def appender(n: int) -> None:
        for round_ in range(4):
            batch = [new_event(stream=f"chat:{n}", cid=f"c{n}") for _ in range(1 + (n + round_) % 3)]
            await log.append(batch)
            ids = [e.event_id for e in batch]
            marks = ",".join("?" * len(ids))
            visible = outsider.execute(f"SELECT COUNT(*) FROM events WHERE event_id IN ({marks})", ids).fetchone()[0]
            seen_on_return[n] = seen_on_return.get(n, 0) + (visible == len(ids))

    try:
        async with trio.open_nursery() as nursery:
            for n in range(50):
                nursery.start_soon(appender, n)
    finally:
        outsider.close()

    assert seen_on_return == {n: 4 for n in range(50)}
    stats = log.statistics().writer
    total = sum(1 + (n + r) % 3 for n in range(50) for r in range(4))
    assert stats.events == total
    # Group commit: far fewer transactions than appends.
    assert stats.batches < 200
    assert stats.largest_batch > 3
    assert log.statistics().waiting_appenders == 0


async def test_the_same_event_appended_concurrently_is_written_once(log: EventLog) -> None:
    event = new_event(stream="chat:77", event_id="update:555")
    positions = []

    async def deliver() -> None:
        [position] = await log.append([event])
        positions.append(position)

    async with trio.open_nursery() as nursery:
        for _ in range(20):
            nursery.start_soon(deliver)
    assert len(await log.read_stream("chat:77")) == 1
    assert {(p.seq, p.version) for p in positions} == {(1, 1)}
    assert sum(not p.duplicate for p in positions) == 1
