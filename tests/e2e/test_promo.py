"""Promo codes through Telegram: redeemed once per user as a ledger credit of its own; unknown, expired, used-up,
already-used and malformed codes each get their answer and move no credit; in both languages."""

from __future__ import annotations

import html
import re

from tests.e2e.support import bot_process, wait_settled
from trt_actors.events.ledger import Credited
from trt_actors.events.promo import PromoEntered, PromoRefused
from trt_actors.ledger import Balance
from trt_actors.promo import CreatePromo
from trt_actors.runtime import CommandMeta
from trt_actors.sandbox.scripted import ScriptedUser
from trt_actors.session.callback_data import OpenPromo
from trt_actors.session.texts import Texts

ANN, BOB, CAT, ADMIN = 9601, 9602, 9603, 9699


async def test_promo_codes_credit_once_per_user_and_every_refusal_is_answered(log_target: str) -> None:
    async with bot_process(log_target) as process:
        promos = process.bot.promos
        assert promos is not None
        now = 1_700_000_000.0
        for code, expires in (("SPRING", 4_000_000_000.0), ("OLD", now + 1)):
            await promos.create(CreatePromo(code=code, credits=50, expires_at=expires, max_uses=2, admin_id=ADMIN,
                                            now=now), CommandMeta(command_id=f"create-{code}", cid=f"admin-{code}",
                                                                  ts=now, user_id=ADMIN))
        ann = ScriptedUser(process.emulator.user(ANN, first_name="Ann", language_code="en"))
        bob = ScriptedUser(process.emulator.user(BOB, first_name="Bob", language_code="ru"))
        cat = ScriptedUser(process.emulator.user(CAT, first_name="Cat", language_code="en"))
        await ann.say("/promo spring")
        await ann.wait_for_screen("ledger.promo")
        await bob.say("/balance")
        await bob.tap_action(OpenPromo)
        await bob.say("Spring")  # typed on the promo screen
        await bob.wait_for_screen("ledger.promo")
        for user, code, answer in ((ann, "SPRING", "already_redeemed"), (cat, "SPRING", "used_up"),
                                   (cat, "OLD", "expired"), (cat, "NOPE", "unknown")):
            await user.say(f"/promo {code}")
            await user.wait_for_screen("promo.refused")
            assert plain(Texts.of("en").say(f"promo.refused_{answer}", code=code)) in (user.current.body or "")
        await cat.say("/promo " + "x" * 10_000)  # no code at all: answered at once, nothing asked
        assert "That is not a promo code" in (cat.current.body or "")
        await wait_settled(process.bot)
        balances = {user: await process.bot.ledger.balance(user) for user in (ANN, BOB, CAT)}
        events = await process.bot.log.read_from(1, limit=1_000_000)

    credits = {(r.stream, r.event.credit_id, r.event.amount) for r in events
               if isinstance(r.event, Credited) and r.event.reason == "promo"}
    assert credits == {(f"ledger:{ANN}", f"promo:SPRING:{ANN}", 50), (f"ledger:{BOB}", f"promo:SPRING:{BOB}", 50)}
    assert balances == {ANN: Balance(50, 0), BOB: Balance(50, 0), CAT: Balance(0, 0)}
    refused = sorted((r.event.code, r.event.reason) for r in events if isinstance(r.event, PromoRefused))
    assert refused == [("NOPE", "unknown"), ("OLD", "expired"), ("SPRING", "already_redeemed"), ("SPRING", "used_up")]
    assert len([r for r in events if isinstance(r.event, PromoEntered)]) == 6  # not the 10 kB one
    bob_said = " ".join(message.body or "" for message in bob.user.messages())
    assert "Промокод SPRING: +50 кредитов" in bob_said


def plain(markup: str) -> str:
    """HTML as the chat shows it."""
    return html.unescape(re.sub(r"<[^>]+>", "", markup))
