"""Callback queries: the tap creates an update, the answer reaches the user, late and second answers fail."""

from __future__ import annotations

import pytest

from trt_actors.sandbox.clock import VirtualClock
from trt_actors.sandbox.telegram import CallbackStatistics, TelegramEmulator

from .conftest import Api

TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
MENU = {"inline_keyboard": [[{"text": "Images", "callback_data": "cat:img"}, {"text": "Video", "callback_data": "cat:vid"}]]}


async def test_tap_creates_a_callback_query_and_receives_the_answer(emu: TelegramEmulator, api: Api) -> None:
    ann = emu.user(1001, "Ann")
    menu = await api.ok("sendMessage", chat_id=1001, text="Choose", reply_markup=MENU)
    tap = await ann.tap(menu["message_id"], "cat:img")
    [update] = await api.ok("getUpdates")
    query = update["callback_query"]
    assert query["id"] == tap.query_id and query["data"] == "cat:img"
    assert query["from"]["id"] == 1001 and query["message"]["message_id"] == menu["message_id"]
    assert query["chat_instance"]
    assert not tap.answered
    await api.ok("answerCallbackQuery", callback_query_id=query["id"], text="Images!", show_alert=True)
    answer = await tap.wait_answered()
    assert (answer.text, answer.show_alert) == ("Images!", True)
    assert await api.fails("answerCallbackQuery", callback_query_id=query["id"]) == TOO_OLD  # second answer


async def test_answer_after_15_seconds_fails(emu: TelegramEmulator, api: Api, clock: VirtualClock) -> None:
    ann = emu.user(1001, "Ann")
    menu = await api.ok("sendMessage", chat_id=1001, text="Choose", reply_markup=MENU)
    in_time = await ann.tap(menu["message_id"], "cat:img")
    late = await ann.tap(menu["message_id"], "cat:vid")
    await clock.advance(15)
    await api.ok("answerCallbackQuery", callback_query_id=in_time.query_id)
    await clock.advance(0.5)
    assert await api.fails("answerCallbackQuery", callback_query_id=late.query_id) == TOO_OLD
    assert await api.fails("answerCallbackQuery", callback_query_id="12345") == TOO_OLD
    assert ann.callback_statistics() == CallbackStatistics(
        total=2, answered=1, unanswered=1, expired=1, rejected_answers=2
    )
    assert emu.callback_statistics().answered == 1


async def test_tap_checks_the_button_unless_forged(emu: TelegramEmulator, api: Api) -> None:
    ann = emu.user(1001, "Ann")
    menu = await api.ok("sendMessage", chat_id=1001, text="Choose", reply_markup=MENU)
    with pytest.raises(LookupError):
        await ann.tap(menu["message_id"], "cat:nope")
    with pytest.raises(LookupError):
        await ann.tap(999, "cat:img")
    forged = await ann.tap(menu["message_id"], "admin:grant", forge=True)
    [update] = await api.ok("getUpdates")
    assert update["callback_query"]["data"] == "admin:grant" == forged.data


async def test_tap_button_by_label_uses_the_newest_message(emu: TelegramEmulator, api: Api) -> None:
    ann = emu.user(1001, "Ann")
    await api.ok("sendMessage", chat_id=1001, text="old", reply_markup=MENU)
    newer = await api.ok("sendMessage", chat_id=1001, text="new", reply_markup=MENU)
    tap = await ann.tap_button("Video")
    assert (tap.message_id, tap.data) == (newer["message_id"], "cat:vid")
    with pytest.raises(LookupError):
        await ann.tap_button("Audio")
