"""forwardMessage and copyMessage between private chats; what can be neither."""

from __future__ import annotations

import trio

from trt_actors.sandbox.telegram import TelegramEmulator, TelegramUser

from .conftest import Api

KEYBOARD = {"inline_keyboard": [[{"text": "Yes", "callback_data": "y"}]]}


async def test_forward_keeps_the_content_and_names_the_origin(emu: TelegramEmulator, api: Api) -> None:
    ann, bob = emu.user(1001, "Ann"), emu.user(1002, "Bob")
    said = await ann.send_text("look at https://example.com")
    forwarded = await api.ok("forwardMessage", chat_id=1002, from_chat_id=1001, message_id=said)
    assert forwarded["text"] == "look at https://example.com" and forwarded["entities"][0]["type"] == "url"
    assert forwarded["forward_origin"]["sender_user"]["id"] == 1001 and forwarded["forward_origin"]["type"] == "user"
    again = await api.ok("forwardMessage", chat_id=1001, from_chat_id=1002, message_id=forwarded["message_id"])
    assert again["forward_origin"] == forwarded["forward_origin"]  # a forward of a forward names the first sender
    assert bob.last_message().text == "look at https://example.com"
    assert await api.fails("forwardMessage", chat_id=1002, from_chat_id=1001, message_id=999) == \
        "Bad Request: message to forward not found"
    assert await api.fails("forwardMessage", chat_id=1002, from_chat_id=5, message_id=said) == \
        "Bad Request: chat not found"


async def test_copy_answers_a_message_id_and_takes_a_new_caption_and_keyboard(emu: TelegramEmulator, api: Api) -> None:
    ann = emu.user(1001, "Ann")
    photo = await ann.send_photo(b"\xff\xd8jpeg", caption="old")
    copied = await api.ok("copyMessage", chat_id=1001, from_chat_id=1001, message_id=photo,
                          caption="<b>new</b>", parse_mode="HTML", reply_markup=KEYBOARD)
    record = ann.message(copied["message_id"])
    assert copied == {"message_id": record.message_id}
    assert record.kind == "photo" and record.caption == "new" and record.button_texts == ["Yes"]
    text = await api.ok("sendMessage", chat_id=1001, text="menu", reply_markup=KEYBOARD)
    plain = await api.ok("copyMessage", chat_id=1001, from_chat_id=1001, message_id=text["message_id"])
    assert ann.message(plain["message_id"]).text == "menu" and ann.message(plain["message_id"]).buttons == ()


async def _paying(ann: TelegramUser) -> None:
    await ann.pay()


async def test_payments_cannot_be_forwarded_and_invoices_not_copied(emu: TelegramEmulator, api: Api) -> None:
    ann = emu.user(1001, "Ann")
    invoice = await api.ok("sendInvoice", chat_id=1001, title="Stars", description="Five", payload="p",
                           currency="XTR", prices=[{"label": "Stars", "amount": 5}])
    assert await api.fails("copyMessage", chat_id=1001, from_chat_id=1001, message_id=invoice["message_id"]) == \
        "Bad Request: message can't be copied"
    forwarded = await api.ok("forwardMessage", chat_id=1001, from_chat_id=1001, message_id=invoice["message_id"])
    assert forwarded["invoice"]["total_amount"] == 5
    async with trio.open_nursery() as nursery:
        nursery.start_soon(_paying, ann)
        [update] = await api.ok("getUpdates", timeout=5)
        await api.ok("answerPreCheckoutQuery", pre_checkout_query_id=update["pre_checkout_query"]["id"], ok=True)
    [paid] = await api.ok("getUpdates", offset=update["update_id"] + 1)
    receipt = paid["message"]["message_id"]
    assert await api.fails("forwardMessage", chat_id=1001, from_chat_id=1001, message_id=receipt) == \
        "Bad Request: message can't be forwarded"
    assert await api.fails("copyMessage", chat_id=1001, from_chat_id=1001, message_id=receipt) == \
        "Bad Request: message can't be copied"
