"""A message's text and its Telegram entities as safe HTML: every character of the text escaped, tags ours.

The emulator keeps what the bot sent as plain text plus entities (it parsed
the bot's ``parse_mode=HTML``), so nothing the bot or a user wrote is ever
passed to the browser as markup: :func:`formatted_html` cuts the text at
every entity boundary, escapes each piece, and wraps it in the tags of the
entities that cover it. Overlapping entities therefore come out as
well-formed, if repetitive, HTML (``<b>a</b><b><i>b</i></b>``). Offsets are
in UTF-16 code units, as Telegram counts them. Links keep only ``http``,
``https`` and ``tg`` addresses; any other scheme (``javascript:``) is shown
as text without a link.

Example::

    formatted_html("Hi <you> & me", (Entity("bold", 0, 2),))
    # '<b>Hi</b> &lt;you&gt; &amp; me'
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from itertools import pairwise

from trt_actors.sandbox.telegram import Entity

__all__ = ["formatted_html", "safe_url"]

_TAGS: dict[str, tuple[str, str]] = {
    "bold": ("<b>", "</b>"),
    "italic": ("<i>", "</i>"),
    "underline": ("<u>", "</u>"),
    "strikethrough": ("<s>", "</s>"),
    "code": ("<code>", "</code>"),
    "pre": ('<code class="pre">', "</code>"),
    "spoiler": ('<span class="spoiler">', "</span>"),
    "blockquote": ('<span class="quote">', "</span>"),
    "expandable_blockquote": ('<span class="quote">', "</span>"),
    "mention": ('<span class="mention">', "</span>"),
    "hashtag": ('<span class="mention">', "</span>"),
    "cashtag": ('<span class="mention">', "</span>"),
    "bot_command": ('<span class="command">', "</span>"),
}
_SCHEMES = ("http://", "https://", "tg://")


def safe_url(url: str | None) -> str | None:
    """``url`` if a browser may follow it from a chat (http, https, tg), else None."""
    if url is None:
        return None
    return url if url.strip().lower().startswith(_SCHEMES) else None


def _utf16(text: str) -> bytes:
    return text.encode("utf-16-le", errors="surrogatepass")


def _piece(units: bytes, start: int, end: int) -> str:
    return units[2 * start:2 * end].decode("utf-16-le", errors="replace")


def _open(entity: Entity, piece: str) -> tuple[str, str]:
    if entity.type in ("text_link", "url"):
        href = safe_url(entity.url if entity.type == "text_link" else piece)
        if href is None:
            return "", ""
        return f'<a href="{html.escape(href, quote=True)}" rel="noopener noreferrer" target="_blank">', "</a>"
    return _TAGS.get(entity.type, ("", ""))


def formatted_html(text: str, entities: Sequence[Entity] = ()) -> str:
    """``text`` escaped for HTML, with the formatting of ``entities`` as our own tags."""
    units = _utf16(text)
    size = len(units) // 2
    spans = [(max(0, e.offset), min(size, e.offset + e.length), e) for e in entities if e.length > 0]
    cuts = sorted({0, size, *(start for start, _, _ in spans), *(end for _, end, _ in spans)})
    out: list[str] = []
    for start, end in pairwise(cuts):
        piece = _piece(units, start, end)
        inner = html.escape(piece, quote=True)
        for span_start, span_end, entity in reversed(spans):
            if span_start <= start and end <= span_end:
                whole = _piece(units, span_start, span_end)
                opening, closing = _open(entity, whole)
                inner = f"{opening}{inner}{closing}"
        out.append(inner)
    return "".join(out)
