"""Units of work for several instances: who owns which, what a unit's actors see, where their checkpoints go."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import msgspec
import pytest

from eventlog import NewEvent, NotLeaseHolder, SQLiteEventLog
from tests.eventlog.conftest import new_event
from trt_actors.events import CODEC
from trt_actors.events.ops import LeaseAcquired, LeaseLost
from trt_actors.shards import Membership, Start, Stop, Unit, UnitStore, shard_of, unit_names

T0 = 1_700_000_000.0


def in_chat(chat_id: int | None, stream: str | None = None) -> NewEvent:
    return msgspec.structs.replace(new_event(stream=stream or f"chat:{chat_id}"), chat_id=chat_id)


def test_units_and_shards() -> None:
    assert unit_names(1) == ["active"]
    assert unit_names(3) == ["active", "shard:0/3", "shard:1/3", "shard:2/3"]
    assert shard_of(-1001234567890, 4) in range(4) and shard_of(7, 4) == 3
    assert Unit.named("shard:2/3").index == 2 and Unit.named("active").index is None
    assert Unit.named("shard:3/4").owns(7) and not Unit.named("shard:3/4").owns(8)
    assert Unit.named("active").owns(None) and not Unit.named("shard:0/4").owns(None)
    for bad in ("shard:4/4", "shard:x/4", "shard:1", "standby"):
        with pytest.raises(ValueError):
            Unit.named(bad)


async def test_a_unit_store_sees_its_own_chats_writes_under_its_lease_and_keeps_checkpoints_apart(
    tmp_path: Path,
) -> None:
    async with SQLiteEventLog.open(tmp_path / "log.sqlite3", codec=CODEC) as log:
        await log.save_checkpoint("reactor:router", 3)  # left by one instance, before the chats were shared
        await log.acquire_lease("me", ttl=10, now=T0, name="shard:1/2")
        shard = UnitStore(log, Unit.named("shard:1/2"))
        everyone = UnitStore(log, Unit.named("shard:1/2"), narrow=False)
        # Ten events of chat 2 (shard 0), then one of chat 3 (shard 1), one of no chat, one of chat 5.
        await log.append([in_chat(2) for _ in range(10)], fence=None)
        await log.append([in_chat(3), in_chat(None, "ops:x"), in_chat(5)], fence=None)
        # read_from pages past other shards' events instead of answering "nothing more" too early.
        first = await shard.read_from(1, limit=4)  # two pages of chat 2 read past, then a page with chat 3
        assert [r.chat_id for r in first] == [3]
        assert [r.chat_id for r in await shard.read_from(first[-1].seq + 1, limit=4)] == [5]
        assert len(await everyone.read_from(1, limit=4)) == 4
        assert await shard.read_from(14) == []
        seen: list[int | None] = []
        async for recorded in shard.subscribe(1):
            seen.append(recorded.chat_id)
            if len(seen) == 2:
                break
        assert seen == [3, 5]

        await shard.append([in_chat(7)])  # its own lease: written
        with pytest.raises(NotLeaseHolder):
            await UnitStore(log, Unit.named("shard:0/2")).append([in_chat(8)])
        [opened] = await shard.append([msgspec.structs.replace(in_chat(9), opens="job:9")])
        await log.append([msgspec.structs.replace(in_chat(4), opens="job:4")], fence=None)
        assert [item.item for item in await shard.open_items("job:")] == ["job:9"]
        assert [item.item for item in await everyone.open_items("job:")] == ["job:9", "job:4"]

        assert await shard.load_checkpoint("reactor:router") == 3  # from the layout before
        await shard.save_checkpoint("reactor:router", 9)
        assert await log.load_checkpoint("reactor:router@shard:1/2") == 9
        assert await shard.load_checkpoint("reactor:router") == 9
        # Another layout (SHARDS=3) starts from the lowest checkpoint any earlier one left: repeats, never gaps.
        await log.acquire_lease("me", ttl=10, now=T0, name="shard:1/3")
        assert await UnitStore(log, Unit.named("shard:1/3")).load_checkpoint("reactor:router") == 3
        assert opened.seq > 0


@contextlib.asynccontextmanager
async def logs(path: Path, count: int) -> AsyncIterator[list[SQLiteEventLog]]:
    async with contextlib.AsyncExitStack() as stack:
        yield [await stack.enter_async_context(SQLiteEventLog.open(path, codec=CODEC)) for _ in range(count)]


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


async def test_instances_take_a_fair_share_give_up_the_excess_and_take_over_a_dead_ones_units(
    tmp_path: Path,
) -> None:
    clock = Clock()
    units = unit_names(4)  # five units
    running: dict[str, set[str]] = {"a": set(), "b": set(), "c": set()}

    def member(log: SQLiteEventLog, name: str) -> Membership:
        return Membership(log, name, units=units, ttl=3.0, clock=clock)

    def hooks(name: str) -> tuple[Start, Stop]:
        async def start(unit: str) -> None:
            running[name].add(unit)

        async def stop(unit: str) -> None:
            running[name].discard(unit)

        return start, stop

    async with logs(tmp_path / "log.sqlite3", 3) as (log_a, log_b, log_c):
        a, b, c = member(log_a, "a"), member(log_b, "b"), member(log_c, "c")
        await a._turn(*hooks("a"))  # alone: everything
        assert running["a"] == set(units) and a.share == 5
        await b._turn(*hooks("b"))  # a holds all of it: b waits for a to give some up
        assert running["b"] == set()
        await a._turn(*hooks("a"))  # two alive now: a keeps three, releases two
        assert len(running["a"]) == 3
        await b._turn(*hooks("b"))
        assert len(running["b"]) == 2 and running["a"].isdisjoint(running["b"])
        await c._turn(*hooks("c"))
        for membership in (a, b, c):
            await membership._turn(*hooks(membership.holder))
        await c._turn(*hooks("c"))
        assert sorted(len(owned) for owned in running.values()) == [1, 2, 2]
        assert set().union(*running.values()) == set(units)

        # c dies (no more turns): its leases run out, and a and b take its units over, three each at most.
        dead = set(running["c"])
        clock.now += 1.0
        for membership in (a, b):
            await membership._turn(*hooks(membership.holder))
        assert not dead & (running["a"] | running["b"])  # not before its lease expired
        clock.now += 2.5  # past c's leases (taken at T0), within a's and b's (renewed a second later)
        for membership in (a, b, a, b):
            await membership._turn(*hooks(membership.holder))
        assert dead <= running["a"] | running["b"]
        assert set(running["a"]) | set(running["b"]) == set(units) and running["a"].isdisjoint(running["b"])
        assert a.lost == 0 and b.lost == 0
        for unit in dead:  # who had it and who has it now, in the unit's own stream
            history = [(type(r.event).__name__, r.event.holder, r.event.epoch)
                       for r in await log_a.read_stream(f"ops:lease:{unit}") if isinstance(r.event, (LeaseAcquired, LeaseLost))]
            assert history[-2][:2] == ("LeaseLost", "c") and history[-1][0] == "LeaseAcquired", history
            assert [r.event.reason for r in await log_a.read_stream(f"ops:lease:{unit}")
                    if isinstance(r.event, LeaseLost)][-1] == "expired"

        # c wakes up after the others took its units: it finds them lost, stops their work and writes nothing.
        await c._turn(*hooks("c"))
        assert c.lost == len(dead) and not dead & running["c"]
        with pytest.raises(NotLeaseHolder):
            await UnitStore(log_c, Unit.named(sorted(dead)[0])).append([in_chat(1)])

        await a.leave()
        assert all(lease.expires_at == 0.0 for lease in await log_a.leases() if lease.holder == "a")
