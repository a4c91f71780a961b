"""The compact spec shipped in the package covers the whole Bot API and matches the reference JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trt_actors.sandbox.telegram.spec import SPEC_PATH, BotApiSpec, compact_spec, dump_compact

REFERENCE = Path(__file__).resolve().parents[2] / ".." / "shared" / "reference" / "telegram-bot-api-10.1.json"


@pytest.mark.skipif(not REFERENCE.exists(), reason="the shared reference JSON is not next to the repository")
def test_shipped_spec_is_generated_from_the_reference() -> None:
    full = json.loads(REFERENCE.read_text(encoding="utf-8"))
    assert SPEC_PATH.read_text(encoding="utf-8") == dump_compact(compact_spec(full))
    assert set(BotApiSpec.load().methods) == set(full["methods"])


def test_spec_is_small_and_answers_lookups() -> None:
    assert SPEC_PATH.stat().st_size < 120_000
    spec = BotApiSpec.load()
    send = spec.method("SENDMESSAGE")
    assert send is not None and send.name == "sendMessage"
    assert send.params["text"].required and not send.params["parse_mode"].required
    assert send.params["chat_id"].types == ("Integer", "String")
    assert spec.method("deleteWebhook") is not None and spec.method("deleteWebhook").returns_true  # type: ignore[union-attr]
    assert spec.method("noSuchMethod") is None
    assert "InlineKeyboardButton" in spec.types
    assert "InputMediaPhoto" in spec.types["InputMedia"].members
