"""Real frameworks work against the Telegram emulator unchanged: an aiogram 3 bot and a python-telegram-bot bot.

Each bot (``bots/``) runs as a child process in a venv of its own, pointed at
an emulator served by the test, and a simulated user walks it through one
scenario: /start, a tap that edits the message, an echo of a text with a link
(the link's entity reaches the bot), a photo each way, a dice, a location,
chat member and profile photos, a copy and a forward, and a paid Stars
invoice. Everything is asserted on what the user saw.
"""

from __future__ import annotations

import httpx
import trio

from tests.frameworks.conftest import BotProcess, StartBot
from tests.telegram.conftest import png
from trt_actors.sandbox.telegram import BotMessage, TelegramEmulator, TelegramUser

TOKEN = "123456:FRAMEWORK-test-token"
STEP = 20.0
"""Seconds one step may take: the bot is a real process on the wall clock."""


async def _answer(user: TelegramUser, bot: BotProcess, count: int) -> list[BotMessage]:
    """The chat once the bot has sent ``count`` messages in all; fails with the bot's output if it does not."""
    with trio.move_on_after(STEP):
        return await user.wait_messages(count)
    raise AssertionError(f"the bot sent {len(user.messages())} of {count} messages; its output:\n{bot.output()}")


async def _downloaded(emu: TelegramEmulator, file_id: str) -> httpx.Response:
    async with httpx.AsyncClient(trust_env=False) as http:
        found = (await http.post(f"{emu.bot_url}/getFile", json={"file_id": file_id})).json()
        assert found["ok"], found
        assert found["result"]["file_path"].endswith(".png")
        return await http.get(emu.file_url(found["result"]["file_path"]))


async def test_a_framework_bot_walks_the_scenario(framework: str, start_bot: StartBot) -> None:
    async with TelegramEmulator.serve(TOKEN) as emu:
        bot = start_bot(emu.api_base, TOKEN)
        ann = emu.user(1001, "Ann")

        await ann.send_text("/start")
        [hello] = await _answer(ann, bot, 1)
        assert hello.text == "Hello, Ann!" and hello.button_texts == ["Tap me"]

        tap = await ann.tap_button("Tap me")
        with trio.fail_after(STEP):
            answer = await tap.wait_answered()
            await ann.wait_until(lambda messages: messages[0].text == "Tapped")
        assert answer.text == "Tapped"
        assert [version.text for version in ann.message(hello.message_id).edits] == ["Hello, Ann!"]

        said = await ann.send_text("hello https://example.com/a?b=1")
        echo = (await _answer(ann, bot, 2))[-1]
        assert echo.text == "echo: hello https://example.com/a?b=1 [url]" and echo.reply_to == said
        if framework == "aiogram":  # still offered by aiogram, dropped from the docs, honoured by Telegram
            assert {"reply_to_message_id", "disable_web_page_preview"} <= emu.requests_for("sendMessage")[-1].params.keys()

        picture = png(48, 32)
        await ann.send_photo(picture)
        back = (await _answer(ann, bot, 3))[-1]
        assert back.kind == "photo" and back.caption == f"48x32 {len(picture)} bytes"
        assert back.file_id is not None
        download = await _downloaded(emu, back.file_id)
        assert download.content == picture and download.headers["content-type"] == "image/png"

        await ann.send_text("/dice")
        await ann.send_text("/where")
        await ann.send_text("/me")
        # Three updates at once: aiogram handles them as concurrent tasks, so the answers may come in any order.
        by_kind = {answer.kind: answer for answer in (await _answer(ann, bot, 6))[-3:]}
        assert sorted(by_kind) == ["dice", "location", "text"] and by_kind["text"].text == "member, 0 photos"

        await ann.send_text("/copy")
        copied, forwarded = (await _answer(ann, bot, 8))[-2:]
        assert copied.text == forwarded.text == "/copy"

        await ann.send_text("/buy")
        invoice = (await _answer(ann, bot, 9))[-1]
        assert invoice.invoice is not None and invoice.invoice.total_amount == 5
        with trio.fail_after(STEP):
            outcome = await ann.pay()
        assert outcome.status == "paid", outcome
        receipt = (await _answer(ann, bot, 10))[-1]
        assert receipt.text == f"paid 5 XTR, charge {outcome.telegram_payment_charge_id}"

        refused = [request for request in emu.requests if request.status != 200]
        assert refused == [], refused
