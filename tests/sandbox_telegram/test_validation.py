"""Every request is checked against the Bot API spec and Telegram's limits, with Telegram's wording."""

from __future__ import annotations

import pytest

from trt_actors.sandbox.telegram import TelegramEmulator

from .conftest import Api


@pytest.fixture
async def api(emu: TelegramEmulator, api: Api) -> Api:
    """The conftest caller, with user 1001 known to the emulator (pytest-trio runs no autouse async fixtures)."""
    emu.user(1001, "Ann")
    return api


async def test_missing_required_parameters(api: Api) -> None:
    assert await api.fails("sendMessage", chat_id=1001) == "Bad Request: message text is empty"
    assert await api.fails("sendMessage", chat_id=1001, text="") == "Bad Request: message text is empty"
    assert await api.fails("sendMessage", text="hi") == "Bad Request: chat_id is empty"
    assert await api.fails("sendPhoto", chat_id=1001) == "Bad Request: there is no photo in the request"
    assert await api.fails("banChatMember", chat_id=1001) == "Bad Request: parameter user_id is required"
    assert await api.fails("getFile") == "Bad Request: invalid file_id"


async def test_unknown_parameters_and_wrong_types(api: Api) -> None:
    assert await api.fails("sendMessage", chat_id=1001, text="hi", colour="red") == (
        'Bad Request: unknown parameter "colour" for method sendMessage'
    )
    assert await api.fails("sendMessage", chat_id=1001, text="hi", disable_notification="maybe") == (
        'Bad Request: parameter "disable_notification" must be of type Boolean'
    )
    assert await api.fails("getUpdates", limit="many") == 'Bad Request: parameter "limit" must be of type Integer'
    assert await api.fails("sendMessage", chat_id=1001, text="hi", reply_markup="{oops") == (
        "Bad Request: can't parse reply_markup JSON object"
    )
    assert await api.fails("sendMessage", chat_id=1001, text="hi", reply_markup={"inline_keyboard": [[{"callback_data": "x"}]]}) == (
        'Bad Request: field "text" of InlineKeyboardButton in reply_markup.inline_keyboard[0][0] is required'
    )


async def test_lenient_mode_ignores_unknown_parameters(emu: TelegramEmulator) -> None:
    async with TelegramEmulator.serve(strict=False) as lenient:
        lenient.user(1001, "Ann")
        import httpx

        async with httpx.AsyncClient(trust_env=False) as client:
            response = await client.post(f"{lenient.bot_url}/sendMessage", json={"chat_id": 1001, "text": "hi", "colour": "red"})
        assert response.status_code == 200


async def test_text_length_counts_after_entity_parsing(api: Api) -> None:
    await api.ok("sendMessage", chat_id=1001, text="x" * 4096)
    assert await api.fails("sendMessage", chat_id=1001, text="x" * 4097) == "Bad Request: message is too long"
    # 4096 visible characters inside tags are fine: the tags do not count
    await api.ok("sendMessage", chat_id=1001, text="<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    assert await api.fails("sendMessage", chat_id=1001, text="<b></b>", parse_mode="HTML") == (
        "Bad Request: message text is empty"
    )


async def test_caption_limit(api: Api) -> None:
    photo = (await api.client.post(f"{api.base}/sendPhoto", data={"chat_id": "1001"},
                                   files={"photo": ("p.jpg", b"\xff\xd8x")})).json()["result"]["photo"][-1]["file_id"]
    await api.ok("sendPhoto", chat_id=1001, photo=photo, caption="c" * 1024)
    assert await api.fails("sendPhoto", chat_id=1001, photo=photo, caption="c" * 1025) == (
        "Bad Request: message caption is too long"
    )


@pytest.mark.parametrize("data", ["", "x" * 65, "я" * 33])  # 33 Cyrillic letters are 66 bytes
async def test_callback_data_is_1_to_64_bytes(api: Api, data: str) -> None:
    markup = {"inline_keyboard": [[{"text": "B", "callback_data": data}]]}
    assert await api.fails("sendMessage", chat_id=1001, text="t", reply_markup=markup) == "Bad Request: BUTTON_DATA_INVALID"


async def test_callback_data_of_64_bytes_passes_and_buttons_need_one_action(api: Api) -> None:
    await api.ok("sendMessage", chat_id=1001, text="t",
                 reply_markup={"inline_keyboard": [[{"text": "B", "callback_data": "я" * 32}]]})
    assert "Text buttons are unallowed" in await api.fails(
        "sendMessage", chat_id=1001, text="t", reply_markup={"inline_keyboard": [[{"text": "B"}]]}
    )


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<blink>x</blink>", 'Unsupported start tag "blink" at byte offset 0'),
        ("a < b", "Unclosed start tag at byte offset 2"),
        ("a < b > c", 'Unsupported start tag "" at byte offset 2'),
        ("fish & chips", "Character entity is not terminated at byte offset 5"),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ('<span class="red">x</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("&nbsp;", 'Unsupported HTML entity "&nbsp;" at byte offset 0'),
    ],
)
async def test_html_that_does_not_parse(api: Api, text: str, reason: str) -> None:
    assert await api.fails("sendMessage", chat_id=1001, text=text, parse_mode="HTML") == (
        f"Bad Request: can't parse entities: {reason}"
    )


async def test_html_that_parses_becomes_entities(api: Api) -> None:
    sent = await api.ok(
        "sendMessage", chat_id=1001, parse_mode="HTML",
        text='<b>Price</b>: 5 &lt;credits&gt; <a href="https://t.me">link</a> <tg-spoiler>s</tg-spoiler>',
    )
    assert sent["text"] == "Price: 5 <credits> link s"
    assert [e["type"] for e in sent["entities"]] == ["bold", "text_link", "spoiler"]
    assert sent["entities"][1]["url"] == "https://t.me"


async def test_answer_callback_text_limit(api: Api) -> None:
    assert await api.fails("answerCallbackQuery", callback_query_id="1", text="x" * 201) == "Bad Request: MESSAGE_TOO_LONG"


async def test_reply_keyboards_and_removal_are_accepted(api: Api) -> None:
    await api.ok("sendMessage", chat_id=1001, text="t", reply_markup={"remove_keyboard": True})
    await api.ok("sendMessage", chat_id=1001, text="t", reply_markup={"keyboard": [[{"text": "Menu"}]], "resize_keyboard": True})
    assert await api.fails("editMessageReplyMarkup", chat_id=1001, message_id=1, reply_markup={"remove_keyboard": True}) == (
        'Bad Request: field "inline_keyboard" of InlineKeyboardMarkup in reply_markup is required'
    )


async def test_json_null_means_absent(api: Api) -> None:
    await api.ok("sendMessage", chat_id=1001, text="t", parse_mode=None, reply_markup=None)
