"""Money through the emulators: Stars top-ups credited once, pre-checkout inside its window, holds on Confirm.

The whole bot runs against the Telegram emulator over HTTP with a real log on
each store; users pay invoices the way Telegram users do (:meth:`TelegramUser.pay`).
Every test's log must also pass the audit (the fixture checks it on the way out).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import TypeVar

import trio

from eventlog import RecordedEvent, is_postgres
from trt_actors.events import Event
from tests.e2e.books import books_close, read_log
from tests.e2e.conftest import SQLITE_ONLY
from tests.e2e.stores import copy_log, execute
from tests.e2e.support import REGISTRY, BotProcess, bot_process, wait_jobs_ended, wait_settled
from trt_actors.events import UpdateReceived
from trt_actors.events.ledger import (
    Credited, HoldCaptured, HoldPlaced, HoldRejected, RefundCompleted, RefundRejected, RefundReserved,
)
from trt_actors.events.payments import PreCheckoutAnswered
from trt_actors.events.session import GenerationRequested, InvoiceRequested, PaymentRejected, TopUpPaid
from trt_actors.ledger import Balance
from trt_actors.sandbox.scripted import PLACED, ScriptedUser, screen_of
from trt_actors.sandbox.telegram.records import PaymentOutcome
from trt_actors.session.callback_data import BuyPackage, Confirm, StartDraft, decode, encode

ROOT = Path(__file__).resolve().parents[2]
ANN, BOB = 8101, 8102
CHEAPEST = REGISTRY.models_in("text_to_image")[0]
E = TypeVar("E", bound=Event)


def of(events: list[RecordedEvent], kind: type, stream: str | None = None) -> list[RecordedEvent]:
    return [r for r in events if isinstance(r.event, kind) and (stream is None or r.stream == stream)]


def facts(events: list[RecordedEvent], kind: type[E]) -> list[E]:
    """The events of ``kind``, typed."""
    return [r.event for r in events if isinstance(r.event, kind)]


def invoices(user: ScriptedUser) -> int:
    return sum(m.invoice is not None for m in user.user.messages())


async def invoice_shown(user: ScriptedUser, before: int = 0) -> None:
    with trio.fail_after(10):
        await user.user.wait_until(lambda messages: sum(m.invoice is not None for m in messages) > before)


async def buy(user: ScriptedUser) -> PaymentOutcome:
    """Open the packages, take the cheapest (50 ⭐ for 100 credits) and pay its invoice."""
    before = invoices(user)
    await user.say("/topup")
    await user.tap_action(BuyPackage, stars=50)
    await invoice_shown(user, before)
    outcome = await user.user.pay()
    if outcome.status == "paid":
        await user.wait_for_screen("ledger.topup")  # the receipt, so that the next step starts from it
    return outcome


async def to_confirmation(user: ScriptedUser) -> None:
    await user.say("/start")
    await user.open_model(CHEAPEST.category, CHEAPEST.id)
    await user.tap_action(StartDraft)
    await user.walk_wizard()
    assert await user.screen() == "confirm", user.transcript[-6:]


async def test_a_stars_top_up_is_credited_once_when_its_payment_is_delivered_twice(log_target: str) -> None:
    async with bot_process(log_target) as process:
        ann = ScriptedUser(process.emulator.user(ANN, first_name="Ann", language_code="en"))
        await ann.say("/start")
        outcome = await buy(ann)
        assert outcome.status == "paid"
        # Telegram delivers the same successful_payment again, as a new update.
        paid = next(r for r in await process.bot.log.read_stream(f"inbox:{ANN}")
                    if isinstance(r.event, UpdateReceived) and b"successful_payment" in r.event.body.encode())
        assert isinstance(paid.event, UpdateReceived)
        again = json.loads(paid.event.body)
        again.pop("update_id")
        again["message"]["message_id"] += 1000
        process.emulator.inject_update(again)
        await wait_settled(process.bot)
        events = await process.bot.log.read_from(1, 100_000)
        assert len(of(events, Credited, f"ledger:{ANN}")) == 1
        assert len(of(events, TopUpPaid)) == 1
        (rejected,) = facts(events, PaymentRejected)
        assert rejected.reason_code == "already_credited" and rejected.charge_id == outcome.telegram_payment_charge_id
        assert await process.bot.ledger.balance(ANN) == Balance(available=100, held=0)
        assert [t.amount for t in process.emulator.star_transactions()] == [50]


async def _stop_when_the_payment_is_recorded(process: BotProcess) -> None:
    async for recorded in process.bot.log.subscribe(process.bot.log.statistics().writer.head_seq + 1):
        if isinstance(recorded.event, UpdateReceived) and "successful_payment" in recorded.event.body:
            await process.stop()
            return


async def test_a_payment_recorded_just_before_a_restart_is_credited_once_after_it(log_target: str) -> None:
    db = log_target
    async with bot_process(db) as process:
        ann = ScriptedUser(process.emulator.user(ANN, first_name="Ann", language_code="en"))
        await ann.say("/start")
        await ann.say("/topup")
        await ann.tap_action(BuyPackage, stars=50)
        await invoice_shown(ann)
        async with trio.open_nursery() as nursery:
            nursery.start_soon(_stop_when_the_payment_is_recorded, process)
            outcome = await ann.user.pay()
        assert outcome.status == "paid"
        # Stopped the moment the payment was recorded: nothing credited yet.
        before = await read_log(db)
        assert of(before, UpdateReceived) and not of(before, Credited)
        bot = await process.start()
        await wait_settled(bot)
        after = await bot.log.read_from(1, 100_000)
        (credited,) = facts(after, Credited)
        assert credited.charge_id == outcome.telegram_payment_charge_id
        assert await bot.ledger.balance(ANN) == Balance(available=100, held=0)


@SQLITE_ONLY  # heavy (2,000 updates), and about the router putting a payment first, not about the store
async def test_a_pre_checkout_is_answered_inside_its_window_while_the_bot_is_busy_with_other_chats(
    log_target: str,
) -> None:
    async with bot_process(log_target) as process:
        ann = ScriptedUser(process.emulator.user(ANN, first_name="Ann", language_code="en"))
        await ann.say("/start")
        await ann.say("/topup")
        await ann.tap_action(BuyPackage, stars=50)
        await invoice_shown(ann)
        others = [process.emulator.user(9000 + n, first_name=f"U{n}", language_code="en") for n in range(200)]
        async with trio.open_nursery() as sending:  # 2,000 messages from 200 chats land at once, before Ann pays
            for round_ in range(10):  # (one at a time, the bot could keep up with them: there would be no backlog)
                for user in others:
                    sending.start_soon(user.send_text, f"hello {round_}")
        started = trio.current_time()
        outcome = await ann.user.pay()
        waited = trio.current_time() - started
        backlog = process.bot.router.statistics().pending
        assert outcome.status == "paid", outcome
        assert waited < 10.0
        await wait_settled(process.bot, timeout=120)
        events = await process.bot.log.read_from(1, 100_000)
        (answered,) = of(events, PreCheckoutAnswered)
        last_other = max(r.seq for r in events if r.stream.startswith("chat:9"))
        assert answered.seq < last_other or backlog > 0, "the answer should not wait for the other chats' backlog"


async def test_a_confirm_without_enough_credits_shows_the_top_up_screen_and_holds_nothing(log_target: str) -> None:
    async with bot_process(log_target) as process:
        ann = ScriptedUser(process.emulator.user(ANN, first_name="Ann", language_code="en"))
        await to_confirmation(ann)
        await ann.tap_action(Confirm)
        assert await ann.wait_for_screen("topup") == "topup"
        assert "more are needed" in (ann.current.body or "")
        await wait_settled(process.bot)
        events = await process.bot.log.read_from(1, 100_000)
        assert len(of(events, HoldRejected)) == 1 and not of(events, HoldPlaced)
        assert await process.bot.ledger.balance(ANN) == Balance(available=0, held=0)


async def test_a_confirm_tapped_twice_holds_once(log_target: str) -> None:
    async with bot_process(log_target, welcome_credits=1_000) as process:
        ann = ScriptedUser(process.emulator.user(ANN, first_name="Ann", language_code="en"))
        await to_confirmation(ann)
        message = ann.current
        data = next(d for _, d, action in ann.actions() if isinstance(action, Confirm))
        first = await ann.user.tap(message.message_id, data)
        second = await ann.user.tap(message.message_id, data)  # before the first is answered
        await first.wait_answered()
        await second.wait_answered()
        events = await wait_jobs_ended(process.bot)
        (hold,) = facts(events, HoldPlaced)
        assert len(of(events, GenerationRequested)) == 1 and len(facts(events, HoldCaptured)) == 1
        price = hold.amount
        assert await process.bot.ledger.balance(ANN) == Balance(available=1_000 - price, held=0)
        assert [screen_of(m) for m in ann.user.messages()].count("job.done") == 1


async def test_forged_payments_and_confirmations_move_no_credit(log_target: str) -> None:
    db = log_target
    async with bot_process(db, welcome_credits=1_000, audit=False) as process:
        emulator = process.emulator
        ann = ScriptedUser(emulator.user(ANN, first_name="Ann", language_code="en"))
        bob = ScriptedUser(emulator.user(BOB, first_name="Bob", language_code="en"))
        await to_confirmation(ann)
        await bob.say("/start")
        await wait_settled(process.bot)
        # A successful_payment nobody invoiced (a forged payload), straight into Bob's chat.
        chat = {"id": BOB, "type": "private", "first_name": "Bob"}
        sender = {"id": BOB, "is_bot": False, "first_name": "Bob"}
        emulator.inject_update({"message": {
            "message_id": 900, "date": int(time.time()), "chat": chat, "from": sender,
            "successful_payment": {"currency": "XTR", "total_amount": 1000, "invoice_payload": "topup:1000:99999:forged",
                                   "telegram_payment_charge_id": "stxFORGED1", "provider_payment_charge_id": "x"},
        }})
        # A pre-checkout for a package nobody sells, and one whose payload is not ours.
        for query_id, payload in (("pcq-gone", "topup:77:7777:t-x"), ("pcq-junk", "hello")):
            emulator.inject_update({"pre_checkout_query": {
                "id": query_id, "from": sender, "currency": "XTR", "total_amount": 77, "invoice_payload": payload,
            }})
        # Bob taps Confirm with Ann's confirmation id (forged button data).
        offer = next(action for _, _, action in ann.actions() if isinstance(action, Confirm))
        bobs_screen = bob.current
        nonce = decode(next(d for _, d, _ in bob.actions())).nonce
        await bob.user.tap(bobs_screen.message_id, encode(nonce, offer), forge=True)
        await wait_settled(process.bot)
        events = await process.bot.log.read_from(1, 100_000)
        assert [rejected.reason_code for rejected in facts(events, PaymentRejected)] == ["unknown_topup"]
        answers = {answer.query_id: answer for answer in facts(events, PreCheckoutAnswered)}
        assert (answers["pcq-gone"].ok, answers["pcq-gone"].reason) == (False, "package_gone")
        assert (answers["pcq-junk"].ok, answers["pcq-junk"].reason) == (False, "unknown_payload")
        sent = {r.params["pre_checkout_query_id"]: r.params for r in emulator.requests_for("answerPreCheckoutQuery")}
        assert sent["pcq-gone"]["ok"] is False and "no longer offered" in sent["pcq-gone"]["error_message"]
        assert not of(events, HoldPlaced) and [len(of(events, Credited))] == [2]  # the two welcome grants only
        assert await process.bot.ledger.balance(BOB) == Balance(available=1_000, held=0)
        assert await process.bot.ledger.balance(ANN) == Balance(available=1_000, held=0)
    # A successful_payment is money Telegram says it took: one that credits nothing is for the auditor to see.
    (line,) = await books_close(db)
    assert "stxFORGED1" in line


async def test_a_refund_returns_the_stars_and_a_spent_top_up_is_not_refunded(log_target: str) -> None:
    async with bot_process(log_target) as process:
        ann = ScriptedUser(process.emulator.user(ANN, first_name="Ann", language_code="en"))
        await ann.say("/start")
        assert (await buy(ann)).status == "paid"
        assert (await buy(ann)).status == "paid"
        await wait_settled(process.bot)
        events = await process.bot.log.read_from(1, 100_000)
        first, second = (credited.credit_id for credited in facts(events, Credited))
        refunds = process.bot.refunds
        await refunds.request(user_id=ANN, credit_id=first, refund_id="r-1", amount=100, cid="admin-1", ts=time.time())
        await wait_settled(process.bot)
        assert await process.bot.ledger.balance(ANN) == Balance(available=100, held=0)
        assert [t.refund for t in process.emulator.star_transactions()] == [False, False, True]
        # The reservation delivered again (a crash before the checkpoint moved) does not call Telegram twice.
        (reserved,) = [r for r in await process.bot.log.read_from(1, 100_000) if isinstance(r.event, RefundReserved)]
        await refunds._handle(ANN, [reserved])
        assert len(process.emulator.requests_for("refundStarPayment")) == 1
        # Ann reserves credits of the second top-up; refunding all of it would take her below zero.
        await to_confirmation(ann)
        await ann.tap_action(Confirm)
        await ann.wait_for_screen(*PLACED)
        await refunds.request(user_id=ANN, credit_id=second, refund_id="r-2", amount=100, cid="admin-2", ts=time.time())
        await wait_settled(process.bot)
        events = await process.bot.log.read_from(1, 100_000)
        assert len(of(events, RefundCompleted)) == 1
        (refused,) = facts(events, RefundRejected)
        assert refused.reason == "spent"
        assert len(process.emulator.star_transactions()) == 3  # no second refund reached Telegram


def _audit(db: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "KIE_", "WEBHOOK_", "TRT_"))}
    return subprocess.run([sys.executable, "main.py", "audit", "--db", db], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


_MORE_CREDITED = {  # a Credited event's amount of 100 made 1000 in its payload (bytes on PostgreSQL)
    "sqlite": "UPDATE events SET payload = replace(payload, '\"amount\":100', '\"amount\":1000') WHERE type = 'Credited'",
    "postgresql": "UPDATE events SET payload = convert_to(replace(convert_from(payload, 'UTF8'), '\"amount\":100', "
                  "'\"amount\":1000'), 'UTF8') WHERE type = 'Credited'",
}


async def test_audit_passes_on_a_real_log_and_names_what_was_deleted_or_altered_in_a_copy(log_target: str) -> None:
    db = log_target
    async with bot_process(db) as process:
        ann = ScriptedUser(process.emulator.user(ANN, first_name="Ann", language_code="en"))
        await ann.say("/start")
        assert (await buy(ann)).status == "paid"
        await to_confirmation(ann)
        await ann.tap_action(Confirm)
        await ann.wait_for_screen(*PLACED)
        await wait_settled(process.bot)
    good = _audit(db)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "every check passed" in good.stdout and "Credited" in good.stdout and "HoldPlaced" in good.stdout

    def tampered(name: str, statement: str) -> str:
        copy = copy_log(db, name)
        execute(copy, statement)
        return copy

    deleted = _audit(tampered("deleted", f"DELETE FROM events WHERE type = 'Credited' AND stream = 'ledger:{ANN}'"))
    assert deleted.returncode == 1
    assert f"ledger:{ANN}" in deleted.stdout and "violations:" in deleted.stdout
    altered = _audit(tampered("altered", _MORE_CREDITED["postgresql" if is_postgres(db) else "sqlite"]))
    assert altered.returncode == 1 and "violations:" in altered.stdout
    assert InvoiceRequested.type_name() not in altered.stdout.split("violations:")[1]  # only money lines are named
