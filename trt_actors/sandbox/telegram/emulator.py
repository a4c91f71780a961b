"""The Telegram Bot API emulator: one bot token served over real HTTP on loopback.

Example::

    async with TelegramEmulator.serve(token="123456:TEST-token") as emu:
        client_base = f"{emu.api_base}/bot{emu.token}"      # point the bot's client here
        ann = emu.user(1001, "Ann", language_code="ru")
        await ann.send_text("/start")
        [reply] = await ann.wait_messages(1)
        emu.faults.rate_limit("sendMessage", every=3, retry_after=2)

Pass ``clock=VirtualClock()`` to drive long polls, callback expiry, the 10 s
pre-checkout deadline, webhook timeouts and retries and fault windows by hand.
Without one the emulator runs on the wall clock.

Differences from the real Telegram, on purpose: unknown parameters are refused
(``strict=True``) where Telegram ignores them, so client typos show up (the
deprecated ones Telegram still honours are taken, see ``honoured``); photos keep
the bytes they were sent with instead of being re-encoded as JPEG; webhooks
may use plain ``http://`` and any port (as the local Bot API server allows);
only private chats exist, one per simulated user.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import msgspec
import trio

from trt_actors.http import serve as serve_http
from trt_actors.sandbox.clock import Clock, SystemClock
from trt_actors.sandbox.telegram.callbacks import CALLBACK_EXPIRY, CallbackRegistry
from trt_actors.sandbox.telegram.chats import ChatStore
from trt_actors.sandbox.telegram.faults import Faults
from trt_actors.sandbox.telegram.files import FileStore
from trt_actors.sandbox.telegram.payments import Payments
from trt_actors.sandbox.telegram.records import CallbackStatistics, ReceivedRequest, StarTransactionRecord
from trt_actors.sandbox.telegram.server import BotApiServer
from trt_actors.sandbox.telegram.spec import BotApiSpec
from trt_actors.sandbox.telegram.state import BotState
from trt_actors.sandbox.telegram.updates import UpdateQueue, UpdateQueueStatistics
from trt_actors.sandbox.telegram.user import TelegramUser
from trt_actors.sandbox.telegram.webhook import Webhook, WebhookPolicy, WebhookStatistics

__all__ = ["EmulatorStatistics", "TelegramEmulator"]

DEFAULT_TOKEN = "123456:TEST-token"


class EmulatorStatistics(msgspec.Struct, frozen=True):
    """A snapshot of one emulator for ``/metrics`` and assertions: calls, faults, queue, webhook, callbacks, Stars."""

    requests: int
    in_flight: int
    faults_injected: int
    updates: UpdateQueueStatistics
    webhook: WebhookStatistics
    callbacks: CallbackStatistics
    files: int
    stars_balance: int


class TelegramEmulator:
    """A Bot API server for one token, with simulated users. Start it with :meth:`serve` (or :meth:`run`).

    Options: ``clock`` (None: the wall clock), ``strict`` (refuse unknown parameters),
    ``callback_expiry`` (seconds a callback query stays answerable, 15),
    ``webhook_policy`` (webhook answer timeout and retry backoff),
    ``bot_name``/``bot_username`` (what ``getMe`` says), ``request_log_limit``
    (how many calls :attr:`requests` keeps).
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        clock: Clock | None = None,
        *,
        strict: bool = True,
        callback_expiry: float = CALLBACK_EXPIRY,
        webhook_policy: WebhookPolicy | None = None,
        bot_name: str = "Emulator Bot",
        bot_username: str = "emulator_bot",
        request_log_limit: int = 100_000,
    ) -> None:
        if ":" not in token or not token.split(":", 1)[0].isdigit():
            raise ValueError(f"a bot token looks like '123456:ABC...', not {token!r}")
        self.token = token
        self.clock: Clock = clock if clock is not None else SystemClock()
        self._http = httpx.AsyncClient(timeout=httpx.Timeout(30.0), trust_env=False)
        queue = UpdateQueue(self.clock)
        self._state = BotState(
            token=token,
            clock=self.clock,
            spec=BotApiSpec.load(),
            http=self._http,
            queue=queue,
            webhook=Webhook(queue, self.clock, self._http, webhook_policy or WebhookPolicy()),
            chats=ChatStore(),
            files=FileStore(token),
            callbacks=CallbackRegistry(self.clock, callback_expiry),
            payments=Payments(self.clock, queue),
            faults=Faults(self.clock),
            bot_user={
                "id": int(token.split(":", 1)[0]),
                "is_bot": True,
                "first_name": bot_name,
                "username": bot_username,
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
                "can_connect_to_business": False,
                "has_main_web_app": False,
            },
        )
        self._state.webhook.should_duplicate = self._state.faults.should_duplicate_delivery
        self._server = BotApiServer(self._state, strict=strict, log_limit=request_log_limit)
        self._users: dict[int, TelegramUser] = {}
        self._api_base: str | None = None

    # -- lifecycle ------------------------------------------------------------

    @classmethod
    @asynccontextmanager
    async def serve(
        cls,
        token: str = DEFAULT_TOKEN,
        clock: Clock | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        **options: Any,
    ) -> AsyncIterator[TelegramEmulator]:
        """Serve a new emulator on ``host:port`` (0 picks a free port) for the ``async with`` block."""
        emulator = cls(token, clock, **options)
        async with trio.open_nursery() as nursery:
            await nursery.start(emulator.run, host, port)
            try:
                yield emulator
            finally:
                nursery.cancel_scope.cancel()

    async def run(
        self, host: str = "127.0.0.1", port: int = 0, *, task_status: trio.TaskStatus[str] = trio.TASK_STATUS_IGNORED
    ) -> None:
        """Serve until cancelled; ``await nursery.start(emu.run)`` returns the base URL."""
        try:
            async with trio.open_nursery() as nursery:
                self._api_base = await nursery.start(serve_http, self._server, host, port)
                nursery.start_soon(self._state.webhook.run)
                task_status.started(self._api_base)
        finally:
            with trio.CancelScope(shield=True):
                await self._http.aclose()

    @property
    def api_base(self) -> str:
        """``http://127.0.0.1:PORT``; the bot calls ``{api_base}/bot{token}/{method}``."""
        if self._api_base is None:
            raise RuntimeError("the emulator is not serving yet: use `async with TelegramEmulator.serve()`")
        return self._api_base

    @property
    def bot_url(self) -> str:
        """``{api_base}/bot{token}``, the prefix of every method URL."""
        return f"{self.api_base}/bot{self.token}"

    def file_url(self, file_path: str) -> str:
        """Where the bytes of a ``getFile`` result are downloaded."""
        return f"{self.api_base}/file/bot{self.token}/{file_path}"

    # -- users ----------------------------------------------------------------

    def user(
        self,
        user_id: int,
        first_name: str = "User",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
        is_premium: bool = False,
    ) -> TelegramUser:
        """The simulated user ``user_id`` (created on first call; their private chat id equals ``user_id``)."""
        existing = self._users.get(user_id)
        if existing is not None:
            return existing
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            user["last_name"] = last_name
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        if is_premium:
            user["is_premium"] = True
        simulated = TelegramUser(self._state, self._state.chats.open(user))
        self._users[user_id] = simulated
        return simulated

    @property
    def users(self) -> list[TelegramUser]:
        return list(self._users.values())

    # -- observing and steering -----------------------------------------------

    @property
    def faults(self) -> Faults:
        """Fault injection: ``rate_limit``, ``server_error``, ``block``, ``delay``, ``clear``."""
        return self._state.faults

    @property
    def requests(self) -> list[ReceivedRequest]:
        """Bot API calls received so far (the newest ``request_log_limit``), in the order they were answered."""
        return list(self._server.requests)

    def requests_for(self, method: str) -> list[ReceivedRequest]:
        """Calls of one method (any letter case)."""
        return [request for request in self._server.requests if request.method.lower() == method.lower()]

    def inject_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue a raw update as given (for malformed-update tests); ``update_id`` is added if missing."""
        if "update_id" not in update:
            update = {"update_id": self._state.queue.statistics().next_update_id, **update}
        return self._state.queue.push_raw(update)

    @property
    def pending_updates(self) -> int:
        return self._state.queue.pending_count

    def webhook_info(self) -> dict[str, Any]:
        """What ``getWebhookInfo`` would answer now."""
        return self._state.webhook.info()

    def star_transactions(self) -> list[StarTransactionRecord]:
        return self._state.payments.ledger()

    def callback_statistics(self) -> CallbackStatistics:
        """Callback queries of all users: answered, unanswered, expired, rejected answers."""
        return self._state.callbacks.statistics()

    async def wait_polling(self) -> None:
        """Return once a ``getUpdates`` long poll is waiting."""
        await self._state.queue.wait_polling()

    async def wait_updates_taken(self) -> None:
        """Return once the bot has confirmed (by offset or a 2xx webhook answer) every queued update."""
        await self._state.queue.wait_empty()

    async def wait_webhook_attempts(self, count: int) -> None:
        """Return once ``count`` webhook deliveries (successful or failed) have finished since the start."""
        await self._state.webhook.wait_attempts(count)

    async def wait_request(self, method: str | None = None) -> ReceivedRequest:
        """Wait for the next answered call (of ``method``, if given) and return it."""
        while True:
            await self._server.wait_request()
            last = self._server.requests[-1]
            if method is None or last.method.lower() == method.lower():
                return last

    def statistics(self) -> EmulatorStatistics:
        return EmulatorStatistics(
            requests=len(self._server.requests),
            in_flight=self._server.in_flight,
            faults_injected=self._state.faults.injected,
            updates=self._state.queue.statistics(),
            webhook=self._state.webhook.statistics(),
            callbacks=self._state.callbacks.statistics(),
            files=len(self._state.files),
            stars_balance=self._state.payments.balance(),
        )
