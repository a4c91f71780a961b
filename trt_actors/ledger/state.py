"""The state of one user's ledger, and how each event changes it (a pure fold).

The fold trusts the **amounts** of the events, never the balance figures they
carry (``available``, ``held``): it recomputes the balance, so that comparing
the two finds an event that was deleted or altered. The rules:

* ``held`` is the sum of the pending holds; ``credited``, ``captured`` and
  ``refunded`` (refunds reserved or completed, not failed) only add up;
* ``debited`` (an admin's debits) only adds up too;
* ``available = credited − captured − held − refunded − debited``, never below zero
  (the decider refuses what would take it there);
* every operation id stays known with its outcome (``holds``, ``credits``,
  ``refunds``; Stars ``charges`` by Telegram's charge id), rejected ones
  included, so that a retry is answered with the first outcome and records
  nothing. This is the user's whole history of ids: a heavy user's thousand
  holds cost kilobytes, and snapshots keep recovery short.

:class:`LedgerState` is a frozen msgspec Struct, so a snapshot is
``msgspec.json.encode(state)``; new fields get defaults.
"""

from __future__ import annotations

from typing import Final

import msgspec

from trt_actors.events import Event
from trt_actors.events.ledger import (
    Credited,
    DebitRejected,
    Debited,
    FreeGranted,
    HoldCaptured,
    HoldPlaced,
    HoldRejected,
    HoldVoided,
    RefundCompleted,
    RefundFailed,
    RefundRejected,
    RefundReserved,
)

__all__ = [
    "PENDING",
    "STREAM_PREFIX",
    "Balance",
    "CreditEntry",
    "HoldEntry",
    "LedgerState",
    "RefundEntry",
    "evolve",
    "ledger_stream",
]

STREAM_PREFIX: Final = "ledger:"
"""Every ledger stream's name starts so: ``ledger:<user_id>``, one per user, one writer each."""

PENDING: Final = "pending"
"""The status of a hold that is neither captured nor voided (nor rejected) yet."""


def ledger_stream(user_id: int) -> str:
    """The stream whose fold is ``user_id``'s ledger."""
    return f"{STREAM_PREFIX}{user_id}"


class Balance(msgspec.Struct, frozen=True):
    """A user's credits: ``available`` to spend, ``held`` for orders in flight."""

    available: int
    held: int


class HoldEntry(msgspec.Struct, frozen=True):
    """A hold the ledger decided on: ``status`` is ``pending``, ``captured``, ``voided`` or ``rejected``.

    ``free_day`` is the day a free-tier hold counts on ("" for credits).
    """

    amount: int
    status: str
    expires_at: float = 0.0
    captured: int = 0
    free_day: str = ""


class CreditEntry(msgspec.Struct, frozen=True):
    """Credits that came in; ``refunded`` of them are reserved or returned by refunds."""

    amount: int
    reason: str
    charge_id: str = ""
    refunded: int = 0


class RefundEntry(msgspec.Struct, frozen=True):
    """A refund of the top-up ``credit_id``: ``status`` is ``reserved``, ``completed``, ``failed`` or ``rejected``."""

    credit_id: str
    amount: int
    status: str


class LedgerState(msgspec.Struct, frozen=True):
    """Everything one user's ledger knows (see the module docstring for the rules)."""

    credited: int = 0
    captured: int = 0
    held: int = 0
    refunded: int = 0
    holds: dict[str, HoldEntry] = {}
    credits: dict[str, CreditEntry] = {}
    refunds: dict[str, RefundEntry] = {}
    charges: dict[str, str] = {}
    debited: int = 0
    debits: dict[str, str] = {}
    free_granted: int = 0
    grants: tuple[str, ...] = ()  # debit id -> "debited" or "rejected"

    @property
    def available(self) -> int:
        return self.credited - self.captured - self.held - self.refunded - self.debited

    def balance(self) -> Balance:
        return Balance(available=self.available, held=self.held)

    def free_days(self) -> list[str]:
        """The days of the free-tier holds that count: placed and not voided (pending or captured)."""
        return [hold.free_day for hold in self.holds.values() if hold.free_day and hold.status in (PENDING, "captured")]

    def pending(self) -> dict[str, HoldEntry]:
        """The holds still waiting for a capture or a void, in the order they were placed."""
        return {hold_id: hold for hold_id, hold in self.holds.items() if hold.status == PENDING}


def _hold(state: LedgerState, hold_id: str, entry: HoldEntry, *, held: int, captured: int = 0) -> LedgerState:
    return msgspec.structs.replace(
        state,
        holds={**state.holds, hold_id: entry},
        held=state.held + held,
        captured=state.captured + captured,
    )


def _refunded(state: LedgerState, refund_id: str, entry: RefundEntry, change: int) -> LedgerState:
    """Record the refund, and move ``change`` credits of its top-up into (or out of) ``refunded``."""
    credits = state.credits
    if change and entry.credit_id in credits:
        credit = credits[entry.credit_id]
        credits = {**credits, entry.credit_id: msgspec.structs.replace(credit, refunded=credit.refunded + change)}
    return msgspec.structs.replace(
        state, refunds={**state.refunds, refund_id: entry}, credits=credits, refunded=state.refunded + change
    )


def evolve(state: LedgerState, event: Event) -> LedgerState:
    """The state after ``event``; rejections of captures and voids, and other streams' events, change nothing."""
    match event:
        case HoldPlaced(hold_id=hold_id, amount=amount, expires_at=expires_at, free_day=free_day):
            return _hold(state, hold_id, HoldEntry(amount, PENDING, expires_at, free_day=free_day), held=amount)
        case HoldRejected(hold_id=hold_id, amount=amount):
            return _hold(state, hold_id, HoldEntry(amount, "rejected"), held=0)
        case HoldCaptured(hold_id=hold_id, captured=captured, released=released):
            placed = state.holds.get(hold_id)
            entry = HoldEntry(captured + released, "captured", captured=captured,
                              free_day=placed.free_day if placed is not None else "")
            return _hold(state, hold_id, entry, held=-(captured + released), captured=captured)
        case HoldVoided(hold_id=hold_id, amount=amount):
            return _hold(state, hold_id, HoldEntry(amount, "voided"), held=-amount)
        case Credited(credit_id=credit_id, amount=amount, reason=reason, charge_id=charge_id):
            charges = {**state.charges, charge_id: credit_id} if charge_id else state.charges
            return msgspec.structs.replace(
                state,
                credits={**state.credits, credit_id: CreditEntry(amount, reason, charge_id)},
                charges=charges,
                credited=state.credited + amount,
            )
        case Debited(debit_id=debit_id, amount=amount):
            return msgspec.structs.replace(state, debits={**state.debits, debit_id: "debited"},
                                           debited=state.debited + amount)
        case FreeGranted(grant_id=grant_id, count=count):
            return msgspec.structs.replace(state, free_granted=state.free_granted + count,
                                           grants=(*state.grants, grant_id))
        case DebitRejected(debit_id=debit_id):
            return msgspec.structs.replace(state, debits={**state.debits, debit_id: "rejected"})
        case RefundReserved(refund_id=refund_id, credit_id=credit_id, amount=amount):
            return _refunded(state, refund_id, RefundEntry(credit_id, amount, "reserved"), amount)
        case RefundRejected(refund_id=refund_id, credit_id=credit_id, amount=amount):
            return _refunded(state, refund_id, RefundEntry(credit_id, amount, "rejected"), 0)
        case RefundCompleted(refund_id=refund_id, credit_id=credit_id, amount=amount):
            return _refunded(state, refund_id, RefundEntry(credit_id, amount, "completed"), 0)
        case RefundFailed(refund_id=refund_id, credit_id=credit_id, amount=amount):
            return _refunded(state, refund_id, RefundEntry(credit_id, amount, "failed"), -amount)
    return state
