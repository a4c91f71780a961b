"""Referrals through Telegram: an invited user's first top-up credits the bonus to both, once; a self-invitation
and a user who was never invited get nothing."""

from __future__ import annotations


from tests.e2e.support import bot_process, wait_settled
from tests.e2e.test_money import buy
from trt_actors.events.ledger import Credited
from trt_actors.events.session import FriendJoined
from trt_actors.ledger import Balance
from trt_actors.sandbox.scripted import ScriptedUser

ANN, BOB, CAT = 9401, 9402, 9403
BONUS = 20


async def test_the_first_top_up_of_an_invited_user_credits_both_once_and_nothing_else_does(log_target: str) -> None:
    async with bot_process(log_target, referral_bonus=BONUS) as process:
        ann = ScriptedUser(process.emulator.user(ANN, first_name="Ann", language_code="en"))
        bob = ScriptedUser(process.emulator.user(BOB, first_name="Bob", language_code="ru"))
        cat = ScriptedUser(process.emulator.user(CAT, first_name="Cat", language_code="en"))
        await ann.say("/start")
        await bob.say(f"/start ref_{ANN}")  # invited by Ann
        await cat.say(f"/start ref_{CAT}")  # by herself: no invitation
        for user in (bob, bob, cat, ann):  # Bob's second top-up and an uninvited one give nothing
            assert (await buy(user)).status == "paid"
        await wait_settled(process.bot)
        ledger = process.bot.ledger
        balances = {user: await ledger.balance(user) for user in (ANN, BOB, CAT)}
        credits = await process.bot.log.read_from(1, limit=100_000, types=["Credited"])

    bonuses = {(r.stream, r.event.credit_id, r.event.amount) for r in credits
               if isinstance(r.event, Credited) and r.event.reason == "referral"}
    assert bonuses == {(f"ledger:{BOB}", f"referral:{BOB}", BONUS), (f"ledger:{ANN}", f"referral:{BOB}:inviter", BONUS)}
    assert balances == {ANN: Balance(available=100 + BONUS, held=0), BOB: Balance(available=200 + BONUS, held=0),
                        CAT: Balance(available=100, held=0)}
    reasons = [(r, r.event.reason) for r in credits if isinstance(r.event, Credited)]
    first_top_up = next(r for r, reason in reasons if r.stream == f"ledger:{BOB}" and reason == "topup")
    assert all(r.causation == first_top_up.event_id for r, reason in reasons if reason == "referral")


async def test_invite_friends_shows_the_link_and_counts_who_joined_and_paid_and_a_made_up_link_counts_nothing(
    log_target: str,
) -> None:
    ann_id, bob_id, dan_id, nobody = 9411, 9412, 9414, 777_777
    async with bot_process(log_target, referral_bonus=BONUS) as process:
        ann = ScriptedUser(process.emulator.user(ann_id, first_name="Ann", language_code="en"))
        bob = ScriptedUser(process.emulator.user(bob_id, first_name="Bob", language_code="ru"))
        dan = ScriptedUser(process.emulator.user(dan_id, first_name="Dan", language_code="en"))
        await ann.say("/invite")
        link = f"https://t.me/emulator_bot?start=ref_{ann_id}"
        assert await ann.screen() == "invite" and link in (ann.current.body or "")
        assert "Invited: 0 · topped up: 0 · you earned: 0 credits" in (ann.current.body or "")
        await bob.say(f"/start ref_{ann_id}")
        await dan.say(f"/start ref_{nobody}")  # a link nobody made
        assert (await buy(bob)).status == "paid"
        assert (await buy(dan)).status == "paid"
        await wait_settled(process.bot)
        await ann.say("/invite")
        shown = ann.current.body or ""
        await bob.say("/invite")
        bob_shown = bob.current.body or ""
        events = await process.bot.log.read_from(1, limit=100_000)
        dan_balance = await process.bot.ledger.balance(dan_id)

    assert "Invited: 1 · topped up: 1 · you earned: 20 credits" in shown
    assert f"https://t.me/emulator_bot?start=ref_{bob_id}" in bob_shown and "Приглашено: 0" in bob_shown
    joined = [(r.stream, r.event.friend_id) for r in events if isinstance(r.event, FriendJoined)]
    assert joined == [(f"chat:{ann_id}", bob_id)]
    assert dan_balance == Balance(available=100, held=0)  # no bonus for a made-up inviter
    assert not [r for r in events if r.stream == f"chat:{nobody}"]


async def test_a_referral_bonus_of_free_generations_is_granted_to_both_and_used_for_a_free_model(
    log_target: str,
) -> None:
    from tests.e2e.test_jobs import jobs_ended, order
    from trt_actors.events.ledger import FreeGranted, HoldPlaced

    ann_id, bob_id = 9421, 9422
    async with bot_process(log_target, referral_bonus_free=1) as process:
        ann = ScriptedUser(process.emulator.user(ann_id, first_name="Ann", language_code="ru"))
        bob = ScriptedUser(process.emulator.user(bob_id, first_name="Bob", language_code="en"))
        await ann.say("/start")
        await bob.say(f"/start ref_{ann_id}")
        assert (await buy(bob)).status == "paid"
        await wait_settled(process.bot)
        await ann.say("/invite")
        invite = ann.current.body or ""
        await order(process, ann_id, "z-image", language="ru")  # no credits, no daily free tier: the grant pays
        events = await jobs_ended(process, 1)
        balance = await process.bot.ledger.balance(ann_id)

    granted = sorted((r.stream, r.event.count) for r in events if isinstance(r.event, FreeGranted))
    assert granted == [(f"ledger:{ann_id}", 1), (f"ledger:{bob_id}", 1)]
    holds = [r.event for r in events if isinstance(r.event, HoldPlaced) and r.stream == f"ledger:{ann_id}"]
    assert [(hold.amount, hold.free_day) for hold in holds] == [(0, "bonus")]
    assert balance == Balance(available=0, held=0)
    assert "1 бесплатн. генераций" in invite
