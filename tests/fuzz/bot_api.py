"""The Bot API's update objects as data, and hypothesis strategies for valid updates of every kind.

``updates.json`` (next to this module) holds every type an ``Update`` can
reach, in the compact form of :mod:`trt_actors.sandbox.telegram.spec`
(``[types, required]`` per field), plus the values a field may take when
the Bot API names them (``Chat.type``: ``private``, ``group``, ...; a
union member's ``type`` or ``status``, which is always one string). It is
generated from the full machine-readable Bot API; regenerate it after a Bot
API update::

    python -c 'from pathlib import Path; from tests.fuzz.bot_api import regenerate;
               regenerate(Path("../shared/reference/telegram-bot-api-10.1.json"))'

Example::

    @given(update())
    def test_anything(body: dict[str, Any]) -> None: ...
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from trt_actors.sandbox.telegram.spec import compact_spec, dump_compact

__all__ = ["UPDATE_KINDS", "USERS", "regenerate", "spec_types", "update", "value_of"]

SPEC = Path(__file__).with_name("updates.json")

_QUOTED = re.compile(r'"([a-z_]+)"')
_ALWAYS = re.compile(r'always "([^"]+)"')
_ENUMERATION = re.compile(r"(?:can be(?: either)?|one of)[^.]*")

USERS = (7001, 7002, 7003)
"""The users (and their private chats) updates come from, so that one chat sees several updates."""

_ID_FIELDS = frozenset({"id", "user_id", "chat_id", "sender_chat_id", "migrate_to_chat_id", "migrate_from_chat_id"})


def _values(field: dict[str, Any]) -> list[Any] | None:
    """The values the Bot API allows ``field``, when its description names them."""
    description = field["description"]
    if field["types"] == ["Integer"] and description.startswith("Always 0"):
        return [0]
    if field["types"] != ["String"]:
        return None
    always = _ALWAYS.search(description)
    if always is not None:
        return [always.group(1)]
    enumeration = _ENUMERATION.search(description)
    named = _QUOTED.findall(enumeration.group(0)) if enumeration is not None else []
    return named or None


def update_types(full: dict[str, Any]) -> dict[str, Any]:
    """The compact spec of every type an ``Update`` reaches, with the allowed values of its fields."""
    receive = {"fields": [{"name": "update", "types": ["Update"], "required": True, "description": ""}]}
    compact = compact_spec({"version": full.get("version", ""), "methods": {"receiveUpdate": receive},
                            "types": full["types"]})
    for name, entry in compact["types"].items():
        for field in full["types"][name].get("fields", []):
            values = _values(field)
            if values is not None:
                entry["fields"][field["name"]].append(values)
    compact["methods"] = {}
    return compact


@cache
def spec_types() -> dict[str, Any]:
    types: dict[str, Any] = json.loads(SPEC.read_text(encoding="utf-8"))["types"]
    return types


UPDATE_KINDS: tuple[str, ...] = tuple(name for name in spec_types()["Update"]["fields"] if name != "update_id")
"""Every kind of update the Bot API defines (``message``, ``callback_query``, ``poll``, ...)."""

TEXT = st.lists(
    st.characters(codec="utf-8") | st.sampled_from(
        ["\u0000", "\u202e", "\u200d", "\ufeff", "\u2028", "🙂", "👩‍👩‍👧", "é", "<b>", "&amp;", "</a>", "\\", '"']),
    max_size=12,
).map("".join)
"""Strings as Telegram sends them: any valid Unicode, with the edge cases drawn often."""


def value_of(type_string: str, depth: int, name: str = "") -> st.SearchStrategy[Any]:
    """Any valid value of one of the Bot API's type strings (``Integer``, ``Array of PhotoSize``, ``Message``)."""
    alternatives = type_string.split("|")
    if len(alternatives) > 1:
        return st.one_of(*(value_of(alternative, depth, name) for alternative in alternatives))
    if type_string.startswith("Array of "):
        item = value_of(type_string.removeprefix("Array of "), depth + 1, name)
        return st.lists(item, max_size=2 if depth < 3 else 0)
    match type_string:
        case "Integer":
            if name in _ID_FIELDS:
                return st.sampled_from(USERS) | st.integers(-(2**52), 2**52)
            return st.integers(-(2**31), 2**31)
        case "Float":
            return st.floats(allow_nan=False, allow_infinity=False, width=32)
        case "Boolean":
            return st.booleans()
        case "True":
            return st.just(True)
        case "String":
            return TEXT
    return _object(type_string, depth)


@st.composite
def _object(draw: st.DrawFn, name: str, depth: int) -> Any:
    spec = spec_types()[name]
    members = spec.get("members")
    if members:  # a union: one of its member types (``RichText`` also has String and arrays of itself)
        return draw(value_of(draw(st.sampled_from(members)), depth + 1))
    fields: dict[str, list[Any]] = spec.get("fields", {})
    optional = [field for field, (_, required, *_) in fields.items() if not required]
    chosen = draw(st.lists(st.sampled_from(optional), max_size=3 if depth < 2 else 0, unique=True)) if optional else []
    body: dict[str, Any] = {}
    for field, (types, required, *values) in fields.items():
        if required or field in chosen:
            body[field] = draw(st.sampled_from(values[0]) if values else value_of(types, depth + 1, field))
    return body


@st.composite
def update(draw: st.DrawFn, kinds: tuple[str, ...] = UPDATE_KINDS) -> dict[str, Any]:
    """A valid update of one of ``kinds`` (all by default); a private chat's id is its user's, as Telegram's are."""
    kind = draw(st.sampled_from(kinds))
    types, *_ = spec_types()["Update"]["fields"][kind]
    body: dict[str, Any] = {"update_id": draw(st.integers(1, 2**31)), kind: draw(value_of(types, 0, kind))}
    item = body[kind]
    message = item.get("message") if kind == "callback_query" else item
    sender = item.get("from")
    if isinstance(message, dict) and isinstance(message.get("chat"), dict) and isinstance(sender, dict):
        if draw(st.booleans()):
            message["chat"] = {**message["chat"], "type": "private", "id": sender["id"]}
    return body


def regenerate(reference: Path) -> None:
    """Write ``updates.json`` from the full machine-readable Bot API at ``reference``."""
    full = json.loads(reference.read_text(encoding="utf-8"))
    SPEC.write_text(dump_compact(update_types(full)), encoding="utf-8")
