"""A whole conversation: a tiny bot long-polls the emulator over plain httpx while a user clicks through."""

from __future__ import annotations

from typing import Any

import trio

from trt_actors.sandbox.telegram import TelegramEmulator

from .conftest import Api


async def tiny_bot(api: Api) -> None:
    """Answers /start with a menu; a tap answers the query at once, then edits the menu."""
    offset: int | None = None
    while True:
        params: dict[str, Any] = {"timeout": 30, "allowed_updates": ["message", "callback_query"]}
        if offset is not None:
            params["offset"] = offset
        for update in await api.ok("getUpdates", **params):
            offset = update["update_id"] + 1
            if "message" in update and update["message"].get("text") == "/start":
                chat = update["message"]["chat"]["id"]
                await api.ok("sendChatAction", chat_id=chat, action="typing")
                await api.ok("sendMessage", chat_id=chat, text="<b>Menu</b>", parse_mode="HTML",
                             reply_markup={"inline_keyboard": [[{"text": "Images", "callback_data": "cat:img"}]]})
            elif "callback_query" in update:
                query = update["callback_query"]
                await api.ok("answerCallbackQuery", callback_query_id=query["id"], text="Opening…")
                await api.ok("editMessageText", chat_id=query["message"]["chat"]["id"],
                             message_id=query["message"]["message_id"], text="Images: pick a model")


async def test_a_user_clicks_through_a_tiny_bot(emu: TelegramEmulator, api: Api) -> None:
    ann = emu.user(1001, "Ann", language_code="ru")
    async with trio.open_nursery() as nursery:
        nursery.start_soon(tiny_bot, api)
        with trio.fail_after(10):
            await ann.send_text("/start")
            [menu] = await ann.wait_messages(1)
            assert menu.text == "Menu" and menu.button_texts == ["Images"]
            tap = await ann.tap_button("Images")
            answer = await tap.wait_answered()
            edited = await ann.wait_until(lambda messages: messages[0].text != "Menu")
        nursery.cancel_scope.cancel()
    assert answer.text == "Opening…" and not answer.show_alert
    assert edited[0].text == "Images: pick a model" and edited[0].buttons == ()
    assert [version.text for version in edited[0].edits] == ["Menu"]
    assert emu.callback_statistics().unanswered == 0
    assert [r.method for r in emu.requests if r.method != "getUpdates"] == [
        "sendChatAction", "sendMessage", "answerCallbackQuery", "editMessageText"
    ]
