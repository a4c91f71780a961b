"""A live subscription: catch up from a position, then follow new commits."""

from __future__ import annotations

from collections import deque
from collections.abc import Collection
from typing import Protocol

import trio

from eventlog.records import RecordedEvent

__all__ = ["Subscription"]


class _Followed(Protocol):
    """What a subscription needs from its log."""

    @property
    def closed(self) -> bool: ...

    @property
    def committed_seq(self) -> int: ...

    def commit_signal(self) -> trio.Event: ...

    async def wait_commit(self, signal: trio.Event) -> None: ...

    async def read_from(
        self, seq: int, limit: int = 1000, *, types: Collection[str] | None = None
    ) -> list[RecordedEvent]: ...


class Subscription:
    """Async iterator over the log from a global position; ends when the log closes.

    It reads pages from SQLite (never holding more than one page in memory) and,
    once caught up, sleeps until the writer reports the next commit. With
    ``types`` it yields only those events, yet still wakes on every commit:
    one cheap indexed read per commit, never a busy loop.

    ``next_seq`` is where the next read starts: every event before it has been
    read, and with ``types`` that includes the events of other types it
    skipped, so ``next_seq - 1`` is how far the subscription has looked.
    """

    def __init__(self, log: _Followed, from_seq: int, page: int, types: Collection[str] | None = None) -> None:
        self._log = log
        self.next_seq = max(1, from_seq)
        self._page = page
        self._types = types
        self._buffer: deque[RecordedEvent] = deque()

    @property
    def position(self) -> int:
        """Every event at or below this position has been handed out (or, with ``types``, skipped)."""
        return self._buffer[0].seq - 1 if self._buffer else self.next_seq - 1

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> RecordedEvent:
        while not self._buffer:
            if self._log.closed:
                raise StopAsyncIteration
            # Take the commit signal before reading, so a commit that lands during the read still wakes us,
            # and the committed head, which the read is sure to see.
            signal = self._log.commit_signal()
            seen = self._log.committed_seq
            events = await self._log.read_from(self.next_seq, self._page, types=self._types)
            if events:
                self._buffer.extend(events)
                self.next_seq = events[-1].seq + 1
            if len(events) < self._page:  # the read reached the end: nothing else of ours up to `seen`
                self.next_seq = max(self.next_seq, seen + 1)
            if events:
                break
            await self._log.wait_commit(signal)
        return self._buffer.popleft()
