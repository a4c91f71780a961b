"""Answering callback queries at once, without letting a slow answer hold up intake.

A tap shows a spinner until the bot calls ``answerCallbackQuery``; after about
10-15 s Telegram refuses the answer (``QueryTooOld``). The receiver hands each
recorded callback query to :class:`CallbackAnswers`, a bounded queue served by
a few worker tasks that send a quick empty answer. A late or repeated answer is
only counted: it must never stop the next update. A query this process has
already answered (Telegram redelivered the tap) is not answered again; one whose
answer failed, or that a restart forgot, is (a spinner that never stops costs
the user more than one refused call). A query counts as answered from the moment
its answer is queued, so the router answering a recent tap again after the
receiver did costs nothing.

An answer that fails for a reason that may pass (Telegram's 5xx, a 429, the
network, no answer within ``timeout``) is sent again after a short backoff
(:data:`BACKOFF`), for as long as Telegram would still take it
(:data:`ANSWER_WINDOW` after the tap was queued); a refusal that will not
pass (400 but "too old", 401, 403) is final at once. Every query ends counted
in :class:`AnswerStatistics`: answered (``retried`` of them after a failure),
too old, or failed; a failure is also logged with its query id and attempts.

Example::

    answers = CallbackAnswers(tg)
    async with trio.open_nursery() as nursery:
        await nursery.start(answers.run)
        await answers.answer("4711")       # queued; a worker answers it
"""

from __future__ import annotations

import logging
from collections import OrderedDict

from typing import ClassVar

import msgspec
import trio

from trt_actors.telegram import (
    QueryTooOld,
    ServerError,
    TelegramClient,
    TelegramError,
    TelegramNetworkError,
    TooManyRequests,
)

__all__ = ["ANSWER_WINDOW", "BACKOFF", "AnswerStatistics", "CallbackAnswers"]

ANSWER_WINDOW = 10.0
"""Seconds after a tap in which an answer is still worth sending (Telegram refuses it after about 10-15 s)."""

BACKOFF = (0.25, 0.5, 1.0, 2.0, 3.0)
"""Seconds before each new attempt at an answer that failed for a passing reason (the last repeats)."""

log = logging.getLogger(__name__)


class AnswerStatistics(msgspec.Struct, frozen=True):
    COUNTERS: ClassVar[frozenset[str]] = frozenset({"answered", "repeated", "too_old", "failed", "retried"})
    queued: int
    in_flight: int
    answered: int
    repeated: int
    too_old: int
    failed: int
    retried: int = 0


class CallbackAnswers:
    """A bounded pool that answers callback queries: ``workers`` tasks, ``capacity`` waiting ids."""

    def __init__(self, tg: TelegramClient, *, workers: int = 8, capacity: int = 1024, timeout: float = 5.0,
                 window: float = ANSWER_WINDOW) -> None:
        self._tg = tg
        self._workers = workers
        self._timeout = timeout
        self._window = window
        self._send, self._receive = trio.open_memory_channel[tuple[str, float]](capacity)
        self._in_flight = 0
        self._done: OrderedDict[str, None] = OrderedDict()
        self._remember = 4 * capacity
        self.answered = 0
        self.repeated = 0
        self.too_old = 0
        self.failed = 0
        self.retried = 0

    async def answer(self, callback_query_id: str) -> None:
        """Queue an answer (waits only when ``capacity`` answers are already waiting)."""
        if callback_query_id in self._done:
            self.repeated += 1
            return
        self._done[callback_query_id] = None
        while len(self._done) > self._remember:
            self._done.popitem(last=False)
        await self._send.send((callback_query_id, trio.current_time()))

    def _failed(self, query_id: str) -> None:
        self.failed += 1
        self._done.pop(query_id, None)  # a later redelivery may try again

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Serve answers until cancelled."""
        async with trio.open_nursery() as nursery:
            for index in range(self._workers):
                nursery.start_soon(self._work, name=f"callback-answers:{index}")
            task_status.started()

    async def _work(self) -> None:
        async for query_id, queued_at in self._receive:
            self._in_flight += 1
            try:
                await self._answer(query_id, queued_at)
            finally:
                self._in_flight -= 1

    async def _answer(self, query_id: str, queued_at: float) -> None:
        """Answer one query, again after a passing failure while Telegram would still take the answer."""
        for attempt in range(1, 1000):
            pause = BACKOFF[min(attempt, len(BACKOFF)) - 1]
            try:
                with trio.move_on_after(self._timeout) as scope:
                    await self._tg.answer_callback_query(query_id)
                if not scope.cancelled_caught:
                    self.answered += 1
                    self.retried += attempt > 1
                    return
                why = f"no answer within {self._timeout:.1f} s"
            except QueryTooOld:
                self.too_old += 1
                log.info("callback query %s was too old to answer", query_id)
                return
            except TooManyRequests as exc:
                why, pause = str(exc), max(pause, float(exc.retry_after or 0))
            except (ServerError, TelegramNetworkError) as exc:
                why = str(exc)
            except TelegramError as exc:  # a refusal that will not pass
                self._failed(query_id)
                log.warning("could not answer callback query %s: %s", query_id, exc)
                return
            if trio.current_time() + pause - queued_at > self._window:
                self._failed(query_id)
                log.warning("gave up answering callback query %s after %d attempts (%s)", query_id, attempt, why)
                return
            await trio.sleep(pause)

    def statistics(self) -> AnswerStatistics:
        return AnswerStatistics(
            queued=self._receive.statistics().current_buffer_used,
            in_flight=self._in_flight,
            answered=self.answered,
            repeated=self.repeated,
            too_old=self.too_old,
            failed=self.failed,
            retried=self.retried,
        )
