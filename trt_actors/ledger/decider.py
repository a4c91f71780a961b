"""The ledger's decider: what each command does to a user's credits. Pure: no I/O, no clock.

Two kinds of "no", kept apart:

* a **malformed** command (a non-positive amount, a reserve whose amount is
  not its quote's price, an unknown credit reason, a refund outcome for a
  refund never reserved) is a caller's bug: :class:`CommandRejected` is
  raised and nothing is recorded;
* a **business outcome** is an event, recorded like any other so that the
  asker and the auditor see it and no credit moves: ``HoldRejected``
  (``insufficient``; ``free_used_up`` for a free-tier order past the day's
  free generations), ``CaptureRejected``, ``VoidRejected``, ``RefundRejected``,
  ``DebitRejected`` (reason codes on each event, in :mod:`trt_actors.events.ledger`).

**Idempotency.** An operation whose id the state knows decides nothing: a
second ``Reserve`` of a hold (placed or rejected), a second ``Capture`` of a
captured hold, a second ``Void`` of a voided one, a ``Credit`` whose id or
Stars charge is known, a ``Debit`` whose id is known, a second ``Refund``, a repeated refund outcome. The
asker finds the first outcome in the state (its ``holds``, ``credits`` and
``refunds``). Conflicting resolutions are rejections: a capture of a voided hold,
a void of a captured one.

Every event states the balance after it (``available``, ``held``), computed
here from the state before it; the fold recomputes it from the amounts.

Example::

    decider = LedgerDecider()
    state = decider.initial_state()
    for event in decider.decide(state, Credit(user_id=7, credit_id="welcome:7", amount=20, reason="welcome")):
        state = decider.evolve(state, event)
    assert state.available == 20
"""

from __future__ import annotations

from collections.abc import Sequence

from trt_actors.events import Event
from trt_actors.free_tier import BONUS, MAX_FREE_PER_DAY, bonus_left, free_left
from trt_actors.events.ledger import (
    CaptureRejected,
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
    VoidRejected,
)
from trt_actors.ledger.commands import (
    CREDIT_REASONS,
    Capture,
    CompleteRefund,
    Credit,
    DEBIT_REASONS,
    Debit,
    Expire,
    FailRefund,
    GrantFree,
    LedgerCommand,
    Refund,
    Reserve,
    Void,
)
from trt_actors.ledger.state import LedgerState, RefundEntry, evolve
from trt_actors.runtime.decider import CommandRejected

__all__ = ["EXPIRED", "LedgerDecider"]

EXPIRED = "expired"
"""The reason of a void the ledger decided itself: the hold outlived its ``expires_at``."""


def _positive(amount: int, what: str) -> None:
    if amount <= 0:
        raise CommandRejected(f"{what} must be a positive number of credits, not {amount}", reason="bad_amount")


def _reserve(state: LedgerState, command: Reserve) -> list[Event]:
    if command.free_day:
        return _reserve_free(state, command)
    _positive(command.amount, "a hold")
    if command.amount != command.quote.credits:
        raise CommandRejected(
            f"hold {command.hold_id!r} of {command.amount} credits does not match its quote of "
            f"{command.quote.credits}",
            reason="bad_amount",
        )
    if command.hold_id in state.holds:
        return []
    available, held = state.available, state.held
    if command.amount > available:
        return [HoldRejected(
            hold_id=command.hold_id, amount=command.amount, reason="insufficient", available=available, held=held
        )]
    return [HoldPlaced(
        hold_id=command.hold_id,
        amount=command.amount,
        quote=command.quote,
        expires_at=command.expires_at,
        available=available - command.amount,
        held=held + command.amount,
    )]


def _reserve_free(state: LedgerState, command: Reserve) -> list[Event]:
    """A free-tier order: one of ``free_day``'s free generations held (or, for :data:`BONUS`, a granted one), 0
    credits; refused once those are taken."""
    bonus = command.free_day == BONUS
    if command.amount != 0 or not (bonus or 0 < command.free_per_day <= MAX_FREE_PER_DAY):
        raise CommandRejected(
            f"free hold {command.hold_id!r} must hold 0 credits (not {command.amount}) of 1 to {MAX_FREE_PER_DAY} "
            f"free generations a day (not {command.free_per_day})",
            reason="bad_amount",
        )
    if command.hold_id in state.holds:
        return []
    available, held = state.available, state.held
    left = (bonus_left(state.free_granted, state.free_days()) if bonus
            else free_left(command.free_per_day, state.free_days(), command.free_day))
    if left == 0:
        return [HoldRejected(hold_id=command.hold_id, amount=0, reason="free_used_up", available=available, held=held)]
    return [HoldPlaced(hold_id=command.hold_id, amount=0, quote=command.quote, expires_at=command.expires_at,
                       available=available, held=held, free_day=command.free_day)]


def _capture(state: LedgerState, command: Capture) -> list[Event]:
    hold = state.holds.get(command.hold_id)
    if hold is None or hold.amount > 0 or command.amount != 0:  # a free hold captures 0 credits
        _positive(command.amount, "a capture")
    available, held = state.available, state.held

    def rejected(reason: str) -> list[Event]:
        return [CaptureRejected(
            hold_id=command.hold_id, amount=command.amount, reason=reason, available=available, held=held
        )]

    if hold is None:
        return rejected("unknown_hold")
    match hold.status:
        case "captured":
            return []
        case "voided":
            return rejected("voided")
        case "rejected":
            return rejected("hold_rejected")
    if command.amount > hold.amount:
        return rejected("exceeds_hold")
    released = hold.amount - command.amount
    return [HoldCaptured(
        hold_id=command.hold_id,
        captured=command.amount,
        released=released,
        available=available + released,
        held=held - hold.amount,
    )]


def _void(state: LedgerState, command: Void) -> list[Event]:
    if not command.reason:
        raise CommandRejected(f"a void of hold {command.hold_id!r} needs a reason", reason="no_reason")
    hold = state.holds.get(command.hold_id)
    available, held = state.available, state.held

    def rejected(reason: str) -> list[Event]:
        return [VoidRejected(hold_id=command.hold_id, reason=reason, available=available, held=held)]

    if hold is None:
        return rejected("unknown_hold")
    match hold.status:
        case "voided":
            return []
        case "captured":
            return rejected("captured")
        case "rejected":
            return rejected("hold_rejected")
    return [HoldVoided(
        hold_id=command.hold_id,
        amount=hold.amount,
        reason=command.reason,
        available=available + hold.amount,
        held=held - hold.amount,
    )]


def _expire(state: LedgerState, command: Expire) -> list[Event]:
    available, held = state.available, state.held
    events: list[Event] = []
    for hold_id, hold in state.pending().items():
        if hold.expires_at <= command.now:
            available, held = available + hold.amount, held - hold.amount
            events.append(HoldVoided(
                hold_id=hold_id, amount=hold.amount, reason=EXPIRED, available=available, held=held
            ))
    return events


def _credit(state: LedgerState, command: Credit) -> list[Event]:
    _positive(command.amount, "a credit")
    if command.reason not in CREDIT_REASONS:
        raise CommandRejected(
            f"credit {command.credit_id!r}: {command.reason!r} is not one of {sorted(CREDIT_REASONS)}",
            reason="bad_reason",
        )
    if command.reason == "topup":
        if not command.charge_id or command.stars <= 0:
            raise CommandRejected(
                f"top-up {command.credit_id!r} must name its Stars charge and the Stars paid", reason="bad_payment"
            )
    elif command.charge_id or command.stars:
        raise CommandRejected(
            f"credit {command.credit_id!r} is no top-up, so it names no Stars charge", reason="bad_payment"
        )
    if command.credit_id in state.credits or (command.charge_id and command.charge_id in state.charges):
        return []
    return [Credited(
        credit_id=command.credit_id,
        amount=command.amount,
        reason=command.reason,
        source=command.source,
        charge_id=command.charge_id,
        stars=command.stars,
        available=state.available + command.amount,
        held=state.held,
    )]


def _debit(state: LedgerState, command: Debit) -> list[Event]:
    _positive(command.amount, "a debit")
    if command.reason not in DEBIT_REASONS:
        raise CommandRejected(
            f"debit {command.debit_id!r}: {command.reason!r} is not one of {sorted(DEBIT_REASONS)}",
            reason="bad_reason",
        )
    if command.debit_id in state.debits:
        return []
    available, held = state.available, state.held
    if command.amount > available:
        return [DebitRejected(debit_id=command.debit_id, amount=command.amount, reason="insufficient",
                              available=available, held=held)]
    return [Debited(debit_id=command.debit_id, amount=command.amount, reason=command.reason, source=command.source,
                    available=available - command.amount, held=held)]


def _grant_free(state: LedgerState, command: GrantFree) -> list[Event]:
    if not 0 < command.count <= MAX_FREE_PER_DAY:
        raise CommandRejected(f"grant {command.grant_id!r} of {command.count} free generations: give 1 to "
                              f"{MAX_FREE_PER_DAY}", reason="bad_amount")
    if command.reason != "referral":
        raise CommandRejected(f"grant {command.grant_id!r}: {command.reason!r} is not a reason to give free "
                              "generations", reason="bad_reason")
    if command.grant_id in state.grants:
        return []
    return [FreeGranted(grant_id=command.grant_id, count=command.count, reason=command.reason,
                        source=command.source, available=state.available, held=state.held)]


def _refund(state: LedgerState, command: Refund) -> list[Event]:
    _positive(command.amount, "a refund")
    if command.refund_id in state.refunds:
        return []
    credit = state.credits.get(command.credit_id)
    available, held = state.available, state.held
    if credit is None:
        reason = "unknown_credit"
    elif credit.reason != "topup":
        reason = "not_a_payment"
    elif credit.refunded:
        reason = "already_refunded"
    elif command.amount != credit.amount:
        reason = "partial"  # refundStarPayment returns the whole charge, never a part of it
    elif command.amount > available:
        reason = "spent"
    else:
        return [RefundReserved(
            refund_id=command.refund_id,
            credit_id=command.credit_id,
            amount=command.amount,
            charge_id=credit.charge_id,
            available=available - command.amount,
            held=held,
        )]
    return [RefundRejected(
        refund_id=command.refund_id,
        credit_id=command.credit_id,
        amount=command.amount,
        reason=reason,
        available=available,
        held=held,
    )]


def _reserved_refund(state: LedgerState, refund_id: str, outcome: str) -> RefundEntry | None:
    """The reserved refund an outcome is for; None when that outcome is already recorded."""
    refund = state.refunds.get(refund_id)
    if refund is None or refund.status == "rejected":
        raise CommandRejected(f"refund {refund_id!r} was never reserved", reason="unknown_refund")
    if refund.status == outcome:
        return None
    if refund.status != "reserved":
        raise CommandRejected(f"refund {refund_id!r} is {refund.status} already", reason="refund_settled")
    return refund


def _complete_refund(state: LedgerState, command: CompleteRefund) -> list[Event]:
    refund = _reserved_refund(state, command.refund_id, "completed")
    if refund is None:
        return []
    return [RefundCompleted(
        refund_id=command.refund_id,
        credit_id=refund.credit_id,
        amount=refund.amount,
        available=state.available,
        held=state.held,
    )]


def _fail_refund(state: LedgerState, command: FailRefund) -> list[Event]:
    refund = _reserved_refund(state, command.refund_id, "failed")
    if refund is None:
        return []
    return [RefundFailed(
        refund_id=command.refund_id,
        credit_id=refund.credit_id,
        amount=refund.amount,
        error=command.error,
        available=state.available + refund.amount,
        held=state.held,
    )]


class LedgerDecider:
    """One user's credits as a :class:`~trt_actors.runtime.decider.Decider` (see the module docstring)."""

    def initial_state(self) -> LedgerState:
        return LedgerState()

    def decide(self, state: LedgerState, command: LedgerCommand) -> Sequence[Event]:
        match command:
            case Reserve():
                return _reserve(state, command)
            case Capture():
                return _capture(state, command)
            case Void():
                return _void(state, command)
            case Expire():
                return _expire(state, command)
            case Credit():
                return _credit(state, command)
            case Refund():
                return _refund(state, command)
            case CompleteRefund():
                return _complete_refund(state, command)
            case FailRefund():
                return _fail_refund(state, command)
            case Debit():
                return _debit(state, command)
            case GrantFree():
                return _grant_free(state, command)

    def evolve(self, state: LedgerState, event: Event) -> LedgerState:
        return evolve(state, event)
