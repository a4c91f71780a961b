"""The broadcast's HTML check: what Telegram's HTML parse mode takes, and a clear sentence for what it does not."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.test_pure_deciders import _offences
from trt_actors.broadcast import MAX_TEXT, html_problem
from trt_actors.sandbox.telegram.markup import MarkupError, parse_html, utf16_length

VALID = [
    "Hello",
    "<b>Sale</b> &amp; <i>more</i>",
    "<strong>1</strong><em>2</em><u>3</u><ins>4</ins><s>5</s><strike>6</strike><del>7</del>",
    '<span class="tg-spoiler">secret</span> and <tg-spoiler>another</tg-spoiler>',
    '<a href="https://example.com/?a=1&amp;b=2">link with <b>bold</b></a>',
    "<code>x &lt; y</code>",
    '<pre><code class="language-python">print("hi")</code></pre>',
    "<pre>plain block</pre>",
    "<blockquote>quote</blockquote><blockquote expandable>long quote</blockquote>",
    '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>',
    "<b><i><u>deep</u></i></b>",
    "1 &lt; 2 &gt; 0 &quot;q&quot; &#8364; &#x20AC;",
    "price -> 5",  # a bare ">" is plain text
    "<B>upper case tags</B>",
    "<b>x</b >",
    "x" * MAX_TEXT,
    "<b>" + "x" * MAX_TEXT + "</b>",  # the tags do not count
    "&amp;" * MAX_TEXT,  # each entity is one character
]

INVALID: list[tuple[str, str]] = [
    ("", "empty"),
    ("<b></b>  ", "empty"),
    ("<b>bold</i>", "the end tag </i> at character 8 does not match <b> opened at character 1: close the inner tag first"),
    ("<b><i>x</b></i>", "does not match <i> opened at character 4"),
    ("<b>never closed", "<b> opened at character 1 is never closed: add </b>"),
    ("text</b>", "the end tag </b> at character 5 closes nothing"),
    ("<div>x</div>", "<div> at character 1 is not a tag Telegram allows"),
    ("<span>x</span>", '<span class="tg-spoiler">'),
    ('<span class="red">x</span>', '<span class="tg-spoiler">'),
    ("<a>x</a>", "has no href"),
    ("<tg-emoji>x</tg-emoji>", "has no emoji-id"),
    ("1 < 2", 'the "<" at character 3 starts no tag Telegram knows: write &lt; for a plain "<"'),
    ("Tom & Jerry", 'the "&" at character 5 starts no entity: write &amp; for a plain "&"'),
    ("&nbsp;", "the entity &nbsp; at character 1 is not one Telegram knows"),
    ("&#0;", "names no character"),
    ("&#xD800;", "names no character"),
    ("<code><b>x</b></code>", "<b> at character 7 is inside <code>"),
    ('<a href="https://a.example"><a href="https://b.example">x</a></a>', "inside <a>"),
    ('<a href="https://a.example"><code>x</code></a>', "inside <a>"),
    ("<blockquote><blockquote>x</blockquote></blockquote>", "Telegram does not nest quotes"),
    ('<b class=">x</b>', "the attributes of <b> at character 1 do not parse"),
    ("<b x=>y</b>", "the attributes of <b> at character 1 do not parse"),
    ("x" * (MAX_TEXT + 1), "the message is 4097 characters long without its tags; Telegram takes at most 4096: shorten it by 1"),
    ("😀" * (MAX_TEXT // 2 + 1), "4098 characters"),  # UTF-16: each of these counts twice
]


@pytest.mark.parametrize("text", VALID, ids=lambda t: t[:40])
def test_valid_html_has_no_problem(text: str) -> None:
    assert html_problem(text) is None
    parse_html(text)  # and the emulator, which speaks Telegram's rules, agrees


@pytest.mark.parametrize(("text", "answer"), INVALID, ids=lambda v: v[:40] if isinstance(v, str) else "")
def test_invalid_html_gets_a_clear_sentence(text: str, answer: str) -> None:
    problem = html_problem(text)
    assert problem is not None and answer in problem, problem


def _telegram_takes(text: str) -> bool:
    try:
        plain, _ = parse_html(text)
    except MarkupError:
        return False
    return bool(plain.strip()) and utf16_length(plain) <= MAX_TEXT


PIECES = st.sampled_from([
    "a", " ", "é", "😀", "<", ">", "&", ";", "/", "=", '"', "amp;", "lt;", "#60;", "nbsp;",
    "<b>", "</b>", "<i>", "</i>", "<code>", "</code>", "<pre>", "</pre>", '<a href="u">', "</a>", "<x>",
    '<span class="tg-spoiler">', "</span>", "<blockquote>", "</blockquote>", "<tg-spoiler>", "</tg-spoiler>",
])


@given(st.lists(PIECES, max_size=12).map("".join))
def test_what_the_check_passes_telegram_takes(text: str) -> None:
    """Never lets through a text that Telegram (as the emulator parses it) would refuse for every recipient."""
    if html_problem(text) is None:
        assert _telegram_takes(text), text


def test_the_broadcast_core_reads_no_clock_and_no_chance() -> None:
    for module in ("trt_actors.broadcast.markup", "trt_actors.broadcast.tally"):
        assert _offences(module) == []
