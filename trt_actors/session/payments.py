"""Telegram Stars top-ups in a chat: the invoice asked for, and the payment matched against it. Pure.

A tap on a package records ``InvoiceRequested`` (the outbox sends the
invoice). Its top-up id is derived from the tap's ``cid``
(:func:`topup_id`), so a replay asks for the same invoice, and the payload
names it and the package (:func:`trt_actors.stars.invoice_payload`).

A ``successful_payment`` credits only what this session offered: it records
``TopUpPaid`` (the ledger credits it once, keyed by the charge id; its
receipt follows as a ledger report, so nothing is shown before it) when

* the charge id is new to this session (else ``already_credited``, and the
  balance is shown),
* the currency is ``XTR``, the payload is one of ours and names an invoice
  this session offered, for the same package, and the Stars paid are the
  package's price, and the invoice was not paid before.

Anything else records ``PaymentRejected`` (reason codes on the event) and
tells the user that the payment is recorded and support will sort it out,
quoting Telegram's charge id: the Stars were taken, so nothing is silent.
"""

from __future__ import annotations

from typing import Final

from trt_actors.events import Event
from trt_actors.events.session import InvoiceRequested, PaymentRejected, TopUpPaid
from trt_actors.session.callback_data import BuyPackage
from trt_actors.session.commands import PaymentReceived
from trt_actors.session.state import Invoice, SessionState
from trt_actors.session.turn import Refused, Turn, short_hash
from trt_actors.stars import MAX_PAYLOAD, StarsPackage, invoice_payload, parse_payload

__all__ = ["INVOICE_DESCRIPTION_CHARS", "INVOICE_TITLE_CHARS", "PAYMENT_REJECTIONS", "buy", "pay", "topup_id"]

INVOICE_TITLE_CHARS: Final = 32
INVOICE_DESCRIPTION_CHARS: Final = 255
"""Telegram's limits for an invoice's title and description."""

PAYMENT_REJECTIONS: Final = frozenset({
    "no_charge_id", "already_credited", "wrong_currency", "unknown_payload", "unknown_topup", "payload_mismatch",
    "amount_mismatch", "topup_already_paid",
})
"""Every ``PaymentRejected.reason_code`` the session records."""

_CHARGE_CHARS: Final = 128


def topup_id(cid: str, user_id: int) -> str:
    """The top-up ``user_id`` asked for while handling ``cid``: ``u8101-t3f2a9c1b0d`` (10 hex digits of BLAKE2b).

    The user in it lets the pre-checkout answer refuse an invoice forwarded to someone else.
    """
    return f"u{user_id}-t" + short_hash(cid, salt="topup:")


def buy(turn: Turn, action: BuyPackage) -> None:
    """Ask for the invoice of the package tapped; a package no longer offered shows the packages again."""
    package = StarsPackage(action.stars, action.credits)
    if turn.state.screen != "topup":
        turn.open("topup")
    if package not in turn.packages:
        raise Refused("package_gone", keep=True, notice="notice.package_gone")
    topup, texts = topup_id(turn.command.cid, turn.command.user_id), turn.texts
    credits = texts.credits(package.credits)
    turn.record(InvoiceRequested(
        topup_id=topup,
        stars=package.stars,
        credits=package.credits,
        payload=invoice_payload(topup, package),
        title=texts.plain("invoice.title", credits=credits)[:INVOICE_TITLE_CHARS],
        description=texts.plain("invoice.description", credits=credits,
                                stars=package.stars)[:INVOICE_DESCRIPTION_CHARS],
    ))
    turn.say("notice.invoice_sent", stars=package.stars, credits=credits)


def pay(turn: Turn, payment: PaymentReceived) -> list[Event]:
    """Record ``TopUpPaid`` (and show nothing yet) or ``PaymentRejected`` (and say so)."""
    turn.start()
    charge = payment.telegram_payment_charge_id
    problem, invoice = _check(turn.state, payment)
    if invoice is not None:
        turn.record(TopUpPaid(topup_id=invoice.topup_id, charge_id=charge, stars=invoice.stars,
                              credits=invoice.credits))
        return turn.events
    detail = f"{payment.total_amount} {payment.currency} {payment.invoice_payload}"[:MAX_PAYLOAD]
    turn.record(PaymentRejected(reason_code=problem, charge_id=charge[:_CHARGE_CHARS], detail=detail))
    if problem == "already_credited":
        turn.say("notice.already_credited")
    else:
        turn.say("notice.payment_rejected", amount=f"{payment.total_amount} {payment.currency}"[:40],
                 charge=charge[:_CHARGE_CHARS] or "?")
    turn.open("balance")
    return turn.show()


def _check(state: SessionState, payment: PaymentReceived) -> tuple[str, Invoice | None]:
    """(reason code, None) for a payment that credits nothing, ("", the invoice it pays) otherwise."""
    charge = payment.telegram_payment_charge_id
    if not charge:
        return "no_charge_id", None
    if charge in state.charges:
        return "already_credited", None
    if payment.currency != "XTR":
        return "wrong_currency", None
    payload = parse_payload(payment.invoice_payload)
    if payload is None:
        return "unknown_payload", None
    invoice = state.invoice(payload.topup_id)
    if invoice is None:
        return "unknown_topup", None
    if (payload.stars, payload.credits) != (invoice.stars, invoice.credits):
        return "payload_mismatch", None
    if payment.total_amount != invoice.stars:
        return "amount_mismatch", None
    if invoice.charge_id:
        return "topup_already_paid", None
    return "", invoice
