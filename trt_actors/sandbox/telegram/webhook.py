"""Webhook delivery: POST each pending update to the bot's URL, in order, until it says 2xx.

While a webhook is set, one delivery task takes the head of the update queue,
POSTs it as JSON with the ``X-Telegram-Bot-Api-Secret-Token`` header (when a
secret is set), and confirms it only on a 2xx answer. A non-2xx answer, a
connection error or no answer within ``WebhookPolicy.timeout`` seconds (on the
emulator's clock; Telegram waits 60 s) records ``last_error_date`` and
``last_error_message`` and retries the same update after a growing backoff, so
updates reach the bot strictly in order (which keeps each chat's order too).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import httpx
import msgspec
import trio

from trt_actors.sandbox.clock import Clock
from trt_actors.sandbox.telegram.updates import UpdateQueue

__all__ = ["Webhook", "WebhookPolicy", "WebhookStatistics"]

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_REASONS = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
            408: "Request Timeout", 409: "Conflict", 429: "Too Many Requests", 500: "Internal Server Error",
            502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}


class WebhookPolicy(msgspec.Struct, frozen=True):
    """How hard the emulator tries: answer timeout and retry backoff, in emulator seconds."""

    timeout: float = 10.0
    first_retry: float = 1.0
    max_retry: float = 30.0


class WebhookStatistics(msgspec.Struct, frozen=True):
    """Webhook deliveries that succeeded, attempts that failed, and whether one is in flight."""

    delivered: int
    failed_attempts: int
    in_flight: bool


class Webhook:
    """The webhook setting of one bot and the task that delivers to it."""

    def __init__(self, queue: UpdateQueue, clock: Clock, http: httpx.AsyncClient, policy: WebhookPolicy) -> None:
        self._queue = queue
        self._clock = clock
        self._http = http
        self.policy = policy
        self.url = ""
        self.secret_token: str | None = None
        self.max_connections = 40
        self.ip_address: str | None = None
        self.last_error_date: int | None = None
        self.last_error_message: str | None = None
        self._wake = trio.Event()
        self._attempt: trio.CancelScope | None = None
        self._delivered = 0
        self._failed = 0
        self._in_flight = False
        self._attempted = trio.Event()
        self._resent: set[int] = set()  # id() of updates already POSTed twice on purpose
        self.should_duplicate: Callable[[], bool] = lambda: False
        queue.on_push = self._poke

    @property
    def active(self) -> bool:
        return bool(self.url)

    def set(self, url: str, secret_token: str | None, max_connections: int | None, ip_address: str | None) -> None:
        self.url = url
        self.secret_token = secret_token
        self.max_connections = max_connections or 40
        self.ip_address = ip_address
        self._restart()

    def delete(self) -> None:
        self.url = ""
        self.secret_token = None
        self.last_error_date = None
        self.last_error_message = None
        self._restart()

    def _restart(self) -> None:
        if self._attempt is not None:
            self._attempt.cancel()
        self._poke()

    def _poke(self) -> None:
        self._wake.set()

    def info(self) -> dict[str, Any]:
        """The ``WebhookInfo`` object."""
        info: dict[str, Any] = {
            "url": self.url,
            "has_custom_certificate": False,
            "pending_update_count": self._queue.pending_count,
        }
        if self.url:
            info["max_connections"] = self.max_connections
            if self.ip_address:
                info["ip_address"] = self.ip_address
            if self._queue.allowed_updates is not None:
                info["allowed_updates"] = self._queue.allowed_updates
        if self.last_error_date is not None:
            info["last_error_date"] = self.last_error_date
            info["last_error_message"] = self.last_error_message
        return info

    @property
    def attempts(self) -> int:
        """Finished delivery attempts: successful and failed."""
        return self._delivered + self._failed

    async def wait_attempts(self, count: int) -> None:
        """Return once ``count`` delivery attempts have finished (their outcome recorded)."""
        while self.attempts < count:
            await self._attempted.wait()

    def statistics(self) -> WebhookStatistics:
        return WebhookStatistics(delivered=self._delivered, failed_attempts=self._failed, in_flight=self._in_flight)

    async def run(self) -> None:
        """Deliver forever (the emulator runs this in its nursery)."""
        backoff = self.policy.first_retry
        while True:
            update = self._queue.head() if self.url else None
            if update is None:
                self._wake = trio.Event()
                if not (self.url and self._queue.head() is not None):
                    await self._wake.wait()
                continue
            error: str | None = None
            with trio.CancelScope() as attempt:
                self._attempt = attempt
                self._in_flight = True
                error = await self._post(self.url, update)
            self._attempt = None
            self._in_flight = False
            if attempt.cancelled_caught:
                backoff = self.policy.first_retry
                continue
            if error is not None:
                self._failed += 1
                self.last_error_date = math.floor(self._clock.now())
                self.last_error_message = error
            self._attempted.set()
            self._attempted = trio.Event()
            if error is None:
                self._delivered += 1
                backoff = self.policy.first_retry
                if self._queue.head() is update:
                    if id(update) not in self._resent and self.should_duplicate():
                        self._resent.add(id(update))
                        continue
                    self._resent.discard(id(update))
                    self._queue.pop_head()
                continue
            retry_at = self._clock.now() + backoff
            with trio.CancelScope() as waiting:
                self._attempt = waiting
                await self._clock.sleep(retry_at - self._clock.now())
            self._attempt = None
            backoff = min(backoff * 2, self.policy.max_retry)

    async def _post(self, url: str, update: dict[str, Any]) -> str | None:
        headers = {"content-type": "application/json"}
        if self.secret_token:
            headers[SECRET_HEADER] = self.secret_token
        outcome: list[str | None] = []
        deadline = self._clock.now() + self.policy.timeout
        async with trio.open_nursery() as nursery:

            async def deliver() -> None:
                try:
                    response = await self._http.post(url, content=msgspec.json.encode(update), headers=headers, timeout=None)
                except httpx.ConnectError:
                    outcome.append("Connection refused")
                except httpx.HTTPError as failure:
                    outcome.append(f"Connection error: {type(failure).__name__}")
                else:
                    if 200 <= response.status_code < 300:
                        outcome.append(None)
                    else:
                        reason = _REASONS.get(response.status_code, "")
                        outcome.append(f"Wrong response from the webhook: {response.status_code} {reason}".rstrip())
                nursery.cancel_scope.cancel()

            async def expire() -> None:
                await self._clock.sleep(deadline - self._clock.now())
                outcome.append("Read timeout expired")
                nursery.cancel_scope.cancel()

            nursery.start_soon(deliver)
            nursery.start_soon(expire)
        return outcome[0] if outcome else "Read timeout expired"
