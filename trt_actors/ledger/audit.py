"""The auditor's read model: every credit movement with its chain, and what in the log does not close.

:func:`audit` reads recorded events in log order (the whole log: the update
that asked for a movement and the event that caused it are named from it) and
returns an :class:`~trt_actors.ledger.audit_report.AuditReport`. Pure: the
clock reading ``now`` is a parameter.

A **movement** is a ledger event that moved credits: a hold placed, captured
(``spent``, the rest released) or voided, a credit, an admin's debit, a refund reserved,
completed or failed. Each carries its chain: ``cid`` and the update that
started it, ``causation`` and that event's type, the hold and the quote that
priced it (model, rule, registry version), the Stars charge that funded a
top-up or that a refund returns. Refusals move nothing and are not listed.
Every request an admin made at the desk is listed too (``admin_actions``:
adjustments, refunds, blocks, model switches, promo codes, broadcasts).

The **closure checks**, one :class:`Violation` per finding (``check`` codes):

* ``version_gap``: a ledger stream's versions skip: an event was deleted;
* ``balance_mismatch``: an event states a balance that its amounts and the
  events before it do not give: an event was deleted or an amount altered.
  Reported where the difference first appears or changes, not on every
  later event;
* ``negative_balance``: a stated balance below zero (reported as it goes
  under; a fold that differs from the stated balance is a ``balance_mismatch``);
* ``unknown_hold``, ``resolved_twice``, ``capture_exceeds_hold``,
  ``amounts_do_not_add_up`` (captured + released, or a void, differ from the
  hold), ``hold_reused``, ``quote_mismatch``: a hold resolves exactly once, within its amount;
* ``hold_expired``: a hold still pending at ``now`` although more than
  ``grace`` seconds (:data:`EXPIRY_GRACE`) past its expiry: a running bot
  voids expired holds on a sweep, so one only just expired is not yet a fault;
* ``unknown_credit``, ``refund_exceeds_credit``, ``refund_not_reserved``: refunds;
* ``charge_credited_twice``, ``charge_not_credited``, ``credit_without_payment``,
  ``stars_mismatch``, ``payment_unreadable``: every Stars payment (a
  ``successful_payment`` in a recorded update) is credited exactly once, for
  what was paid (one without a charge id or of no Stars took nothing, and
  asks for nothing);
* ``referral_without_top_up``: a referral bonus is credited only because of
  a top-up (the invited user's first; its ``Credited`` is the bonus's causation);
* ``promo_without_redemption``: a promo credit is caused by a ``PromoRedeemed``
  (on a ``promo:`` stream) of that user, for its credits, and credits it once;
* ``adjustment_without_admin``: an adjustment (``Credited`` of reason
  ``adjustment``, or ``Debited``) is caused by an ``AdjustmentAsked`` (on an
  ``admin:`` stream) naming an admin, for that user and that amount (its sign
  saying credit or debit);
* ``capture_without_success``, ``void_without_failure``: a hold is captured
  only when its job (``job:<hold_id>``) succeeded and asked for the capture
  (``CaptureAsked`` is the capture's causation), and voided only when its
  job failed (any reason, ``unsubmitted`` included) and asked for the void,
  or because it expired (the ledger's own sweep);
* ``ledger_crash``, ``foreign_event``: a crash of the ledger's decider, or an
  event that has no place on a ledger stream.

Example::

    report = audit(events, now=time.time(), user=42)
    for violation in report.violations:
        print(violation.line())
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

import msgspec

from eventlog import RecordedEvent
from trt_actors.events import ActorCrashed, UpdateReceived
from trt_actors.events.jobs import CaptureAsked, JobFailed, JobSucceeded, VoidAsked
from trt_actors.events.admin import (
    ADMIN_STREAM_PREFIX,
    AdjustmentAsked,
    BroadcastAsked,
    BroadcastDropped,
    ModelSwitched,
    PromoCreateAsked,
    RefundAsked,
    UserBlocked,
    UserUnblocked,
)
from trt_actors.events.ledger import (
    Credited,
    Debited,
    FreeGranted,
    HoldCaptured,
    HoldPlaced,
    HoldVoided,
    LedgerEvent,
    Quote,
    RefundCompleted,
    RefundFailed,
    RefundReserved,
)
from trt_actors.events.promo import PromoRedeemed
from trt_actors.ledger.audit_report import AdminAction, AuditReport, AuditSummary, Movement, Violation
from trt_actors.ledger.state import STREAM_PREFIX, LedgerState, evolve, ledger_stream
from trt_actors.promo.code import STREAM_PREFIX as PROMO_PREFIX

__all__ = ["EXPIRY_GRACE", "audit"]

JOB_PREFIX: Final = "job:"
"""The job of hold ``h`` is the stream ``job:h`` (the hold id is the job id)."""

EXPIRY_GRACE: Final = 120.0
"""Seconds past its expiry a hold may stay pending before it is a violation (sweeps run every 30 s)."""


class _Payment(msgspec.Struct, frozen=True):
    telegram_payment_charge_id: str
    total_amount: int


class _Sender(msgspec.Struct, frozen=True):
    id: int


class _PaidMessage(msgspec.Struct, frozen=True, rename={"sender": "from"}):
    sender: _Sender | None = None
    successful_payment: _Payment | None = None


class _PaidUpdate(msgspec.Struct, frozen=True):
    message: _PaidMessage | None = None


_PAYMENT_DECODER = msgspec.json.Decoder(_PaidUpdate)


@dataclass
class _Placed:
    seq: int
    event_id: str
    quote: Quote


@dataclass
class _Stream:
    """One ledger stream as the audit folds it."""

    state: LedgerState = field(default_factory=LedgerState)
    version: int = 0
    events: int = 0
    drift: tuple[int, int] = (0, 0)
    negative: bool = False
    placed: dict[str, _Placed] = field(default_factory=dict)


@dataclass
class _Credit:
    stream: str
    seq: int
    event_id: str
    stars: int


class _Book:
    """The audit's working memory while it reads the log once, in order."""

    def __init__(self, *, now: float, user: int | None, since: float | None, grace: float) -> None:
        self.now = now
        self.grace = grace
        self.user = user
        self.since = since
        self.streams: dict[str, _Stream] = {}
        self.types: dict[str, str] = {}
        self.updates: dict[str, int] = {}
        self.paid: dict[str, int] = {}
        self.credited: dict[str, list[_Credit]] = {}
        self.jobs: dict[str, str] = {}  # job stream -> how it ended so far: "succeeded" or "failed"
        self.asks: dict[str, tuple[str, str, str]] = {}  # a CaptureAsked's / VoidAsked's id -> (type, job, its end)
        self.topups: set[str] = set()  # the ids of every top-up credited (any user's: a bonus may be another's)
        self.redemptions: dict[str, tuple[int, int]] = {}  # a PromoRedeemed's id -> (its user, its credits)
        self.promo_credited: set[str] = set()  # the redemptions credited so far
        self.adjustments: dict[str, AdjustmentAsked] = {}  # an AdjustmentAsked's id -> the event
        self.admin_actions: list[AdminAction] = []
        self.movements: list[Movement] = []
        self.violations: list[Violation] = []

    def flag(self, check: str, recorded: RecordedEvent, message: str) -> None:
        self.violations.append(Violation(
            check=check, stream=recorded.stream, message=message, seq=recorded.seq, event_id=recorded.event_id
        ))

    def read(self, recorded: RecordedEvent) -> None:
        self.types[recorded.event_id] = recorded.type
        event = recorded.event
        if isinstance(event, UpdateReceived):
            self.updates.setdefault(recorded.cid, event.update_id)
            if "successful_payment" in event.body:
                self._payment(recorded, event)
        elif recorded.stream.startswith(JOB_PREFIX):
            self._job(recorded)
        elif recorded.stream.startswith(ADMIN_STREAM_PREFIX):
            if isinstance(event, AdjustmentAsked):
                self.adjustments[recorded.event_id] = event
            action = _admin_action(recorded)
            if action is not None and (self.since is None or recorded.ts >= self.since):
                self.admin_actions.append(action)
        elif recorded.stream.startswith(PROMO_PREFIX):
            if isinstance(event, PromoRedeemed):
                self.redemptions[recorded.event_id] = (event.user_id, event.credits)
        elif recorded.stream.startswith(STREAM_PREFIX):
            if isinstance(event, Credited) and event.reason == "topup":
                self.topups.add(recorded.event_id)
            if self.user is None or recorded.stream == ledger_stream(self.user):
                self._ledger(recorded)

    def _job(self, recorded: RecordedEvent) -> None:
        match recorded.event:
            case JobSucceeded():
                self.jobs[recorded.stream] = "succeeded"
            case JobFailed():
                self.jobs[recorded.stream] = "failed"
            case CaptureAsked() | VoidAsked():
                self.asks[recorded.event_id] = (recorded.type, recorded.stream, self.jobs.get(recorded.stream, ""))

    def _caused_by_job(self, recorded: RecordedEvent, hold_id: str, ask: str, outcome: str) -> bool:
        """Whether ``recorded`` was asked for (``ask``) by the job of ``hold_id``, which ended in ``outcome``."""
        return self.asks.get(recorded.causation or "") == (ask, JOB_PREFIX + hold_id, outcome)

    def _payment(self, recorded: RecordedEvent, update: UpdateReceived) -> None:
        try:
            message = _PAYMENT_DECODER.decode(update.body).message
        except msgspec.DecodeError as error:
            self.flag("payment_unreadable", recorded, f"update {update.update_id} names a payment but does not "
                      f"decode ({error})")
            return
        if message is None or message.successful_payment is None:
            return
        payment = message.successful_payment
        if not payment.telegram_payment_charge_id or payment.total_amount <= 0:
            return  # no charge to credit or refund: no Stars were taken (the session rejects it, `no_charge_id`)
        payer = message.sender.id if message.sender is not None else recorded.user_id
        if self.user is None or payer == self.user:
            self.paid[payment.telegram_payment_charge_id] = payment.total_amount

    def _ledger(self, recorded: RecordedEvent) -> None:
        stream = self.streams.setdefault(recorded.stream, _Stream())
        stream.events += 1
        if recorded.version > stream.version + 1:
            deleted = "an event was" if recorded.version == stream.version + 2 else "events were"
            self.flag("version_gap", recorded, f"version {recorded.version} follows version {stream.version}: "
                      f"{deleted} deleted")
        elif recorded.version <= stream.version:
            self.flag("version_gap", recorded, f"version {recorded.version} comes after version {stream.version}: "
                      "the stream was rewritten")
        stream.version = max(stream.version, recorded.version)
        event = recorded.event
        if isinstance(event, ActorCrashed):
            self.flag("ledger_crash", recorded, f"the ledger's decider crashed: {event.error_type}: {event.error}")
            return
        if not isinstance(event, LedgerEvent):
            self.flag("foreign_event", recorded, f"{recorded.type} has no place on a ledger stream")
            return
        self._closes(stream, recorded, event)
        stream.state = evolve(stream.state, event)
        self._balance(stream, recorded, event)
        self._moved(stream, recorded, event)

    def _closes(self, stream: _Stream, recorded: RecordedEvent, event: LedgerEvent) -> None:
        """The checks that need the state before ``event``: holds resolve once, refunds follow a reservation."""
        state = stream.state
        match event:
            case HoldPlaced(hold_id=hold_id, amount=amount, quote=quote, free_day=free_day):
                if hold_id in state.holds:
                    self.flag("hold_reused", recorded, f"hold {hold_id!r} was decided before")
                if amount != (0 if free_day else quote.credits):
                    self.flag("quote_mismatch", recorded, f"hold {hold_id!r} of {amount} credits, quoted at "
                              f"{quote.credits}")
                stream.placed[hold_id] = _Placed(recorded.seq, recorded.event_id, quote)
            case HoldCaptured(hold_id=hold_id, captured=captured, released=released):
                held = self._pending_amount(state, recorded, hold_id)
                if held is not None and captured > held:
                    self.flag("capture_exceeds_hold", recorded, f"captured {captured} of hold {hold_id!r} of {held}")
                elif held is not None and captured + released != held:
                    self.flag("amounts_do_not_add_up", recorded, f"captured {captured} + released {released} "
                              f"of hold {hold_id!r} is not its {held}")
                if not self._caused_by_job(recorded, hold_id, "CaptureAsked", "succeeded"):
                    self.flag("capture_without_success", recorded, f"hold {hold_id!r} was captured, but not at the "
                              "request of a job that succeeded")
            case HoldVoided(hold_id=hold_id, amount=voided, reason=reason):
                held = self._pending_amount(state, recorded, hold_id)
                if held is not None and voided != held:
                    self.flag("amounts_do_not_add_up", recorded, f"voided {voided} of hold {hold_id!r} of {held}")
                if reason != "expired" and not self._caused_by_job(recorded, hold_id, "VoidAsked", "failed"):
                    self.flag("void_without_failure", recorded, f"hold {hold_id!r} was voided ({reason}), but not at "
                              "the request of a job that failed, nor because it expired")
            case Credited(charge_id=charge_id, stars=stars) if charge_id:
                paid = _Credit(recorded.stream, recorded.seq, recorded.event_id, stars)
                self.credited.setdefault(charge_id, []).append(paid)
            case Credited(credit_id=credit_id, reason="referral") | FreeGranted(grant_id=credit_id) \
                    if recorded.causation not in self.topups:
                self.flag("referral_without_top_up", recorded, f"referral bonus {credit_id!r} was not caused by a "
                          "top-up")
            case Credited(credit_id=credit_id, amount=amount, reason="promo"):
                self._promo_credit(recorded, credit_id, amount)
            case Credited(credit_id=credit_id, amount=amount, reason="adjustment"):
                self._adjustment(recorded, credit_id, amount)
            case Debited(debit_id=debit_id, amount=amount):
                self._adjustment(recorded, debit_id, -amount)
            case RefundReserved(refund_id=refund_id, credit_id=credit_id, amount=amount):
                credit = state.credits.get(credit_id)
                if credit is None:
                    self.flag("unknown_credit", recorded, f"refund {refund_id!r} of credit {credit_id!r}, "
                              "which never came in")
                elif amount > credit.amount - credit.refunded:
                    self.flag("refund_exceeds_credit", recorded, f"refund {refund_id!r} of {amount} credits; "
                              f"{credit_id!r} has {credit.amount - credit.refunded} left")
            case RefundCompleted(refund_id=refund_id) | RefundFailed(refund_id=refund_id):
                refund = state.refunds.get(refund_id)
                if refund is None or refund.status != "reserved":
                    status = "unknown" if refund is None else refund.status
                    self.flag("refund_not_reserved", recorded, f"refund {refund_id!r} settles, but is {status}")

    def _promo_credit(self, recorded: RecordedEvent, credit_id: str, amount: int) -> None:
        cause = recorded.causation or ""
        redeemed = self.redemptions.get(cause)
        user = recorded.stream.removeprefix(STREAM_PREFIX)
        if redeemed is None:
            self.flag("promo_without_redemption", recorded, f"promo credit {credit_id!r} was not caused by a "
                      "redemption of a promo code")
        elif (str(redeemed[0]), redeemed[1]) != (user, amount):
            self.flag("promo_without_redemption", recorded, f"promo credit {credit_id!r} gives {amount} credits to "
                      f"user {user}; its redemption gave {redeemed[1]} to user {redeemed[0]}")
        elif cause in self.promo_credited:
            self.flag("promo_without_redemption", recorded, f"promo credit {credit_id!r}: its redemption was "
                      "credited before")
        self.promo_credited.add(cause)

    def _adjustment(self, recorded: RecordedEvent, operation_id: str, change: int) -> None:
        asked = self.adjustments.get(recorded.causation or "")
        user = recorded.stream.removeprefix(STREAM_PREFIX)
        if asked is None:
            self.flag("adjustment_without_admin", recorded, f"adjustment {operation_id!r} was not caused by an "
                      "admin's AdjustmentAsked")
        elif asked.admin_id <= 0:
            self.flag("adjustment_without_admin", recorded, f"adjustment {operation_id!r} names no admin "
                      f"({asked.admin_id})")
        elif (str(asked.user_id), asked.amount) != (user, change):
            self.flag("adjustment_without_admin", recorded, f"adjustment {operation_id!r} moves {change:+d} credits "
                      f"of user {user}; admin {asked.admin_id} asked {asked.amount:+d} of user {asked.user_id}")

    def _pending_amount(self, state: LedgerState, recorded: RecordedEvent, hold_id: str) -> int | None:
        hold = state.holds.get(hold_id)
        if hold is None:
            self.flag("unknown_hold", recorded, f"hold {hold_id!r} resolves but was never placed")
            return None
        if hold.status != "pending":
            self.flag("resolved_twice", recorded, f"hold {hold_id!r} resolves again; it was {hold.status}")
            return None
        return hold.amount

    def _balance(self, stream: _Stream, recorded: RecordedEvent, event: LedgerEvent) -> None:
        """The balance the event states: against the fold of the amounts, and never below zero."""
        folded = stream.state
        drift = (event.available - folded.available, event.held - folded.held)
        if drift != stream.drift and drift != (0, 0):
            self.flag("balance_mismatch", recorded, f"states available {event.available}, held {event.held}; "
                      f"the amounts of the stream give {folded.available}, {folded.held}")
        stream.drift = drift
        negative = event.available < 0 or event.held < 0
        if negative and not stream.negative:
            self.flag("negative_balance", recorded, f"the balance goes below zero: available "
                      f"{event.available}, held {event.held}")
        stream.negative = negative

    def _moved(self, stream: _Stream, recorded: RecordedEvent, event: LedgerEvent) -> None:
        if self.since is not None and recorded.ts < self.since:
            return
        match event:
            case HoldPlaced(hold_id=hold_id, amount=amount):
                move = self._move(stream, recorded, event, -amount, amount, hold_id=hold_id)
            case HoldCaptured(hold_id=hold_id, captured=captured, released=released):
                move = self._move(stream, recorded, event, released, -(captured + released), spent=captured,
                                  hold_id=hold_id)
            case HoldVoided(hold_id=hold_id, amount=amount, reason=reason):
                move = self._move(stream, recorded, event, amount, -amount, hold_id=hold_id, reason=reason)
            case Credited(credit_id=credit_id, amount=amount, reason=reason, source=source, charge_id=charge_id):
                move = self._move(stream, recorded, event, amount, 0, credit_id=credit_id, reason=reason,
                                  detail=source, charge_id=charge_id)
            case Debited(debit_id=debit_id, amount=amount, reason=reason, source=source):
                move = self._move(stream, recorded, event, -amount, 0, credit_id=debit_id, reason=reason,
                                  detail=source)
            case RefundReserved(refund_id=refund_id, credit_id=credit_id, amount=amount, charge_id=charge_id):
                move = self._move(stream, recorded, event, -amount, 0, refund_id=refund_id, credit_id=credit_id,
                                  charge_id=charge_id)
            case RefundCompleted(refund_id=refund_id, credit_id=credit_id):
                move = self._move(stream, recorded, event, 0, 0, refund_id=refund_id, credit_id=credit_id)
            case RefundFailed(refund_id=refund_id, credit_id=credit_id, amount=amount, error=error):
                move = self._move(stream, recorded, event, amount, 0, refund_id=refund_id, credit_id=credit_id,
                                  detail=error)
            case _:
                return
        self.movements.append(move)

    def _move(
        self,
        stream: _Stream,
        recorded: RecordedEvent,
        event: LedgerEvent,
        change: int,
        held_change: int,
        *,
        spent: int = 0,
        hold_id: str = "",
        credit_id: str = "",
        refund_id: str = "",
        reason: str = "",
        detail: str = "",
        charge_id: str = "",
    ) -> Movement:
        placed = stream.placed.get(hold_id)
        quote = placed.quote if placed is not None else None
        return Movement(
            seq=recorded.seq,
            ts=recorded.ts,
            stream=recorded.stream,
            user_id=recorded.user_id,
            event_id=recorded.event_id,
            type=recorded.type,
            change=change,
            held_change=held_change,
            spent=spent,
            available=event.available,
            held=event.held,
            cid=recorded.cid,
            causation=recorded.causation,
            cause=self.types.get(recorded.causation or "", ""),
            update_id=self.updates.get(recorded.cid),
            hold_id=hold_id,
            credit_id=credit_id,
            refund_id=refund_id,
            reason=reason,
            detail=detail,
            model_id=quote.model_id if quote else "",
            rule=quote.rule if quote else "",
            registry_version=quote.registry_version if quote else "",
            charge_id=charge_id,
        )

    def close(self) -> AuditReport:
        """The checks that need the whole log: holds left pending past expiry, payments against credits."""
        for name, stream in self.streams.items():
            for hold_id, hold in stream.state.pending().items():
                if hold.expires_at + self.grace <= self.now:
                    placed = stream.placed.get(hold_id)
                    self.violations.append(Violation(
                        check="hold_expired",
                        stream=name,
                        message=f"hold {hold_id!r} expired at {hold.expires_at:.0f} and is still pending",
                        seq=placed.seq if placed else 0,
                        event_id=placed.event_id if placed else "",
                    ))
        self._payments()
        return AuditReport(
            now=self.now, movements=tuple(self.movements), violations=tuple(self.violations), summary=self._summary(),
            admin_actions=tuple(self.admin_actions),
        )

    def _payments(self) -> None:
        for charge, credits in self.credited.items():
            first = credits[0]
            if len(credits) > 1:
                seqs = ", ".join(str(credit.seq) for credit in credits)
                self.violations.append(Violation(
                    check="charge_credited_twice", stream=first.stream, seq=credits[1].seq,
                    event_id=credits[1].event_id, message=f"Stars charge {charge!r} is credited {len(credits)} "
                    f"times (seq {seqs})",
                ))
            if charge not in self.paid:
                self.violations.append(Violation(
                    check="credit_without_payment", stream=first.stream, seq=first.seq, event_id=first.event_id,
                    message=f"a top-up names Stars charge {charge!r}, which no recorded update paid",
                ))
            elif self.paid[charge] != first.stars:
                self.violations.append(Violation(
                    check="stars_mismatch", stream=first.stream, seq=first.seq, event_id=first.event_id,
                    message=f"the top-up of charge {charge!r} says {first.stars} Stars; "
                    f"the payment was {self.paid[charge]}",
                ))
        for charge in self.paid.keys() - self.credited.keys():
            self.violations.append(Violation(
                check="charge_not_credited", stream="payments",
                message=f"Stars charge {charge!r} was paid and never credited",
            ))

    def _summary(self) -> AuditSummary:
        states = [stream.state for stream in self.streams.values()]
        holds = [hold for state in states for hold in state.holds.values()]
        return AuditSummary(
            users=len(states),
            events=sum(stream.events for stream in self.streams.values()),
            movements=len(self.movements),
            holds=sum(1 for hold in holds if hold.status != "rejected"),
            captured=sum(1 for hold in holds if hold.status == "captured"),
            voided=sum(1 for hold in holds if hold.status == "voided"),
            pending=sum(1 for hold in holds if hold.status == "pending"),
            credited=sum(state.credited for state in states),
            spent=sum(state.captured for state in states),
            refunded=sum(state.refunded for state in states),
            available=sum(state.available for state in states),
            held=sum(state.held for state in states),
            payments=len(self.paid),
        )


def audit(
    events: Iterable[RecordedEvent], *, now: float, user: int | None = None, since: float | None = None,
    grace: float = EXPIRY_GRACE,
) -> AuditReport:
    """Audit ``events`` (the log, in order) as of ``now``, allowing ``grace`` seconds for expired holds to be voided.

    ``user`` limits the audit to one ledger stream and that user's payments;
    ``since`` lists only the movements recorded at or after it (the checks
    still read everything before).
    """
    book = _Book(now=now, user=user, since=since, grace=grace)
    for recorded in events:
        book.read(recorded)
    return book.close()


def _admin_action(recorded: RecordedEvent) -> AdminAction | None:
    """An admin's request at the desk as the audit lists it; None for what the desk only showed."""
    event = recorded.event
    match event:
        case AdjustmentAsked(user_id=user, amount=amount, reason=reason):
            target, detail = f"user {user}", f"{amount:+d}: {reason}"
        case RefundAsked(user_id=user, credit_id=credit_id, amount=amount):
            target, detail = f"user {user}", f"{credit_id} ({amount} credits)"
        case UserBlocked(user_id=user, reason=reason) | UserUnblocked(user_id=user, reason=reason):
            target, detail = f"user {user}", reason
        case ModelSwitched(model_id=model_id, enabled=enabled):
            target, detail = model_id, "on" if enabled else "off"
        case PromoCreateAsked(code=code, credits=credits, max_uses=uses):
            target, detail = code, f"{credits} credits × {uses}"
        case BroadcastAsked(broadcast_id=broadcast_id) | BroadcastDropped(broadcast_id=broadcast_id):
            target, detail = broadcast_id, ""
        case _:
            return None
    return AdminAction(seq=recorded.seq, event_id=recorded.event_id, ts=recorded.ts, admin_id=event.admin_id,
                       action=type(event).__name__, target=target, detail=detail)
