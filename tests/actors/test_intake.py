"""Parsing updates into events: event ids, cids, envelopes, caps and rejections (pure, no I/O)."""

from __future__ import annotations

import hashlib
import json

import msgspec

from trt_actors.actors.intake import MAX_STORED_BODY, MAX_STRING, Parsed, Rejected, parse_update, update_events
from trt_actors.events import CallbackReceived, CallbackRouted, UpdateReceived, UpdateRejected

USER = {"id": 7, "is_bot": False, "first_name": "Z"}
CHAT = {"id": 7, "type": "private"}


def body(value: object) -> bytes:
    return json.dumps(value).encode()


def test_a_message_is_keyed_by_bot_era_and_update_and_recorded_in_its_chats_inbox() -> None:
    raw = body({"update_id": 10, "message": {"message_id": 3, "date": 1, "chat": CHAT, "from": USER, "text": "x"}})
    parsed = parse_update(raw, source="polling", ts=5.0)
    assert isinstance(parsed, Parsed)
    meta, [event] = update_events(parsed, bot_id=42, era=3)
    assert event.event_id == "update:42:3:10" == meta.event_id and event.stream == "inbox:7"
    assert event.cid == meta.cid and event.cid.startswith("u10-") and len(event.cid) == len("u10-") + 8
    assert (event.chat_id, event.user_id, event.ts) == (7, 7, 5.0)
    assert isinstance(event.event, UpdateReceived)
    assert event.event.body == raw.decode() and event.event.kind == "message" and event.event.original_size == 0
    again = parse_update(raw, source="polling", ts=9.0)
    assert isinstance(again, Parsed) and update_events(again, bot_id=42, era=3)[0].cid == meta.cid  # deterministic


def test_the_same_update_id_of_another_bot_or_era_is_a_different_event() -> None:
    parsed = parse_update(body({"update_id": 1, "message": {"message_id": 1, "date": 1, "chat": CHAT}}), source="p", ts=0)
    assert isinstance(parsed, Parsed)
    ids = {update_events(parsed, bot_id=bot, era=era)[0].event_id for bot in (1, 2) for era in (0, 1)}
    cids = {update_events(parsed, bot_id=bot, era=era)[0].cid for bot in (1, 2) for era in (0, 1)}
    assert len(ids) == 4 and len(cids) == 4


def test_a_callback_query_records_three_events_in_one_chain() -> None:
    query = {"id": "q1", "from": USER, "chat_instance": "c", "data": "go",
             "message": {"message_id": 4, "date": 1, "chat": CHAT}}
    parsed = parse_update(body({"update_id": 11, "callback_query": query}), source="webhook", ts=0)
    assert isinstance(parsed, Parsed)
    meta, events = update_events(parsed, bot_id=1, era=0)
    received, callback, routed = events
    assert [e.event_id for e in events] == ["update:1:0:11", "update:1:0:11:callback", "update:1:0:11:routed"]
    assert callback.causation == received.event_id and routed.causation == callback.event_id
    assert isinstance(callback.event, CallbackReceived) and callback.event.message_id == 4
    assert isinstance(routed.event, CallbackRouted) and routed.event.target == "session:7"
    assert {e.cid for e in events} == {meta.cid} and {e.stream for e in events} == {"inbox:7"}


def test_a_pre_checkout_query_has_a_user_but_no_chat() -> None:
    pre = {"id": "pc1", "from": USER, "currency": "XTR", "total_amount": 50, "invoice_payload": "p"}
    parsed = parse_update(body({"update_id": 12, "pre_checkout_query": pre}), source="p", ts=0)
    assert isinstance(parsed, Parsed)
    meta, [event] = update_events(parsed, bot_id=1, era=0)
    assert (meta.chat_id, meta.user_id) == (None, 7) and event.stream == "inbox:user:7"


def test_an_oversized_body_is_stored_cut_with_the_size_and_hash_of_what_arrived() -> None:
    text = "я" * 600_000  # 1.2 MB of text: Telegram never sends this; a forger might
    raw = body({"update_id": 13, "message": {"message_id": 5, "date": 1, "chat": CHAT, "from": USER, "text": text}})
    parsed = parse_update(raw, source="webhook", ts=0)
    assert isinstance(parsed, Parsed)
    [event] = update_events(parsed, bot_id=1, era=0)[1]
    received = event.event
    assert isinstance(received, UpdateReceived)
    assert len(received.body.encode()) <= MAX_STORED_BODY
    assert received.original_size == len(raw) and received.original_sha256 == hashlib.sha256(raw).hexdigest()
    stored = msgspec.json.decode(received.body)
    assert stored["message"]["text"] == "я" * MAX_STRING
    assert parsed.update.message is not None and parsed.update.message.text == "я" * MAX_STRING


def test_a_body_too_large_even_when_cut_is_rejected() -> None:
    many = [{"type": "bold", "offset": n, "length": 1} for n in range(20_000)]
    raw = body({"update_id": 14, "message": {"message_id": 5, "date": 1, "chat": CHAT, "text": "x", "entities": many}})
    rejected = parse_update(raw, source="webhook", ts=0)
    assert isinstance(rejected, Rejected) and rejected.reason == "too-large"
    assert isinstance(rejected.event.event, UpdateRejected) and rejected.event.event.size == len(raw)


def test_bad_bodies_are_rejected_with_a_stable_id() -> None:
    cases = {
        b"{nope": "not-json",
        body({"update_id": "x"}): "not-an-update",
        body({"update_id": 5}): "unknown-kind",
        body([1, 2]): "not-an-update",
    }
    for raw, reason in cases.items():
        rejected = parse_update(raw, source="webhook", ts=0)
        assert isinstance(rejected, Rejected), raw
        assert rejected.reason == reason
        assert isinstance(rejected.event.event, UpdateRejected) and rejected.event.event.size == len(raw)
        assert rejected.event.stream == "inbox:rejected"
        again = parse_update(raw, source="webhook", ts=1)
        assert isinstance(again, Rejected) and again.event.event_id == rejected.event.event_id
