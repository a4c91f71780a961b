"""The router: updates reach their targets through the durable reactor; one busy chat holds back nobody else."""

from __future__ import annotations

import trio

from eventlog import SQLiteEventLog
from trt_actors.actors.intake import UpdateMeta
from trt_actors.actors.receiver import UpdateReceiver
from trt_actors.actors.routing import Router
from trt_actors.sandbox.telegram import TelegramEmulator
from trt_actors.telegram import InlineKeyboardButton, InlineKeyboardMarkup, TelegramClient, Update

from .conftest import BOT_ID


async def test_a_stuck_chat_holds_back_neither_other_chats_nor_polling_nor_tap_answers(
    log: SQLiteEventLog, tg: TelegramClient, emu: TelegramEmulator
) -> None:
    ann, bob = emu.user(1001, "Ann"), emu.user(1002, "Bob")
    stuck = trio.Event()
    routed: list[tuple[int | None, str]] = []

    async def route(update: Update, meta: UpdateMeta) -> None:
        if meta.chat_id == ann.id:
            await stuck.wait()  # Ann's session is hung (or very slow)
        text = update.message.text if update.message is not None else "tap"
        routed.append((meta.chat_id, text or ""))

    keyboard = InlineKeyboardMarkup(((InlineKeyboardButton("Go", callback_data="go"),),))
    sent = await tg.send_message(bob.id, "Ready?", reply_markup=keyboard)
    receiver = UpdateReceiver(log, tg, bot_id=BOT_ID, poll_timeout=1)
    async with trio.open_nursery() as nursery:
        await nursery.start(Router(log, route, answer=receiver.answers.answer).run)
        await nursery.start(receiver.run_polling)
        for n in range(100):  # far more than a session's mailbox holds
            await ann.send_text(f"ann {n}")
        await bob.send_text("bob 1")
        await bob.tap(sent.message_id, "go")
        await bob.send_text("bob 2")
        with trio.fail_after(5):
            while [text for chat, text in routed if chat == bob.id] != ["bob 1", "tap", "bob 2"]:
                await trio.sleep(0.01)
            while emu.callback_statistics().answered < 1:
                await trio.sleep(0.01)
            await emu.wait_updates_taken()  # polling went on: every update was confirmed
        assert receiver.statistics().received == 103
        stuck.set()
        with trio.fail_after(5):
            while len(routed) < 103:
                await trio.sleep(0.01)
        nursery.cancel_scope.cancel()
    assert [text for chat, text in routed if chat == ann.id] == [f"ann {n}" for n in range(100)]  # in order
