"""Keyed children on virtual time: activation on demand, passivation when idle, transparent re-activation."""

from __future__ import annotations

from collections.abc import Callable

import msgspec
import pytest
import trio
from trio.testing import MockClock

from eventlog import SQLiteEventLog
from tests.runtime.counter import Count, CounterDecider, Increment, Incremented, ResetCount
from trt_actors.events import ActorCrashed
from trt_actors.runtime import (
    SYSTEM_STREAM,
    Actor,
    ActorFailed,
    ActorStopped,
    CommandMeta,
    EventSourced,
    Execute,
    Region,
    Reply,
    SourcedMessage,
    SystemJournal,
    execute,
    inspect,
)

Message = SourcedMessage[Increment | ResetCount, Count]


def counters(log: SQLiteEventLog, *, snapshot_every: int = 100) -> Callable[[int], Actor[Message]]:
    def factory(chat: int) -> Actor[Message]:
        return EventSourced(CounterDecider(), log, f"counter:{chat}", snapshot_every=snapshot_every)

    return factory


def meta(command_id: str) -> CommandMeta:
    return CommandMeta(command_id=command_id, cid=command_id, ts=1_700_000_000.0)


async def test_an_idle_child_is_passivated_and_comes_back_with_the_same_state(
    autojump_clock: MockClock, log: SQLiteEventLog
) -> None:
    async with Region.open("counters", counters(log, snapshot_every=2), idle_timeout=60.0) as region:
        chat = region.ref(7)
        for n in range(3):
            await execute(chat, Increment(by=10), meta(f"u{n}"), timeout=None)
        stats = region.statistics()
        assert (stats.live, stats.activations, stats.passivations) == (1, 1, 0)
        assert trio.current_time() == 0.0  # the log's I/O took no virtual time

        await trio.sleep(59.9)
        assert region.is_live(7)
        await trio.sleep(0.2)  # the last message was 60 s ago
        assert not region.is_live(7)
        stats = region.statistics()
        assert (stats.live, stats.activations, stats.passivations, stats.queued) == (0, 1, 1, 0)

        current = await inspect(chat, timeout=None)  # activates a fresh child, rebuilt from the log
        assert current.state == Count(total=30, increments=3)
        assert current.version == 3
        assert (current.statistics.recovered_from, current.statistics.replayed) == (2, 1)  # snapshot + stream
        [recorded] = (await execute(chat, Increment(by=1), meta("u3"), timeout=None)).events
        assert recorded.event == Incremented(by=1, total=31)
        stats = region.statistics()
        assert (stats.live, stats.activations, stats.passivations) == (1, 2, 1)


async def test_a_message_arriving_exactly_at_the_idle_deadline_is_not_lost(
    autojump_clock: MockClock, log: SQLiteEventLog
) -> None:
    async with Region.open("counters", counters(log), idle_timeout=60.0) as region:
        chat = region.ref(7)
        await execute(chat, Increment(by=1), meta("u1"), timeout=None)
        await trio.sleep(60.0)  # wakes in the same tick as the child's idle timer
        await chat.tell(Execute(command=Increment(by=1), meta=meta("u2")))
        current = await inspect(chat, timeout=None)
        assert current.state.total == 2


async def test_children_are_independent_and_bounded_by_max_live(log: SQLiteEventLog) -> None:
    async with Region.open("counters", counters(log), idle_timeout=None, max_live=2) as region:
        for chat in (1, 2, 3):
            await execute(region.ref(chat), Increment(by=chat), meta(f"c{chat}"), timeout=None)
        await trio.testing.wait_all_tasks_blocked()
        stats = region.statistics()
        assert (stats.live, stats.leaving, stats.activations, stats.evictions) == (2, 0, 3, 1)
        assert not region.is_live(1)  # the least recently used one made room

        current = await inspect(region.ref(1), timeout=None)
        assert current.state.total == 1
        assert (await inspect(region.ref(3), timeout=None)).state.total == 3
        stats = region.statistics()
        assert (stats.live, stats.activations, stats.evictions) == (2, 4, 2)
        assert not region.is_live(2)


class Fragile(Actor["Work | Read"]):
    def __init__(self, key: str) -> None:
        self.key = key
        self.seen = 0

    async def receive(self, message: Work | Read) -> None:
        match message:
            case Work(crash=True):
                raise RuntimeError(f"{self.key} broke")
            case Work():
                self.seen += 1
            case Read(reply=reply):
                reply.send(self.seen)


class Work(msgspec.Struct, frozen=True):
    crash: bool = False


class Read(msgspec.Struct, frozen=True):
    reply: Reply[int]


async def test_a_crashing_child_is_dropped_recorded_and_reactivated_on_demand(
    autojump_clock: MockClock, log: SQLiteEventLog
) -> None:
    journal = SystemJournal(log, run="r")
    async with Region.open("fragile", Fragile, idle_timeout=30.0, journal=journal) as region:
        await region.tell("a", Work())
        await region.tell("b", Work())
        assert await region.ask("a", Read, timeout=None) == 1

        def crash(reply: Reply[int]) -> Work:
            return Work(crash=True)

        with pytest.raises(ActorFailed, match="'fragile/a' crashed while handling the message: RuntimeError: a broke"):
            await region.ask("a", crash, timeout=None)
        assert await region.ask("b", Read, timeout=None) == 1  # the sibling is untouched
        assert await region.ask("a", Read, timeout=None) == 0  # a fresh child (it keeps no log of its own)
        stats = region.statistics()
        assert (stats.crashes, stats.activations, stats.live) == (1, 3, 2)

    assert journal.statistics().recorded == 1, journal.statistics()
    [crashed] = await log.read_stream(SYSTEM_STREAM)
    assert crashed.cid == "actor:fragile/a"
    assert isinstance(crashed.event, ActorCrashed) and crashed.event.error == "a broke"


async def test_a_message_for_a_child_on_its_way_out_waits_for_a_fresh_one(autojump_clock: MockClock) -> None:
    gate = trio.Event()

    class Slow(Actor[Work | Read]):
        def __init__(self, key: str) -> None:
            self.seen = 0

        async def receive(self, message: Work | Read) -> None:
            match message:
                case Work():
                    await gate.wait()
                    self.seen += 1
                case Read(reply=reply):
                    reply.send(self.seen)

    async with Region.open("slow", Slow, idle_timeout=None, max_live=1) as region, trio.open_nursery() as senders:
        await region.tell("a", Work())  # "a" is busy until the gate opens
        await region.tell("b", Work())  # evicts "a": it must finish its queue first
        await trio.testing.wait_all_tasks_blocked()
        assert region.statistics().leaving == 1
        answers: list[int] = []

        async def read_a() -> None:
            answers.append(await region.ask("a", Read, timeout=None))

        senders.start_soon(read_a)
        await trio.testing.wait_all_tasks_blocked()
        assert answers == []  # waiting: "a" may never run twice at once
        gate.set()
        await trio.testing.wait_all_tasks_blocked()
        assert answers == [0]  # the new "a" (its predecessor's state was in memory only)
        stats = region.statistics()
        assert (stats.live, stats.leaving, stats.evictions, stats.activations) == (1, 0, 2, 3)


async def test_a_closed_region_refuses_messages() -> None:
    async with Region.open("fragile", Fragile) as region:
        pass
    with pytest.raises(ActorStopped, match="'fragile/x' is not running"):
        await region.tell("x", Work())
