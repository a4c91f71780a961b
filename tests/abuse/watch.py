"""What the abuse tests share: the highest values of the bot's bounded parts, sampled while the abuse runs.

:func:`watching` samples the statistics of a running bot (live sessions, the
router's and the outbox's events in memory, the rate limiter's table, webhook
handlers and tap answers in flight) every few milliseconds for the
``async with`` block and keeps the highest of each, so a test can assert that
a limit held throughout, not only at the end. :func:`wait_passivated` waits
until every session left memory; :func:`received` counts what the log
recorded per chat.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import trio

from eventlog import RecordedEvent
from trt_actors.app import RunningBot
from trt_actors.events import UpdateReceived

__all__ = ["Peaks", "received", "wait_passivated", "watching"]

SAMPLE_EVERY = 0.002


@dataclass
class Peaks:
    """The highest value each bounded part reached while watched."""

    samples: int = 0
    live_sessions: int = 0
    router_pending: int = 0
    router_busiest_lane: int = 0
    outbox_pending: int = 0
    limiter_windows: int = 0
    webhook_in_flight: int = 0
    answers_queued: int = 0

    def see(self, bot: RunningBot) -> None:
        sessions = bot.sessions.statistics()
        router = bot.router.statistics()
        receiver = bot.receiver.statistics()
        self.samples += 1
        self.live_sessions = max(self.live_sessions, sessions.live)
        self.router_pending = max(self.router_pending, router.pending)
        self.router_busiest_lane = max(self.router_busiest_lane, router.busiest_lane)
        self.outbox_pending = max(self.outbox_pending, bot.outbox.statistics().pending)
        self.limiter_windows = max(self.limiter_windows, sessions.limited_users)
        self.webhook_in_flight = max(self.webhook_in_flight, receiver.webhook_in_flight)
        self.answers_queued = max(self.answers_queued, receiver.answers.queued)


@asynccontextmanager
async def watching(bot: RunningBot) -> AsyncIterator[Peaks]:
    """Sample ``bot`` every :data:`SAMPLE_EVERY` seconds for the block; the peaks (sampled once more at the end)."""
    peaks = Peaks()

    async def sample() -> None:
        while True:
            peaks.see(bot)
            await trio.sleep(SAMPLE_EVERY)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(sample)
        yield peaks
        peaks.see(bot)
        nursery.cancel_scope.cancel()


async def wait_passivated(bot: RunningBot, *, timeout: float = 30.0) -> None:
    """Wait until no session is in memory (each passivated after the bot's idle timeout)."""
    with trio.fail_after(timeout):
        while bot.sessions.statistics().live:
            await trio.sleep(0.05)


def received(events: list[RecordedEvent]) -> Counter[int]:
    """How many updates the log recorded per chat; raises if one ``update_id`` was recorded twice."""
    ids = [r.event.update_id for r in events if isinstance(r.event, UpdateReceived)]
    assert len(ids) == len(set(ids)), "an update was recorded twice"
    return Counter(r.chat_id for r in events if isinstance(r.event, UpdateReceived) and r.chat_id is not None)
