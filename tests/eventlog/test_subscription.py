"""Subscriptions: catch up from a position, then follow every commit, once each and in order."""

from __future__ import annotations

import trio

from eventlog import EventLog, RecordedEvent, open_log
from tests.eventlog.conftest import new_event
from trt_actors.events import CODEC


async def test_subscription_catches_up_then_follows_new_commits(log: EventLog) -> None:
    await log.append([new_event() for _ in range(5)])
    received: list[RecordedEvent] = []

    async def follow() -> None:
        async for recorded in log.subscribe(from_seq=3, page=2):
            received.append(recorded)
            if len(received) == 3 + 4:
                return

    async with trio.open_nursery() as nursery:
        nursery.start_soon(follow)
        with trio.fail_after(10):
            while len(received) < 3:
                await trio.sleep(0.01)
        for _ in range(4):
            await log.append([new_event()])
    assert [r.seq for r in received] == list(range(3, 10))


async def test_subscription_ends_when_the_log_closes(target: str) -> None:
    async with open_log(target, codec=CODEC) as log:
        ended = trio.Event()

        async def follow() -> None:
            async for _ in log.subscribe():
                pass
            ended.set()

        async with trio.open_nursery() as nursery:
            nursery.start_soon(follow)
            with trio.fail_after(5):
                while log.statistics().subscribers != 1:  # caught up and waiting for a commit
                    await trio.sleep(0.01)
            await log.aclose()
            with trio.fail_after(5):
                await ended.wait()


async def test_the_commit_signal_is_set_by_the_next_commit_and_counts_who_waits(log: EventLog) -> None:
    signal = log.commit_signal()
    assert not signal.is_set()

    async def wait() -> None:
        await log.wait_commit(signal)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(wait)
        nursery.start_soon(wait)
        with trio.fail_after(5):
            while log.statistics().subscribers != 2:
                await trio.sleep(0.001)
        await log.append([new_event()])
    assert signal.is_set() and log.statistics().subscribers == 0
    assert not log.commit_signal().is_set()  # a fresh one for the next commit


async def test_fed_and_lagging_followers_see_every_event_once_in_order(log: EventLog) -> None:
    """Followers that keep up are fed in memory; one that dawdles falls behind and reads the log; both see it all."""
    fast: list[int] = []
    slow: list[int] = []
    total = 300

    async def follow(into: list[int], pause: float) -> None:
        async for recorded in log.subscribe():
            into.append(recorded.seq)
            if pause:
                await trio.sleep(pause)
            if len(into) == total:
                return

    async def appender(n: int) -> None:
        for i in range(total // 6):
            await log.append([new_event(stream=f"chat:{n}")])
            if i % 7 == 0:
                await trio.sleep(0.001)

    with trio.fail_after(20):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(follow, fast, 0.0)
            nursery.start_soon(follow, slow, 0.002)
            async with trio.open_nursery() as writers:
                for n in range(6):
                    writers.start_soon(appender, n)
    assert fast == slow == list(range(1, total + 1))


async def test_a_subscription_narrowed_by_where_yields_only_its_events_read_or_fed_and_counts_the_rest_as_seen(
    log: EventLog,
) -> None:
    """A shard's owner follows only its chats: pages full of other chats' events are read past, not waited on."""

    def mine(recorded: RecordedEvent) -> bool:
        return recorded.stream.endswith(":0")

    await log.append([new_event(stream=f"chat:{n % 5}") for n in range(12)])  # mine: seq 1, 6, 11
    subscription = log.subscribe(from_seq=1, page=2, where=mine)
    received: list[int] = []

    async def follow() -> None:
        async for recorded in subscription:
            received.append(recorded.seq)
            if len(received) == 5:
                return

    async with trio.open_nursery() as nursery:
        nursery.start_soon(follow)
        with trio.fail_after(10):
            while len(received) < 3:
                await trio.sleep(0.01)
            while subscription.position < 12:  # the other chats' events after seq 11 are seen too
                await trio.sleep(0.01)
        assert received == [1, 6, 11]
        await log.append([new_event(stream="chat:3")])  # not ours: fed, and skipped
        await log.append([new_event(stream="chat:0"), new_event(stream="chat:1"), new_event(stream="chat:0")])
    assert received == [1, 6, 11, 14, 16]
    assert subscription.position == 16
