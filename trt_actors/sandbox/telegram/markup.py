"""Telegram's HTML formatting: a small real parser for the tags Telegram allows.

``parse_html`` turns a message in ``parse_mode="HTML"`` into its plain text and
entities, or raises :class:`MarkupError` with a Telegram-style reason (the
emulator prefixes it with ``Bad Request: can't parse entities:``). Limits such
as "1-4096 characters" apply to the plain text that comes out.

Rules (from the Bot API's "HTML style"): allowed tags are ``b strong i em u ins
s strike del span(class="tg-spoiler") tg-spoiler a(href) code pre blockquote
(expandable) tg-emoji(emoji-id)``; every ``<`` and ``&`` that is not markup must
be escaped; the named entities are ``&lt; &gt; &amp; &quot;``; numeric ones
(``&#60;``, ``&#x3C;``) are allowed. Inside a quoted attribute (an ``href``)
the same entities are decoded and any other ``&`` is kept as it is, as
Telegram does: ``href="?a=1&amp;b=2"`` and ``href="?a=1&b=2"`` both link to
``?a=1&b=2``. Entity offsets and lengths are in UTF-16 code units, as Telegram
counts them.

Example::

    text, entities = parse_html("<b>Hi</b> &amp; bye")
    # text == "Hi & bye", entities == [{"type": "bold", "offset": 0, "length": 2}]
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["MarkupError", "parse_html", "utf16_length"]

_ENTITY_OF_TAG = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TAG_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
_ENTITY_IN_VALUE = re.compile(r"&(?:#([0-9]{1,7})|#[xX]([0-9A-Fa-f]{1,6})|(lt|gt|amp|quot));")
_ATTRIBUTE = re.compile(r'\s*([A-Za-z][A-Za-z0-9_-]*)(?:\s*=\s*(?:"([^"]*)"|\'([^\']*)\'|([^\s"\'>]+)))?')


class MarkupError(ValueError):
    """The text does not parse as Telegram HTML; ``str(error)`` is Telegram's reason."""


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's entity offsets."""
    return len(text.encode("utf-16-le")) // 2


@dataclass
class _Open:
    tag: str
    offset: int
    attributes: dict[str, str] = field(default_factory=dict)


def _decode_entity(text: str, at: int) -> tuple[str, int]:
    end = text.find(";", at)
    if end == -1 or end - at > 10:
        raise MarkupError(f"Character entity is not terminated at byte offset {_byte_offset(text, at)}")
    name = text[at + 1 : end]
    if name.startswith("#"):
        try:
            code = int(name[2:], 16) if name[1:2] in ("x", "X") else int(name[1:])
            return chr(code), end + 1
        except (ValueError, OverflowError):
            raise MarkupError(f"Invalid character entity at byte offset {_byte_offset(text, at)}") from None
    if name in _NAMED:
        return _NAMED[name], end + 1
    raise MarkupError(f'Unsupported HTML entity "&{name};" at byte offset {_byte_offset(text, at)}')


def _byte_offset(text: str, at: int) -> int:
    return len(text[:at].encode("utf-8"))


def _decoded_value(value: str) -> str:
    """A quoted attribute's value with its entities decoded; an ``&`` that starts none stays as it is."""

    def character(match: re.Match[str]) -> str:
        decimal, hexadecimal, name = match.groups()
        if name is not None:
            return _NAMED[name]
        code = int(decimal) if decimal is not None else int(hexadecimal, 16)
        return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else match.group(0)

    return _ENTITY_IN_VALUE.sub(character, value)


def _attributes(raw: str, text: str, at: int) -> dict[str, str]:
    attributes: dict[str, str] = {}
    position = 0
    raw = raw.rstrip().removesuffix("/")
    while position < len(raw):
        match = _ATTRIBUTE.match(raw, position)
        if not match or match.end() == position:
            raise MarkupError(f"Expected equal sign in declaration of an attribute of the tag at byte offset {_byte_offset(text, at)}")
        name, double_quoted, single_quoted, bare = match.groups()
        quoted = double_quoted if double_quoted is not None else single_quoted
        attributes[name.lower()] = _decoded_value(quoted) if quoted is not None else bare or ""
        position = match.end()
    return attributes


def _entity(opened: _Open, end: int, plain: list[str]) -> dict[str, Any] | None:
    kind = _ENTITY_OF_TAG[opened.tag]
    entity: dict[str, Any] = {"type": kind, "offset": opened.offset, "length": end - opened.offset}
    if kind == "text_link":
        entity["url"] = opened.attributes.get("href", "")
    elif kind == "custom_emoji":
        entity["custom_emoji_id"] = opened.attributes.get("emoji-id", "")
    elif kind == "pre" and "language" in opened.attributes:
        entity["language"] = opened.attributes["language"]
    elif kind == "blockquote" and "expandable" in opened.attributes:
        entity["type"] = "expandable_blockquote"
    return entity if entity["length"] > 0 else None


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram HTML into ``(plain_text, entities)``; raise :class:`MarkupError` if it does not parse."""
    plain: list[str] = []
    length = 0  # UTF-16 length of the plain text so far
    stack: list[_Open] = []
    entities: list[dict[str, Any]] = []
    at = 0
    while at < len(text):
        char = text[at]
        if char == "&":
            decoded, at = _decode_entity(text, at)
            plain.append(decoded)
            length += utf16_length(decoded)
            continue
        if char == ">":
            plain.append(char)
            length += 1
            at += 1
            continue
        if char != "<":
            plain.append(char)
            length += utf16_length(char)
            at += 1
            continue
        close = text.find(">", at)
        if close == -1:
            raise MarkupError(f"Unclosed start tag at byte offset {_byte_offset(text, at)}")
        inside = text[at + 1 : close]
        if inside.startswith("/"):
            name = inside[1:].strip().lower()
            if not stack:
                raise MarkupError(f'Unexpected end tag at byte offset {_byte_offset(text, at)}')
            opened = stack.pop()
            if name and name != opened.tag:
                raise MarkupError(
                    f'Unmatched end tag at byte offset {_byte_offset(text, at)}, expected "</{opened.tag}>", found "</{name}>"'
                )
            inside_pre = opened.tag == "code" and bool(stack) and stack[-1].tag == "pre"
            entity = None if inside_pre else _entity(opened, length, plain)  # <pre><code> is one pre entity
            if entity is not None:
                entities.append(entity)
            at = close + 1
            continue
        match = _TAG_NAME.match(inside)
        tag = match.group(0).lower() if match else ""
        if tag not in _ENTITY_OF_TAG:
            raise MarkupError(f'Unsupported start tag "{tag}" at byte offset {_byte_offset(text, at)}')
        attributes = _attributes(inside[len(tag) :], text, at)
        if tag == "span" and attributes.get("class") != "tg-spoiler":
            raise MarkupError(f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(text, at)}')
        if tag == "a" and "href" not in attributes:
            attributes["href"] = ""
        if tag == "code" and stack and stack[-1].tag == "pre":
            language = attributes.get("class", "")
            if language.startswith("language-"):
                stack[-1].attributes["language"] = language.removeprefix("language-")
        stack.append(_Open(tag, length, attributes))
        at = close + 1
    if stack:
        raise MarkupError(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(plain), entities
