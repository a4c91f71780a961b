"""Two bot processes on one log, as during a deploy: one active at a time, and a handover loses nothing.

Both emulators run in this process; the bots are ``python main.py run``
children with their own ``INSTANCE_ID`` and a short lease. The active one is
stopped with SIGTERM (a deploy: the standby takes over at once) or SIGKILL (a
crash: the standby takes over when the lease expires), in the middle of a
user's job.
"""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest
import trio

from tests.e2e.books import books_close, read_log
from tests.e2e.instances import LEASE, Bot, bot_env
from tests.e2e.conftest import TOKEN, kie_emulator
from tests.e2e.orders import walk
from tests.e2e.stores import write_lock_free
from tests.e2e.support import REGISTRY, bot_process, free_port
from trt_actors.app import drain
from trt_actors.events import PassiveRejected, UiRendered, UpdateReceived
from trt_actors.events.jobs import JobSubmitted, ResultDelivered
from trt_actors.events.ledger import HoldCaptured
from trt_actors.events.ops import LeaseAcquired, LeaseLost, ModeChanged
from trt_actors.sandbox.kie import KieEmulator, Script
from trt_actors.sandbox.scripted import ScriptedUser
from trt_actors.sandbox.telegram import TelegramEmulator, TelegramUser
from trt_actors.session.callback_data import Confirm
from trt_actors.telegram import TelegramClient



async def _active_and_standby(tg: TelegramEmulator, kie: KieEmulator, db: str, folder: Path) -> tuple[Bot, Bot]:
    """``bot-a``, active, and ``bot-b``, started after it on the same log, standing by."""
    first = await Bot.start(bot_env(tg, kie, db, "bot-a"), folder)
    await first.wait_active(30)
    return first, await Bot.start(bot_env(tg, kie, db, "bot-b"), folder)


async def _hang_outside_a_transaction(process: trio.Process, db: str) -> None:
    """SIGSTOP ``process`` (a stalled disk, a long GC pause, a paused VM) at a moment it holds no write lock.

    A process stopped inside a write transaction keeps the log's write lock (SQLite's file lock,
    PostgreSQL's advisory lock) for everyone until it resumes or dies, so the stop is taken again until
    it lands between transactions.
    """
    for _ in range(50):
        process.send_signal(signal.SIGSTOP)
        await trio.sleep(0.05)
        if await trio.to_thread.run_sync(write_lock_free, db):
            return
        process.send_signal(signal.SIGCONT)
        await trio.sleep(0.05)
    raise AssertionError("the process was always inside a write transaction")


async def _decided_once(db: str) -> list[str]:
    """Every private update recorded got exactly one first screen: the problems, as sentences."""
    events = await read_log(db)
    updates = [r for r in events if isinstance(r.event, UpdateReceived)]
    screens: dict[str, int] = {}
    for recorded in events:
        if isinstance(recorded.event, UiRendered) and recorded.event.dispatch_id.endswith("/0"):
            screens[recorded.cid] = screens.get(recorded.cid, 0) + 1
    return [f"update {u.event_id}: {screens.get(u.cid, 0)} first screens" for u in updates if screens.get(u.cid) != 1]


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
async def test_the_standby_takes_over_in_the_middle_of_a_job_and_the_user_gets_the_result_once(
    tmp_path: Path, log_target: str, how: signal.Signals
) -> None:
    db = log_target
    async with TelegramEmulator.serve(token=TOKEN) as tg, kie_emulator() as kie:
        kie.script("z-image", Script(waiting=1, generating=1, stage_seconds=1.5, callbacks=0))  # a job of seconds
        first, second = await _active_and_standby(tg, kie, db, tmp_path)
        try:
            assert not await second.is_active_within(2 * LEASE)  # the lease is taken: it stands by
            ann = ScriptedUser(tg.user(7101, first_name="Ann", language_code="en"))
            await walk(ann, REGISTRY.model("z-image"), {})
            await ann.tap_action(Confirm)
            with trio.fail_after(10):
                while not any(isinstance(r.event, JobSubmitted) for r in await read_log(db)):
                    await trio.sleep(0.05)
            await first.stop(how)
            took = await second.wait_active(LEASE + 10)
            assert took < (1.5 if how == signal.SIGTERM else LEASE + 1.5), took
            bob = ScriptedUser(tg.user(7102, first_name="Bob", language_code="en"))
            await bob.say("/start")  # the new active instance answers at once
            with trio.fail_after(20):
                while not any(isinstance(r.event, ResultDelivered) for r in await read_log(db)):
                    await trio.sleep(0.1)
            await trio.sleep(0.5)
        finally:
            await second.stop(signal.SIGTERM)
            await first.stop(signal.SIGKILL)  # (it has stopped already unless the test failed)

    events = await read_log(db)
    assert [m.kind for m in ann.user.messages()].count("photo") == 1
    assert len([r for r in events if isinstance(r.event, HoldCaptured)]) == 1 and len(kie.tasks) == 1
    acquired = [(r.event.holder, r.event.epoch) for r in events if isinstance(r.event, LeaseAcquired)]
    assert acquired == [("bot-a", 1), ("bot-b", 2)]
    (lost,) = [r.event for r in events if isinstance(r.event, LeaseLost)]
    assert (lost.holder, lost.epoch, lost.reason) == ("bot-a", 1, "released" if how == signal.SIGTERM else "expired")
    stopped = [r.event.holder for r in events if isinstance(r.event, ModeChanged) and r.event.mode == "stopped"]
    assert stopped == (["bot-a", "bot-b"] if how == signal.SIGTERM else ["bot-b"])
    assert await _decided_once(db) == []
    assert await books_close(db) == []


async def test_an_active_instance_that_hung_past_its_lease_writes_nothing_when_it_wakes_and_stops(
    tmp_path: Path, log_target: str,
) -> None:
    db = log_target
    async with TelegramEmulator.serve(token=TOKEN) as tg, kie_emulator() as kie:
        first, second = await _active_and_standby(tg, kie, db, tmp_path)
        try:
            ann = ScriptedUser(tg.user(7201, first_name="Ann", language_code="en"))
            await ann.say("/start")
            await _hang_outside_a_transaction(first.process, db)
            await second.wait_active(LEASE + 10)
            await ann.say("/help")  # the new active instance answers
            first.process.send_signal(signal.SIGCONT)
            with trio.fail_after(20):  # it wakes, finds its lease gone, and stops without writing
                await first.process.wait()
            assert first.process.returncode == 1
            await ann.say("/menu")
        finally:
            await second.stop(signal.SIGTERM)
            await first.stop(signal.SIGKILL)  # (it has ended by itself unless the test failed)
    events = await read_log(db)
    acquired = [(r.event.holder, r.event.epoch) for r in events if isinstance(r.event, LeaseAcquired)]
    assert acquired == [("bot-a", 1), ("bot-b", 2)]
    stopped = [r.event.holder for r in events if isinstance(r.event, ModeChanged) and r.event.mode == "stopped"]
    assert stopped == ["bot-b"]  # bot-a could not even record its stop
    assert await _decided_once(db) == []
    assert await books_close(db) == []


async def test_a_passive_instance_answers_every_tap_and_message_and_tap_again_runs_the_action_after_takeover(
    tmp_path: Path, log_target: str,
) -> None:
    db = log_target
    secret = "hook-secret"
    async with TelegramEmulator.serve(token=TOKEN) as tg, kie_emulator() as kie, TelegramClient(
        tg.api_base, TOKEN
    ) as api:
        ports = {"bot-a": free_port(), "bot-b": free_port()}

        def webhook(instance: str) -> dict[str, str]:
            url = f"http://127.0.0.1:{ports[instance]}/telegram/webhook"
            return {**bot_env(tg, kie, db, instance), "HTTP_PORT": str(ports[instance]), "WEBHOOK_URL": url,
                    "WEBHOOK_SECRET": secret}

        first = await Bot.start(webhook("bot-a"), tmp_path)
        await first.wait_active(30)
        second = await Bot.start(webhook("bot-b"), tmp_path)
        try:
            ann = ScriptedUser(tg.user(7401, first_name="Ann", language_code="en"))
            menu = await ann.say("/start")
            # The proxy sends Telegram's calls to the new instance, which stands by.
            await api.set_webhook(f"http://127.0.0.1:{ports['bot-b']}/telegram/webhook", secret_token=secret)
            tap = await ann.user.tap(menu.message_id, menu.callback_data("Balance"))
            with trio.fail_after(10):
                answer = await tap.wait_answered()
            assert answer.text is not None and "Updating" in answer.text  # no spinner left turning
            with trio.fail_after(10):
                messages = await ann.user.wait_until(lambda ms: any("Tap again" in m.button_texts[0]
                                                                    for m in ms if m.button_texts))
            again = next(m for m in messages if m.button_texts and "Tap again" in m.button_texts[0])
            await ann.say("/help")
            assert "Send your message again" in (ann.current.body or "") and ann.current.button_texts == ["🔄 Refresh"]
            await first.stop(signal.SIGTERM)
            await second.wait_active(LEASE + 10)
            # Once active, the declined tap runs: the balance screen.
            await ann.tap_on(again.message_id, again.callback_data("Tap again"), "🔄 Tap again")
            assert "Balance" in (ann.current.body or "")
            assert tg.callback_statistics().unanswered == 0
        finally:
            await second.stop(signal.SIGTERM)
            await first.stop(signal.SIGKILL)
    events = await read_log(db)
    declined = [(r.event.kind, r.event.instance, r.chat_id) for r in events if isinstance(r.event, PassiveRejected)]
    assert declined == [("callback_query", "bot-b", 7401), ("message", "bot-b", 7401)]
    taken = {r.event.update_id for r in events if isinstance(r.event, UpdateReceived)}
    assert not {r.event.update_id for r in events if isinstance(r.event, PassiveRejected)} & taken  # nothing taken
    assert await _decided_once(db) == []
    assert await books_close(db) == []


async def test_a_clean_stop_takes_no_more_updates_and_lets_what_is_in_flight_finish(log_target: str) -> None:
    async with bot_process(log_target) as process:
        bot = process.bot
        users = [ScriptedUser(process.emulator.user(7500 + n, first_name=f"u{n}", language_code="en"))
                 for n in range(5)]
        for user in users:
            await user.user.send_text("/start")
        with trio.fail_after(10):  # taken (recorded), and maybe not yet decided nor answered
            while len(await bot.log.read_from(1, types=["UpdateReceived"], limit=100)) < 5:
                await trio.sleep(0.005)
        assert await drain(bot, timeout=10)
        polls = bot.receiver.statistics().polls
        await users[0].user.send_text("/help")  # after the drain: left with Telegram for the next instance
        await trio.sleep(0.5)
        assert bot.receiver.statistics().polls == polls and not bot.receiver.running
        events = await bot.log.read_from(1, limit=100_000)
        assert len([r for r in events if isinstance(r.event, UpdateReceived)]) == 5
        assert all(any(m.body for m in user.user.messages()) for user in users)  # each taken update was answered


async def test_under_load_a_sigkilled_active_instance_loses_no_update_and_decides_none_twice(
    tmp_path: Path, log_target: str,
) -> None:
    db = log_target
    sent = 0
    async with TelegramEmulator.serve(token=TOKEN) as tg, kie_emulator() as kie:
        first, second = await _active_and_standby(tg, kie, db, tmp_path)
        users = [tg.user(7600 + n, first_name=f"u{n}", language_code="en") for n in range(8)]
        try:
            async with trio.open_nursery() as load:

                async def chat(user: TelegramUser) -> None:
                    nonlocal sent
                    for n in range(40):
                        await user.send_text(("/start", "/help", "/menu", "/balance")[n % 4])
                        sent += 1
                        await trio.sleep(0.1)

                for user in users:
                    load.start_soon(chat, user)
                await trio.sleep(1.5)
                await first.stop(signal.SIGKILL)  # in the middle of the load
                await second.wait_active(LEASE + 10)
            with trio.fail_after(60):
                while len([r for r in await read_log(db) if isinstance(r.event, UpdateReceived)]) < sent or (
                        await _decided_once(db)):
                    await trio.sleep(0.2)
        finally:
            await second.stop(signal.SIGTERM)
            await first.stop(signal.SIGKILL)
    events = await read_log(db)
    assert len([r for r in events if isinstance(r.event, UpdateReceived)]) == sent == 8 * 40  # none lost
    assert await _decided_once(db) == []  # none twice
    assert await books_close(db) == []


async def test_a_standby_stops_at_once_on_sigterm(tmp_path: Path, log_target: str) -> None:
    db = log_target
    async with TelegramEmulator.serve(token=TOKEN) as tg, kie_emulator() as kie:
        first, second = await _active_and_standby(tg, kie, db, tmp_path)
        try:
            await second.wait_standing_by(30)  # a loaded machine may take seconds to start it
            assert not await second.is_active_within(1.0)
            started = time.monotonic()
            await second.stop(signal.SIGTERM)
            assert second.process.returncode == 0 and time.monotonic() - started < 5
        finally:
            await first.stop(signal.SIGTERM)
    events = await read_log(db)
    assert [r.event.holder for r in events if isinstance(r.event, LeaseAcquired)] == ["bot-a"]  # it never took over
