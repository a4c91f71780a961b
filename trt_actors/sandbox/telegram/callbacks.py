"""Callback queries: a user's tap on an inline button, and the bot's one chance to answer it.

Each tap creates a query that the bot may answer once, within ``expiry``
seconds (15 by default) on the emulator's clock. A late, repeated or unknown
answer fails with Telegram's ``query is too old and response timeout expired
or query ID is invalid``. The tapping side holds a :class:`Tap` and can wait for
the answer.
"""

from __future__ import annotations

from typing import Any

import trio

from trt_actors.sandbox.clock import Clock
from trt_actors.sandbox.telegram.errors import BotApiError
from trt_actors.sandbox.telegram.records import CallbackAnswer, CallbackStatistics

__all__ = ["CALLBACK_EXPIRY", "CallbackRegistry", "Tap"]

CALLBACK_EXPIRY = 15.0
TOO_OLD = "query is too old and response timeout expired or query ID is invalid"


class Tap:
    """A tap on an inline button: the callback query it created and, once given, the bot's answer.

    Example::

        tap = await user.tap(menu.message_id, "buy:1")
        answer = await tap.wait_answered()      # CallbackAnswer(text="Done", show_alert=False, ...)
    """

    def __init__(self, query_id: str, user_id: int, message_id: int | None, data: str, created_at: float) -> None:
        self.query_id = query_id
        self.user_id = user_id
        self.message_id = message_id
        self.data = data
        self.created_at = created_at
        self.answer: CallbackAnswer | None = None
        self._answered = trio.Event()

    @property
    def answered(self) -> bool:
        return self.answer is not None

    async def wait_answered(self) -> CallbackAnswer:
        """Wait until the bot answers this query; return the answer (text, alert, url)."""
        await self._answered.wait()
        assert self.answer is not None
        return self.answer

    def _set(self, answer: CallbackAnswer) -> None:
        self.answer = answer
        self._answered.set()

    def __repr__(self) -> str:
        return f"Tap({self.query_id!r}, data={self.data!r}, answer={self.answer!r})"


class CallbackRegistry:
    """Every callback query made so far, by id."""

    def __init__(self, clock: Clock, expiry: float = CALLBACK_EXPIRY) -> None:
        self._clock = clock
        self.expiry = expiry
        self._taps: dict[str, Tap] = {}
        self._counter = 0
        self._rejected = 0

    def create(self, user_id: int, message_id: int | None, data: str) -> Tap:
        self._counter += 1
        query_id = str(4_000_000_000_000_000_000 + self._counter * 1000 + user_id % 1000)  # unique: the counter is global
        tap = Tap(query_id, user_id, message_id, data, self._clock.now())
        self._taps[query_id] = tap
        return tap

    def answer(self, query_id: str, params: dict[str, Any]) -> None:
        """Record the bot's answer, or raise 400 if the query is unknown, answered or too old."""
        tap = self._taps.get(query_id)
        now = self._clock.now()
        if tap is None or tap.answered or now - tap.created_at > self.expiry:
            self._rejected += 1
            raise BotApiError.bad_request(TOO_OLD)
        tap._set(CallbackAnswer(params.get("text"), bool(params.get("show_alert", False)), params.get("url"), now))

    def taps(self, user_id: int | None = None) -> list[Tap]:
        return [tap for tap in self._taps.values() if user_id is None or tap.user_id == user_id]

    def statistics(self, user_id: int | None = None) -> CallbackStatistics:
        taps = self.taps(user_id)
        now = self._clock.now()
        answered = sum(1 for tap in taps if tap.answered)
        expired = sum(1 for tap in taps if not tap.answered and now - tap.created_at > self.expiry)
        return CallbackStatistics(
            total=len(taps),
            answered=answered,
            unanswered=len(taps) - answered,
            expired=expired,
            rejected_answers=self._rejected,
        )
