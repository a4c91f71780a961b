"""The free tier through Telegram: a free model is made for nothing while the day's free generations last, a
failed one gives its free use back, and the next one of the day costs credits; in both languages."""

from __future__ import annotations


import pytest

from tests.e2e.orders import walk
from tests.e2e.support import REGISTRY, bot_process, wait_settled
from tests.e2e.test_jobs import facts, jobs_ended, order
from trt_actors.events.ledger import HoldCaptured, HoldPlaced, HoldRejected, HoldVoided
from trt_actors.free_tier import FreeTier
from trt_actors.ledger import Balance
from trt_actors.sandbox.kie import Script, WireState
from trt_actors.session.callback_data import Confirm
from trt_actors.session.texts import Texts

ANN = 9501


@pytest.mark.parametrize("language", ["en", "ru"])
async def test_a_free_generation_costs_nothing_a_failed_one_comes_back_and_then_the_price_applies(
    log_target: str, language: str,
) -> None:
    texts = Texts.of(language)
    async with bot_process(log_target, free_tier=FreeTier(per_day=1)) as process:
        kie = process.kie
        fast = kie.script_for("z-image")
        kie.script("z-image", Script(outcome=WireState.FAIL, fail_code="500", stage_seconds=0.05))
        ann = await order(process, ANN, "z-image", language=language)  # free, and KIE fails it
        await jobs_ended(process, 1)
        kie.script("z-image", fast)
        await order(process, ANN, "z-image", language=language)  # the free use came back: free again
        events = await jobs_ended(process, 2)
        await ann.say("/menu")
        await ann.open_model("text_to_image", "z-image")
        card = ann.current.body or ""
        await walk(ann, REGISTRY.model("z-image"), {})  # the day's free generation is taken
        price = REGISTRY.quote("z-image", {}).credits
        confirmation = ann.current.body or ""
        await ann.tap_action(Confirm)
        await wait_settled(process.bot)
        events = await process.bot.log.read_from(1, limit=1_000_000)
        balance = await process.bot.ledger.balance(ANN)

    placed = facts(events, HoldPlaced)
    assert [(hold.amount, bool(hold.free_day)) for hold in placed] == [(0, True), (0, True)]
    assert [voided.amount for voided in facts(events, HoldVoided)] == [0]
    assert [(captured.captured, captured.released) for captured in facts(events, HoldCaptured)] == [(0, 0)]
    assert [refused.reason for refused in facts(events, HoldRejected)] == ["insufficient"]  # no credits at all
    assert balance == Balance(available=0, held=0)
    assert texts.say("model.free_used") in card
    assert texts.credits(price) in confirmation and "🎁" not in confirmation
    photos = [message for message in ann.user.messages() if message.kind == "photo"]
    assert len(photos) == 1
    free_price = texts.plain("price.free")
    assert any(free_price in (message.body or "") for message in ann.user.messages())
