"""The durable reactor: every event reaches its target once, in order per lane, across crashes and restarts.

A source stream of ``Incremented`` events is mirrored into counters through a
reactor; the mirror's totals say whether anything was lost or counted twice.
These tests run on trio's real clock (the log works in threads) with short
intervals, every wait bounded by ``trio.fail_after``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Hashable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import pytest
import trio

from eventlog import NewEvent, RecordedEvent, SQLiteEventLog
from tests.runtime.counter import Count, CounterDecider, Increment, Incremented
from trt_actors.events import ReactionAbandoned
from trt_actors.runtime import (
    CommandMeta,
    CommandRejected,
    EventSourced,
    Reactor,
    Region,
    SourcedMessage,
    execute,
    inspect,
    reaction_id,
)

Message = SourcedMessage[Increment, Count]


async def emit(log: SQLiteEventLog, key: int, n: int, by: int = 1) -> None:
    """Append source event ``n`` of lane ``key``."""
    await log.append(
        [NewEvent(event_id=f"src:{key}:{n}", stream=f"source:{key}", event=Incremented(by=by, total=0), cid=f"c{key}-{n}", ts=float(n), chat_id=key)]
    )


class Mirror:
    """The target: one counter per key, fed by the reactor. ``calls`` counts every delivery per event id."""

    def __init__(self, region: Region[int, Message]) -> None:
        self.region = region
        self.calls: dict[str, int] = {}
        self.order: dict[Hashable, list[str]] = {}
        self.fail_after_commit: set[str] = set()

    async def handle(self, key: Hashable, events: Sequence[RecordedEvent]) -> None:
        assert isinstance(key, int)
        for recorded in events:
            self.calls[recorded.event_id] = self.calls.get(recorded.event_id, 0) + 1
            event = recorded.event
            assert isinstance(event, Incremented)
            meta = CommandMeta(command_id=reaction_id(recorded), cid=recorded.cid, ts=recorded.ts, causation=recorded.event_id)
            try:
                await execute(self.region.ref(key), Increment(by=event.by), meta, timeout=None)
            except CommandRejected:
                continue  # a refusal is final: delivering it again would be refused again
            self.order.setdefault(key, []).append(recorded.event_id)
            if recorded.event_id in self.fail_after_commit:
                self.fail_after_commit.discard(recorded.event_id)
                raise ConnectionError("lost the reply after the target committed")

    async def total(self, key: int) -> int:
        return (await inspect(self.region.ref(key), timeout=None)).state.total


@asynccontextmanager
async def mirror(log: SQLiteEventLog) -> AsyncIterator[Mirror]:
    def spawn(key: int) -> EventSourced[Count, Increment]:
        return EventSourced(CounterDecider(), log, f"mirror:{key}")

    async with Region.open("mirrors", spawn, idle_timeout=None) as region:
        yield Mirror(region)  # type: ignore[arg-type]


def from_sources(recorded: RecordedEvent) -> bool:
    return recorded.stream.startswith("source:")  # the mirrors record Incremented too


def reactor_for(log: Any, target: Mirror, **options: Any) -> Reactor:
    options = {"backoff_base": 0.01, "checkpoint_interval": 0.02, **options}
    return Reactor(
        "mirror",
        log,
        types=[Incremented.type_name()],
        select=from_sources,
        handle=target.handle,
        key=lambda r: r.chat_id,
        **options,
    )


@asynccontextmanager
async def reacting(reactor: Reactor) -> AsyncIterator[Reactor]:
    async with trio.open_nursery() as nursery:
        await nursery.start(reactor.run)
        yield reactor
        nursery.cancel_scope.cancel()


async def wait_through(reactor: Reactor, seq: int) -> None:
    with trio.fail_after(10):
        while reactor.checkpoint < seq:
            await trio.sleep(0.005)


async def test_every_event_reaches_its_lane_once_in_order_and_the_checkpoint_follows(log: SQLiteEventLog) -> None:
    async with mirror(log) as target:
        reactor = reactor_for(log, target)
        async with reacting(reactor):
            for n in range(30):
                await emit(log, n % 3, n, by=n + 1)
            head = log.statistics().writer.head_seq
            await wait_through(reactor, head)
        for key in range(3):
            assert await target.total(key) == sum(n + 1 for n in range(30) if n % 3 == key)
            assert target.order[key] == [f"src:{key}:{n}" for n in range(30) if n % 3 == key]
        assert set(target.calls.values()) == {1}
        assert await reactor.load() == reactor.checkpoint  # saved on the way out
        assert reactor.statistics().handled == 30


async def test_a_reply_lost_after_the_target_committed_is_delivered_again_and_counted_once(
    log: SQLiteEventLog,
) -> None:
    async with mirror(log) as target:
        target.fail_after_commit = {"src:1:0"}
        reactor = reactor_for(log, target)
        async with reacting(reactor):
            await emit(log, 1, 0, by=5)
            await emit(log, 1, 1, by=7)
            await wait_through(reactor, log.statistics().writer.head_seq)
        assert target.calls == {"src:1:0": 2, "src:1:1": 1}
        assert await target.total(1) == 12  # the second delivery was a duplicate: nothing appended
        assert reactor.statistics().retries == 1
        assert len(await log.read_stream("mirror:1")) == 2


class ForgetfulCheckpoints:
    """A log whose checkpoint writes are lost, as in a crash right after the target committed."""

    def __init__(self, log: SQLiteEventLog) -> None:
        self.log = log

    async def save_checkpoint(self, name: str, seq: int) -> None:
        return None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.log, name)


async def test_a_crash_before_the_checkpoint_hands_everything_over_again_and_the_target_counts_once(
    log: SQLiteEventLog,
) -> None:
    async with mirror(log) as target:
        for n in range(10):
            await emit(log, n % 2, n, by=1)
        head = log.statistics().writer.head_seq
        first = reactor_for(ForgetfulCheckpoints(log), target)
        async with reacting(first):
            await wait_through(first, head)
        assert await first.load() == 0  # the "crash" lost every checkpoint
        second = reactor_for(log, target)
        async with reacting(second):
            await wait_through(second, head)
        assert set(target.calls.values()) == {2}  # each event was delivered twice ...
        assert [await target.total(k) for k in (0, 1)] == [5, 5]  # ... and counted once
        assert len(await log.read_stream("mirror:0")) == 5


async def test_the_checkpoint_survives_a_restart_and_nothing_is_delivered_twice(log: SQLiteEventLog) -> None:
    async with mirror(log) as target:
        first = reactor_for(log, target)
        async with reacting(first):
            for n in range(6):
                await emit(log, 0, n)
            await wait_through(first, log.statistics().writer.head_seq)
        saved = await first.load()
        assert saved == log.statistics().writer.head_seq
        second = reactor_for(log, target)
        async with reacting(second):
            await emit(log, 0, 6)
            await wait_through(second, log.statistics().writer.head_seq)
        assert set(target.calls.values()) == {1} and len(target.calls) == 7
        assert await target.total(0) == 7


async def test_a_refusal_by_the_target_is_an_outcome_the_reactor_moves_past(log: SQLiteEventLog) -> None:
    async with mirror(log) as target:
        reactor = reactor_for(log, target)
        async with reacting(reactor):
            await emit(log, 0, 0, by=-3)  # the counter refuses a negative increment
            await emit(log, 0, 1, by=2)
            await wait_through(reactor, log.statistics().writer.head_seq)
        assert target.calls == {"src:0:0": 1, "src:0:1": 1}
        assert await target.total(0) == 2
        assert reactor.statistics().retries == 0


async def test_a_busy_lane_holds_back_no_other_lane(log: SQLiteEventLog) -> None:
    gate = trio.Event()
    seen: list[str] = []

    async def handle(key: Hashable, events: Sequence[RecordedEvent]) -> None:
        if key == 0:
            await gate.wait()
        seen.extend(r.event_id for r in events)

    reactor = Reactor("busy", log, types=[Incremented.type_name()], handle=handle, key=lambda r: r.chat_id)
    async with reacting(reactor):
        await emit(log, 0, 0)
        for n in range(1, 20):
            await emit(log, 1 + n % 4, n)
        with trio.fail_after(10):
            while len(seen) < 19:
                await trio.sleep(0.005)
        assert "src:0:0" not in seen
        first_seq = (await log.read_stream("source:0"))[0].seq
        assert reactor.checkpoint == first_seq - 1  # the checkpoint waits for the busy lane
        gate.set()
        await wait_through(reactor, log.statistics().writer.head_seq)
    assert seen[-1] == "src:0:0"


async def test_a_handler_that_keeps_failing_is_abandoned_on_record_and_the_rest_go_on(
    log: SQLiteEventLog, expected_bugs: list[str]
) -> None:
    handled: list[str] = []

    async def handle(key: Hashable, events: Sequence[RecordedEvent]) -> None:
        for recorded in events:
            if recorded.event_id == "src:0:1":
                raise RuntimeError("this event always breaks the handler")
            handled.append(recorded.event_id)

    reactor = Reactor(
        "flaky", log, types=[Incremented.type_name()], handle=handle, key=lambda r: r.chat_id,
        max_attempts=3, backoff_base=0.001, batch=1,
    )
    async with reacting(reactor):
        for n in range(3):
            await emit(log, 0, n)
        await wait_through(reactor, (await log.read_stream("source:0"))[-1].seq)
    assert handled == ["src:0:0", "src:0:2"]
    [abandoned] = await log.read_stream("reactor:flaky")
    assert isinstance(abandoned.event, ReactionAbandoned)
    assert abandoned.event.event_id == "src:0:1" and abandoned.event.attempts == 3
    assert abandoned.cid == "c0-1" and abandoned.causation == "src:0:1"
    assert reactor.statistics().abandoned == 1
    assert any("src:0:1" in bug for bug in expected_bugs)


@pytest.mark.parametrize("pending", [1, 4])
async def test_memory_is_bounded_by_max_pending_whatever_the_backlog(log: SQLiteEventLog, pending: int) -> None:
    gate = trio.Event()
    most = 0

    async def handle(key: Hashable, events: Sequence[RecordedEvent]) -> None:
        nonlocal most
        most = max(most, reactor.statistics().pending)
        await gate.wait()

    reactor = Reactor("bounded", log, types=[Incremented.type_name()], handle=handle, key=lambda r: r.chat_id, max_pending=pending)
    for n in range(12):
        await emit(log, n, n)
    async with reacting(reactor):
        with trio.fail_after(10):
            while reactor.statistics().pending < pending:
                await trio.sleep(0.005)
        await trio.sleep(0.05)
        assert reactor.statistics().pending == pending
        gate.set()
        await wait_through(reactor, log.statistics().writer.head_seq)
    assert most <= pending and reactor.statistics().handled == 12


async def test_the_checkpoint_stays_behind_undone_events_while_the_reactor_waits_for_room(log: SQLiteEventLog) -> None:
    # With max_pending reached, the reactor holds the next event while older ones are still being handled:
    # a checkpoint saved then must not pass the older ones, or a crash at that moment loses them.
    gate = trio.Event()

    async def handle(key: Hashable, events: Sequence[RecordedEvent]) -> None:
        await gate.wait()

    reactor = Reactor("held", log, types=[Incremented.type_name()], handle=handle, key=lambda r: r.chat_id,
                      max_pending=2, checkpoint_interval=0.01)
    for n in range(6):
        await emit(log, n, n)
    first = (await log.read_from(1, 1))[0].seq
    async with reacting(reactor):
        with trio.fail_after(10):
            while reactor.statistics().pending < 2:
                await trio.sleep(0.005)
        await trio.sleep(0.05)  # the reactor now holds the third event, waiting for room
        assert reactor.checkpoint == first - 1
        assert await reactor.load() == first - 1  # what was saved meanwhile
        gate.set()
        await wait_through(reactor, log.statistics().writer.head_seq)
    assert reactor.statistics().handled == 6


async def test_a_reactor_without_max_attempts_never_gives_up_on_an_event(log: SQLiteEventLog) -> None:
    # Money reactions are never abandoned: the lane waits, retrying, until its target takes the event.
    failures = 0

    async def handle(key: Hashable, events: Sequence[RecordedEvent]) -> None:
        nonlocal failures
        if failures < 12:
            failures += 1
            raise ConnectionError("the ledger is not there yet")

    reactor = Reactor("patient", log, types=[Incremented.type_name()], handle=handle, key=lambda r: r.chat_id,
                      max_attempts=None, backoff_base=0.001, backoff_cap=0.002)
    await emit(log, 1, 1)
    async with reacting(reactor):
        await wait_through(reactor, log.statistics().writer.head_seq)
    stats = reactor.statistics()
    assert (failures, stats.handled, stats.abandoned) == (12, 1, 0)
