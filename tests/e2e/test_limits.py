"""Rate limits through Telegram: a user flooding the bot gets one answer saying when to try again, and the excess
is recorded, not dropped; a user past the generation limit is told how long to wait, and nothing is held."""

from __future__ import annotations


import trio

from tests.e2e.orders import walk
from tests.e2e.support import REGISTRY, bot_process, wait_jobs_ended, wait_settled
from trt_actors.events import CallbackRejected, UiRendered
from trt_actors.events.ledger import HoldPlaced
from trt_actors.events.session import InputThrottled
from trt_actors.limits import Rate
from trt_actors.sandbox.scripted import ScriptedUser
from trt_actors.session.callback_data import Confirm


async def test_a_flood_of_messages_is_answered_once_past_the_limit_and_every_excess_update_recorded(
    log_target: str,
) -> None:
    async with bot_process(log_target, rate_messages=Rate(3, 600.0)) as process:
        ann = ScriptedUser(process.emulator.user(9201, first_name="Ann", language_code="en"))
        for _ in range(3):
            await ann.say("/menu")
        answered = len(ann.user.messages())
        notice = await ann.say("/balance")  # the first over the limit: answered with when to try again
        for text in ("/balance", "/help", "/topup"):  # the rest of the burst: recorded, not answered
            await ann.user.send_text(text)
        await wait_settled(process.bot)
        await trio.sleep(0.2)
        events = await process.bot.log.read_stream("chat:9201")
        assert process.bot.sessions.statistics().throttled == 4  # /metrics: trt_sessions_throttled_total
        bob = ScriptedUser(process.emulator.user(9202, first_name="Bob", language_code="en"))
        await bob.say("/menu")
        assert await bob.screen() == "menu"  # another user is not held back

    assert "Too many messages at once. I will read the next one in" in (notice.body or "")
    assert len(ann.user.messages()) == answered + 1  # one answer for the whole burst
    throttled = [r.event for r in events if isinstance(r.event, InputThrottled)]
    assert [(t.kind, t.notified) for t in throttled] == [("messages", True), ("messages", False),
                                                        ("messages", False), ("messages", False)]
    renders = [r for r in events if isinstance(r.event, UiRendered)]
    assert len(renders) == 4  # three menus and the notice: nothing for the rest


async def test_past_the_generation_limit_a_confirm_is_refused_with_the_wait_and_nothing_is_held(
    log_target: str,
) -> None:
    async with bot_process(log_target, welcome_credits=1_000, rate_generations=Rate(1, 600.0)) as process:
        ann = ScriptedUser(process.emulator.user(9301, first_name="Анна", language_code="ru"))
        await walk(ann, REGISTRY.model("z-image"), {})
        await ann.tap_action(Confirm)
        await wait_jobs_ended(process.bot)
        await walk(ann, REGISTRY.model("z-image"), {})
        refused = await ann.tap_action(Confirm)
        events = await wait_jobs_ended(process.bot)

    assert "Вы подтвердили 1 генераций за короткое время" in (refused.body or "")
    assert len([r for r in events if isinstance(r.event, HoldPlaced)]) == 1  # the second was never held
    assert [r.event.reason_code for r in events if isinstance(r.event, CallbackRejected)] == ["too_many_generations"]
