"""Webhook delivery: POSTs with the secret header, redelivery with backoff on non-2xx and on timeout,
strict order, getWebhookInfo fields, deleteWebhook(drop_pending_updates)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import trio

from trt_actors.http import Request, Response, serve
from trt_actors.sandbox.clock import VirtualClock
from trt_actors.sandbox.telegram import TelegramEmulator

from .conftest import Api


class Receiver:
    """A bot-side webhook endpoint that answers with scripted statuses (200 once the script runs out)."""

    def __init__(self, statuses: list[int] | None = None, hang: int = 0) -> None:
        self.statuses = list(statuses or [])
        self.hang = hang  # this many first requests never answer
        self.received: list[tuple[dict[str, str], dict[str, Any], int]] = []
        self.url = ""
        self._arrived = trio.Event()

    async def __call__(self, request: Request) -> Response:
        status = self.statuses.pop(0) if self.statuses else 200
        self.received.append((dict(request.headers), json.loads(request.body), status))
        self._arrived.set()
        self._arrived = trio.Event()
        if self.hang > 0:
            self.hang -= 1
            await trio.sleep_forever()
        return Response.json({}, status=status)

    async def wait_count(self, count: int) -> None:
        while len(self.received) < count:
            await self._arrived.wait()


@asynccontextmanager
async def receiving(receiver: Receiver) -> AsyncIterator[Receiver]:
    async with trio.open_nursery() as nursery:
        receiver.url = await nursery.start(serve, receiver, "127.0.0.1", 0) + "/hook"
        yield receiver
        nursery.cancel_scope.cancel()


async def test_delivers_each_update_with_the_secret_header(emu: TelegramEmulator, api: Api) -> None:
    async with receiving(Receiver()) as hook:
        assert (await api.call("setWebhook", url=hook.url, secret_token="s3cr3t_-X")).description == "Webhook was set"
        ann = emu.user(1001, "Ann")
        await ann.send_text("one")
        await ann.send_text("two")
        with trio.fail_after(5):
            await emu.wait_updates_taken()
    headers = [h for h, _, _ in hook.received]
    assert all(h["x-telegram-bot-api-secret-token"] == "s3cr3t_-X" for h in headers)
    assert [body["message"]["text"] for _, body, _ in hook.received] == ["one", "two"]
    info = await api.ok("getWebhookInfo")
    assert info["url"] == hook.url and info["pending_update_count"] == 0 and "last_error_date" not in info


async def test_non_2xx_is_redelivered_in_order_with_backoff(
    emu: TelegramEmulator, api: Api, clock: VirtualClock
) -> None:
    async with receiving(Receiver([500, 502])) as hook:
        await api.ok("setWebhook", url=hook.url)
        ann = emu.user(1001, "Ann")
        await ann.send_text("one")
        await ann.send_text("two")
        with trio.fail_after(5):
            await emu.wait_webhook_attempts(1)
        info = await api.ok("getWebhookInfo")
        assert info["pending_update_count"] == 2
        assert info["last_error_message"] == "Wrong response from the webhook: 500 Internal Server Error"
        assert info["last_error_date"] == int(clock.now())
        await clock.advance(0.5)
        assert len(hook.received) == 1  # backoff not over yet
        await clock.advance(0.5)
        with trio.fail_after(5):
            await emu.wait_webhook_attempts(2)
        assert (await api.ok("getWebhookInfo"))["last_error_message"].startswith("Wrong response from the webhook: 502")
        await clock.advance(2)  # the second backoff doubles
        with trio.fail_after(5):
            await emu.wait_updates_taken()
    texts = [(body["message"]["text"], status) for _, body, status in hook.received]
    assert texts == [("one", 500), ("one", 502), ("one", 200), ("two", 200)]
    assert (await api.ok("getWebhookInfo"))["pending_update_count"] == 0


async def test_timeout_is_an_error_and_the_update_is_resent(
    emu: TelegramEmulator, api: Api, clock: VirtualClock
) -> None:
    async with receiving(Receiver(hang=1)) as hook:
        await api.ok("setWebhook", url=hook.url)
        await emu.user(1001, "Ann").send_text("slow")
        with trio.fail_after(5):
            await hook.wait_count(1)
        await clock.advance(10)  # WebhookPolicy.timeout
        with trio.fail_after(5):
            await emu.wait_webhook_attempts(1)
        info = await api.ok("getWebhookInfo")
        assert info["last_error_message"] == "Read timeout expired"
        await clock.advance(1)
        with trio.fail_after(5):
            await emu.wait_updates_taken()
    assert [body["message"]["text"] for _, body, _ in hook.received] == ["slow", "slow"]


async def test_unreachable_webhook_and_drop_pending_updates(emu: TelegramEmulator, api: Api, clock: VirtualClock) -> None:
    await api.ok("setWebhook", url="http://127.0.0.1:9/hook")
    await emu.user(1001, "Ann").send_text("lost")
    with trio.fail_after(5):
        await emu.wait_webhook_attempts(1)
    assert emu.webhook_info()["last_error_message"] == "Connection refused"
    assert (await api.ok("getWebhookInfo"))["pending_update_count"] == 1
    answer = await api.call("deleteWebhook", drop_pending_updates=True)
    assert answer.body == {"ok": True, "result": True, "description": "Webhook was deleted"}
    assert await api.ok("getWebhookInfo") == {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
    assert (await api.call("deleteWebhook")).description == "Webhook is already deleted"


async def test_set_webhook_validation(api: Api) -> None:
    assert await api.fails("setWebhook", url="http://x/hook", secret_token="bad secret!") == (
        "Bad Request: secret token contains unallowed characters"
    )
    assert await api.fails("setWebhook", url="ftp://x/hook") == (
        "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
    )
    assert await api.fails("setWebhook") == "Bad Request: bad webhook: URL must be provided for webhook"


async def test_duplicate_deliveries_repeat_the_same_update_id(emu: TelegramEmulator, api: Api) -> None:
    emu.faults.duplicate_webhook(every=2)
    async with receiving(Receiver()) as hook:
        await api.ok("setWebhook", url=hook.url)
        ann = emu.user(1001, "Ann")
        for text in ("a", "b", "c"):
            await ann.send_text(text)
        with trio.fail_after(5):
            await emu.wait_updates_taken()
    texts = [body["message"]["text"] for _, body, _ in hook.received]
    ids = [body["update_id"] for _, body, _ in hook.received]
    assert texts == ["a", "b", "b", "c"]
    assert ids[1] == ids[2]
