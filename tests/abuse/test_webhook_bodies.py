"""A client POSTs 1 MB bodies to the webhook (webhook mode) while Telegram delivers a chat's updates there too.

The issue's scenario at a smaller count: 40 bodies, each one byte over the
webhook's limit (``MAX_WEBHOOK_BODY``, 1 MiB), over four connections at once,
half with the right secret (refused 413) and half without (refused 401),
while the emulator delivers a calm chat's messages to the same webhook. No
body over the limit writes anything or takes a webhook handler; the calm
chat is answered; every session leaves memory once idle. ``bench/abuse.py``
sends them for twenty seconds and measures the bot's memory.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import httpx
import trio

from tests.abuse.watch import received, wait_passivated, watching
from tests.e2e.support import WEBHOOK_PATH, bot_process, free_port, wait_settled
from trt_actors.actors.receiver import MAX_WEBHOOK_BODY, SECRET_HEADER
from trt_actors.app import BOT_STREAM
from trt_actors.events import UpdateRejected

SECRET = "abuse-secret"
BODIES = 40
CONNECTIONS = 4
CALM_MESSAGES = 4


def oversized_body() -> bytes:
    """A JSON update one byte over the limit (a text no Telegram message could carry)."""
    head = b'{"update_id": 1, "message": {"message_id": 1, "date": 1, "chat": {"id": 1, "type": "private"}, "text": "'
    return (head + b"x" * MAX_WEBHOOK_BODY)[: MAX_WEBHOOK_BODY - 2] + b'"}}'


async def test_1mb_bodies_get_413_or_401_write_nothing_and_the_calm_chat_is_answered(tmp_path: Path) -> None:
    body = oversized_body()
    assert len(body) == MAX_WEBHOOK_BODY + 1
    statuses: Counter[int] = Counter()
    async with bot_process(tmp_path / "trt.sqlite3", webhook_secret=SECRET, port=free_port(),
                           idle_timeout=0.5) as process:
        bot, emulator = process.bot, process.emulator
        calm = emulator.user(8301, "Calm", language_code="en")

        async def client(index: int) -> None:
            async with httpx.AsyncClient(timeout=30.0, trust_env=False) as http:
                for number in range(index, BODIES, CONNECTIONS):
                    headers = {"content-type": "application/json"}
                    if number % 2 == 0:
                        headers[SECRET_HEADER] = SECRET
                    response = await http.post(f"{bot.http_url}{WEBHOOK_PATH}", content=body, headers=headers)
                    statuses[response.status_code] += 1

        async def talk() -> None:
            for count in range(1, CALM_MESSAGES + 1):
                await calm.send_text("/help")
                with trio.fail_after(30):
                    await calm.wait_messages(count)

        async with watching(bot) as peaks:
            async with trio.open_nursery() as nursery:
                for index in range(CONNECTIONS):
                    nursery.start_soon(client, index)
                nursery.start_soon(talk)
            await wait_settled(bot)
        receiver = bot.receiver.statistics()
        await wait_passivated(bot)
        events = await bot.log.read_from(1, limit=100_000)

    assert statuses == {413: BODIES // 2, 401: BODIES // 2}
    assert (receiver.too_large, receiver.unauthorized, receiver.rejected) == (BODIES // 2, BODIES // 2, 0)
    # Only the calm chat wrote: its updates (each once) and what they caused; no body over the limit.
    assert received(events) == {calm.chat_id: CALM_MESSAGES}
    assert len(calm.messages()) == CALM_MESSAGES
    assert {r.chat_id for r in events if r.stream not in ("ops:lease", BOT_STREAM)} == {calm.chat_id}
    assert not [r for r in events if isinstance(r.event, UpdateRejected)]
    # A refused body never took one of the webhook's handlers; the calm chat's took one at a time.
    assert peaks.webhook_in_flight <= 1 and receiver.webhook_in_flight == 0
    assert peaks.live_sessions <= 1 and bot.sessions.statistics().live == 0
