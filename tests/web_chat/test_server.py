"""The web chat over HTTP against the Telegram emulator, with the test playing the bot through the Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from functools import partial
from typing import Any

import httpx
import pytest
import trio

from trt_actors.sandbox.scripted import tiny_png
from trt_actors.sandbox.telegram import TelegramEmulator, TelegramUser
from trt_actors.sandbox.web_chat import serve_web_chat

ACT = {"x-web-chat": "1"}
NAME = 'Zoë "<i>&amp;\u202e'
TEXT = '<script>alert(1)</script> Tom &amp; Jerry &lt; \u202eevil\u200f'


@dataclass
class Setup:
    emulator: TelegramEmulator
    user: TelegramUser
    page: httpx.AsyncClient
    bot: httpx.AsyncClient

    async def call(self, method: str, **params: Any) -> Any:
        """A Bot API call of the bot, which must succeed."""
        answer = (await self.bot.post(f"/{method}", json=params)).json()
        assert answer["ok"], answer
        return answer["result"]


@pytest.fixture
async def setup() -> AsyncIterator[Setup]:
    async with TelegramEmulator.serve() as emulator, trio.open_nursery() as nursery:
        user = emulator.user(1001, NAME)
        url = await nursery.start(partial(serve_web_chat, user, bot_name="<Bot> & co"))
        async with (httpx.AsyncClient(base_url=url, trust_env=False, timeout=30) as page,
                    httpx.AsyncClient(base_url=emulator.bot_url, trust_env=False) as bot):
            yield Setup(emulator, user, page, bot)
        nursery.cancel_scope.cancel()


async def _bubbles(setup: Setup, seen: str = "") -> tuple[str, dict[str, str]]:
    feed = (await setup.page.get("/api/messages", params={"seen": seen})).json()
    return feed["digest"], {message["id"]: message["html"] for message in feed["messages"]}


async def test_a_text_typed_in_the_page_reaches_the_bot_as_typed(setup: Setup) -> None:
    sent = await setup.page.post("/api/send", json={"text": TEXT}, headers=ACT)
    assert sent.status_code == 200
    [update] = await setup.call("getUpdates")
    assert update["message"]["text"] == TEXT
    assert update["message"]["from"]["first_name"] == NAME


async def test_user_texts_and_names_are_shown_as_text_in_the_page_and_the_feed(setup: Setup) -> None:
    await setup.page.post("/api/send", json={"text": TEXT}, headers=ACT)
    page = await setup.page.get("/")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    escaped = ("&lt;script&gt;alert(1)&lt;", "&gt; Tom &amp;amp; Jerry &amp;lt; \u202eevil\u200f")
    assert all(part in page.text for part in escaped)  # "/script" between them is a bot command to Telegram
    assert "<script>alert" not in page.text
    assert "Zoë &quot;&lt;i&gt;&amp;amp;\u202e" in page.text  # the name
    assert "&lt;Bot&gt; &amp; co" in page.text
    _, bubbles = await _bubbles(setup)
    assert all(part in bubbles["m-1"] for part in escaped)
    assert 'class="msg user"' in bubbles["m-1"] and 'dir="auto"' in bubbles["m-1"]


async def test_the_bots_html_is_drawn_and_what_it_quoted_stays_text(setup: Setup) -> None:
    await setup.call("sendMessage", chat_id=1001, parse_mode="HTML",
                     text="<b>Order</b> for &lt;script&gt; &amp;amp; <code>x</code>",
                     reply_markup={"inline_keyboard": [[{"text": "<Go> & \u202e", "callback_data": "go\"'<"}]]})
    _, bubbles = await _bubbles(setup)
    assert "<b>Order</b> for &lt;script&gt; &amp;amp; <code>x</code>" in bubbles["m-1"]
    assert 'data-callback="go&quot;&#x27;&lt;"' in bubbles["m-1"]
    assert ">&lt;Go&gt; &amp; \u202e</button>" in bubbles["m-1"]


async def test_an_edit_wakes_the_feed_and_redraws_the_same_bubble(setup: Setup) -> None:
    sent = await setup.call("sendMessage", chat_id=1001, text="Reserving…")
    digest, before = await _bubbles(setup)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(partial(setup.call, "editMessageText", chat_id=1001, message_id=sent["message_id"],
                                   text="Done"))
        with trio.fail_after(5):  # the feed holds a poll of an unchanged chat for 20 s
            changed, after = await _bubbles(setup, digest)
    assert changed != digest
    assert list(after) == list(before) == ["m-1"]
    assert "Done" in after["m-1"] and "edited" in after["m-1"] and "Reserving" not in after["m-1"]


async def test_a_tap_in_the_page_gets_the_bots_answer(setup: Setup) -> None:
    sent = await setup.call("sendMessage", chat_id=1001, text="Menu",
                            reply_markup={"inline_keyboard": [[{"text": "Images", "callback_data": "c.images"}]]})

    async def bot() -> None:
        [update] = await setup.call("getUpdates", timeout=5)
        assert update["callback_query"]["data"] == "c.images"
        await setup.call("answerCallbackQuery", callback_query_id=update["callback_query"]["id"], text="<Opening>")

    async with trio.open_nursery() as nursery:
        nursery.start_soon(bot)
        tapped = await setup.page.post("/api/tap", json={"message_id": sent["message_id"], "data": "c.images"},
                                       headers=ACT)
    assert tapped.json() == {"text": "<Opening>", "show_alert": False, "answered": True}
    missing = await setup.page.post("/api/tap", json={"message_id": sent["message_id"], "data": "forged"},
                                    headers=ACT)
    assert missing.status_code == 404 and "no button" in missing.json()["error"]


async def test_an_invoice_shows_a_pay_button_and_paying_asks_the_bot_first(setup: Setup) -> None:
    invoice = await setup.call("sendInvoice", chat_id=1001, title="100 credits", description="<b>Stars</b>",
                               payload="p", currency="XTR", prices=[{"label": "credits", "amount": 50}])
    _, bubbles = await _bubbles(setup)
    assert f'data-pay="{invoice["message_id"]}"' in bubbles["m-1"]
    assert "&lt;b&gt;Stars&lt;/b&gt;" in bubbles["m-1"] and "50 ⭐" in bubbles["m-1"]

    async def bot() -> None:
        [update] = await setup.call("getUpdates", timeout=5)
        await setup.call("answerPreCheckoutQuery", pre_checkout_query_id=update["pre_checkout_query"]["id"], ok=True)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(bot)
        paid = await setup.page.post("/api/pay", json={"message_id": invoice["message_id"]}, headers=ACT)
    assert paid.json() == {"status": "paid", "error": None}
    _, bubbles = await _bubbles(setup)
    assert "You paid 50 ⭐" in bubbles["m-2"]


async def test_photos_go_both_ways_and_only_this_chats_files_are_served(setup: Setup) -> None:
    sent = await setup.page.post("/api/photo", params={"caption": "<cat>"}, content=tiny_png(),
                                 headers={**ACT, "content-type": "image/png"})
    assert sent.status_code == 200
    [update] = await setup.call("getUpdates")
    file_id = update["message"]["photo"][-1]["file_id"]
    assert update["message"]["caption"] == "<cat>"
    _, bubbles = await _bubbles(setup)
    assert f'<img class="media" src="/media/{file_id}"' in bubbles["m-1"] and "&lt;cat&gt;" in bubbles["m-1"]
    served = await setup.page.get(f"/media/{file_id}")
    assert served.status_code == 200 and served.content == tiny_png()

    other = setup.emulator.user(2002, "Other")
    await other.send_photo(tiny_png() + b"other")
    [elsewhere] = await setup.call("getUpdates", offset=update["update_id"] + 1)
    foreign = elsewhere["message"]["photo"][-1]["file_id"]
    assert (await setup.page.get(f"/media/{foreign}")).status_code == 404


@pytest.mark.parametrize(("request_", "status", "sentence"), [
    (("POST", "/api/send", {}, b'{"text": "hi"}'), 403, "X-Web-Chat"),
    (("POST", "/api/send", ACT, b'{"txt": "hi"}'), 400, "not what /api/send takes"),
    (("POST", "/api/send", ACT, b'{"text": "  "}'), 400, "empty"),
    (("POST", "/api/send", ACT, b'{"text": "' + b"x" * 4097 + b'"}'), 413, "at most 4096"),
    (("POST", "/api/photo", ACT, b""), 400, "empty"),
    (("POST", "/api/pay", ACT, b'{"message_id": 9}'), 404, "no invoice"),
    (("POST", "/api/nothing", ACT, b"{}"), 404, "no action"),
    (("GET", "/nothing", {}, b""), 404, "no page"),
    (("PUT", "/api/send", ACT, b"{}"), 405, "not a method"),
])
async def test_what_the_web_chat_refuses_it_says_why(
    setup: Setup, request_: tuple[str, str, dict[str, str], bytes], status: int, sentence: str
) -> None:
    method, path, headers, body = request_
    answer = await setup.page.request(method, path, headers=headers, content=body)
    assert answer.status_code == status
    assert sentence in answer.json()["error"]
    assert setup.user.conversation() == []
