"""Telegram's Markdown formatting (``MarkdownV2`` and legacy ``Markdown``): a small real parser.

``parse_markdown`` turns a message into plain text and entities, or raises
:class:`MarkupError` with Telegram's reason (the emulator prefixes it with
``Bad Request: can't parse entities:``). The trap it reproduces is the one bots
hit most: in MarkdownV2 every ``_ * [ ] ( ) ~ ` > # + - = | { } . !`` outside an
entity marker must be escaped with ``\\``; ``"Price: 5.00"`` fails with
``Character '.' is reserved and must be escaped with the preceding '\\'``.

Supported: ``*bold*``, ``_italic_``, ``__underline__``, ``~strike~``,
``||spoiler||``, ```` `code` ````, ```` ```lang\\npre``` ````, ``[text](url)`` and
``>`` quotes at line starts (MarkdownV2); ``*bold*``, ``_italic_``, ```` `code` ````,
```` ```pre``` ```` and ``[text](url)`` (legacy Markdown, no escaping rules
beyond ``\\`` before a marker).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from trt_actors.sandbox.telegram.markup import MarkupError, utf16_length

__all__ = ["parse_markdown"]

_RESERVED_V2 = frozenset("_*[]()~`>#+-=|{}.!")
_KIND = {"*": "bold", "_": "italic", "__": "underline", "~": "strikethrough", "||": "spoiler", "[": "text_link"}
_NAME = {"bold": "Bold", "italic": "Italic", "underline": "Underline", "strikethrough": "Strikethrough",
         "spoiler": "Spoiler", "text_link": "TextUrl", "code": "Code", "pre": "Pre"}


@dataclass
class _Open:
    marker: str
    offset: int
    byte_offset: int


def _bytes(text: str, at: int) -> int:
    return len(text[:at].encode("utf-8"))


def _reserved(char: str) -> MarkupError:
    return MarkupError(f"Character '{char}' is reserved and must be escaped with the preceding '\\'")


def _until(text: str, at: int, closing: str, v2: bool) -> tuple[str, int]:
    """Read raw text up to an unescaped ``closing``; return (content, index after closing)."""
    out: list[str] = []
    while at < len(text):
        if v2 and text[at] == "\\" and at + 1 < len(text):
            out.append(text[at + 1])
            at += 2
            continue
        if text.startswith(closing, at):
            return "".join(out), at + len(closing)
        out.append(text[at])
        at += 1
    raise MarkupError("")


def parse_markdown(text: str, *, v2: bool = True) -> tuple[str, list[dict[str, Any]]]:
    """Parse ``MarkdownV2`` (``v2=True``) or legacy ``Markdown`` into ``(plain_text, entities)``."""
    plain: list[str] = []
    length = 0
    stack: list[_Open] = []
    entities: list[dict[str, Any]] = []
    at = 0

    def emit(chunk: str) -> None:
        nonlocal length
        plain.append(chunk)
        length += utf16_length(chunk)

    while at < len(text):
        char = text[at]
        line_start = at == 0 or text[at - 1] == "\n"
        if char == "\\" and at + 1 < len(text) and (v2 or text[at + 1] in "*_`["):
            emit(text[at + 1])
            at += 2
            continue
        if char == "`":
            start, fence = at, "```" if text.startswith("```", at) else "`"
            try:
                content, at = _until(text, at + len(fence), fence, v2)
            except MarkupError:
                kind = "Pre" if fence == "```" else "Code"
                message = f"Can't find end of {kind} entity at byte offset {_bytes(text, start)}" if v2 else (
                    f"Can't find end of the entity starting at byte offset {_bytes(text, start)}")
                raise MarkupError(message) from None
            entity: dict[str, Any] = {"type": "code" if fence == "`" else "pre", "offset": length}
            if fence == "```" and "\n" in content:
                language, rest = content.split("\n", 1)
                if language and " " not in language:
                    entity["language"] = language
                    content = rest
            emit(content)
            entity["length"] = utf16_length(content)
            if entity["length"]:
                entities.append(entity)
            continue
        if char == "]" and stack and stack[-1].marker == "[":
            opened = stack.pop()
            if not text.startswith("(", at + 1):
                if v2:
                    raise _reserved("]")
                emit("]")
                at += 1
                continue
            try:
                url, at = _until(text, at + 2, ")", v2)
            except MarkupError:
                raise MarkupError(f"Can't find end of a url at byte offset {_bytes(text, at)}") from None
            entities.append({"type": "text_link", "offset": opened.offset, "length": length - opened.offset, "url": url})
            continue
        marker = None
        if v2 and text.startswith("__", at):
            marker = "__"
        elif v2 and text.startswith("||", at):
            marker = "||"
        elif char in ("*", "_", "[") or (v2 and char == "~"):
            marker = char
        if marker is not None:
            if marker != "[" and stack and stack[-1].marker == marker:
                opened = stack.pop()
                if length > opened.offset:
                    entities.append({"type": _KIND[marker], "offset": opened.offset, "length": length - opened.offset})
            elif marker != "[" and any(o.marker == marker for o in stack):
                raise MarkupError(f"Can't find end of {_NAME[_KIND[stack[-1].marker]]} entity at byte offset {stack[-1].byte_offset}")
            else:
                stack.append(_Open(marker, length, _bytes(text, at)))
            at += len(marker)
            continue
        if v2 and char == ">" and line_start:
            end = text.find("\n", at)
            end = len(text) if end == -1 else end
            quote_start = length
            inner, inner_entities = parse_markdown(text[at + 1 : end], v2=True)
            for inner_entity in inner_entities:
                inner_entity["offset"] += quote_start
            emit(inner)
            entities.append({"type": "blockquote", "offset": quote_start, "length": length - quote_start})
            entities.extend(inner_entities)
            at = end
            continue
        if v2 and char in _RESERVED_V2:
            raise _reserved(char)
        emit(char)
        at += 1
    if stack:
        opened = stack[-1]
        if v2:
            raise MarkupError(f"Can't find end of {_NAME[_KIND[opened.marker]]} entity at byte offset {opened.byte_offset}")
        raise MarkupError(f"Can't find end of the entity starting at byte offset {opened.byte_offset}")
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(plain), entities
