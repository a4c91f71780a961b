"""Promo requests to credits through the durable reactors, on a real log: each redemption is credited once, however
often it is delivered; every refusal is answered and credits nothing; the audit passes, and flags a forged credit."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import trio

from eventlog import NewEvent, RecordedEvent, SQLiteEventLog
from tests.ledger.support import read_all
from tests.promo.support import ADMIN, T0, admin_meta, entered, settle
from trt_actors.actors.ledger import Ledger
from trt_actors.actors.promo_reactions import (
    PromoCredits,
    PromoOutcome,
    PromoRedemptions,
    promo_credit_for,
    promo_outcome_for,
    redemption_for,
)
from trt_actors.actors.promos import Promos
from trt_actors.events import CODEC, CallbackRejected
from trt_actors.events.ledger import Credited
from trt_actors.events.promo import PromoEntered, PromoRedeemed
from trt_actors.ledger import Balance, Credit
from trt_actors.ledger.audit import audit
from trt_actors.promo import CreatePromo, Redeem
from trt_actors.runtime import CommandMeta

ANN, BOB, CAT, DAN = 7, 8, 9, 10
EXPIRES = T0 + 3600
SPRING = CreatePromo(code="SPRING", credits=50, expires_at=EXPIRES, max_uses=2, admin_id=ADMIN, now=T0)
REQUESTS = [  # who types /promo what, when; and what they must hear
    (ANN, "SPRING", T0 + 10, PromoOutcome(user_id=ANN, code="SPRING", outcome="redeemed", credits=50)),
    (ANN, "SPRING", T0 + 11, PromoOutcome(user_id=ANN, code="SPRING", outcome="refused", reason="already_redeemed")),
    (BOB, "NOSUCH", T0 + 12, PromoOutcome(user_id=BOB, code="NOSUCH", outcome="refused", reason="unknown")),
    (BOB, "SPRING", T0 + 13, PromoOutcome(user_id=BOB, code="SPRING", outcome="redeemed", credits=50)),
    (CAT, "SPRING", T0 + 14, PromoOutcome(user_id=CAT, code="SPRING", outcome="refused", reason="used_up")),
    (DAN, "SPRING", EXPIRES, PromoOutcome(user_id=DAN, code="SPRING", outcome="refused", reason="expired")),
]


async def run_reactors(log: SQLiteEventLog, requests: bool) -> tuple[int, int]:
    """Run both reactions (after the requests, when ``requests``) until the log settles; what each handled."""
    async with Promos.open(log) as promos, Ledger.open(log) as ledger:
        redemptions, credits = PromoRedemptions(log, promos), PromoCredits(log, ledger)
        async with trio.open_nursery() as nursery:
            await nursery.start(redemptions.run)
            await nursery.start(credits.run)
            if requests:
                await promos.create(SPRING, admin_meta("create:1"))
                for n, (user, code, ts, _) in enumerate(REQUESTS, start=1):
                    await entered(log, user, code, n, ts)
                    await settle(log, redemptions.reactor, credits.reactor)  # one at a time: the order is the test's
            await settle(log, redemptions.reactor, credits.reactor)
            nursery.cancel_scope.cancel()
    return redemptions.statistics().handled, credits.statistics().handled


async def test_each_redemption_is_credited_once_even_when_every_reaction_is_delivered_again(tmp_path: Path) -> None:
    path = tmp_path / "promo.sqlite3"
    async with SQLiteEventLog.open(path, codec=CODEC) as log:
        assert await run_reactors(log, requests=True) == (6, 2)
        first = await read_all(log)
    with sqlite3.connect(path) as conn:  # a crash before either reactor saved its checkpoint
        conn.execute("DELETE FROM checkpoints WHERE name LIKE 'reactor:promo-%'")
    async with SQLiteEventLog.open(path, codec=CODEC) as log:
        assert await run_reactors(log, requests=False) == (6, 2)  # all handed over again...
        everything = await read_all(log)
        async with Ledger.open(log) as ledger:
            balances = {user: await ledger.balance(user) for user in (ANN, BOB, CAT, DAN)}
    assert [r.event_id for r in everything] == [r.event_id for r in first]  # ...and nothing more recorded

    assert [promo_outcome_for(r) for r in everything if promo_outcome_for(r) is not None] == [
        outcome for *_, outcome in REQUESTS]
    redeemed = {r.event_id: r for r in everything if isinstance(r.event, PromoRedeemed)}
    credited = [r for r in everything if isinstance(r.event, Credited)]
    assert [(r.stream, e.credit_id, e.amount, e.reason) for r in credited if isinstance(e := r.event, Credited)] == [
        ("ledger:7", "promo:SPRING:7", 50, "promo"), ("ledger:8", "promo:SPRING:8", 50, "promo")]
    for credit in credited:  # each caused by its redemption, in the chain of the user's request
        cause = redeemed[credit.causation or ""]
        assert (credit.cid, credit.chat_id) == (cause.cid, cause.chat_id) and cause.cid in {"u1", "u4"}
    assert balances == {ANN: Balance(50, 0), BOB: Balance(50, 0), CAT: Balance(0, 0), DAN: Balance(0, 0)}
    report = audit(everything, now=EXPIRES + 60)
    assert report.passed, [v.line() for v in report.violations]
    assert audit(everything, now=EXPIRES + 60, user=BOB).passed


async def test_the_audit_flags_a_promo_credit_that_no_redemption_of_that_user_and_amount_caused(
    log: SQLiteEventLog,
) -> None:
    async with Promos.open(log) as promos, Ledger.open(log) as ledger:
        await promos.create(SPRING, admin_meta("create:1"))
        request = await entered(log, ANN, "SPRING", 1, T0 + 10)
        [asked] = [r for r in await read_all(log) if r.event_id == request]
        command = redemption_for(asked)
        assert command is not None
        [redemption] = (await promos.run(command, _meta(asked))).events
        credit = promo_credit_for(redemption)
        assert credit is not None
        await ledger.run(credit, _meta(redemption))  # the real one

        # A redemption forged on a chat stream: only the code's own stream redeems.
        [forged_redemption] = await log.append([NewEvent(
            event_id="chat:8/forged/0", stream="chat:8", event=PromoRedeemed(code="SPRING", user_id=BOB, credits=50,
                                                                              redemption=2),
            cid="forged", ts=T0 + 20, chat_id=BOB, user_id=BOB)])
        forged = {
            "no cause": (Credit(user_id=BOB, credit_id="promo:SPRING:8", amount=50, reason="promo"), None),
            "another's": (Credit(user_id=BOB, credit_id="promo:SPRING:8b", amount=50, reason="promo"),
                          redemption.event_id),
            "more": (Credit(user_id=ANN, credit_id="promo:SPRING:7b", amount=500, reason="promo"),
                     redemption.event_id),
            "twice": (Credit(user_id=ANN, credit_id="promo:SPRING:7c", amount=50, reason="promo"),
                      redemption.event_id),
            "chat stream": (Credit(user_id=BOB, credit_id="promo:SPRING:8c", amount=50, reason="promo"),
                            forged_redemption.event_id),
        }
        ids = {}
        for n, (name, (command_, causation)) in enumerate(forged.items()):
            meta = CommandMeta(command_id=f"forged-{n}", cid="forged", ts=T0 + 30, causation=causation)
            [recorded] = (await ledger.run(command_, meta)).events
            ids[recorded.event_id] = name
    report = audit(await read_all(log), now=T0 + 60)
    flagged = {v.event_id: v.check for v in report.violations}
    assert flagged == dict.fromkeys(ids, "promo_without_redemption"), [v.line() for v in report.violations]


def test_the_decisions_are_functions_of_the_recorded_event_alone() -> None:
    def recorded(event: PromoEntered | PromoRedeemed | CallbackRejected, user: int | None = ANN) -> RecordedEvent:
        return RecordedEvent(3, "chat:7/update:1/0", "chat:7", 1, type(event).type_name(), T0 + 5, "u1",
                             "update:1:0:1", user, user, event)

    asked = recorded(PromoEntered(code="SPRING"))
    assert redemption_for(asked) == redemption_for(asked) == Redeem(code="SPRING", user_id=ANN, now=T0 + 5)
    assert redemption_for(recorded(PromoEntered(code="spring"))) is None  # a session never records that
    assert redemption_for(recorded(PromoEntered(code="SPRING"), user=None)) is None
    assert redemption_for(recorded(CallbackRejected(reason_code="x", data="y"))) is None
    redeemed = recorded(PromoRedeemed(code="SPRING", user_id=BOB, credits=25, redemption=3))
    assert promo_credit_for(redeemed) == Credit(user_id=BOB, credit_id="promo:SPRING:8", amount=25, reason="promo",
                                                source="promo code SPRING")
    assert promo_credit_for(asked) is None and promo_outcome_for(asked) is None
    assert promo_outcome_for(redeemed) == PromoOutcome(user_id=BOB, code="SPRING", outcome="redeemed", credits=25)


def _meta(recorded: RecordedEvent) -> CommandMeta:
    return CommandMeta(command_id=recorded.event_id, cid=recorded.cid, ts=recorded.ts, causation=recorded.event_id,
                       chat_id=recorded.chat_id, user_id=recorded.user_id)
