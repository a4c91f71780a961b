"""Is a text valid in Telegram's HTML parse mode? :func:`html_problem` answers with a sentence, or ``None``.

A broadcast goes to thousands of chats, so its markup is checked before
anything is recorded: Telegram would refuse every copy with "can't parse
entities", and the admin would learn it from a failure count. The rules are
the Bot API's "HTML style":

* tags: ``b strong i em u ins s strike del tg-spoiler code pre blockquote``,
  ``span class="tg-spoiler"``, ``a href="…"``, ``tg-emoji emoji-id="…"``,
  ``code class="language-…"`` directly inside ``pre``, ``blockquote expandable``;
* every tag closed, innermost first; ``code`` and ``pre`` hold no other tag
  (but ``pre`` its one ``code``), links, custom emoji, ``code`` and ``pre``
  hold none of each other, and a quote holds no quote;
* a ``<`` or ``&`` that is not markup is written ``&lt;`` / ``&amp;``; the
  named entities are ``&lt; &gt; &amp; &quot;``, numeric ones (``&#8364;``,
  ``&#x20AC;``) are fine too. A bare ``>`` is plain text, as Telegram takes it;
* 1–4096 characters once the tags and entities are taken out (counted in
  UTF-16 code units, as Telegram counts them).

Positions in the answers count characters of the text from 1.

Example::

    assert html_problem("<b>Sale</b> &amp; more") is None
    html_problem("<b>Sale</i>")
    # 'the end tag </i> at character 8 does not match <b> opened at character 1: close the inner tag first'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["MAX_TEXT", "html_problem"]

MAX_TEXT = 4096
"""Telegram's limit on a message's text after entity parsing, in UTF-16 code units."""

_SIMPLE = frozenset({"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "tg-spoiler", "blockquote"})
_ALLOWED = _SIMPLE | {"span", "a", "tg-emoji", "code", "pre"}
_EXCLUSIVE = frozenset({"a", "tg-emoji", "code", "pre"})
"""Entities that Telegram lets contain none of each other."""
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:\s[^<>]*)?)>")
_ATTRIBUTE = re.compile(r'\s*([A-Za-z][A-Za-z0-9_-]*)(?:\s*=\s*(?:"([^"]*)"|\'([^\']*)\'|([^\s"\'=<>`]+)))?\s*')
_ENTITY = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{0,31});")
_ALLOWED_LIST = "b, strong, i, em, u, ins, s, strike, del, span class=\"tg-spoiler\", tg-spoiler, a href, code, pre, blockquote, tg-emoji"


@dataclass(frozen=True)
class _Open:
    tag: str
    at: int  # 1-based character position of its "<"


def html_problem(text: str) -> str | None:
    """What keeps ``text`` from being sent with ``parse_mode="HTML"``, as a sentence; ``None`` if nothing does."""
    plain: list[str] = []
    stack: list[_Open] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "&":
            decoded, index, problem = _entity(text, index)
            if problem is not None:
                return problem
            plain.append(decoded)
        elif char == "<":
            match = _TAG.match(text, index)
            if match is None:
                return (f'the "<" at character {index + 1} starts no tag Telegram knows: '
                        'write &lt; for a plain "<"')
            closing, tag, rest = match.group(1) == "/", match.group(2).lower(), match.group(3)
            problem = _close(stack, tag, rest, index) if closing else _open(stack, tag, rest, index)
            if problem is not None:
                return problem
            index = match.end()
        else:
            plain.append(char)
            index += 1
    if stack:
        opened = stack[-1]
        return f"<{opened.tag}> opened at character {opened.at} is never closed: add </{opened.tag}>"
    body = "".join(plain)
    if not body.strip():
        return "the message is empty once its tags are taken out: write some text"
    length = len(body.encode("utf-16-le")) // 2
    if length > MAX_TEXT:
        return (f"the message is {length} characters long without its tags; "
                f"Telegram takes at most {MAX_TEXT}: shorten it by {length - MAX_TEXT}")
    return None


def _entity(text: str, index: int) -> tuple[str, int, str | None]:
    """The character an entity at ``index`` stands for, where the text goes on, and what is wrong with it."""
    match = _ENTITY.match(text, index)
    if match is None:
        return "", index, (f'the "&" at character {index + 1} starts no entity: write &amp; for a plain "&"')
    name = match.group(1)
    if name.startswith("#"):
        code = int(name[2:], 16) if name[1] in "xX" else int(name[1:])
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF or code == 0:
            return "", index, f"the entity {match.group(0)} at character {index + 1} names no character"
        return chr(code), match.end(), None
    if name not in _NAMED:
        return "", index, (f"the entity {match.group(0)} at character {index + 1} is not one Telegram knows: "
                           'it takes &lt; &gt; &amp; &quot; and numeric ones like &#8364; (write &amp; for a plain "&")')
    return _NAMED[name], match.end(), None


def _open(stack: list[_Open], tag: str, rest: str, index: int) -> str | None:
    where = f"at character {index + 1}"
    if tag not in _ALLOWED:
        return f"<{tag}> {where} is not a tag Telegram allows; it allows {_ALLOWED_LIST}"
    attributes = _attributes(rest.strip().removesuffix("/"))
    if attributes is None:
        return f"the attributes of <{tag}> {where} do not parse: write them as name=\"value\""
    inner = stack[-1].tag if stack else None
    language = tag == "code" and inner == "pre"
    if inner in ("code", "pre") and not language:
        return f"<{tag}> {where} is inside <{inner}>, which Telegram shows as plain code: it cannot hold other tags"
    if tag in _EXCLUSIVE and not language:
        container = next((o for o in reversed(stack) if o.tag in _EXCLUSIVE), None)
        if container is not None:
            return f"<{tag}> {where} is inside <{container.tag}> (character {container.at}): Telegram does not nest them"
    if tag == "blockquote" and any(o.tag == "blockquote" for o in stack):
        return f"<blockquote> {where} is inside another quote: Telegram does not nest quotes"
    if tag == "span" and attributes.get("class") != "tg-spoiler":
        return f'<span> {where} must be <span class="tg-spoiler">, the only span Telegram allows'
    if tag == "a" and not attributes.get("href"):
        return f'the link <a> {where} has no href: write <a href="https://…">'
    if tag == "tg-emoji" and not attributes.get("emoji-id"):
        return f'<tg-emoji> {where} has no emoji-id: write <tg-emoji emoji-id="…">'
    stack.append(_Open(tag, index + 1))
    return None


def _close(stack: list[_Open], tag: str, rest: str, index: int) -> str | None:
    where = f"at character {index + 1}"
    if rest.strip():
        return f"the end tag </{tag}> {where} has attributes: write it as </{tag}>"
    if not stack:
        return f"the end tag </{tag}> {where} closes nothing: remove it, or open <{tag}> before it"
    opened = stack[-1]
    if opened.tag != tag:
        return (f"the end tag </{tag}> {where} does not match <{opened.tag}> opened at character {opened.at}: "
                "close the inner tag first")
    stack.pop()
    return None


def _attributes(raw: str) -> dict[str, str] | None:
    attributes: dict[str, str] = {}
    position = 0
    while position < len(raw):
        match = _ATTRIBUTE.match(raw, position)
        if match is None or match.end() == position:
            return None
        attributes[match.group(1).lower()] = next((g for g in match.groups()[1:] if g is not None), "")
        position = match.end()
    return attributes
