"""The broadcasts actor on a real log, with the real outbox sending to the Telegram emulator over HTTP."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import pytest
import trio

from eventlog import NewEvent, Position, SQLiteEventLog
from trt_actors.actors.broadcasts import BroadcastRefused, Broadcasts
from trt_actors.actors.outbox import Outbox
from trt_actors.actors.throttle import Throttle
from trt_actors.broadcast import BroadcastProgress
from trt_actors.broadcast.recipients import recipients
from trt_actors.events import DispatchOk
from trt_actors.events.broadcast import (
    BroadcastFinished,
    BroadcastQueued,
    BroadcastStarted,
)
from trt_actors.events.session import SessionStarted
from trt_actors.sandbox.telegram import TelegramEmulator
from trt_actors.telegram import TelegramClient

from .conftest import users_wrote

TEXT = "<b>New models</b> are here &amp; cheaper"
SHOWN = "New models are here & cheaper"


def fast_throttle() -> Throttle:
    return Throttle(per_chat_rate=100.0, per_chat_burst=10, global_rate=1000.0, global_burst=100)


@asynccontextmanager
async def running(*actors: Broadcasts | Outbox) -> AsyncIterator[None]:
    async with trio.open_nursery() as nursery:
        for actor in actors:
            await nursery.start(actor.run)
        yield
        nursery.cancel_scope.cancel()


async def wait_progress(broadcasts: Broadcasts, broadcast_id: str, until: str = "done",
                        at_least: int = 1, timeout: float = 20.0) -> BroadcastProgress:
    """Poll ``progress`` until its field ``until`` reaches ``at_least`` (``done``: true)."""
    with trio.fail_after(timeout):
        while True:
            progress = await broadcasts.progress(broadcast_id)
            if progress is not None and int(getattr(progress, until)) >= at_least:
                return progress
            await trio.sleep(0.02)


async def test_invalid_html_is_refused_with_a_sentence_and_records_nothing(log: SQLiteEventLog) -> None:
    await users_wrote(log, None, [1001])
    before = await log.read_from(1, 100)
    broadcasts = Broadcasts(log)
    async with running(broadcasts):
        with pytest.raises(BroadcastRefused, match=r"</i> at character 8 does not match <b> .*close the inner tag"):
            await broadcasts.start("b1", admin_id=7, text="<b>sale</i>", ts=1.0)
        with pytest.raises(BroadcastRefused, match="not 1-64 letters"):
            await broadcasts.start("b 1", admin_id=7, text="hi", ts=1.0)
    assert await log.read_from(1, 100) == before
    assert await broadcasts.progress("b1") is None


async def test_delivers_to_every_user_once_and_counts_the_blocked(
    log: SQLiteEventLog, tg: TelegramClient, emu: TelegramEmulator
) -> None:
    users = [1001, 1002, 1003, 1004]
    await users_wrote(log, emu, users)
    emu.user(1003).block_bot()
    broadcasts = Broadcasts(log, batch=3)
    async with running(broadcasts, Outbox(log, tg, throttle=fast_throttle(), checkpoint_interval=0.05)):
        started = await broadcasts.start("b1", admin_id=7, text=TEXT, ts=1_767_222_000.0, cid="u-admin-1")
        assert started.recipients == 4 and started.admin_id == 7 and not started.done
        done = await wait_progress(broadcasts, "b1")
        again = await broadcasts.start("b1", admin_id=7, text=TEXT, ts=1_767_222_001.0)  # a repeat: a no-op
        with pytest.raises(BroadcastRefused, match="taken by another broadcast"):
            await broadcasts.start("b1", admin_id=7, text="something else", ts=1_767_222_002.0)
    assert (done.recipients, done.queued, done.delivered, done.unreachable, done.failed) == (4, 4, 3, 1, 0)
    assert again == done and again.started_at == 1_767_222_000.0
    for user in users:
        assert [m.text for m in emu.user(user).messages()] == ([] if user == 1003 else [SHOWN])

    stream = await log.read_stream("broadcast:b1")
    first, *queued, last = stream
    assert isinstance(first.event, BroadcastStarted) and first.event_id == "broadcast:b1:started"
    assert first.event.recipients == tuple(users) and first.user_id == 7 and first.cid == "u-admin-1"
    assert [(r.event_id, r.chat_id, r.user_id, r.cid, r.causation) for r in queued] == [
        (f"broadcast:b1:{u}", u, u, "u-admin-1", first.event_id) for u in users
    ]
    assert all(isinstance(r.event, BroadcastQueued) for r in queued)
    assert isinstance(last.event, BroadcastFinished) and last.event_id == "broadcast:b1:finished"
    assert await log.open_items("broadcast:") == []
    [ok] = [r for r in await log.read_stream("outbox:1001") if isinstance(r.event, DispatchOk)]
    assert ok.event_id == "dispatch:broadcast:b1:1001:ok" and ok.cid == "u-admin-1"
    assert ok.causation == "broadcast:b1:1001"
    sent = emu.requests_for("sendMessage")
    assert {r.params.get("parse_mode") for r in sent} == {"HTML"}


async def test_a_broadcast_to_nobody_finishes_at_once(log: SQLiteEventLog) -> None:
    broadcasts = Broadcasts(log)
    async with running(broadcasts):
        await broadcasts.start("b0", admin_id=7, text="hello", ts=1.0)
        done = await wait_progress(broadcasts, "b0")
    assert (done.recipients, done.delivered, done.done) == (0, 0, True)


async def test_the_recipients_are_the_private_chats_that_ever_wrote(log: SQLiteEventLog) -> None:
    await users_wrote(log, None, [1003, 1001])
    await users_wrote(log, None, [1002])
    group = NewEvent(event_id="g", stream="chat:-100", event=SessionStarted(language="en"), cid="g", ts=1.0,
                     chat_id=-100, user_id=1004)
    await log.append([group])
    assert await recipients(log) == (1001, 1002, 1003)


class StallingLog:
    """A real log that commits the ``stall_at``-th append of broadcast copies and then never answers:
    a crash after the commit and before the actor learned of it."""

    def __init__(self, log: SQLiteEventLog, stall_at: int) -> None:
        self.log = log
        self.stall_at = stall_at
        self.stalled = trio.Event()

    async def append(self, events: Sequence[NewEvent], **kwargs: object) -> list[Position]:
        positions = await self.log.append(events)
        if any(isinstance(e.event, BroadcastQueued) for e in events):
            self.stall_at -= 1
            if self.stall_at == 0:
                self.stalled.set()
                await trio.sleep_forever()
        return positions

    def __getattr__(self, name: str) -> object:
        return getattr(self.log, name)


async def test_queueing_resumes_after_a_restart_and_queues_nobody_twice(log: SQLiteEventLog) -> None:
    users = list(range(5001, 5501))
    await users_wrote(log, None, users)
    stalling = StallingLog(log, stall_at=4)
    first = Broadcasts(stalling, batch=40)  # type: ignore[arg-type]  # a stand-in with the log's methods
    async with trio.open_nursery() as nursery:
        await nursery.start(first.run)
        await first.start("b1", admin_id=7, text="hi", ts=1.0)
        await stalling.stalled.wait()
        nursery.cancel_scope.cancel()
    assert len(await log.read_stream("broadcast:b1")) == 1 + 4 * 40

    second = Broadcasts(log, batch=40)
    async with running(second):
        progress = await wait_progress(second, "b1", until="queued", at_least=len(users))
    queued = [r.event for r in (await log.read_stream("broadcast:b1"))[1:]]
    assert [e.recipient for e in queued if isinstance(e, BroadcastQueued)] == users  # each once, in order
    assert progress.queued == len(users) and not progress.done  # no outbox ran: nothing ended yet


async def test_two_thousand_users_within_the_rate_limit_through_429s_blocks_and_a_restart(
    log: SQLiteEventLog, tg: TelegramClient, emu: TelegramEmulator
) -> None:
    rate, burst, workers = 200.0, 10.0, 16
    users = list(range(100_001, 102_001))
    blocked = set(users[7::50])  # 40 users blocked the bot
    await users_wrote(log, emu, users)
    for user in blocked:
        emu.user(user).block_bot()
    emu.faults.rate_limit("sendMessage", every=150, retry_after=1)

    def budget() -> Throttle:
        return Throttle(per_chat_rate=1.0, per_chat_burst=3, global_rate=rate, global_burst=burst)

    def outbox() -> Outbox:
        return Outbox(log, tg, throttle=budget(), broadcast_workers=workers, checkpoint_interval=0.2)

    began = time.monotonic()
    broadcasts = Broadcasts(log)
    async with trio.open_nursery() as nursery:
        await nursery.start(broadcasts.run)
        await nursery.start(outbox().run)
        await broadcasts.start("big", admin_id=7, text=TEXT, ts=1_767_222_000.0)
        midway = await wait_progress(broadcasts, "big", until="delivered", at_least=700)
        nursery.cancel_scope.cancel()  # a restart in the middle: every actor stops
    assert not midway.done

    broadcasts = Broadcasts(log)
    async with running(broadcasts, outbox()):
        done = await wait_progress(broadcasts, "big", timeout=45)
    elapsed = time.monotonic() - began

    reachable = [u for u in users if u not in blocked]
    assert (done.recipients, done.delivered, done.unreachable, done.failed) == (2000, len(reachable), len(blocked), 0)
    assert all([m.text for m in emu.user(u).messages()] == [SHOWN] for u in reachable)  # each exactly once
    assert all(emu.user(u).messages() == [] for u in blocked)
    [finished] = [r.event for r in await log.read_stream("broadcast:big") if isinstance(r.event, BroadcastFinished)]
    assert (finished.delivered, finished.unreachable, finished.failed) == (len(reachable), len(blocked), 0)

    calls = emu.requests_for("sendMessage")
    assert sum(c.status == 200 for c in calls) == len(reachable)
    limited = [c for c in calls if c.status == 429]
    assert limited and emu.statistics().faults_injected >= len(limited)
    # Every 429 was retried, no sooner than its retry_after.
    by_chat: dict[object, list[float]] = {}
    for call in calls:
        by_chat.setdefault(call.params["chat_id"], []).append(call.at)
    for call in limited:
        later = [at for at in by_chat[call.params["chat_id"]] if at > call.at]
        assert later and min(later) - call.at >= 1.0 - 0.05
    # The global budget: at most rate × 1 s + one burst per run of the outbox (+ calls in flight) in any second.
    times = sorted(c.at for c in calls)
    busiest, start = 0, 0
    for end, at in enumerate(times):
        while times[start] <= at - 1.0:
            start += 1
        busiest = max(busiest, end - start + 1)
    assert busiest <= rate + 2 * burst + workers, busiest
    assert len(times) / (times[-1] - times[0]) <= rate
    assert elapsed < 60
    print(f"2000 users: {elapsed:.1f} s, busiest second {busiest} calls, {len(limited)} 429s, "
          f"midway {midway.delivered} delivered")
