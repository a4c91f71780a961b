"""The entities Telegram finds in plain text by itself: links, e-mail addresses, @mentions, #hashtags, /commands.

Telegram marks these in every text and caption, the users' and the bots', even
when the sender gave entities of their own (``parse_mode`` or ``entities``).
:func:`detect_entities` finds them; :func:`with_detected` adds them to the
sender's entities, leaving out any that would overlap a sender's entity which
cannot hold another (``code``, ``pre``, ``text_link``, ...), ordered by offset.

What counts, simplified from Telegram's rules: a ``url`` starts with
``http://``, ``https://``, ``tg://`` or ``www.`` (bare domains such as
``example.com`` are not detected), trailing punctuation excluded; an ``email``
is ``name@domain.tld``; a ``mention`` is ``@`` and 5-32 letters, digits or
underscores; a ``hashtag`` is ``#`` and a word that is not only digits; a
``bot_command`` is ``/`` and 1-64 letters, digits or underscores, optionally
``@botname`` (3-32 of them), standing alone as in Telegram's own rule
(tdlib's ``match_bot_commands``): not right after a letter, digit, ``_``,
``/``, ``<`` or ``>``, and not followed by one, so neither ``a/b``, ``/a/b``
nor the ``/script`` of ``<script>`` or ``</script>`` is a command. Unlike
Telegram, a ``/`` right after a ``.`` starts none either: Telegram takes
``example.com/start`` for a ``url``, which this module does not detect. Offsets
and lengths are in UTF-16 code units.

Example::

    detect_entities("see https://example.com, @anna_k")
    # [{"type": "url", "offset": 4, "length": 19}, {"type": "mention", "offset": 25, "length": 7}]
"""

from __future__ import annotations

import re
from typing import Any

from trt_actors.sandbox.telegram.markup import utf16_length

__all__ = ["detect_entities", "with_detected"]

_PATTERNS = (
    ("url", re.compile(r"(?<![\w@/.])(?:(?:https?|tg)://|www\.)[^\s<>\"]+", re.IGNORECASE)),
    ("email", re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")),
    ("mention", re.compile(r"(?<![\w@])@[A-Za-z0-9_]{5,32}(?!\w)")),
    ("hashtag", re.compile(r"(?<![\w#])#(?!\d+(?!\w))\w+")),
    ("bot_command", re.compile(r"(?<![\w/<>.])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32}|(?!@))(?![\w/<>])")),
)
_TRAILING = ".,:;!?)]}'\""
_EXCLUSIVE = frozenset({
    "code", "pre", "text_link", "text_mention", "url", "email", "mention", "hashtag", "cashtag", "bot_command",
    "phone_number", "custom_emoji",
})
"""Entities inside which Telegram detects nothing."""


def _spans(text: str) -> list[tuple[str, int, int]]:
    found: list[tuple[str, int, int]] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if kind == "url":
                end = start + len(match.group(0).rstrip(_TRAILING))
            if end <= start or any(start < other_end and other_start < end for other_start, other_end in taken):
                continue
            taken.append((start, end))
            found.append((kind, start, end))
    return sorted(found, key=lambda span: span[1])


def detect_entities(text: str) -> list[dict[str, Any]]:
    """The entities Telegram would find in ``text`` by itself, ordered by offset."""
    return [
        {"type": kind, "offset": utf16_length(text[:start]), "length": utf16_length(text[start:end])}
        for kind, start, end in _spans(text)
    ]


def with_detected(text: str, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``entities`` plus what :func:`detect_entities` finds outside the exclusive ones; unchanged if nothing is new."""
    closed = [(e["offset"], e["offset"] + e["length"]) for e in entities if e.get("type") in _EXCLUSIVE]
    added = [
        found
        for found in detect_entities(text)
        if not any(found["offset"] < end and start < found["offset"] + found["length"] for start, end in closed)
    ]
    if not added:
        return entities
    return sorted([*entities, *added], key=lambda entity: int(entity["offset"]))
