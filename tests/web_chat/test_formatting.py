"""Text and entities as safe HTML: the bot's formatting kept, everything else shown as text."""

from __future__ import annotations

from trt_actors.sandbox.telegram import Entity, parse_html
from trt_actors.sandbox.web_chat import formatted_html


def test_the_bots_formatting_becomes_our_tags() -> None:
    text, entities = parse_html('<b>Hello, <i>Ann</i></b> · <a href="https://example.com/">site</a> &lt;3')
    assert formatted_html(text, [Entity(**e) for e in entities]) == (
        '<b>Hello, </b><b><i>Ann</i></b> · '
        '<a href="https://example.com/" rel="noopener noreferrer" target="_blank">site</a> &lt;3')


def test_a_links_address_is_escaped_as_an_attribute() -> None:
    link = Entity("text_link", 0, 4, url='https://example.com/?a=1&b="2"><script>')
    assert formatted_html("site", [link]) == (
        '<a href="https://example.com/?a=1&amp;b=&quot;2&quot;&gt;&lt;script&gt;" rel="noopener noreferrer" '
        'target="_blank">site</a>')


def test_markup_entities_and_rtl_marks_in_a_text_stay_text() -> None:
    text = '<script>alert(1)</script> &amp; "q" \u202eevil\u200f'
    assert formatted_html(text) == (
        '&lt;script&gt;alert(1)&lt;/script&gt; &amp;amp; &quot;q&quot; \u202eevil\u200f')


def test_offsets_count_utf16_units_past_an_emoji() -> None:
    text = "🎨 <Art>"  # the emoji is two UTF-16 units
    assert formatted_html(text, [Entity("bold", 3, 5)]) == "🎨 <b>&lt;Art&gt;</b>"


def test_a_link_to_another_scheme_is_shown_without_its_link() -> None:
    assert formatted_html("click", [Entity("text_link", 0, 5, url="javascript:alert(1)")]) == "click"
    assert formatted_html("javascript:x", [Entity("url", 0, 12)]) == "javascript:x"


def test_overlapping_entities_give_well_formed_html() -> None:
    assert formatted_html("abcd", [Entity("bold", 0, 3), Entity("italic", 1, 3)]) == (
        "<b>a</b><b><i>bc</i></b><i>d</i>")


def test_entities_past_the_end_are_cut_to_the_text() -> None:
    assert formatted_html("ab", [Entity("code", 1, 10), Entity("bold", 0, 0)]) == "a<code>b</code>"
