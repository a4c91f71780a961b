"""The HTML-subset parser on its own: entities, offsets in UTF-16, and escaping round trips."""

from __future__ import annotations

import html

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trt_actors.sandbox.telegram import MarkupError, parse_html


def test_nested_tags_and_utf16_offsets() -> None:
    text, entities = parse_html("😀 <b>bold <i>both</i></b> <code>x</code>")
    assert text == "😀 bold both x"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 9},
        {"type": "italic", "offset": 8, "length": 4},
        {"type": "code", "offset": 13, "length": 1},
    ]


def test_all_allowed_tags_parse() -> None:
    source = (
        "<b>1</b><strong>2</strong><i>3</i><em>4</em><u>5</u><ins>6</ins><s>7</s><strike>8</strike><del>9</del>"
        '<span class="tg-spoiler">a</span><tg-spoiler>b</tg-spoiler><a href="https://x">c</a><code>d</code>'
        '<pre><code class="language-python">e</code></pre><blockquote expandable>f</blockquote>'
        '<tg-emoji emoji-id="5368324170671202286">g</tg-emoji>&#65;&#x42;&quot;'
    )
    text, entities = parse_html(source)
    assert text == '123456789abcdefgAB"'
    assert {"type": "pre", "offset": 13, "length": 1, "language": "python"} in entities
    assert {"type": "expandable_blockquote", "offset": 14, "length": 1} in entities


def test_entities_in_a_quoted_href_are_decoded_and_a_bare_ampersand_is_kept() -> None:
    text, entities = parse_html(
        '<a href="https://x.y/?a=1&amp;b=2&#38;c=&quot;3&quot;">q</a> <a href=\'https://x.y/?d=4&e=5\'>r</a>')
    assert text == "q r"
    assert [entity["url"] for entity in entities] == ['https://x.y/?a=1&b=2&c="3"', "https://x.y/?d=4&e=5"]


def test_unclosed_start_tag() -> None:
    with pytest.raises(MarkupError, match="Unclosed start tag"):
        parse_html("<b")


@given(st.text())
def test_escaped_text_round_trips(raw: str) -> None:
    text, entities = parse_html(html.escape(raw, quote=False))
    assert text == raw and entities == []
