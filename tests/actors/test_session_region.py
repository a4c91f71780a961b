"""The sessions region: a bug in the session's decider is recorded under the update's cid and answered."""

from __future__ import annotations

import json
from collections.abc import Sequence

import msgspec
import pytest
import trio

from eventlog import NewEvent, SQLiteEventLog
from eventlog.trace import render_trace
from registry import load_valid_registry
from trt_actors.actors.intake import Intake, Parsed, parse_update, update_events
from trt_actors.actors.routing import Router
from trt_actors.actors.session_region import Sessions, command_for
from trt_actors.events import ActorCrashed, Event, UiRendered
from trt_actors.limits import Rate, RateLimiter
from trt_actors.session import SessionDecider, SessionState
from trt_actors.session.commands import SessionCommand, TextReceived

from .conftest import RefusingLog

REGISTRY = load_valid_registry()


def text_update(update_id: int, text: str, chat: int = 7) -> bytes:
    user = {"id": chat, "is_bot": False, "first_name": "Z", "language_code": "en"}
    message = {"message_id": update_id, "date": 1, "chat": {"id": chat, "type": "private"}, "from": user, "text": text}
    return json.dumps({"update_id": update_id, "message": message}).encode()


async def route_text(sessions: Sessions, update_id: int, text: str) -> str:
    parsed = parse_update(text_update(update_id, text), source="polling", ts=float(update_id))
    assert isinstance(parsed, Parsed)
    meta, _ = update_events(parsed, bot_id=1, era=0)
    await sessions.route(parsed.update, meta)
    return meta.cid


async def test_a_decider_bug_is_an_actor_crash_under_the_updates_cid_and_the_user_is_answered(
    log: SQLiteEventLog, monkeypatch: pytest.MonkeyPatch, expected_bugs: list[str]
) -> None:
    real = SessionDecider.decide

    def buggy(self: SessionDecider, state: SessionState, command: SessionCommand) -> Sequence[Event]:
        if isinstance(command, TextReceived) and command.text == "boom":
            raise KeyError("a bug in the session")
        return real(self, state, command)

    monkeypatch.setattr(SessionDecider, "decide", buggy)
    async with Sessions.open(log, REGISTRY) as sessions:
        await route_text(sessions, 1, "/start")
        cid = await route_text(sessions, 2, "boom")
        await route_text(sessions, 3, "/help")  # the session goes on
    chain = await log.read_cid(cid)
    crash, answer = (r.event for r in chain)
    assert isinstance(crash, ActorCrashed) and crash.actor == "chat:7" and crash.command == "TextReceived"
    assert crash.error_type == "KeyError" and "a bug in the session" in crash.error
    assert isinstance(answer, UiRendered) and answer.screen == "error" and answer.edit_message_id is None
    assert {r.stream for r in chain} == {"chat:7"} and chain[0].causation == chain[1].causation
    assert "ActorCrashed" in render_trace(chain)
    screens = [r.event.screen for r in await log.read_stream("chat:7") if isinstance(r.event, UiRendered)]
    assert screens[-1] == "help"
    assert len(expected_bugs) == 1 and cid in expected_bugs[0]


async def test_commands_are_a_function_of_the_recorded_update_alone() -> None:
    parsed = parse_update(text_update(5, "hello"), source="polling", ts=5.0)
    assert isinstance(parsed, Parsed)
    meta, _ = update_events(parsed, bot_id=1, era=0)
    command = command_for(parsed.update, meta)
    assert command == command_for(parsed.update, meta)
    assert isinstance(command, TextReceived) and command.ts == 5.0 and command.cid == meta.cid
    assert not hasattr(command, "balance")


def _to_a_chat(events: Sequence[NewEvent]) -> bool:
    return bool(events) and events[0].stream.startswith("chat:")  # a disk hiccup under the sessions only


async def test_updates_queued_for_a_session_that_crashes_are_decided_after_all(log: SQLiteEventLog) -> None:
    """A session whose append fails crashes with its queue; the router hands the lost updates over again."""
    intake = Intake(log, bot_id=1)
    await intake.load()
    async with Sessions.open(RefusingLog(log, 2, refuse=_to_a_chat), REGISTRY) as sessions:  # type: ignore[arg-type]
        async with trio.open_nursery() as nursery:
            router = Router(log, sessions.route, backoff_base=0.01)
            await nursery.start(router.run)
            texts = ["/start", "/help", "/menu", "hello", "/lang en", "/help"]
            await intake.record([intake.parse(text_update(n + 1, text), source="polling") for n, text in enumerate(texts)])
            with trio.fail_after(10):
                while router.statistics().handled < len(texts):
                    await trio.sleep(0.01)
            nursery.cancel_scope.cancel()
    screens = [r for r in await log.read_stream("chat:7") if isinstance(r.event, UiRendered)]
    assert sorted(r.causation or "" for r in screens) == sorted(f"update:1:0:{n + 1}" for n in range(len(texts)))
    assert sessions.statistics().crashes == 2 and router.statistics().abandoned == 0


async def test_a_wrong_new_chat_hint_costs_a_reread_not_correctness(log: SQLiteEventLog) -> None:
    """``first_of_chat`` lets a session start without reading the log; were it wrong, the append's
    version check catches it, and a repeated update is still recognised."""
    async with Sessions.open(log, REGISTRY) as sessions:
        await route_text(sessions, 1, "/start")
    for update_id, text in ((2, "/help"), (1, "/start")):  # a new update, then a redelivered one
        async with Sessions.open(log, REGISTRY) as sessions:  # a restart each time: nothing in memory
            parsed = parse_update(text_update(update_id, text), source="polling", ts=float(update_id))
            assert isinstance(parsed, Parsed)
            meta, _ = update_events(parsed, bot_id=1, era=0)
            await sessions.route(parsed.update, msgspec.structs.replace(meta, first_of_chat=True))
    screens = [r.event.screen for r in await log.read_stream("chat:7") if isinstance(r.event, UiRendered)]
    assert screens == ["menu", "help"]
    versions = [r.version for r in await log.read_stream("chat:7")]
    assert versions == list(range(1, len(versions) + 1))


async def test_the_rate_limit_turns_away_messages_but_never_a_payment(log: SQLiteEventLog) -> None:
    user = {"id": 7, "is_bot": False, "first_name": "Z", "language_code": "en"}
    paid = {"currency": "XTR", "total_amount": 50, "invoice_payload": "topup:50:100:u7-t1",
            "telegram_payment_charge_id": "charge-1", "provider_payment_charge_id": ""}
    payment = json.dumps({"update_id": 4, "message": {"message_id": 4, "date": 1, "chat": {"id": 7, "type": "private"},
                                                       "from": user, "successful_payment": paid}}).encode()
    async with Sessions.open(log, REGISTRY, limiter=RateLimiter(messages=Rate(1, 60.0))) as sessions:
        await route_text(sessions, 1, "/start")
        await route_text(sessions, 2, "/help")  # over the limit: turned away, and told so
        parsed = parse_update(payment, source="polling", ts=3.0)
        assert isinstance(parsed, Parsed)
        meta, _ = update_events(parsed, bot_id=1, era=0)
        await sessions.route(parsed.update, meta)
        assert sessions.statistics().throttled == 1
    decided = [type(r.event).__name__ for r in await log.read_stream("chat:7")]
    assert decided.count("InputThrottled") == 1
    assert "PaymentRejected" in decided or "TopUpPaid" in decided  # the payment was heard, whatever its verdict
