"""append_batch: many all-or-nothing appends, one transaction, one wake-up."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
import trio

from eventlog import Append, EventLog, EventLogError, Position, VersionConflict
from tests.eventlog.conftest import new_event


class CountingToken:
    """Counts the writer's hops back into trio (not a PostgreSQL listener's news of the head)."""

    def __init__(self, log: EventLog) -> None:
        self.token = log._token
        self.listened = log._foreign_commit
        self.hops = 0

    def run_sync_soon(self, call: Callable[..., object], *args: Any) -> None:
        if not (isinstance(call, partial) and call.func == self.listened):
            self.hops += 1
        self.token.run_sync_soon(call, *args)


async def test_appends_commit_together_and_wake_the_caller_once(log: EventLog) -> None:
    token = CountingToken(log)
    log._token = token  # type: ignore[assignment]
    appends = [Append(events=[new_event(stream=f"chat:{n}") for _ in range(1 + n % 3)]) for n in range(20)]
    results = await log.append_batch(appends)
    assert log.statistics().writer.batches == 1 and token.hops == 1
    seqs = [p.seq for result in results for p in result]  # type: ignore[union-attr]
    assert seqs == list(range(1, sum(len(a.events) for a in appends) + 1))
    for n, result in enumerate(results):
        assert isinstance(result, list)
        assert [p.version for p in result] == list(range(1, 2 + n % 3))


async def test_a_conflict_fails_only_its_own_append_and_is_returned(log: EventLog) -> None:
    [first] = await log.append([new_event(stream="chat:1")])
    good, stale, fresh = new_event(stream="chat:2"), new_event(stream="chat:1"), new_event(stream="chat:1")
    results = await log.append_batch(
        [Append(events=[good]), Append(events=[stale], expected={"chat:1": 0}), Append(events=[fresh], expected={"chat:1": 1})]
    )
    assert isinstance(results[1], VersionConflict) and (results[1].expected, results[1].actual) == (0, 1)
    assert results[0] == [Position(2, "chat:2", 1, good.event_id)]
    assert results[2] == [Position(3, "chat:1", 2, fresh.event_id)]
    assert [r.event_id for r in await log.read_from(1)] == [first.event_id, good.event_id, fresh.event_id]


async def test_each_append_is_all_or_nothing_and_a_repeat_inside_the_batch_is_a_duplicate(log: EventLog) -> None:
    known = new_event(stream="chat:1", event_id="known")
    await log.append([known])
    a, b, c = (new_event(stream="chat:2", event_id=i) for i in ("a", "b", "c"))
    results = await log.append_batch(
        [
            Append(events=[a, known]),  # holds a known id: nothing of it is written
            Append(events=[b]),
            Append(events=[c, b]),  # repeats b of the append before it
            Append(events=[]),
        ]
    )
    assert results[0] == [Position(0, "chat:2", 0, "a", duplicate=True), Position(1, "chat:1", 1, "known", duplicate=True)]
    assert results[1] == [Position(2, "chat:2", 1, "b")]
    assert results[2] == [Position(0, "chat:2", 0, "c", duplicate=True), Position(2, "chat:2", 1, "b", duplicate=True)]
    assert results[3] == []
    assert [r.event_id for r in await log.read_from(1)] == ["known", "b"]


async def test_an_empty_batch_writes_nothing_and_a_bad_append_refuses_the_whole_call(log: EventLog) -> None:
    assert await log.append_batch([]) == []
    event = new_event()
    with pytest.raises(EventLogError, match="appears twice"):
        await log.append_batch([Append(events=[new_event()]), Append(events=[event, event])])
    assert log.statistics().writer.batches == 0
    assert await log.read_from(1) == []


async def test_concurrent_batches_and_appends_share_commits(log: EventLog) -> None:
    async with trio.open_nursery() as nursery:
        for n in range(30):
            if n % 2:
                nursery.start_soon(log.append_batch, [Append(events=[new_event(stream=f"chat:{n}")]) for _ in range(3)])
            else:
                nursery.start_soon(log.append, [new_event(stream=f"chat:{n}")])
    stats = log.statistics().writer
    assert stats.events == 15 * 3 + 15 and stats.batches < 30
    for n in range(30):
        assert await log.stream_version(f"chat:{n}") == (3 if n % 2 else 1)
