"""Delivering task callbacks the way KIE does: POST, optional HMAC, three retries.

Each delivery POSTs the callback body to ``callBackUrl`` with a 15 s
timeout. A non-2xx answer or a failed exchange counts as a failure and is
retried after ``retry_interval`` clock seconds, at most three times (four
attempts in all); then the delivery is abandoned, as KIE does. When a
``secret`` is set, every attempt carries a fresh ``X-Webhook-Timestamp`` and
its ``X-Webhook-Signature``.

The signature is written here from KIE's contract, not borrowed from the
client, so a test in which the client accepts it checks two independent
readings of the same text: ``X-Webhook-Signature`` is
``base64(HMAC-SHA256(key=webhookHmacKey, msg=taskId + "." + timestamp))``,
the timestamp in Unix seconds, the message in UTF-8.

Every attempt is appended to :attr:`CallbackSender.attempts`, so tests can
see exactly what was sent, when and with what result.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from trt_actors.sandbox.clock import Clock

__all__ = ["CallbackAttempt", "CallbackSender", "webhook_signature"]

MAX_RETRIES = 3
TIMEOUT = 15.0
TIMESTAMP_HEADER = "X-Webhook-Timestamp"
SIGNATURE_HEADER = "X-Webhook-Signature"


def webhook_signature(secret: str, task_id: str, timestamp: int) -> str:
    """The ``X-Webhook-Signature`` KIE sends for ``task_id`` at Unix second ``timestamp``."""
    message = (task_id + "." + str(timestamp)).encode("utf-8")
    return base64.b64encode(hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()).decode("ascii")


@dataclass(frozen=True)
class CallbackAttempt:
    """One POST of a callback: which task and delivery, when, and how it went."""

    task_id: str
    delivery: int
    attempt: int
    at: float
    url: str
    status: int | None
    error: str | None
    body: bytes

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class CallbackSender:
    """Sends callbacks over ``http`` with retries on ``clock``; calls ``on_attempt`` after each try."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        clock: Clock,
        *,
        secret: str | None,
        retry_interval: float,
        on_attempt: Callable[[CallbackAttempt], None],
    ) -> None:
        self._http = http
        self._clock = clock
        self._secret = secret
        self._retry_interval = retry_interval
        self._on_attempt = on_attempt
        self.attempts: list[CallbackAttempt] = []

    async def deliver(self, url: str, task_id: str, body: bytes, delivery: int = 1) -> bool:
        """POST ``body`` to ``url`` until a 2xx or until the retries run out; True if delivered."""
        for attempt in range(1, MAX_RETRIES + 2):
            headers = {"Content-Type": "application/json"}
            if self._secret is not None:
                stamp = int(self._clock.now())
                headers[TIMESTAMP_HEADER] = str(stamp)
                headers[SIGNATURE_HEADER] = webhook_signature(self._secret, task_id, stamp)
            status: int | None = None
            error: str | None = None
            try:
                response = await self._http.post(url, content=body, headers=headers, timeout=TIMEOUT)
                status = response.status_code
            except httpx.HTTPError as failure:
                error = f"{type(failure).__name__}: {failure}"
            record = CallbackAttempt(task_id, delivery, attempt, self._clock.now(), url, status, error, body)
            self.attempts.append(record)
            self._on_attempt(record)
            if record.ok:
                return True
            if attempt <= MAX_RETRIES:
                await self._clock.sleep(self._retry_interval)
        return False
