"""MarkdownV2 and legacy Markdown: entities, escaping, and the reserved-character trap."""

from __future__ import annotations

import pytest

from trt_actors.sandbox.telegram import TelegramEmulator
from trt_actors.sandbox.telegram.markdown import parse_markdown
from trt_actors.sandbox.telegram.markup import MarkupError

from .conftest import Api


def test_v2_entities_and_escapes() -> None:
    text, entities = parse_markdown(r"*bold* _it_ __u__ ~s~ ||sp|| `c` [l](https://x.y/a\)b) 5\.00")
    assert text == "bold it u s sp c l 5.00"
    assert [e["type"] for e in entities] == [
        "bold", "italic", "underline", "strikethrough", "spoiler", "code", "text_link"
    ]
    assert entities[-1]["url"] == "https://x.y/a)b"


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("Price: 5.00", "Character '.' is reserved and must be escaped with the preceding '\\'"),
        ("Hi!", "Character '!' is reserved and must be escaped with the preceding '\\'"),
        ("*bold", "Can't find end of Bold entity at byte offset 0"),
        ("snake_case", "Can't find end of Italic entity at byte offset 5"),
        ("`code", "Can't find end of Code entity at byte offset 0"),
    ],
)
def test_v2_errors(source: str, reason: str) -> None:
    with pytest.raises(MarkupError) as caught:
        parse_markdown(source)
    assert str(caught.value) == reason


def test_legacy_markdown_has_no_reserved_characters() -> None:
    assert parse_markdown("*a* 5.00 (x)!", v2=False) == ("a 5.00 (x)!", [{"type": "bold", "offset": 0, "length": 1}])
    with pytest.raises(MarkupError, match="Can't find end of the entity starting at byte offset 0"):
        parse_markdown("_open", v2=False)


async def test_parse_mode_markdown_v2_over_http(emu: TelegramEmulator, api: Api) -> None:
    emu.user(1001, "Ann")
    assert await api.fails("sendMessage", chat_id=1001, text="Balance: 5.0", parse_mode="MarkdownV2") == (
        "Bad Request: can't parse entities: Character '.' is reserved and must be escaped with the preceding '\\'"
    )
    sent = await api.ok("sendMessage", chat_id=1001, text=r"*Balance:* 5\.0", parse_mode="MarkdownV2")
    assert sent["text"] == "Balance: 5.0" and sent["entities"] == [{"type": "bold", "offset": 0, "length": 8}]
