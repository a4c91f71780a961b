"""The update receiver: gets updates from Telegram, records them and answers taps. It does not route.

Two modes, one recording path (:mod:`trt_actors.actors.intake`):

* **Long polling** (:meth:`UpdateReceiver.run_polling`): ``deleteWebhook`` (pending
  updates kept), then ``getUpdates`` in a loop. Each batch is committed to the
  log (each update all-or-nothing, the batch in one commit); only after the
  commit does the next call carry the new offset, which is what confirms the
  batch to Telegram. A crash in between means Telegram sends the batch again,
  and the log's dedupe on event ids makes that a no-op. 409 Conflict (another
  poller, or a webhook is set) is logged as a clear warning and backed off; 5xx
  and network errors back off exponentially; 429 waits ``retry_after``.
* **Webhook** (:meth:`UpdateReceiver.run_webhook` plus :meth:`UpdateReceiver.handle_webhook`,
  which the bot's HTTP server calls for ``POST /telegram/webhook``): the secret
  header is compared in constant time (401 and only a counter when wrong);
  bodies over 1 MB get 413; a body that is not an update is recorded as
  ``UpdateRejected`` and answered 400; otherwise record, answer, 200. A
  capacity limiter bounds the handlers running at once; a 500 (the log
  failed) makes Telegram deliver again.

After the commit, a callback query is queued for an immediate empty answer
(:class:`~trt_actors.actors.answers.CallbackAnswers`). Getting an update to its
session is the :class:`~trt_actors.actors.routing.Router`'s job: it follows the
log durably, so the receiver never waits for a session, and one busy chat
cannot hold back ``getUpdates`` for everyone.

Run it under the runtime's supervisor like any long-running task::

    root.start("receiver", receiver.run_polling)

Example::

    receiver = UpdateReceiver(log, tg, bot_id=123456)
    async with trio.open_nursery() as nursery:
        await nursery.start(receiver.run_polling)
"""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Awaitable, Callable, Sequence

from typing import ClassVar

import msgspec
import trio

from eventlog import EventLogError, EventStore
from trt_actors.actors.answers import AnswerStatistics, CallbackAnswers
from trt_actors.actors.intake import Intake, Parsed, Recorded, Rejected
from trt_actors.config import Secret
from trt_actors.http import Request, Response
from trt_actors.telegram import (
    Conflict,
    ServerError,
    TelegramAPIError,
    TelegramClient,
    TelegramNetworkError,
    TooManyRequests,
    UnexpectedResponse,
)

__all__ = [
    "ALLOWED_UPDATES",
    "MAX_WEBHOOK_BODY",
    "SECRET_HEADER",
    "ReceiverStatistics",
    "UpdateReceiver",
]

log = logging.getLogger(__name__)

ALLOWED_UPDATES: tuple[str, ...] = (
    "message",
    "edited_message",
    "callback_query",
    "pre_checkout_query",
    "my_chat_member",
)
SECRET_HEADER = "x-telegram-bot-api-secret-token"
MAX_WEBHOOK_BODY = 1024 * 1024
_RAW_LIST = msgspec.json.Decoder(list[msgspec.Raw])


class ReceiverStatistics(msgspec.Struct, frozen=True):
    COUNTERS: ClassVar[frozenset[str]] = frozenset({"polls", "batches", "received", "duplicates", "rejected", "conflicts", "rate_limited", "poll_errors", "commit_failures", "unauthorized", "too_large", "eras_started"})
    mode: str
    running: bool
    offset: int | None
    polls: int
    batches: int
    received: int
    duplicates: int
    rejected: int
    conflicts: int
    rate_limited: int
    poll_errors: int
    commit_failures: int
    unauthorized: int
    too_large: int
    eras_started: int
    webhook_in_flight: int
    answers: AnswerStatistics


class UpdateReceiver:
    """Receives updates by long polling or webhook. Run exactly one mode per process.

    ``bot_id`` (the number before the colon of the token) keys the update ids,
    so that one log can serve several bots; ``webhook_secret`` is required for
    webhook mode. ``poll_timeout`` is the long-poll wait in seconds; back-offs
    grow from ``backoff_base`` to ``backoff_cap`` seconds.
    """

    def __init__(
        self,
        log: EventStore,
        tg: TelegramClient,
        *,
        bot_id: int = 0,
        webhook_secret: Secret | None = None,
        allowed_updates: Sequence[str] = ALLOWED_UPDATES,
        poll_timeout: int = 25,
        poll_limit: int = 100,
        max_webhook_handlers: int = 32,
        answer_workers: int = 8,
        save_interval: float = 2.0,
        backoff_base: float = 1.0,
        backoff_cap: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._tg = tg
        self._clock = clock
        self._save_interval = save_interval
        self._secret = webhook_secret
        self._allowed = list(allowed_updates)
        self._poll_timeout = poll_timeout
        self._poll_limit = poll_limit
        self._handlers = trio.CapacityLimiter(max_webhook_handlers)
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self.intake = Intake(log, bot_id=bot_id, clock=clock)
        self.answers = CallbackAnswers(tg, workers=answer_workers)
        self._mode = "idle"
        self._running = False
        self._stopping = False  # stop_intake was called: take no more updates
        self._taking = trio.CancelScope()
        self.offset: int | None = None
        self._polls = self._batches = 0
        self._conflicts = self._rate_limited = self._poll_errors = self._commit_failures = 0
        self._unauthorized = self._too_large = 0

    def stop_intake(self) -> None:
        """A stop is coming: take no more updates. The long poll is cut (Telegram keeps what it did not
        confirm), a webhook answers 503 (Telegram delivers it again later, to whoever is active then)."""
        self._stopping = True
        self._taking.cancel()

    @property
    def running(self) -> bool:
        """Taking updates (false once :meth:`stop_intake` was called: ``/ready`` turns 503 for the stop)."""
        return self._running and not self._stopping

    # -- long polling ----------------------------------------------------------

    async def run_polling(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Poll until cancelled. ``task_status.started()`` once the webhook is deleted and polling begins."""
        self._mode = "polling"
        await self.intake.load()
        async with trio.open_nursery() as nursery:
            await nursery.start(self.answers.run)
            nursery.start_soon(self._keep_eras)
            await self._call_with_backoff("deleteWebhook", lambda: self._tg.delete_webhook())
            self._running = True
            task_status.started()
            try:
                self._taking = trio.CancelScope()  # a fresh one for each run (a scope is entered once)
                if self._stopping:
                    self._taking.cancel()
                with self._taking:
                    await self._poll_forever()
                await trio.sleep_forever()  # intake stopped (a stop is coming): tap answers still go out
            finally:
                self._running = False
                nursery.cancel_scope.cancel()
                with trio.CancelScope(shield=True):
                    await self.intake.eras.save(self._clock())

    async def _poll_forever(self) -> None:
        failures = 0
        while True:
            try:
                bodies = await self._get_updates()
            except Conflict as exc:
                self._conflicts += 1
                failures += 1
                pause = self._pause(failures)
                log.warning(
                    "getUpdates was refused with 409 (%s): another instance is polling this bot, or a webhook "
                    "is set. Run one poller per token, or switch to webhook mode. Retrying in %.0f s.",
                    exc.description,
                    pause,
                )
                await trio.sleep(pause)
                continue
            except TooManyRequests as exc:
                self._rate_limited += 1
                await trio.sleep(exc.retry_after or 1)
                continue
            except (ServerError, TelegramNetworkError, UnexpectedResponse, TelegramAPIError) as exc:
                self._poll_errors += 1
                failures += 1
                pause = self._pause(failures)
                log.warning("getUpdates failed (%s); retrying in %.1f s", exc, pause)
                await trio.sleep(pause)
                continue
            failures = 0
            if self.offset is not None:
                self.intake.eras.confirmed(self.offset)  # getUpdates returned: every id below it is confirmed
            if not bodies:
                continue
            items = [self.intake.parse(body, source="polling") for body in bodies]
            try:
                recorded = await self.intake.record(items)
            except EventLogError as exc:
                # The offset stays where it was: Telegram sends the same batch again.
                self._commit_failures += 1
                failures += 1
                pause = self._pause(failures)
                log.error("could not record %d updates (%s); polling them again in %.1f s", len(items), exc, pause)
                await trio.sleep(pause)
                continue
            self._batches += 1
            highest = max(_update_id(item) for item in items)
            if highest >= 0:
                self.offset = highest + 1
            await self._answer_taps(recorded)

    async def _keep_eras(self) -> None:
        while True:
            await trio.sleep(self._save_interval)
            await self.intake.eras.save(self._clock())

    async def _get_updates(self) -> list[bytes]:
        params: dict[str, object] = {"timeout": self._poll_timeout, "limit": self._poll_limit}
        params["allowed_updates"] = self._allowed
        if self.offset is not None:
            params["offset"] = self.offset
        self._polls += 1
        raw = await self._tg.api.call("getUpdates", params, timeout=self._poll_timeout + self._tg.long_poll_margin)
        return [bytes(item) for item in _RAW_LIST.decode(raw)]

    def _pause(self, failures: int) -> float:
        return float(min(self._backoff_cap, self._backoff_base * 2 ** max(0, failures - 1)))

    async def _call_with_backoff(self, what: str, call: Callable[[], Awaitable[object]]) -> None:
        failures = 0
        while True:
            try:
                await call()
                return
            except TooManyRequests as exc:
                await trio.sleep(exc.retry_after or 1)
            except (TelegramAPIError, TelegramNetworkError, UnexpectedResponse) as exc:
                failures += 1
                pause = self._pause(failures)
                log.warning("%s failed (%s); retrying in %.1f s", what, exc, pause)
                await trio.sleep(pause)

    # -- answering -------------------------------------------------------------

    async def _answer_taps(self, recorded: Sequence[Recorded]) -> None:
        # A redelivered tap is answered again unless this process already did: the first answer may
        # have died with the previous process, and a spinner that never stops costs the user.
        for item in recorded:
            query_id = item.callback_query_id
            if query_id is not None:
                await self.answers.answer(query_id)

    # -- webhook ----------------------------------------------------------------

    async def run_webhook(self, url: str, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Register ``url`` (with the secret) as the webhook, then serve answers until cancelled.

        The HTTP server must route ``POST /telegram/webhook`` to :meth:`handle_webhook`.
        """
        if self._secret is None or not self._secret.reveal():
            raise ValueError("webhook mode needs webhook_secret: set WEBHOOK_SECRET")
        self._mode = "webhook"
        secret = self._secret
        await self.intake.load()
        async with trio.open_nursery() as nursery:
            await nursery.start(self.answers.run)
            nursery.start_soon(self._keep_eras)
            # Ready before setWebhook: Telegram may deliver the moment the call returns.
            self._running = True
            try:
                await self._call_with_backoff(
                    "setWebhook",
                    lambda: self._tg.set_webhook(url, secret_token=secret, allowed_updates=self._allowed),
                )
                task_status.started()
                await trio.sleep_forever()
            finally:
                self._running = False
                nursery.cancel_scope.cancel()
                with trio.CancelScope(shield=True):
                    await self.intake.eras.save(self._clock())

    async def handle_webhook(self, request: Request) -> Response:
        """Answer one webhook POST from Telegram (see the module docstring for the statuses)."""
        if not self._secret_matches(request.headers.get(SECRET_HEADER)):
            self._unauthorized += 1
            return Response.text("unauthorized", 401)
        if len(request.body) > MAX_WEBHOOK_BODY:
            self._too_large += 1
            return Response.text("request body too large", 413)
        if not self._running or self._stopping:  # Telegram delivers it again later, to whoever is active then
            return Response.text("not ready", 503)
        async with self._handlers:
            item = self.intake.parse(request.body, source="webhook")
            try:
                recorded = await self.intake.record([item])
            except EventLogError as exc:
                self._commit_failures += 1
                log.error("could not record a webhook update (%s); answering 500 so Telegram retries", exc)
                return Response.text("could not record the update", 500)
            if isinstance(item, Rejected):
                if item.reason == "unknown-kind":
                    return Response.text("recorded; the bot does not read this kind of update")
                return Response.text(f"not a Telegram update ({item.reason})", 400)
            await self._answer_taps(recorded)
        return Response.text("ok")

    def _secret_matches(self, given: str | None) -> bool:
        if self._secret is None:
            return False
        expected = self._secret.reveal().encode("utf-8")
        if not expected:
            return False
        return hmac.compare_digest((given or "").encode("utf-8"), expected)

    # -- observing --------------------------------------------------------------

    def statistics(self) -> ReceiverStatistics:
        return ReceiverStatistics(
            mode=self._mode,
            running=self._running,
            offset=self.offset,
            polls=self._polls,
            batches=self._batches,
            received=self.intake.received,
            duplicates=self.intake.duplicates,
            rejected=self.intake.rejected,
            conflicts=self._conflicts,
            rate_limited=self._rate_limited,
            poll_errors=self._poll_errors,
            commit_failures=self._commit_failures,
            unauthorized=self._unauthorized,
            too_large=self._too_large,
            eras_started=self.intake.eras.started,
            webhook_in_flight=self._handlers.borrowed_tokens,
            answers=self.answers.statistics(),
        )


def _update_id(item: Parsed | Rejected) -> int:
    if isinstance(item, Parsed):
        return item.update.update_id
    return item.update_id if item.update_id is not None else -1
