"""Take a lock, a capacity token or a queued item without a trip through the scheduler when nothing is in the way.

trio's ``acquire()`` and ``receive()`` are checkpoints: even when the lock is
free or an item is waiting they yield once, so every other ready task runs
before the caller goes on. On the hot path that costs a whole scheduling round
each time and waits for nothing: in a burst, the reactors' hand-over of a lane,
a session's lock, the chat's send turn and the Bot API's connection limiter
were five of the twelve task steps per update (``docs/benchmarks.md``).

These helpers take what is free at once (``acquire_nowait``,
``receive_nowait``) and wait only when they must, exactly as trio would then.
What the caller gives up is a cancellation point and a yield at that spot, so
use them only on a path that soon awaits something that really waits (an
append's commit, an HTTP exchange): that await is where others get their turn.
A lock taken this way stays fair: trio hands a released lock to the task that
waited longest, so a newcomer never takes it from a waiter.

Example::

    async with held(self._lock):
        await self._log.append(events)

    key = await next_item(receive_channel)  # raises trio.EndOfChannel when it is closed and empty
"""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, TypeVar

import trio

__all__ = ["held", "next_item"]

_T = TypeVar("_T")


class _Acquirable(Protocol):
    def acquire_nowait(self) -> None: ...

    async def acquire(self) -> None: ...

    def release(self) -> None: ...


class held:
    """``async with held(lock):`` as ``async with lock:``, without the yield when the lock is free."""

    __slots__ = ("_lock",)

    def __init__(self, lock: _Acquirable) -> None:
        self._lock = lock

    async def __aenter__(self) -> None:
        try:
            self._lock.acquire_nowait()
        except trio.WouldBlock:
            await self._lock.acquire()

    async def __aexit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._lock.release()


async def next_item(channel: trio.MemoryReceiveChannel[_T]) -> _T:
    """The channel's next item: at once when one is waiting, else when one comes."""
    try:
        return channel.receive_nowait()
    except trio.WouldBlock:
        return await channel.receive()
