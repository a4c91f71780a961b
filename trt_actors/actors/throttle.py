"""Rate budgets for outgoing messages: a token bucket per chat, one for the whole bot, and pauses.

Telegram tolerates about one message per second per chat (short bursts are
fine) and about thirty per second overall; beyond that it answers 429 with a
``retry_after``. :class:`Throttle` keeps the bot under both budgets and lets the
sender pause one chat, or everything, for the time a 429 demands.

Time is trio's clock, so tests run it on ``trio.testing.MockClock``.

Example::

    throttle = Throttle(per_chat_rate=1.0, per_chat_burst=3, global_rate=30.0)
    await throttle.wait_turn(chat_id)      # returns when this chat may send
    throttle.pause_chat(chat_id, 5.0)      # after a 429 with retry_after=5
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import ClassVar

import msgspec
import trio

from trt_actors.uncontended import held

__all__ = ["Throttle", "ThrottleStatistics", "TokenBucket"]


class TokenBucket:
    """``rate`` tokens per second, at most ``burst`` saved up. Starts full."""

    def __init__(self, rate: float, burst: float, now: float) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("a token bucket needs rate > 0 and burst >= 1")
        self.rate = rate
        self.burst = burst
        self._tokens = burst
        self._stamp = now

    def _refill(self, now: float) -> None:
        if now > self._stamp:
            self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now

    def wait_needed(self, now: float) -> float:
        """Seconds until one token is available (0 when it is)."""
        self._refill(now)
        # The epsilon keeps float rounding from asking for a sleep too short to move the clock.
        return 0.0 if self._tokens >= 1 - 1e-9 else (1 - self._tokens) / self.rate

    def take(self, now: float) -> None:
        self._refill(now)
        self._tokens -= 1

    def full(self, now: float) -> bool:
        self._refill(now)
        return self._tokens >= self.burst


class ThrottleStatistics(msgspec.Struct, frozen=True):
    COUNTERS: ClassVar[frozenset[str]] = frozenset({"waits"})
    chats_tracked: int
    paused_chats: int
    globally_paused: bool
    waits: int


class Throttle:
    """Per-chat and global budgets, plus pauses ordered by a 429."""

    def __init__(
        self,
        *,
        per_chat_rate: float = 1.0,
        per_chat_burst: float = 3.0,
        global_rate: float = 30.0,
        global_burst: float = 30.0,
    ) -> None:
        self._chat_rate = per_chat_rate
        self._chat_burst = per_chat_burst
        self._global = TokenBucket(global_rate, global_burst, trio.current_time())
        self._chats: dict[int, TokenBucket] = {}
        self._chat_pauses: dict[int, float] = {}
        self._global_pause = 0.0
        self._waits = 0
        self._locks: dict[int, trio.Lock] = {}

    def pause_chat(self, chat_id: int, seconds: float) -> None:
        """Send nothing to ``chat_id`` for ``seconds`` (a 429's ``retry_after``)."""
        until = trio.current_time() + seconds
        self._chat_pauses[chat_id] = max(until, self._chat_pauses.get(chat_id, 0.0))

    def pause_all(self, seconds: float) -> None:
        """Send nothing at all for ``seconds`` (a flood on the whole bot)."""
        self._global_pause = max(self._global_pause, trio.current_time() + seconds)

    def paused(self, chat_id: int) -> bool:
        now = trio.current_time()
        return self._chat_pauses.get(chat_id, 0.0) > now or self._global_pause > now

    @asynccontextmanager
    async def turn(self, chat_id: int) -> AsyncIterator[None]:
        """Send one message to ``chat_id`` inside the block: one sender at a time per chat, within the budgets.

        The outbox and the job runner both send to a chat; a 429 one of them meets pauses the chat (call
        :meth:`pause_chat` inside the block) before the other's turn, so no call goes out inside a ban that
        Telegram has already announced.
        """
        lock = self._locks.get(chat_id)
        if lock is None:
            lock = self._locks[chat_id] = trio.Lock()
        try:
            async with held(lock):  # the block holds an HTTP call: that is where others run
                await self.wait_turn(chat_id)
                yield
        finally:
            now_held = lock.statistics()
            if not now_held.locked and not now_held.tasks_waiting and self._locks.get(chat_id) is lock:
                del self._locks[chat_id]  # only chats being sent to keep a lock

    async def wait_turn(self, chat_id: int) -> None:
        """Return once ``chat_id`` may send one message; that message is counted against both budgets."""
        while True:
            now = trio.current_time()
            pause = max(self._chat_pauses.get(chat_id, 0.0), self._global_pause) - now
            bucket = self._chats.get(chat_id)
            if bucket is None:
                bucket = self._chats[chat_id] = TokenBucket(self._chat_rate, self._chat_burst, now)
            wait = max(pause, bucket.wait_needed(now), self._global.wait_needed(now))
            if wait <= 0:
                bucket.take(now)
                self._global.take(now)
                self._chat_pauses.pop(chat_id, None)
                return
            self._waits += 1
            await trio.sleep(max(wait, 1e-6))

    def forget_idle(self) -> None:
        """Drop the state of chats whose bucket is full again and that are not paused (bounds memory)."""
        now = trio.current_time()
        for chat_id in [c for c, b in self._chats.items() if b.full(now) and self._chat_pauses.get(c, 0.0) <= now]:
            del self._chats[chat_id]
            self._chat_pauses.pop(chat_id, None)

    def statistics(self) -> ThrottleStatistics:
        now = trio.current_time()
        return ThrottleStatistics(
            chats_tracked=len(self._chats),
            paused_chats=sum(until > now for until in self._chat_pauses.values()),
            globally_paused=self._global_pause > now,
            waits=self._waits,
        )
