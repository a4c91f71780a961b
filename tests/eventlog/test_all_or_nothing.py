"""An append is all or nothing: one known event id makes the whole append a duplicate."""

from __future__ import annotations

import trio

from eventlog import EventLog, Position
from tests.eventlog.conftest import new_event, wait_until, write_lock_held


async def test_an_append_holding_one_known_id_writes_nothing_and_is_a_duplicate(log: EventLog) -> None:
    known = new_event(stream="ledger:1", event_id="hold:1")
    [original] = await log.append([known])
    fresh = new_event(stream="ledger:1", event_id="capture:1")
    positions = await log.append([fresh, known])
    assert positions == [
        Position(0, "ledger:1", 0, "capture:1", duplicate=True),
        Position(original.seq, "ledger:1", original.version, "hold:1", duplicate=True),
    ]
    assert [r.event_id for r in await log.read_from(1)] == ["hold:1"]
    assert await log.stream_version("ledger:1") == 1
    assert log.statistics().writer.duplicates == 2


async def test_a_known_id_wins_over_a_stale_expected_version(log: EventLog) -> None:
    event = new_event(stream="chat:3", event_id="e1")
    await log.append([event], expected={"chat:3": 0})
    [again] = await log.append([event], expected={"chat:3": 0})
    assert again.duplicate and (again.seq, again.version) == (1, 1)


async def test_within_one_batch_a_later_append_repeating_an_id_is_a_duplicate_as_a_whole(
    log: EventLog, target: str
) -> None:
    results: dict[str, list[Position]] = {}

    async def append(name: str, ids: list[str]) -> None:
        results[name] = await log.append([new_event(stream="chat:1", event_id=i) for i in ids])

    def queued(waiting: int) -> bool:
        stats = log.statistics()
        return stats.waiting_appenders == waiting and stats.writer.queued == waiting - 1

    with trio.fail_after(10):
        async with trio.open_nursery() as nursery:
            with write_lock_held(target):  # the writer waits for it with the first append; the others queue
                nursery.start_soon(append, "blocker", ["b0"])
                await wait_until(lambda: queued(1))
                nursery.start_soon(append, "first", ["x", "y"])
                await wait_until(lambda: queued(2))
                nursery.start_soon(append, "second", ["y", "z"])
                await wait_until(lambda: queued(3))
    assert log.statistics().writer.batches == 2  # the two appends shared one commit
    assert [p.duplicate for p in results["first"]] == [False, False]
    y = results["first"][1]
    assert results["second"] == [
        Position(y.seq, "chat:1", y.version, "y", duplicate=True),
        Position(0, "chat:1", 0, "z", duplicate=True),
    ]
    assert [r.event_id for r in await log.read_from(1)] == ["b0", "x", "y"]
