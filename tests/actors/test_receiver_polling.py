"""Long polling: record first, then confirm (offset), answer taps at once; the router routes each update once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import msgspec
import trio

from eventlog import SQLiteEventLog
from trt_actors.actors.intake import Intake, Route, UpdateMeta
from trt_actors.actors.receiver import UpdateReceiver
from trt_actors.actors.routing import Router
from trt_actors.events import CallbackReceived, CallbackRouted, ReactionAbandoned, UpdateReceived, UpdateRejected
from trt_actors.sandbox.telegram import TelegramEmulator
from trt_actors.telegram import InlineKeyboardButton, InlineKeyboardMarkup, TelegramClient, Update

from .conftest import BOT_ID, RefusingLog, Routed, events_of


@asynccontextmanager
async def polling(
    receiver: UpdateReceiver, log: SQLiteEventLog | None = None, route: Route | None = None, **router: Any
) -> AsyncIterator[UpdateReceiver]:
    """The receiver polling and, with a ``route``, a router following the log into it."""
    async with trio.open_nursery() as nursery:
        if route is not None:
            assert log is not None
            await nursery.start(Router(log, route, answer=receiver.answers.answer, **router).run)
        await nursery.start(receiver.run_polling)
        yield receiver
        nursery.cancel_scope.cancel()


def receiver_for(log: Any, tg: TelegramClient, **options: Any) -> UpdateReceiver:
    return UpdateReceiver(log, tg, bot_id=BOT_ID, poll_timeout=1, backoff_base=0.05, backoff_cap=0.5, **options)


def offsets(emu: TelegramEmulator) -> list[int | None]:
    return [request.params.get("offset") for request in emu.requests_for("getUpdates")]


async def test_records_assigns_a_cid_and_routes(log: SQLiteEventLog, tg: TelegramClient, emu: TelegramEmulator) -> None:
    route = Routed()
    ann = emu.user(1001, "Ann")
    async with polling(receiver_for(log, tg), log, route) as receiver:
        message_id = await ann.send_text("/start")
        await route.wait_count(1)
        [(update, meta)] = route.items
        with trio.fail_after(5):
            await emu.wait_updates_taken()  # the next poll confirmed it
    assert update.message is not None and update.message.text == "/start"
    [recorded] = await events_of(log, UpdateReceived)
    assert recorded.event_id == f"update:{BOT_ID}:0:{update.update_id}" == meta.event_id
    assert update.message is not None and update.message.message_id == message_id
    assert recorded.cid == meta.cid and meta.cid.startswith(f"u{update.update_id}-")
    assert recorded.stream == f"inbox:{ann.id}" and recorded.chat_id == ann.id and recorded.user_id == ann.id
    assert (meta.chat_id, meta.user_id) == (ann.id, ann.id)
    assert receiver.offset == update.update_id + 1 and emu.pending_updates == 0
    assert emu.requests_for("deleteWebhook")


async def test_offset_advances_only_after_the_commit(
    log: SQLiteEventLog, tg: TelegramClient, emu: TelegramEmulator
) -> None:
    route = Routed()
    ann = emu.user(1001, "Ann")
    await ann.send_text("hello")
    async with polling(receiver_for(RefusingLog(log, 1, refuse=lambda events: True), tg), log, route) as receiver:
        await route.wait_count(1)
    seen = offsets(emu)
    # The batch fetched before the failed commit was fetched again with the same (absent) offset.
    assert seen[:2] == [None, None]
    assert receiver.statistics().commit_failures == 1
    assert len(await events_of(log, UpdateReceived)) == 1 and len(route.items) == 1


async def test_the_same_update_twice_is_recorded_and_routed_once(
    log: SQLiteEventLog, tg: TelegramClient, emu: TelegramEmulator
) -> None:
    route = Routed()
    message = {"message_id": 9, "date": 1, "chat": {"id": 7, "type": "private"}, "text": "hi",
               "from": {"id": 7, "is_bot": False, "first_name": "Z"}}
    emu.inject_update({"update_id": 500, "message": dict(message)})
    emu.inject_update({"update_id": 500, "message": dict(message)})  # twice in one batch
    async with polling(receiver_for(log, tg), log, route) as receiver:
        await route.wait_count(1)
        with trio.fail_after(5):
            await emu.wait_updates_taken()
    assert len(route.items) == 1 and receiver.statistics().duplicates == 1
    assert len(await events_of(log, UpdateReceived)) == 1

    # A restart before the offset was confirmed: Telegram sends it again to a new process.
    emu.inject_update({"update_id": 501, "message": {**message, "message_id": 10}})
    again = Routed()
    async with polling(receiver_for(log, tg), log, again) as receiver:
        await again.wait_count(1)
    emu.inject_update({"update_id": 501, "message": {**message, "message_id": 10}})
    third = Routed()
    async with polling(receiver_for(log, tg), log, third) as receiver:
        with trio.fail_after(5):
            await emu.wait_updates_taken()
            while receiver.statistics().duplicates < 1:
                await trio.sleep(0.01)
    assert third.items == []
    assert len(await events_of(log, UpdateReceived)) == 2


async def test_a_tap_is_answered_before_a_slow_route_finishes(
    log: SQLiteEventLog, tg: TelegramClient, emu: TelegramEmulator
) -> None:
    gate = trio.Event()
    route = Routed(gate)
    ann = emu.user(1001, "Ann")
    keyboard = InlineKeyboardMarkup(((InlineKeyboardButton("Go", callback_data="go"),),))
    sent = await tg.send_message(ann.id, "Ready?", reply_markup=keyboard)
    async with polling(receiver_for(log, tg), log, route):
        await ann.tap(sent.message_id, "go")
        with trio.fail_after(3):
            while emu.callback_statistics().answered < 1:
                await trio.sleep(0.01)
        assert route.items == []  # the route is still blocked
        gate.set()
        await route.wait_count(1)
    records = await log.read_stream(f"inbox:{ann.id}")
    kinds = [type(r.event) for r in records]
    assert kinds == [UpdateReceived, CallbackReceived, CallbackRouted]
    assert len({r.cid for r in records}) == 1
    routed = records[2].event
    assert isinstance(routed, CallbackRouted) and routed.target == f"session:{ann.id}"
    callback = records[1].event
    assert isinstance(callback, CallbackReceived) and callback.data == "go" and callback.message_id == sent.message_id


async def test_a_malformed_update_is_rejected_and_skipped(
    log: SQLiteEventLog, tg: TelegramClient, emu: TelegramEmulator
) -> None:
    route = Routed()
    ann = emu.user(1001, "Ann")
    emu.inject_update({"update_id": 300, "message": "not a message"})
    async with polling(receiver_for(log, tg), log, route) as receiver:
        await ann.send_text("after")
        await route.wait_count(1)
    [rejected] = await events_of(log, UpdateRejected)
    assert isinstance(rejected.event, UpdateRejected) and rejected.event.reason == "not-an-update"
    assert rejected.cid.startswith("u300-")
    assert receiver.offset is not None and receiver.offset > 300
    assert route.items[0][0].message is not None


async def test_409_conflict_backs_off_then_recovers(
    log: SQLiteEventLog, tg: TelegramClient, emu: TelegramEmulator
) -> None:
    route = Routed()
    ann = emu.user(1001, "Ann")
    receiver = UpdateReceiver(log, tg, bot_id=BOT_ID, poll_timeout=1, backoff_base=0.2, backoff_cap=0.4)
    async with polling(receiver, log, route):
        with trio.fail_after(3):
            await emu.wait_polling()
        await tg.set_webhook("http://127.0.0.1:9/elsewhere")  # another instance took over
        before = len(emu.requests_for("getUpdates"))
        await trio.sleep(1.0)
        polls = len(emu.requests_for("getUpdates")) - before
        assert 1 <= polls <= 5  # backing off, not spinning
        assert receiver.statistics().conflicts >= 2
        await tg.delete_webhook()
        await ann.send_text("back")
        await route.wait_count(1)


async def test_an_update_recorded_but_not_routed_before_a_crash_is_routed_on_start(
    log: SQLiteEventLog, tg: TelegramClient, emu: TelegramEmulator
) -> None:
    ann = emu.user(1001, "Ann")
    first = Routed()
    async with polling(receiver_for(log, tg), log, first) as receiver:
        await ann.send_text("routed before the restart")
        await first.wait_count(1)
    # The process committed this one and died before routing it; Telegram will not send it again.
    orphan = receiver.intake.parse(
        b'{"update_id": 900, "message": {"message_id": 77, "date": 1, "chat": {"id": 1001, "type": "private"},'
        b' "text": "lost?"}}',
        source="polling",
    )
    await receiver.intake.record([orphan])
    again = Routed()
    async with polling(receiver_for(log, tg), log, again):
        await again.wait_count(1)
    [(update, meta)] = again.items
    assert update.message is not None and update.message.text == "lost?"
    assert meta.event_id == f"update:{BOT_ID}:0:900" and meta.chat_id == 1001


async def test_a_route_that_keeps_failing_is_given_up_on_record_and_the_next_update_goes_through(
    log: SQLiteEventLog, tg: TelegramClient, emu: TelegramEmulator, expected_bugs: list[str]
) -> None:
    got: list[str] = []

    async def route(update: Update, meta: UpdateMeta) -> None:
        text = update.message.text if update.message is not None else None
        if text == "boom":
            raise RuntimeError("a router bug")
        got.append(text or "")

    ann = emu.user(1001, "Ann")
    receiver = UpdateReceiver(log, tg, bot_id=BOT_ID, poll_timeout=1)
    async with polling(receiver, log, route, max_attempts=2, backoff_base=0.01):
        await ann.send_text("boom")
        await ann.send_text("fine")
        with trio.fail_after(5):
            while got != ["fine"]:
                await trio.sleep(0.01)
    [abandoned] = await events_of(log, ReactionAbandoned)
    assert isinstance(abandoned.event, ReactionAbandoned) and abandoned.event.error == "a router bug"
    assert len(expected_bugs) == 1


async def test_a_tap_committed_just_before_a_crash_is_answered_and_routed_after_restart(
    log: SQLiteEventLog, tg: TelegramClient, emu: TelegramEmulator
) -> None:
    ann = emu.user(1001, "Ann")
    keyboard = InlineKeyboardMarkup(((InlineKeyboardButton("Go", callback_data="go"),),))
    sent = await tg.send_message(ann.id, "Ready?", reply_markup=keyboard)
    await ann.tap(sent.message_id, "go")
    # The previous process fetched the tap and committed it, then died: no answer, no route, no offset.
    raw = await tg.api.call("getUpdates", {"timeout": 0})
    [body] = msgspec.json.decode(raw, type=list[msgspec.Raw])
    intake = Intake(log, bot_id=BOT_ID)
    await intake.load()
    await intake.record([intake.parse(bytes(body), source="polling")])

    route = Routed()
    async with polling(receiver_for(log, tg), log, route):
        await route.wait_count(1)
        with trio.fail_after(5):
            await emu.wait_updates_taken()  # Telegram sent it again; it was a duplicate
            while emu.callback_statistics().answered < 1:
                await trio.sleep(0.01)
    assert len(route.items) == 1 and route.items[0][0].callback_query is not None
    assert len(await events_of(log, CallbackReceived)) == 1
