"""The bot's update queue: sequential ids, offset confirmation, long polling, 409 conflicts.

Telegram keeps every update until the bot confirms it. ``getUpdates(offset=N)``
confirms (forgets) every update with id below N; a negative offset keeps only
the last ``-N``. A long poll waits up to ``timeout`` seconds *on the emulator's
clock* for the first update. A second poller ends the first one with 409, and so
does ``setWebhook`` (see :class:`PollTerminated`).

``allowed_updates`` is one setting per bot, changed by ``getUpdates`` and
``setWebhook``; an empty list means every type except ``chat_member``,
``message_reaction`` and ``message_reaction_count``. Updates of other types are
dropped when they reach the head of the queue, as Telegram does; so are updates
older than 24 hours (emulator clock).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

import msgspec
import trio

from trt_actors.sandbox.clock import Clock
from trt_actors.sandbox.telegram.errors import BotApiError

__all__ = ["DEFAULT_EXCLUDED", "PollTerminated", "UpdateQueue", "UpdateQueueStatistics", "update_type"]

DEFAULT_EXCLUDED = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
FIRST_UPDATE_ID = 700_000_001
UPDATE_LIFETIME = 24 * 3600.0


class PollTerminated(BotApiError):
    """A long poll ended early by another ``getUpdates`` or by ``setWebhook`` (409)."""


class UpdateQueueStatistics(msgspec.Struct, frozen=True):
    """Pending updates, the next id, polls in flight, updates handed out and updates dropped."""

    pending: int
    next_update_id: int
    polls_in_flight: int
    delivered: int
    dropped: int


def update_type(update: dict[str, Any]) -> str:
    """The kind of an update: the name of its one optional field (``message``, ``callback_query``, ...)."""
    return next((key for key in update if key != "update_id"), "unknown")


class _Poll:
    def __init__(self) -> None:
        self.wake = trio.Event()
        self.terminated_by: str | None = None
        self.timed_out = False


class UpdateQueue:
    """Pending updates of one bot, with Telegram's ``getUpdates`` semantics."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._pending: deque[dict[str, Any]] = deque()
        self._born: dict[int, float] = {}  # id(update) -> when it was queued
        self._next_id = FIRST_UPDATE_ID
        self._allowed: frozenset[str] | None = None  # None: all except DEFAULT_EXCLUDED
        self._poll: _Poll | None = None
        self._poll_started = trio.Event()
        self._consumed = trio.Event()
        self._delivered = 0
        self._dropped = 0
        self.on_push: Callable[[], None] | None = None

    # -- producing ------------------------------------------------------------

    def push(self, kind: str, payload: Any) -> dict[str, Any]:
        """Append an update ``{"update_id": n, kind: payload}``; return it."""
        update = {"update_id": self._next_id, kind: payload}
        self._next_id += 1
        return self.push_raw(update)

    def push_raw(self, update: dict[str, Any]) -> dict[str, Any]:
        """Append an update as given (tests of malformed updates use this); ids stay monotonic."""
        if isinstance(update.get("update_id"), int):
            self._next_id = max(self._next_id, update["update_id"] + 1)
        self._pending.append(update)
        self._born[id(update)] = self._clock.now()
        self._notify()
        return update

    def _notify(self) -> None:
        if self._poll is not None:
            self._poll.wake.set()
        if self.on_push is not None:
            self.on_push()

    # -- settings -------------------------------------------------------------

    def set_allowed(self, allowed: list[str] | None) -> None:
        """Change ``allowed_updates``; ``None`` keeps the previous setting, ``[]`` restores the default."""
        if allowed is None:
            return
        self._allowed = frozenset(allowed) if allowed else None

    @property
    def allowed_updates(self) -> list[str] | None:
        return sorted(self._allowed) if self._allowed is not None else None

    def is_allowed(self, update: dict[str, Any]) -> bool:
        kind = update_type(update)
        if self._allowed is None:
            return kind not in DEFAULT_EXCLUDED
        return kind in self._allowed

    # -- consuming ------------------------------------------------------------

    @property
    def pending_count(self) -> int:
        return len(self._pending)

    def confirm(self, offset: int) -> None:
        """Forget updates below ``offset``; a negative offset keeps only the last ``-offset``."""
        if offset < 0:
            keep = -offset
            while len(self._pending) > keep:
                self._pop()
        else:
            while self._pending and self._pending[0].get("update_id", 0) < offset:
                self._pop()
        self._consumed_now()

    def drop_all(self) -> None:
        """Forget every pending update (``drop_pending_updates``)."""
        self._dropped += len(self._pending)
        self._pending.clear()
        self._born.clear()
        self._consumed_now()

    def _consumed_now(self) -> None:
        self._consumed.set()
        self._consumed = trio.Event()

    async def wait_empty(self) -> None:
        """Return once every pending update has been confirmed or dropped."""
        while self._pending:
            await self._consumed.wait()

    def head(self) -> dict[str, Any] | None:
        """The first pending update of an allowed type, dropping disallowed and expired ones before it."""
        expired_before = self._clock.now() - UPDATE_LIFETIME
        while self._pending:
            first = self._pending[0]
            if self.is_allowed(first) and self._born.get(id(first), expired_before) > expired_before:
                return first
            self._pop()
            self._dropped += 1
        return None

    def _pop(self) -> None:
        self._born.pop(id(self._pending.popleft()), None)

    def take(self, limit: int) -> list[dict[str, Any]]:
        """Up to ``limit`` pending updates of allowed types, without confirming them."""
        self.head()
        batch = [update for update in self._pending if self.is_allowed(update)][:limit]
        self._delivered += len(batch)
        return batch

    def pop_head(self) -> None:
        """Confirm the first pending update (a webhook delivery succeeded)."""
        if self._pending:
            self._pop()
            self._delivered += 1
            self._consumed_now()

    async def get_updates(self, offset: int | None, limit: int, timeout: float) -> list[dict[str, Any]]:
        """``getUpdates``: confirm below ``offset``, then return at once or long-poll up to ``timeout``."""
        if self._poll is not None:
            self.terminate_poll("terminated by other getUpdates request; make sure that only one bot instance is running")
        if offset is not None:
            self.confirm(offset)
        limit = min(max(limit, 1), 100)
        if self.head() is not None or timeout <= 0:
            await trio.lowlevel.checkpoint()
            return self.take(limit)
        poll = _Poll()
        self._poll = poll
        deadline = self._clock.now() + timeout  # fixed now, so a clock moved before the timer starts still counts
        try:
            async with trio.open_nursery() as nursery:

                async def expire() -> None:
                    await self._clock.sleep(deadline - self._clock.now())
                    poll.timed_out = True
                    poll.wake.set()

                nursery.start_soon(expire)
                self._poll_started.set()
                self._poll_started = trio.Event()
                while True:
                    await poll.wake.wait()
                    if poll.terminated_by is not None or poll.timed_out or self.head() is not None:
                        break
                    poll.wake = trio.Event()
                nursery.cancel_scope.cancel()
        finally:
            if self._poll is poll:
                self._poll = None
        if poll.terminated_by is not None:
            raise PollTerminated(409, f"Conflict: {poll.terminated_by}")
        return self.take(limit)

    def terminate_poll(self, reason: str) -> None:
        """End the poll in flight, if any, with 409 ``Conflict: <reason>``."""
        if self._poll is not None:
            self._poll.terminated_by = reason
            self._poll.wake.set()
            self._poll = None

    @property
    def polls_in_flight(self) -> int:
        return 0 if self._poll is None else 1

    async def wait_polling(self) -> None:
        """Return once a long poll is waiting (tests use it before moving a virtual clock)."""
        while self._poll is None:
            await self._poll_started.wait()

    def statistics(self) -> UpdateQueueStatistics:
        return UpdateQueueStatistics(
            pending=len(self._pending),
            next_update_id=self._next_id,
            polls_in_flight=self.polls_in_flight,
            delivered=self._delivered,
            dropped=self._dropped,
        )
