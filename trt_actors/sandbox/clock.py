"""Clocks for the emulators: the wall clock, or a virtual one that tests move by hand.

An emulator asks its clock for ``now()`` (Unix seconds, used for message
dates, expiries and rate windows) and sleeps with ``await clock.sleep(s)``
(used for long polls, scripted delays and retries). With :class:`VirtualClock`
nothing happens until the test calls :meth:`VirtualClock.advance`, so
expiries, retries and rate limits are deterministic.

Example::

    clock = VirtualClock()
    ...                           # start an emulator with clock=clock
    await clock.advance(15.0)     # a callback query is now too old to answer
"""

from __future__ import annotations

import heapq
import itertools
import time
from typing import Protocol

import trio
import trio.testing

__all__ = ["Clock", "SystemClock", "VirtualClock"]


class Clock(Protocol):
    def now(self) -> float:
        """Unix time in seconds."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Return once ``seconds`` have passed on this clock."""
        ...


class SystemClock:
    """The real wall clock; sleeps are trio sleeps."""

    def now(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await trio.sleep(max(0.0, seconds))


class VirtualClock:
    """Time that moves only when :meth:`advance` (or :meth:`advance_to`) is called."""

    def __init__(self, start: float = 1_767_225_600.0) -> None:
        self._now = start
        self._sleepers: list[tuple[float, int, trio.Event]] = []
        self._order = itertools.count()

    def now(self) -> float:
        return self._now

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await trio.lowlevel.checkpoint()
            return
        wake = trio.Event()
        heapq.heappush(self._sleepers, (self._now + seconds, next(self._order), wake))
        await wake.wait()

    @property
    def sleepers(self) -> int:
        """How many tasks are sleeping on this clock (useful to wait until one is)."""
        return sum(1 for _, _, event in self._sleepers if not event.is_set())

    async def advance(self, seconds: float) -> None:
        """Move time forward, waking sleepers in deadline order, and let them run."""
        if seconds < 0:
            raise ValueError("a virtual clock cannot go backwards")
        await self.advance_to(self._now + seconds)

    async def advance_to(self, when: float) -> None:
        while self._sleepers and self._sleepers[0][0] <= when:
            deadline, _, wake = heapq.heappop(self._sleepers)
            self._now = max(self._now, deadline)
            wake.set()
            await trio.testing.wait_all_tasks_blocked()
        self._now = max(self._now, when)
        await trio.testing.wait_all_tasks_blocked()
