"""Entities Telegram finds by itself, in the users' texts and in the bot's."""

from __future__ import annotations

from trt_actors.sandbox.telegram import TelegramEmulator
from trt_actors.sandbox.telegram.auto_entities import detect_entities, with_detected

from .conftest import Api


def test_links_addresses_mentions_hashtags_and_commands() -> None:
    text = "see https://example.com/a?b=1, www.x.org and mail ann@example.com @anna_k #news #2024 /start@bot 🙂 tg://resolve"
    found = [(entity["type"], text.encode("utf-16-le")[2 * entity["offset"]: 2 * (entity["offset"] + entity["length"])]
              .decode("utf-16-le")) for entity in detect_entities(text)]
    assert found == [
        ("url", "https://example.com/a?b=1"), ("url", "www.x.org"), ("email", "ann@example.com"),
        ("mention", "@anna_k"), ("hashtag", "#news"), ("bot_command", "/start@bot"), ("url", "tg://resolve"),
    ]
    assert detect_entities("a.b@c, @abc, 3/4") == []


def test_a_command_stands_alone_not_inside_a_word_a_path_or_a_tag() -> None:
    def commands(text: str) -> list[str]:
        return [text[e["offset"]: e["offset"] + e["length"]] for e in detect_entities(text) if e["type"] == "bot_command"]

    assert commands("/start, (/help) \"/menu\" and\n/buy_1@shop_bot!") == ["/start", "/help", "/menu", "/buy_1@shop_bot"]
    assert commands("<script>alert(1)</script> a</script> /script> a/b /a/b x/y_z /xé /start@ab") == []
    assert commands("http:/x") == ["/x"]


def test_nothing_is_detected_inside_code_or_a_text_link() -> None:
    code = [{"type": "code", "offset": 0, "length": 19}]
    assert with_detected("https://example.com", code) is code
    bold = [{"type": "bold", "offset": 0, "length": 4}]
    assert with_detected("see https://x.io", bold) == [*bold, {"type": "url", "offset": 4, "length": 12}]


async def test_users_and_the_bot_get_url_entities(emu: TelegramEmulator, api: Api) -> None:
    ann = emu.user(1001, "Ann")
    await ann.send_text("go to https://example.com.")
    await ann.send_photo(b"\xff\xd8jpeg", caption="#tag")
    [text, photo] = [update["message"] for update in await api.ok("getUpdates")]
    assert text["entities"] == [{"type": "url", "offset": 6, "length": 19}]
    assert photo["caption_entities"] == [{"type": "hashtag", "offset": 0, "length": 4}]
    sent = await api.ok("sendMessage", chat_id=1001, text="<b>Docs</b>: https://example.com", parse_mode="HTML")
    assert sent["entities"] == [{"type": "bold", "offset": 0, "length": 4}, {"type": "url", "offset": 6, "length": 19}]
