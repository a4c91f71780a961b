"""Events of a user's credit ledger (stream ``ledger:<user_id>``): every credit that moves, and every refusal.

The model is a two-phase transfer (as in TigerBeetle): an order first
**reserves** its price (``HoldPlaced``: the credits are held, no longer
available, not yet spent), and the hold then resolves exactly once: it is
**captured** when the generation succeeds (``HoldCaptured``: spent; a capture
smaller than the hold releases the rest in the same event) or **voided** when
it fails, is cancelled or expires (``HoldVoided``: released). Credits come in
only through ``Credited`` (a Telegram Stars top-up, a bonus, an admin
adjustment) and go out only through a captured hold or a refund of a top-up
(``RefundReserved``, then ``RefundCompleted``, or ``RefundFailed``, which
gives the credits back).

Every event carries the balance **after** it: ``available`` (credits the user
may spend) and ``held`` (reserved for orders in flight). The fold recomputes
both from the amounts, so an auditor comparing the two finds an event that was
deleted or an amount that was altered (:mod:`trt_actors.ledger.audit`).

Refusals are facts too, recorded so that the asker (and an auditor) sees them
and no credit moves: ``HoldRejected`` (not enough credits), ``CaptureRejected``,
``VoidRejected`` and ``RefundRejected``. Each ``reason`` is a stable code listed
on its event.

All of these are decisions of the ledger's decider
(:class:`trt_actors.ledger.LedgerDecider`); none records an outside input.
"""

from __future__ import annotations

from typing import TypeAlias, get_args

import msgspec

from trt_actors.events.base import Event
from trt_actors.events.session import Param

__all__ = [
    "LEDGER_EVENTS",
    "CaptureRejected",
    "Credited",
    "DebitRejected",
    "Debited",
    "FreeGranted",
    "HoldCaptured",
    "HoldPlaced",
    "HoldRejected",
    "HoldVoided",
    "LedgerEvent",
    "Quote",
    "RefundCompleted",
    "RefundFailed",
    "RefundRejected",
    "RefundReserved",
    "VoidRejected",
]


class Quote(msgspec.Struct, frozen=True, forbid_unknown_fields=True, gc=False):
    """What priced a hold: the order the user confirmed and the registry rule behind its price.

    ``params`` are the parameters the user set (as on ``ConfirmationOffered``);
    ``rule`` and ``source`` say which price entry matched; ``kie_credits`` (what
    KIE charges us) and ``markup`` are decimal numbers written as text, so they
    stay exact; ``credits`` is the price the user agreed to, which the hold
    reserves.
    """

    model_id: str
    credits: int
    rule: str
    registry_version: str
    kie_credits: str
    markup: str
    params: tuple[Param, ...] = ()
    source: str = ""


class HoldPlaced(Event, frozen=True):
    """``amount`` credits are reserved for an order until it is captured, voided, or ``expires_at`` passes.

    ``free_day`` is set on a free-tier order: one of that day's free
    generations is held instead of credits (``amount`` is 0; the quote still
    says what the order would cost).
    """

    hold_id: str
    amount: int
    quote: Quote
    expires_at: float
    available: int
    held: int
    free_day: str = ""

    def opened_item(self) -> str:
        """A pending hold is an open item until it is captured or voided (the expiry sweep lists them)."""
        return f"hold:{self.hold_id}"


class HoldRejected(Event, frozen=True):
    """No hold: ``reason`` ``insufficient`` (``available`` is below ``amount``) or ``free_used_up`` (a free order
    on a day whose free generations are taken). The hold id stays used."""

    hold_id: str
    amount: int
    reason: str
    available: int
    held: int


class HoldCaptured(Event, frozen=True):
    """The hold is spent: ``captured`` credits are gone, ``released`` (the rest of the hold) are available again."""

    hold_id: str
    captured: int
    released: int
    available: int
    held: int

    def closed_item(self) -> str:
        """The hold is resolved: its open item closes."""
        return f"hold:{self.hold_id}"


class HoldVoided(Event, frozen=True):
    """The hold's ``amount`` is available again; nothing was spent.

    ``reason`` says why: ``expired`` (the ledger's own sweep, past
    ``expires_at``), or what the asker gave (``failed``, ``cancelled``, ...).
    """

    hold_id: str
    amount: int
    reason: str
    available: int
    held: int

    def closed_item(self) -> str:
        """The hold is resolved: its open item closes."""
        return f"hold:{self.hold_id}"


class CaptureRejected(Event, frozen=True):
    """A capture that moved nothing: ``unknown_hold``, ``exceeds_hold`` (``amount`` over the hold),
    ``voided`` (the hold was voided first) or ``hold_rejected`` (it was never placed)."""

    hold_id: str
    amount: int
    reason: str
    available: int
    held: int


class VoidRejected(Event, frozen=True):
    """A void that moved nothing: ``unknown_hold``, ``captured`` (the hold was spent first) or ``hold_rejected``."""

    hold_id: str
    reason: str
    available: int
    held: int


class Credited(Event, frozen=True):
    """``amount`` credits came in.

    ``reason`` is ``topup`` (a Telegram Stars payment: ``charge_id`` is
    Telegram's ``telegram_payment_charge_id`` and ``stars`` what was paid),
    ``welcome``, ``referral`` or ``adjustment`` (by an admin). ``source`` says
    where it came from in words: the package bought, the admin, the referred user.
    """

    credit_id: str
    amount: int
    reason: str
    available: int
    held: int
    source: str = ""
    charge_id: str = ""
    stars: int = 0


class FreeGranted(Event, frozen=True):
    """``count`` free generations (of the free tier's models) were given, on top of each day's allowance:
    ``reason`` ``referral`` (a friend's first top-up). No credit moves; the balance is stated as it was."""

    grant_id: str
    count: int
    reason: str
    available: int
    held: int
    source: str = ""


class Debited(Event, frozen=True):
    """``amount`` credits went out by an admin's adjustment (``reason`` ``adjustment``; ``source`` names the admin
    and why). The desk's ``AdjustmentAsked`` is its causation; ``debit_id`` is its adjustment id."""

    debit_id: str
    amount: int
    reason: str
    available: int
    held: int
    source: str = ""


class DebitRejected(Event, frozen=True):
    """A debit that moved nothing: ``insufficient`` (``available`` is below ``amount``: a balance never goes
    below zero). The debit id stays used."""

    debit_id: str
    amount: int
    reason: str
    available: int
    held: int


class RefundReserved(Event, frozen=True):
    """A refund of the top-up ``credit_id`` began: ``amount`` credits are removed before its Stars go back."""

    refund_id: str
    credit_id: str
    amount: int
    charge_id: str
    available: int
    held: int


class RefundRejected(Event, frozen=True):
    """A refund that moved nothing: ``spent`` (``available`` is below ``amount``), ``unknown_credit``,
    ``not_a_payment`` (the credit was no top-up), ``partial`` (not the whole top-up: Telegram returns a
    whole charge), ``already_refunded``, or ``exceeds_credit`` (in logs written before refunds were whole)."""

    refund_id: str
    credit_id: str
    amount: int
    reason: str
    available: int
    held: int


class RefundCompleted(Event, frozen=True):
    """Telegram returned the Stars of the refund; its credits stay removed."""

    refund_id: str
    credit_id: str
    amount: int
    available: int
    held: int


class RefundFailed(Event, frozen=True):
    """Telegram refused the refund (``error``): its credits are available again."""

    refund_id: str
    credit_id: str
    amount: int
    error: str
    available: int
    held: int


LedgerEvent: TypeAlias = (
    HoldPlaced
    | HoldRejected
    | HoldCaptured
    | HoldVoided
    | CaptureRejected
    | VoidRejected
    | Credited
    | RefundReserved
    | RefundRejected
    | RefundCompleted
    | RefundFailed
    | Debited
    | DebitRejected
    | FreeGranted
)
"""Any ledger event: each states the balance after it (``available``, ``held``). Works with ``isinstance``."""

LEDGER_EVENTS: tuple[type[Event], ...] = get_args(LedgerEvent)
"""Every ledger event type; registered in :data:`trt_actors.events.ALL_EVENTS`."""
