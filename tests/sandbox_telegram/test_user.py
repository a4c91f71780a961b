"""The user-side API: text, commands with bot_command entities, photos with file ids, reading back the chat."""

from __future__ import annotations

import trio

from trt_actors.sandbox.telegram import TelegramEmulator

from .conftest import Api

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 16


async def test_text_and_commands_carry_entities(emu: TelegramEmulator, api: Api) -> None:
    ann = emu.user(1001, "Ann", language_code="ru", username="ann")
    assert emu.user(1001) is ann
    await ann.send_text("/start ref_42")
    await ann.send_command("help")
    await ann.send_text("just text")
    updates = await api.ok("getUpdates")
    first = updates[0]["message"]
    assert first["from"] == {"id": 1001, "is_bot": False, "first_name": "Ann", "username": "ann", "language_code": "ru"}
    assert first["chat"]["id"] == 1001 and first["chat"]["type"] == "private"
    assert first["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert updates[1]["message"]["text"] == "/help"
    assert "entities" not in updates[2]["message"]
    assert [u["message"]["message_id"] for u in updates] == [1, 2, 3]


async def test_photo_gets_a_file_id_the_bot_can_download(emu: TelegramEmulator, api: Api) -> None:
    ann = emu.user(1001, "Ann")
    await ann.send_photo(JPEG, caption="edit this")
    [update] = await api.ok("getUpdates")
    message = update["message"]
    assert message["caption"] == "edit this"
    largest = message["photo"][-1]
    info = await api.ok("getFile", file_id=largest["file_id"])
    assert (await api.client.get(emu.file_url(info["file_path"]))).content == JPEG
    await ann.send_document(b"%PDF-1.4", file_name="brief.pdf", mime_type="application/pdf")
    [doc] = await api.ok("getUpdates", offset=update["update_id"] + 1)
    assert doc["message"]["document"]["file_name"] == "brief.pdf"


async def test_messages_read_back_in_order_and_wait(emu: TelegramEmulator, api: Api) -> None:
    ann = emu.user(1001, "Ann")
    bob = emu.user(1002, "Bob")
    async with trio.open_nursery() as nursery:

        async def bot() -> None:
            await api.ok("sendMessage", chat_id=1001, text="one")
            await api.ok("sendMessage", chat_id=1002, text="for bob")
            await api.ok("sendMessage", chat_id=1001, text="two",
                         reply_markup={"inline_keyboard": [[{"text": "Go", "callback_data": "go"}], [{"text": "Site", "url": "https://example.org"}]]})

        nursery.start_soon(bot)
        with trio.fail_after(5):
            records = await ann.wait_messages(2)
    assert [m.text for m in records] == ["one", "two"]
    assert [m.text for m in bob.messages()] == ["for bob"]
    last = ann.last_message()
    assert last.button_texts == ["Go", "Site"] and last.callback_data("Go") == "go"
    assert last.button("Site").url == "https://example.org"
    await api.ok("editMessageText", chat_id=1001, message_id=last.message_id, text="three")
    with trio.fail_after(5):
        edited = await ann.wait_until(lambda ms: ms[-1].text == "three")
    assert [v.text for v in edited[-1].edits] == ["two"]


async def test_inject_raw_update_and_statistics(emu: TelegramEmulator, api: Api) -> None:
    emu.inject_update({"message": {"garbage": True}})
    [update] = await api.ok("getUpdates")
    assert update["message"] == {"garbage": True}
    stats = emu.statistics()
    assert stats.updates.pending == 1 and stats.requests == 1
