"""Webhook mode through the bot's HTTP server: secret check, size limit, rejects, dedupe, 200 after the append."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import trio

from eventlog import SQLiteEventLog
from trt_actors.actors.intake import UpdateMeta
from trt_actors.actors.receiver import SECRET_HEADER, UpdateReceiver
from trt_actors.actors.routing import Router
from trt_actors.config import Secret
from trt_actors.events import UpdateReceived, UpdateRejected
from trt_actors.http.bot_server import BotServer
from trt_actors.sandbox.telegram import TelegramEmulator
from trt_actors.telegram import TelegramClient, Update

from .conftest import BOT_ID, Routed, events_of

SECRET = "s3cret_-Token"


def message_update(update_id: int, text: str = "hi", message_id: int = 1) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": message_id,
            "date": 1,
            "chat": {"id": 42, "type": "private"},
            "from": {"id": 42, "is_bot": False, "first_name": "Q"},
            "text": text,
        },
    }


class Bot:
    def __init__(self, receiver: UpdateReceiver, url: str, http: httpx.AsyncClient) -> None:
        self.receiver = receiver
        self.url = url
        self.http = http

    async def post(self, body: bytes, secret: str | None = SECRET) -> httpx.Response:
        headers = {"content-type": "application/json"}
        if secret is not None:
            headers[SECRET_HEADER] = secret
        return await self.http.post(f"{self.url}/telegram/webhook", content=body, headers=headers)


@asynccontextmanager
async def webhook_bot(log: SQLiteEventLog, tg: TelegramClient, route: Routed) -> AsyncIterator[Bot]:
    receiver = UpdateReceiver(log, tg, bot_id=BOT_ID, webhook_secret=Secret(SECRET))
    server = BotServer(receiver=receiver)
    async with trio.open_nursery() as nursery, httpx.AsyncClient(timeout=5.0, trust_env=False) as http:
        await nursery.start(Router(log, route, answer=receiver.answers.answer).run)
        url: str = await nursery.start(server.run)
        await nursery.start(receiver.run_webhook, f"{url}/telegram/webhook")
        yield Bot(receiver, url, http)
        nursery.cancel_scope.cancel()


async def test_wrong_or_missing_secret_is_401_and_records_nothing(
    log: SQLiteEventLog, tg: TelegramClient, emu: TelegramEmulator
) -> None:
    route = Routed()
    async with webhook_bot(log, tg, route) as bot:
        body = json.dumps(message_update(1)).encode()
        assert (await bot.post(body, secret="wrong")).status_code == 401
        assert (await bot.post(body, secret=None)).status_code == 401
        assert (await bot.post(body, secret=SECRET + "x")).status_code == 401
        assert bot.receiver.statistics().unauthorized == 3
    assert await log.read_from(1) == [] and route.items == []


async def test_malformed_body_is_400_and_recorded_once(
    log: SQLiteEventLog, tg: TelegramClient, emu: TelegramEmulator
) -> None:
    route = Routed()
    async with webhook_bot(log, tg, route) as bot:
        first = await bot.post(b"{not json")
        again = await bot.post(b"{not json")  # a retry does not pile up
        shaped = await bot.post(b'{"update_id": "seven"}')
        assert (first.status_code, again.status_code, shaped.status_code) == (400, 400, 400)
        assert SECRET not in first.text
        # A well-formed update of a kind the bot does not read: recorded, and 200 so Telegram moves on.
        assert (await bot.post(b'{"update_id": 8, "business_message": {}}')).status_code == 200
    rejected = [r.event for r in await events_of(log, UpdateRejected) if isinstance(r.event, UpdateRejected)]
    assert sorted(r.reason for r in rejected) == ["not-an-update", "not-json", "unknown-kind"]
    assert route.items == []


async def test_oversized_body_is_413(log: SQLiteEventLog, tg: TelegramClient, emu: TelegramEmulator) -> None:
    route = Routed()
    async with webhook_bot(log, tg, route) as bot:
        response = await bot.post(b"x" * (1024 * 1024 + 1))
        assert response.status_code == 413
        assert bot.receiver.statistics().too_large == 1
    assert await log.read_from(1) == []


async def test_200_comes_after_the_append_and_duplicates_are_processed_once(
    log: SQLiteEventLog, tg: TelegramClient, emu: TelegramEmulator
) -> None:
    in_log_when_routed: list[bool] = []

    class Checking(Routed):
        async def __call__(self, update: Update, meta: UpdateMeta) -> None:
            in_log_when_routed.append(bool(await log.read_cid(meta.cid)))
            await super().__call__(update, meta)

    route = Checking()
    async with webhook_bot(log, tg, route) as bot:
        body = json.dumps(message_update(77, "once")).encode()
        responses = [await bot.post(body) for _ in range(3)]
        assert [r.status_code for r in responses] == [200, 200, 200]
        [recorded] = await events_of(log, UpdateReceived)  # already durable when the 200 came
        assert isinstance(recorded.event, UpdateReceived) and recorded.event.source == "webhook"
        await route.wait_count(1)
    assert len(route.items) == 1 and in_log_when_routed == [True]


async def test_real_webhook_delivery_from_the_emulator_with_duplicates(
    log: SQLiteEventLog, tg: TelegramClient, emu: TelegramEmulator
) -> None:
    route = Routed()
    ann = emu.user(1001, "Ann")
    emu.faults.duplicate_webhook(every=1)
    async with webhook_bot(log, tg, route) as bot:
        assert emu.webhook_info()["url"].endswith("/telegram/webhook")
        await ann.send_text("one")
        await ann.send_text("two")
        await route.wait_count(2)
        with trio.fail_after(5):
            await emu.wait_webhook_attempts(4)
            await emu.wait_updates_taken()
        assert bot.receiver.statistics().duplicates >= 1
    texts = [u.message.text for u, _ in route.items if u.message is not None]
    assert texts == ["one", "two"]
    assert len(await events_of(log, UpdateReceived)) == 2
