"""The Bot API as data: which methods exist, their parameters, and the input types they take.

The emulator validates every request against a compact spec, ``botapi.json``,
shipped inside this package. It is generated from the full machine-readable
Bot API (``telegram-bot-api-10.1.json`` in the shared reference folder) and
keeps only what validation needs: every method with its parameters (type
string, required flag) and whether it returns ``True``; and every type that a
parameter can reach, with its fields. Union types (``InputMedia``, ...) list
their members.

Regenerate it after a Bot API update::

    python -m trt_actors.sandbox.telegram ../shared/reference/telegram-bot-api-10.1.json

Example::

    spec = BotApiSpec.load()
    spec.method("sendmessage").params["text"].required      # True
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["BotApiSpec", "MethodSpec", "Param", "TypeSpec", "compact_spec", "main", "SPEC_PATH"]

SPEC_PATH = Path(__file__).with_name("botapi.json")

_SCALARS = frozenset({"String", "Integer", "Float", "Boolean", "True", "InputFile"})
_ARRAY = re.compile(r"^Array of (.+)$")


@dataclass(frozen=True)
class Param:
    """One parameter of a method, or one field of a type."""

    name: str
    types: tuple[str, ...]  # alternatives, e.g. ("Integer", "String") or ("Array of MessageEntity",)
    required: bool


@dataclass(frozen=True)
class MethodSpec:
    name: str
    params: dict[str, Param]
    returns_true: bool


@dataclass(frozen=True)
class TypeSpec:
    name: str
    fields: dict[str, Param]
    members: tuple[str, ...]  # non-empty for unions such as InputMedia


def _element_types(type_string: str) -> list[str]:
    match = _ARRAY.match(type_string)
    while match:
        type_string = match.group(1)
        match = _ARRAY.match(type_string)
    return [type_string]


def compact_spec(full: dict[str, Any]) -> dict[str, Any]:
    """Reduce the full machine-readable Bot API to what the emulator's validator needs.

    Output shape::

        {"version": "Bot API 10.1",
         "methods": {"sendMessage": {"returns_true": false,
                                     "params": {"chat_id": ["Integer|String", 1], ...}}},
         "types": {"InlineKeyboardMarkup": {"fields": {...}}, "InputMedia": {"members": [...]}}}
    """
    methods: dict[str, Any] = {}
    wanted: list[str] = []
    for name, method in full["methods"].items():
        params: dict[str, list[Any]] = {}
        for field in method.get("fields", []):
            params[field["name"]] = ["|".join(field["types"]), 1 if field["required"] else 0]
            for alternative in field["types"]:
                wanted.extend(_element_types(alternative))
        methods[name] = {"returns_true": method.get("returns") in (["True"], ["Boolean"]), "params": params}
    full_types: dict[str, Any] = full["types"]
    types: dict[str, Any] = {}
    while wanted:
        name = wanted.pop()
        if name in types or name in _SCALARS or name not in full_types:
            continue
        source = full_types[name]
        entry: dict[str, Any] = {}
        if source.get("subtypes"):
            entry["members"] = list(source["subtypes"])
            wanted.extend(source["subtypes"])
        if source.get("fields"):
            fields: dict[str, list[Any]] = {}
            for field in source["fields"]:
                fields[field["name"]] = ["|".join(field["types"]), 1 if field["required"] else 0]
                for alternative in field["types"]:
                    wanted.extend(_element_types(alternative))
            entry["fields"] = fields
        types[name] = entry
    return {
        "version": full.get("version", ""),
        "methods": methods,
        "types": dict(sorted(types.items())),
    }


def dump_compact(compact: dict[str, Any]) -> str:
    """The canonical text of ``botapi.json``: one method or type per line, so diffs read well."""
    lines = ["{", f'"version": {json.dumps(compact["version"])},', '"methods": {']
    items = list(compact["methods"].items())
    for index, (name, body) in enumerate(items):
        comma = "," if index < len(items) - 1 else ""
        lines.append(f"{json.dumps(name)}: {json.dumps(body, ensure_ascii=False, separators=(',', ':'))}{comma}")
    lines.append("},")
    lines.append('"types": {')
    type_items = list(compact["types"].items())
    for index, (name, body) in enumerate(type_items):
        comma = "," if index < len(type_items) - 1 else ""
        lines.append(f"{json.dumps(name)}: {json.dumps(body, ensure_ascii=False, separators=(',', ':'))}{comma}")
    lines.append("}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _params(raw: dict[str, list[Any]]) -> dict[str, Param]:
    return {name: Param(name, tuple(t.split("|")), bool(req)) for name, (t, req) in raw.items()}


class BotApiSpec:
    """The compact Bot API spec, with case-insensitive method lookup (as Telegram does)."""

    def __init__(self, compact: dict[str, Any]) -> None:
        self.version: str = compact.get("version", "")
        self.methods: dict[str, MethodSpec] = {}
        self._by_lower: dict[str, MethodSpec] = {}
        for name, body in compact["methods"].items():
            method = MethodSpec(name, _params(body["params"]), bool(body["returns_true"]))
            self.methods[name] = method
            self._by_lower[name.lower()] = method
        self.types: dict[str, TypeSpec] = {
            name: TypeSpec(name, _params(body.get("fields", {})), tuple(body.get("members", ())))
            for name, body in compact["types"].items()
        }

    @classmethod
    @cache
    def load(cls, path: Path = SPEC_PATH) -> BotApiSpec:
        """Load the spec shipped with the package (cached)."""
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def method(self, name: str) -> MethodSpec | None:
        """The method called ``name`` in any letter case, or None if the Bot API has none."""
        return self._by_lower.get(name.lower())


def main(argv: list[str] | None = None) -> int:
    """Regenerate ``botapi.json`` from the full reference JSON given as the only argument."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m trt_actors.sandbox.telegram PATH/TO/telegram-bot-api.json", file=sys.stderr)
        return 2
    full = json.loads(Path(args[0]).read_text(encoding="utf-8"))
    SPEC_PATH.write_text(dump_compact(compact_spec(full)), encoding="utf-8")
    print(f"wrote {SPEC_PATH} ({SPEC_PATH.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
