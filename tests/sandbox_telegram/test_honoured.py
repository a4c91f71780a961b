"""Deprecated parameters Telegram still honours are taken in strict mode, as their replacements; others stay refused."""

from __future__ import annotations

from trt_actors.sandbox.telegram import TelegramEmulator
from trt_actors.sandbox.telegram.honoured import honour_deprecated
from trt_actors.sandbox.telegram.spec import BotApiSpec

from .conftest import Api


def test_old_names_become_their_replacements_only_where_the_method_takes_them() -> None:
    spec = BotApiSpec.load()
    send = spec.method("sendMessage")
    assert send is not None
    given = {"chat_id": 1, "text": "hi", "reply_to_message_id": "7", "allow_sending_without_reply": "true",
             "disable_web_page_preview": True}
    assert honour_deprecated(send, given) == {
        "chat_id": 1, "text": "hi", "reply_parameters": {"message_id": "7", "allow_sending_without_reply": "true"},
        "link_preview_options": {"is_disabled": True},
    }
    assert "reply_to_message_id" in given  # the caller's mapping is left alone
    both = {"chat_id": 1, "text": "hi", "reply_to_message_id": 7, "reply_parameters": {"message_id": 3}}
    assert honour_deprecated(send, both) == {"chat_id": 1, "text": "hi", "reply_parameters": {"message_id": 3}}
    get_me = spec.method("getMe")
    assert get_me is not None
    assert honour_deprecated(get_me, {"reply_to_message_id": 7}) == {"reply_to_message_id": 7}


async def test_a_reply_by_reply_to_message_id_is_a_reply(emu: TelegramEmulator, api: Api) -> None:
    ann = emu.user(1001, "Ann")
    said = await ann.send_text("hello")
    sent = await api.ok("sendMessage", chat_id=1001, text="hi", reply_to_message_id=said, disable_web_page_preview=True)
    assert sent["reply_to_message"]["message_id"] == said
    assert ann.last_message().reply_to == said
    photo = await api.client.post(f"{api.base}/sendPhoto", data={"chat_id": "1001", "reply_to_message_id": str(said)},
                                  files={"photo": ("p.jpg", b"\xff\xd8jpeg", "image/jpeg")})
    assert photo.json()["result"]["reply_to_message"]["message_id"] == said


async def test_allow_sending_without_reply_is_honoured_and_a_missing_target_refused(api: Api, emu: TelegramEmulator) -> None:
    emu.user(1001, "Ann")
    alone = await api.ok("sendMessage", chat_id=1001, text="hi", reply_to_message_id=99, allow_sending_without_reply=True)
    assert "reply_to_message" not in alone
    assert await api.fails("sendMessage", chat_id=1001, text="hi", reply_to_message_id=99) == \
        "Bad Request: message to be replied not found"


async def test_other_unknown_parameters_are_still_refused(api: Api, emu: TelegramEmulator) -> None:
    emu.user(1001, "Ann")
    assert await api.fails("sendMessage", chat_id=1001, text="hi", reply_to=1) == \
        'Bad Request: unknown parameter "reply_to" for method sendMessage'
    assert await api.fails("answerCallbackQuery", callback_query_id="1", reply_to_message_id=1) == \
        'Bad Request: unknown parameter "reply_to_message_id" for method answerCallbackQuery'
