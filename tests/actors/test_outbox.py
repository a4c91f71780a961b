"""The outbox delivers UiRendered events from the log, in order per chat, and records every outcome."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import trio

from eventlog import NewEvent, SQLiteEventLog
from trt_actors.actors.outbox import Outbox
from trt_actors.actors.throttle import Throttle
from trt_actors.events import Button, DispatchFailed, DispatchOk
from trt_actors.runtime import RestartPolicy, Supervisor
from trt_actors.sandbox.telegram import TelegramEmulator
from trt_actors.telegram import TelegramClient

from .conftest import RefusingLog, events_of, render, user_wrote, wait_for_events


def fast_throttle() -> Throttle:
    return Throttle(per_chat_rate=100.0, per_chat_burst=10, global_rate=1000.0, global_burst=100)


@asynccontextmanager
async def running(outbox: Outbox) -> AsyncIterator[Outbox]:
    async with trio.open_nursery() as nursery:
        await nursery.start(outbox.run)
        yield outbox
        nursery.cancel_scope.cancel()


def outbox_for(log: SQLiteEventLog, tg: TelegramClient) -> Outbox:
    return Outbox(log, tg, throttle=fast_throttle(), backoff_base=0.05, checkpoint_interval=0.05)


async def test_sends_with_buttons_and_records_ok_with_the_cid(
    log: SQLiteEventLog, tg: TelegramClient, emu: TelegramEmulator
) -> None:
    ann = emu.user(1001, "Ann")
    buttons = [[Button(text="Yes", data="y"), Button(text="Docs", url="https://example.com")]]
    ui_id = await render(log, ann.id, "d1", "<b>Hello</b>", buttons=buttons, cid="u7-abc")
    async with running(outbox_for(log, tg)):
        [ok] = await wait_for_events(log, DispatchOk, 1)
    [message] = ann.messages()
    assert message.text == "Hello"
    assert [[b.text for b in row] for row in message.buttons] == [["Yes", "Docs"]]
    assert message.callback_data("Yes") == "y"
    assert ok.cid == "u7-abc" and ok.causation == ui_id
    assert ok.stream == f"outbox:{ann.id}" and ok.event_id == "dispatch:d1:ok"
    assert ok.chat_id == ann.id and ok.user_id == ann.id
    assert isinstance(ok.event, DispatchOk)
    assert ok.event.message_id == message.message_id and ok.event.method == "sendMessage"


async def test_edits_tolerates_not_modified_and_falls_back_to_send(
    log: SQLiteEventLog, tg: TelegramClient, emu: TelegramEmulator
) -> None:
    ann = emu.user(1001, "Ann")
    async with running(outbox_for(log, tg)):
        await render(log, ann.id, "d1", "one")
        [first] = await wait_for_events(log, DispatchOk, 1)
        assert isinstance(first.event, DispatchOk) and first.event.message_id is not None
        mid = first.event.message_id
        await render(log, ann.id, "d2", "two", edit=mid, buttons=[[Button(text="Next", data="n")]])
        await render(log, ann.id, "d3", "two", edit=mid, buttons=[[Button(text="Next", data="n")]])  # not modified
        await render(log, ann.id, "d4", "fresh", edit=999_999)  # no such message: sent instead
        oks = await wait_for_events(log, DispatchOk, 4)
    messages = ann.messages()
    assert [m.text for m in messages] == ["two", "fresh"]
    assert messages[0].button_texts == ["Next"]
    methods = {r.event.dispatch_id: r.event.method for r in oks if isinstance(r.event, DispatchOk)}
    assert methods == {"d1": "sendMessage", "d2": "editMessageText", "d3": "editMessageText", "d4": "sendMessage"}
    fallbacks = [r.event for r in await events_of(log, DispatchFailed) if isinstance(r.event, DispatchFailed)]
    assert [(f.dispatch_id, f.final, f.error_code) for f in fallbacks] == [("d4", False, 400)]


async def test_a_429_storm_delays_but_loses_nothing_and_keeps_order(
    log: SQLiteEventLog, tg: TelegramClient, emu: TelegramEmulator
) -> None:
    ann, bob = emu.user(1001, "Ann"), emu.user(1002, "Bob")
    emu.faults.rate_limit("sendMessage", every=2, retry_after=1)
    for index in range(3):
        await render(log, ann.id, f"a{index}", f"ann {index}")
        await render(log, bob.id, f"b{index}", f"bob {index}")
    outbox = outbox_for(log, tg)
    async with running(outbox):
        await wait_for_events(log, DispatchOk, 6, timeout=15)
    assert [m.text for m in ann.messages()] == ["ann 0", "ann 1", "ann 2"]
    assert [m.text for m in bob.messages()] == ["bob 0", "bob 1", "bob 2"]
    limited = [r.event for r in await events_of(log, DispatchFailed) if isinstance(r.event, DispatchFailed)]
    assert limited and all(f.error_code == 429 and not f.final and f.retry_after == 1 for f in limited)
    stats = outbox.statistics()
    assert stats.sent == 6 and stats.failed == 0 and stats.rate_limited == len(limited)


async def test_blocked_chat_is_not_called_again_until_the_user_writes(
    log: SQLiteEventLog, tg: TelegramClient, emu: TelegramEmulator
) -> None:
    ann = emu.user(1001, "Ann")
    ann.block_bot()
    async with running(outbox_for(log, tg)) as outbox:
        await render(log, ann.id, "d1", "hello?")
        await wait_for_events(log, DispatchFailed, 1)
        calls = len(emu.requests_for("sendMessage"))
        await render(log, ann.id, "d2", "still there?")
        failures = await wait_for_events(log, DispatchFailed, 2)
        assert len(emu.requests_for("sendMessage")) == calls  # not even tried
        finals = [r.event for r in failures if isinstance(r.event, DispatchFailed)]
        assert [(f.dispatch_id, f.final, f.error_code) for f in finals] == [("d1", True, 403), ("d2", True, 403)]
        assert outbox.statistics().unreachable_chats == 1

        emu.faults.unblock(ann.id)
        await user_wrote(log, ann.id, 50)
        await render(log, ann.id, "d3", "welcome back")
        await wait_for_events(log, DispatchOk, 1)
    assert [m.text for m in ann.messages()] == ["welcome back"]


async def test_a_restart_mid_queue_delivers_the_rest_exactly_once(
    log: SQLiteEventLog, tg: TelegramClient, emu: TelegramEmulator
) -> None:
    ann = emu.user(1001, "Ann")
    for index in range(5):
        await render(log, ann.id, f"d{index}", f"message {index}")
    slow = Throttle(per_chat_rate=4.0, per_chat_burst=1, global_rate=100.0, global_burst=10)
    async with trio.open_nursery() as nursery:
        await nursery.start(Outbox(log, tg, throttle=slow, checkpoint_interval=0.05).run)
        await wait_for_events(log, DispatchOk, 2)
        nursery.cancel_scope.cancel()  # the worker is waiting for its next turn
    assert len(ann.messages()) < 5
    async with running(outbox_for(log, tg)):
        await wait_for_events(log, DispatchOk, 5)
        await trio.sleep(0.2)
    assert [m.text for m in ann.messages()] == [f"message {i}" for i in range(5)]
    assert len(await events_of(log, DispatchOk)) == 5


async def test_catch_up_skips_dispatches_that_already_have_an_outcome(
    log: SQLiteEventLog, tg: TelegramClient, emu: TelegramEmulator
) -> None:
    ann = emu.user(1001, "Ann")
    ui_id = await render(log, ann.id, "d1", "first")
    # A previous run delivered d1 and crashed before saving its checkpoint.
    done = DispatchOk(dispatch_id="d1", method="sendMessage", attempts=1, message_id=1)
    await log.append(
        [NewEvent(event_id="dispatch:d1:ok", stream=f"outbox:{ann.id}", event=done, cid="c-d1", ts=0.0,
                  causation=ui_id, chat_id=ann.id, user_id=ann.id)]
    )
    await render(log, ann.id, "d2", "second")
    async with running(outbox_for(log, tg)):
        await wait_for_events(log, DispatchOk, 2)
        await trio.sleep(0.1)
    assert [m.text for m in ann.messages()] == ["second"]


async def test_server_errors_are_retried_then_given_up(
    log: SQLiteEventLog, tg: TelegramClient, emu: TelegramEmulator
) -> None:
    ann = emu.user(1001, "Ann")
    flaky = emu.faults.server_error("sendMessage", status=502, times=2)
    outbox = Outbox(log, tg, throttle=fast_throttle(), backoff_base=0.02, max_attempts=3)
    async with running(outbox):
        await render(log, ann.id, "d1", "through in the end")
        [ok] = await wait_for_events(log, DispatchOk, 1)
        assert isinstance(ok.event, DispatchOk) and ok.event.attempts == 3
        emu.faults.remove(flaky)
        emu.faults.server_error("sendMessage", status=500)
        await render(log, ann.id, "d2", "never")
        failures = await wait_for_events(log, DispatchFailed, 5)
    final = [r.event for r in failures if isinstance(r.event, DispatchFailed) and r.event.dispatch_id == "d2"]
    assert [(f.attempts, f.error_code, f.final) for f in final] == [(1, 500, False), (2, 500, False), (3, 500, True)]
    assert [m.text for m in ann.messages()] == ["through in the end"]
    assert outbox.statistics().failed == 1


async def test_budgets_with_a_little_headroom_stay_under_telegrams_flood_limits(
    log: SQLiteEventLog, tg: TelegramClient, emu: TelegramEmulator
) -> None:
    ann = emu.user(1001, "Ann")
    emu.faults.flood_control(per_chat_per_second=1.0, per_chat_burst=3, global_per_second=30.0)
    for index in range(5):
        await render(log, ann.id, f"d{index}", f"m{index}")
    # Exactly 1/s would trip now and then: request latency jitters, so arrivals can be a hair closer.
    outbox = Outbox(log, tg, throttle=Throttle(per_chat_rate=0.9, per_chat_burst=3))
    async with running(outbox):
        await wait_for_events(log, DispatchOk, 5)
    assert outbox.statistics().rate_limited == 0
    assert [m.text for m in ann.messages()] == [f"m{i}" for i in range(5)]


def _recording_a_send(events: Sequence[NewEvent]) -> bool:
    return any(isinstance(e.event, DispatchOk) for e in events)  # a disk that fails at the worst time


async def test_an_outcome_that_cannot_be_recorded_is_delivered_again(
    log: SQLiteEventLog, tg: TelegramClient, emu: TelegramEmulator
) -> None:
    """At least once: the send went out, its outcome could not be recorded, so the reactor hands it over again."""
    ann = emu.user(1001, "Ann")
    outbox = Outbox(RefusingLog(log, 3, refuse=_recording_a_send), tg, throttle=fast_throttle())  # type: ignore[arg-type]
    await render(log, ann.id, "d1", "hello")
    with trio.CancelScope() as scope:
        async with Supervisor.open("root", policy=RestartPolicy(base=0.05)) as root:
            root.start("outbox", outbox.run)
            await wait_for_events(log, DispatchOk, 1)
            [child] = root.statistics().per_child
            assert child.crashes == 0 and outbox.statistics().reactor.retries == 1
            scope.cancel()
    assert [m.text for m in ann.messages()] == ["hello", "hello"]
    assert len(await events_of(log, DispatchOk)) == 1


async def test_the_unreachable_chats_kept_in_memory_are_bounded(
    log: SQLiteEventLog, tg: TelegramClient, emu: TelegramEmulator
) -> None:
    users = [emu.user(1001 + n, f"U{n}") for n in range(3)]
    for user in users:
        user.block_bot()
    outbox = Outbox(log, tg, throttle=fast_throttle(), max_unreachable=2)
    async with running(outbox):
        for n, user in enumerate(users):
            await render(log, user.id, f"d{n}", "hello?")
            await wait_for_events(log, DispatchFailed, n + 1)
        assert outbox.statistics().unreachable_chats == 2  # the least recently blocked is forgotten
        await render(log, users[0].id, "d3", "again?")  # forgotten: one more call, refused, and marked again
        await wait_for_events(log, DispatchFailed, 4)
    assert len(emu.requests_for("sendMessage")) == 4
