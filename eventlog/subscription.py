"""A live subscription: catch up from a position, then follow new commits."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Collection
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

    @property
    def delivered_seq(self) -> int: ...

    def commit_signal(self) -> trio.Event: ...

    async def wait_fed(self, subscription: Subscription, signal: trio.Event) -> None: ...

    async def read_from(
        self, seq: int, limit: int = 1000, *, types: Collection[str] | None = None
    ) -> list[RecordedEvent]: ...


class Subscription:
    """Async iterator over the log from a global position; ends when the log closes.

    It reads pages from SQLite (never holding more than one page in memory) and,
    once caught up, sleeps until the writer reports the next commit. With
    ``types`` it yields only those events, and once caught up it wakes only
    for a commit that holds one of them. ``where`` narrows
    further (a shard's owner keeps its own chats' events); what it leaves out
    counts as skipped, like the other types.

    ``next_seq`` is where the next read starts: every event before it has been
    read, and with ``types`` that includes the events of other types it
    skipped, so ``next_seq - 1`` is how far the subscription has looked.

    Once caught up, it is **fed**: the log hands each new commit's events to it
    in memory, the very objects that were appended, so a follower that keeps
    up never reads SQLite or decodes a payload. A follower that falls behind
    (it was busy when a commit came) reads the log again from ``next_seq``.
    """

    def __init__(self, log: _Followed, from_seq: int, page: int, types: Collection[str] | None = None, *,
                 where: Callable[[RecordedEvent], bool] | None = None) -> None:
        self._log = log
        self._where = where
        self.next_seq = max(1, from_seq)
        self._page = page
        self._types = None if types is None else frozenset(types)
        self._buffer: deque[RecordedEvent] = deque()
        self._fed = False
        self.feeds = 0

    @property
    def position(self) -> int:
        """Every event at or below this position has been handed out (or, with ``types``, skipped)."""
        return self._buffer[0].seq - 1 if self._buffer else self.next_seq - 1

    def __aiter__(self) -> Subscription:
        return self

    def feed(self, committed: list[RecordedEvent]) -> bool:
        """Take one commit's events (ascending seq, no gap) if what comes next is among them: from ``next_seq``
        on (what is before it was read already).

        Whether the subscription has to wake: it took an event of its own, or it missed some (they come after
        ``next_seq``, so it must read them). Events of other types only move it on.
        """
        first = committed[0].seq
        if first != self.next_seq:
            skip = self.next_seq - first
            if skip >= len(committed) and committed[-1].seq < self.next_seq:
                return False  # read already, all of it
            if not 0 < skip < len(committed) or committed[skip].seq != self.next_seq:
                return True  # a gap: read the log
            committed = committed[skip:]
        types, where = self._types, self._where
        before = len(self._buffer)
        if types is None and where is None:
            self._buffer.extend(committed)
        else:
            self._buffer.extend(r for r in committed if (types is None or r.type in types) and (where is None or where(r)))
        self.next_seq = committed[-1].seq + 1
        self._fed = True
        self.feeds += 1
        return len(self._buffer) > before

    async def __anext__(self) -> RecordedEvent:
        log = self._log
        while not self._buffer:
            if log.closed:
                raise StopAsyncIteration
            # Take the commit signal before reading, so a commit that lands during the read still wakes us,
            # and the committed head, which the read is sure to see.
            signal = log.commit_signal()
            if self._fed and self.next_seq == log.delivered_seq + 1:
                await log.wait_fed(self, signal)  # fed up to the last commit announced: nothing to read
                continue
            self._fed = False
            seen = log.committed_seq
            events = await log.read_from(self.next_seq, self._page, types=self._types)
            if events:
                self.next_seq = events[-1].seq + 1
            if len(events) < self._page:  # the read reached the end: nothing else of ours up to `seen`
                self.next_seq = max(self.next_seq, seen + 1)
            where = self._where
            if where is not None:
                events = [recorded for recorded in events if where(recorded)]
            if events:
                self._buffer.extend(events)
                break
            if self.next_seq <= seen:  # a full page, none of it ours: read on before waiting
                continue
            await log.wait_fed(self, signal)
        return self._buffer.popleft()
