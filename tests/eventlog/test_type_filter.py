"""Reads and subscriptions filtered by event type: in seq order, through the (type, seq) index, never spinning."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence

import pytest
import trio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventlog import (
    Codec,
    EventLog,
    NewEvent,
    RecordedEvent,
    SQLiteEventLog,
    open_log,
    queries,
)
from tests.eventlog.conftest import new_event
from trt_actors.events import (
    CODEC,
    CallbackAccepted,
    CallbackRejected,
    CallbackRouted,
    Event,
)

ACCEPTED, REJECTED, ROUTED = (t.type_name() for t in (CallbackAccepted, CallbackRejected, CallbackRouted))


def of_type(name: str, n: int = 0) -> Event:
    if name == ACCEPTED:
        return CallbackAccepted(action=f"a{n}")
    if name == ROUTED:
        return CallbackRouted(target=f"t{n}")
    return CallbackRejected(reason_code="stale", data=f"d{n}")


def typed(name: str, n: int = 0) -> NewEvent:
    return new_event(event=of_type(name, n))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    kinds=st.lists(st.sampled_from([ACCEPTED, REJECTED, ROUTED]), max_size=40),
    wanted=st.sets(st.sampled_from([ACCEPTED, REJECTED, ROUTED])),
    start=st.integers(min_value=1, max_value=45),
    limit=st.integers(min_value=1, max_value=10),
)
async def test_a_filtered_read_is_the_unfiltered_read_with_other_types_left_out(
    fresh_target: Callable[[], str], kinds: list[str], wanted: set[str], start: int, limit: int
) -> None:
    async with open_log(fresh_target(), codec=CODEC) as log:  # a log of its own for each example
        await _compare(log, kinds, wanted, start, limit)


async def _compare(log: EventLog, kinds: list[str], wanted: set[str], start: int, limit: int) -> None:
    if kinds:
        await log.append([typed(kind, n) for n, kind in enumerate(kinds)])
    everything = await log.read_from(1, limit=1000)
    expected = [r for r in everything if r.seq >= start and r.type in wanted][:limit]
    assert await log.read_from(start, limit, types=wanted) == expected
    assert await log.read_from(start, limit, types=list(wanted) * 2) == expected  # repeats do not matter


async def test_filtered_reads_walk_ranges_of_the_type_index_and_never_scan(
    sqlite_log: SQLiteEventLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    await sqlite_log.append([typed(ACCEPTED)])
    plans: list[str] = []
    run = queries.events

    def explained(conn: sqlite3.Connection, codec: Codec, sql: str, params: Sequence[object]) -> list[RecordedEvent]:
        plans.append(" | ".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params)))
        return run(conn, codec, sql, params)

    monkeypatch.setattr(queries, "events", explained)
    assert [r.type for r in await sqlite_log.read_from(1, types=[ACCEPTED])] == [ACCEPTED]
    assert [r.type for r in await sqlite_log.read_from(1, types=[ACCEPTED, ROUTED, REJECTED])] == [ACCEPTED]
    assert await sqlite_log.read_from(1, types=[]) == []
    assert len(plans) == 2
    for plan in plans:
        assert "SEARCH events USING INDEX events_type_seq (type=? AND seq>?)" in plan, plan
        assert "SCAN events" not in plan, plan
    assert plans[1].count("events_type_seq") == 3


async def test_a_filtered_subscription_yields_only_its_types_and_is_fed_every_commit_without_reading(
    log: EventLog,
) -> None:
    received: list[RecordedEvent] = []
    reads = 0
    plain_read = log.read_from

    async def counted(seq: int, limit: int = 1000, *, types: object = None) -> list[RecordedEvent]:
        nonlocal reads
        reads += 1
        return await plain_read(seq, limit, types=types)  # type: ignore[arg-type]

    log.read_from = counted  # type: ignore[method-assign]

    subscription = log.subscribe(types=[ACCEPTED])

    async def follow() -> None:
        async for recorded in subscription:
            received.append(recorded)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(follow)
        with trio.fail_after(5):
            while log.statistics().subscribers != 1:
                await trio.sleep(0.01)
        # Ten commits of other types: a caught-up subscription is fed each commit in memory,
        # skips it, and goes back to waiting, without reading the log.
        for n in range(10):
            await log.append([typed(REJECTED, n)])
            with trio.fail_after(5):
                while subscription.next_seq != n + 2 or log.statistics().subscribers != 1:
                    await trio.sleep(0.001)
        await trio.sleep(0.05)
        assert reads == 1 and received == []  # only the first read, when it started; no spinning
        assert subscription.next_seq == 11 and subscription.feeds == 10  # it has looked through every commit
        await log.append([typed(ROUTED), typed(ACCEPTED, 1), typed(REJECTED)])
        with trio.fail_after(5):
            while not received:
                await trio.sleep(0.001)
        nursery.cancel_scope.cancel()
    assert [(r.seq, r.type) for r in received] == [(12, ACCEPTED)]
    assert reads == 1  # the event came in memory, from the commit


class _Steps(trio.abc.Instrument):
    """Counts the scheduling steps of the tasks with one name."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.steps = 0

    def before_task_step(self, task: trio.lowlevel.Task) -> None:
        if task.name == self.name:
            self.steps += 1


async def test_a_caught_up_filtered_subscription_sleeps_through_commits_of_other_types(log: EventLog) -> None:
    """A follower of rare events costs nothing per commit: it is moved on in memory, not woken."""
    received: list[RecordedEvent] = []
    subscription = log.subscribe(types=[ACCEPTED])

    async def follow() -> None:
        async for recorded in subscription:
            received.append(recorded)

    steps = _Steps("rare-follower")
    async with trio.open_nursery() as nursery:
        nursery.start_soon(follow, name="rare-follower")
        with trio.fail_after(5):
            while log.statistics().subscribers != 1:
                await trio.sleep(0.01)
        trio.lowlevel.add_instrument(steps)
        try:
            for n in range(20):
                await log.append([typed(REJECTED, n), typed(ROUTED, n)])
            await trio.sleep(0.05)
            assert steps.steps == 0  # twenty commits, none of its type: it never ran
            assert subscription.position == 40 and subscription.next_seq == 41  # yet it has looked through them
            await log.append([typed(ACCEPTED, 1)])
            with trio.fail_after(5):
                while not received:
                    await trio.sleep(0.001)
            assert steps.steps >= 1
        finally:
            trio.lowlevel.remove_instrument(steps)
        nursery.cancel_scope.cancel()
    assert [(r.seq, r.type) for r in received] == [(41, ACCEPTED)]
