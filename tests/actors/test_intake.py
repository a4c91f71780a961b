"""Parsing updates into events: event ids, cids, envelopes, rejections (pure, no I/O)."""

from __future__ import annotations

import json

from trt_actors.actors.intake import Parsed, Rejected, parse_update
from trt_actors.events import CallbackReceived, CallbackRouted, UpdateReceived, UpdateRejected

USER = {"id": 7, "is_bot": False, "first_name": "Z"}
CHAT = {"id": 7, "type": "private"}


def body(value: object) -> bytes:
    return json.dumps(value).encode()


def test_a_message_is_keyed_by_update_chat_and_message() -> None:
    raw = body({"update_id": 10, "message": {"message_id": 3, "date": 1, "chat": CHAT, "from": USER, "text": "x"}})
    parsed = parse_update(raw, source="polling", ts=5.0)
    assert isinstance(parsed, Parsed)
    [event] = parsed.events
    assert event.event_id == "update:10:7.3" and event.stream == "updates"
    assert event.cid == parsed.meta.cid and event.cid.startswith("u10-") and len(event.cid) == len("u10-") + 8
    assert (event.chat_id, event.user_id, event.ts) == (7, 7, 5.0)
    assert isinstance(event.event, UpdateReceived)
    assert event.event.body == raw.decode() and event.event.kind == "message"
    again = parse_update(raw, source="polling", ts=9.0)
    assert isinstance(again, Parsed) and again.meta.cid == parsed.meta.cid  # deterministic


def test_a_reused_update_id_with_other_content_is_a_different_event() -> None:
    one = parse_update(body({"update_id": 1, "message": {"message_id": 1, "date": 1, "chat": CHAT}}), source="p", ts=0)
    two = parse_update(body({"update_id": 1, "message": {"message_id": 2, "date": 1, "chat": CHAT}}), source="p", ts=0)
    assert isinstance(one, Parsed) and isinstance(two, Parsed)
    assert one.meta.event_id != two.meta.event_id and one.meta.cid != two.meta.cid


def test_a_callback_query_records_three_events_in_one_chain() -> None:
    query = {"id": "q1", "from": USER, "chat_instance": "c", "data": "go",
             "message": {"message_id": 4, "date": 1, "chat": CHAT}}
    parsed = parse_update(body({"update_id": 11, "callback_query": query}), source="webhook", ts=0)
    assert isinstance(parsed, Parsed)
    received, callback, routed = parsed.events
    assert [e.event_id for e in parsed.events] == ["update:11:q1", "update:11:q1:callback", "update:11:q1:routed"]
    assert callback.causation == received.event_id and routed.causation == callback.event_id
    assert isinstance(callback.event, CallbackReceived) and callback.event.message_id == 4
    assert isinstance(routed.event, CallbackRouted) and routed.event.target == "session:7"
    assert {e.cid for e in parsed.events} == {parsed.meta.cid}


def test_a_pre_checkout_query_has_a_user_but_no_chat() -> None:
    pre = {"id": "pc1", "from": USER, "currency": "XTR", "total_amount": 50, "invoice_payload": "p"}
    parsed = parse_update(body({"update_id": 12, "pre_checkout_query": pre}), source="p", ts=0)
    assert isinstance(parsed, Parsed)
    assert parsed.meta.event_id == "update:12:pc1" and (parsed.meta.chat_id, parsed.meta.user_id) == (None, 7)


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
        again = parse_update(raw, source="webhook", ts=1)
        assert isinstance(again, Rejected) and again.event.event_id == rejected.event.event_id
