"""A live subscription: catch up from a position, then follow new commits."""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from eventlog.records import RecordedEvent

if TYPE_CHECKING:
    from eventlog.sqlite import SQLiteEventLog

__all__ = ["Subscription"]


class Subscription:
    """Async iterator over the log from a global position; ends when the log closes.

    It reads pages from SQLite (never holding more than one page in memory) and,
    once caught up, sleeps until the writer reports the next commit.
    """

    def __init__(self, log: SQLiteEventLog, from_seq: int, page: int) -> None:
        self._log = log
        self.next_seq = max(1, from_seq)
        self._page = page
        self._buffer: deque[RecordedEvent] = deque()

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> RecordedEvent:
        while not self._buffer:
            if self._log.closed:
                raise StopAsyncIteration
            # Take the commit signal before reading, so a commit that lands during the read still wakes us.
            signal = self._log._committed
            events = await self._log.read_from(self.next_seq, self._page)
            if events:
                self._buffer.extend(events)
                self.next_seq = events[-1].seq + 1
                break
            self._log._subscribers += 1
            try:
                await signal.wait()
            finally:
                self._log._subscribers -= 1
        return self._buffer.popleft()
