"""The admin desk through Telegram: only ADMIN_IDS reach it; lookups, adjustments, refunds, blocks, promo codes,
stats and a broadcast, each an event naming the admin; every bad input answered, recorded, and changing nothing."""

from __future__ import annotations

import time

import trio

from tests.e2e.support import bot_process, wait_settled
from tests.e2e.test_money import buy
from trt_actors.events import CallbackRejected
from trt_actors.events.admin import (
    AdjustmentAsked,
    AdminActionReported,
    AdminInputRejected,
    AdminLookedUp,
    BroadcastAsked,
    ModelSwitched,
    PromoCreateAsked,
    RefundAsked,
    UserBlocked,
)
from trt_actors.events.ledger import Credited, Debited, RefundReserved
from trt_actors.events.session import InputBlocked, MessageRejected, ModelsSeen
from trt_actors.ledger import Balance
from trt_actors.ledger.audit import audit
from trt_actors.ledger.audit_report import render_table
from trt_actors.sandbox.scripted import ScriptedUser
from trt_actors.session.callback_data import OpenCategory

ADMIN, ANN, BOB, EVE = 9701, 9702, 9703, 9704


async def _answer(user: ScriptedUser, text: str) -> str:
    await user.say(text)
    return user.current.body or ""


async def test_the_admin_desk_does_what_admins_ask_and_refuses_everything_else(log_target: str) -> None:
    async with bot_process(log_target, admin_ids=frozenset({ADMIN})) as process:
        admin = ScriptedUser(process.emulator.user(ADMIN, first_name="Boss", language_code="en"))
        ann = ScriptedUser(process.emulator.user(ANN, first_name="Ann", language_code="en", username="ann_k"))
        bob = ScriptedUser(process.emulator.user(BOB, first_name="Bob", language_code="ru"))
        eve = ScriptedUser(process.emulator.user(EVE, first_name="Eve", language_code="en"))
        await ann.say("/start")
        await bob.say("/start")
        assert (await buy(ann)).status == "paid"  # 100 credits for 50 Stars

        # Not an admin: /admin is an unknown command to her session, a forged desk button is refused.
        assert "There is no command /admin" in await _answer(eve, "/admin adjust 9702 +1000 mine")
        await eve.user.tap(eve.current.message_id, f"a.ub.{ANN}", forge=True)

        menu = await _answer(admin, "/admin")
        assert "Admin desk" in menu
        profile = await _answer(admin, "/admin user @ann_k")
        assert f"User {ANN}" in profile and "100 available" in profile and "topup:" in profile
        assert "No such user" in await _answer(admin, "/admin user 123456")

        assert "A reason is required" in await _answer(admin, f"/admin adjust {ANN} +50")
        assert "not an amount" in await _answer(admin, f"/admin adjust {ANN} +0 why not")
        assert "only 100 credits available" in await _answer(admin, f"/admin adjust {ANN} -500 fraud")
        await _answer(admin, f"/admin adjust {ANN} +50 goodwill gesture")
        await _answer(admin, f"/admin adjust {ANN} -30 duplicate bonus")
        await wait_settled(process.bot)

        assert "no such Stars payment" in await _answer(admin, f"/admin refund {ANN} topup:nope")
        await _answer(admin, f"/admin adjust {ANN} -100 spend it all")  # 120 → 20: the top-up's 100 are spent
        await wait_settled(process.bot)
        topup_id = next(r.event.credit_id for r in await process.bot.log.read_from(1, limit=100_000, types=["Credited"])
                        if isinstance(r.event, Credited) and r.event.reason == "topup")
        assert "already spent" in await _answer(admin, f"/admin refund {ANN} {topup_id}")
        await _answer(admin, f"/admin adjust {ANN} +100 back again")
        await wait_settled(process.bot)
        await _answer(admin, f"/admin refund {ANN} {topup_id}")
        await wait_settled(process.bot)

        assert "A reason is required" in await _answer(admin, f"/admin block {BOB}")
        await _answer(admin, f"/admin block {BOB} spam")
        blocked_answer = await _answer(bob, "/menu")
        await bob.user.send_text("/topup")  # silence: no second answer
        await wait_settled(process.bot)

        assert "cannot be a promo code" in await _answer(admin, "/admin promo SP!NG 50 10 30")
        await _answer(admin, "/admin promo SUMMER 25 10 30")
        await wait_settled(process.bot)
        await ann.say("/promo summer")
        await ann.wait_for_screen("ledger.promo")

        assert "Telegram would refuse" in await _answer(admin, "/admin broadcast <b>hello</i>")
        preview = await _answer(admin, "/admin broadcast <b>New models</b> are here")
        assert "New models" in preview and "Send it to everyone?" in preview
        send = admin.current.callback_data("📣 Send to everyone")
        await admin.tap_data(send, "send")
        await wait_settled(process.bot)
        await _answer(admin, f"/admin unblock {BOB}")
        assert "No such model" in await _answer(admin, "/admin model no-such-model off")
        await _answer(admin, "/admin model z-image off")
        await ann.say("/menu")
        await ann.tap_action(OpenCategory, category="text_to_image")  # the list opens, without Z-Image
        category = [label for label, _, _ in ann.actions()]
        await _answer(admin, "/admin model z-image on")
        await ann.say("/menu")
        await ann.open_model("text_to_image", "z-image")  # back
        stats = await _answer(admin, "/admin stats")
        events = await process.bot.log.read_from(1, limit=1_000_000)
        balance = await process.bot.ledger.balance(ANN)
        with trio.fail_after(15):
            while not any("New models" in (m.body or "") for m in ann.user.messages()):
                await trio.sleep(0.05)

    def of(kind: type) -> list:  # type: ignore[type-arg]
        return [r for r in events if isinstance(r.event, kind)]

    assert [(r.event.reason_code) for r in of(MessageRejected) if r.user_id == EVE] == ["unknown_command"]
    assert [r.event.reason_code for r in of(CallbackRejected) if r.user_id == EVE] == ["malformed"]
    rejected = [r.event.reason_code for r in of(AdminInputRejected)]
    assert rejected == ["unknown_user", "no_reason", "bad_amount", "insufficient", "unknown_payment", "spent",
                        "no_reason", "bad_code", "bad_html", "unknown_model"]
    asked = [(r.event.amount, r.event.reason) for r in of(AdjustmentAsked)]
    assert asked == [(50, "goodwill gesture"), (-30, "duplicate bonus"), (-100, "spend it all"), (100, "back again")]
    assert all(r.stream == f"admin:{ADMIN}" for r in of(AdjustmentAsked) + of(RefundAsked) + of(UserBlocked))
    moved = [(type(r.event).__name__, r.event.amount) for r in events if isinstance(r.event, Credited | Debited)
             and (isinstance(r.event, Debited) or r.event.reason == "adjustment")]
    assert moved == [("Credited", 50), ("Debited", 30), ("Debited", 100), ("Credited", 100)]
    assert [r.event.amount for r in of(RefundReserved)] == [100]
    assert balance == Balance(available=45, held=0)  # 100 + 50 − 30 − 100 + 100 − 100 refunded + 25 promo
    assert [r.event.notified for r in of(InputBlocked)] == [True, False]
    assert "доступ к боту приостановлен" in blocked_answer  # Bob reads Russian
    assert len(of(PromoCreateAsked)) == 1 and len(of(BroadcastAsked)) == 1
    assert not any(label.startswith("Z-Image") for label in category) and category
    switched = [(r.event.model_id, r.event.enabled) for r in of(ModelSwitched)]
    assert switched == [("z-image", False), ("z-image", True)]
    assert [r.event.disabled for r in of(ModelsSeen) if r.user_id == ANN] == [("z-image",), ()]
    assert "Users: 3; active today 4" in stats and "KIE credits: 1000" in stats  # the admin has no session
    assert {r.event.outcome for r in of(AdminActionReported)} >= {"Credited", "Debited", "RefundReserved",
                                                                    "PromoCreated", "BroadcastStarted"}
    assert of(AdminLookedUp)[0].event.profile.username == "ann_k"
    report = audit(events, now=time.time())
    assert report.passed and [action.action for action in report.admin_actions] == [
        "AdjustmentAsked", "AdjustmentAsked", "AdjustmentAsked", "AdjustmentAsked", "RefundAsked", "UserBlocked",
        "PromoCreateAsked", "BroadcastAsked", "UserUnblocked", "ModelSwitched", "ModelSwitched"]
    assert all(action.admin_id == ADMIN for action in report.admin_actions)
    assert "admin actions:" in render_table(report)
