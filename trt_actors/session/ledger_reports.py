"""What a session does when the ledger reports one of its events about the user. Pure.

Every new report is recorded as ``BalanceSeen``: the balance after it and
the entry it names, so that what the session shows is always a recorded
input. A report of an operation the session has already heard of (the same
event and operation id: the reactor may deliver twice) records nothing.
Then the user hears of it, as one message or not at all:

=====================  ==================================================================
``HoldPlaced``         the confirmation message becomes "reserved N credits, queued",
                       unless the job's news came first (two reactors race): the job's
                       progress owns the message then, and is never drawn over
``HoldRejected``       the confirmation message becomes the top-up screen with what is
                       missing; the order's draft comes back (``DraftRestored``) to be
                       confirmed again after a top-up; a free order past the day's free
                       generations (``free_used_up``) is offered again at its price
``HoldCaptured``       nothing more (the generation's result says it)
``HoldVoided``         a new message: the credits are back, and why; nothing more when
                       a job failed (its reason is one of ``FAILURE_REASONS``): the
                       job's own failure message said so (:mod:`.job_reports`)
``Credited``           a new message: the receipt of a top-up ("+550 credits (250 ⭐)"),
                       of a promo code, or of an adjustment, with the balance after it; a welcome or
                       referral bonus says nothing more (it lands while the user
                       finds their way around the menu; the balance screen lists it)
``Debited``            a new message: support took credits off the balance (an admin's adjustment)
``Refund…``            a new message: credits removed, Stars returned, refund failed or refused
=====================  ==================================================================

The messages about holds are only for orders this session asked for; a
report about another chat's hold records the balance and says nothing. A
report never starts a session: the user did not write.
"""

from __future__ import annotations

from typing import Final

from trt_actors.events import Event
from trt_actors.events.jobs import FAILURE_REASONS
from trt_actors.events.session import BalanceSeen, DraftRestored, Param
from trt_actors.session.canvas import Canvas, Rendered
from trt_actors.session.commands import LedgerReported
from trt_actors.session.money_screens import ledger_note, order, order_name, priced_params, topup, void_reason
from trt_actors.session.state import Request, SessionState, report_key
from trt_actors.session.turn import Turn

__all__ = ["report"]

_TAKEN: Final = frozenset({"HoldPlaced", "RefundReserved", "Debited"})
_GIVEN: Final = frozenset({"HoldVoided", "Credited", "RefundFailed"})
_NO_CHANGE: Final = frozenset({"HoldRejected", "RefundRejected", "RefundCompleted"})
_CREDIT_NOTES: Final = {"topup": "ledger.topup", "adjustment": "ledger.adjustment", "promo": "ledger.promo"}
_SILENT_CREDITS: Final = frozenset({"welcome", "referral"})
_REFUND_NOTES: Final = {"RefundReserved": "ledger.refund_reserved", "RefundCompleted": "ledger.refund_completed",
                        "RefundFailed": "ledger.refund_failed", "RefundRejected": "ledger.refund_rejected"}


def report(turn: Turn, command: LedgerReported) -> list[Event]:
    """Record the report (``BalanceSeen``) and tell the user what it means for them; nothing for a repeat."""
    state = turn.state
    if report_key(command.event, command.operation_id) in state.reported:
        return []
    request = state.request(command.operation_id) if command.event.startswith("Hold") else None
    turn.record(_seen(turn, command, request))
    match command.event:
        case "HoldPlaced" if request is not None and not request.job:
            return turn.show(edit=request.message_id, draw=lambda canvas: order(canvas, request.confirmation_id))
        case "HoldRejected" if request is not None and command.reason == "free_used_up":
            return _free_used_up(turn, request)
        case "HoldRejected" if request is not None:
            return _refused(turn, request)
        case "HoldVoided" if command.reason not in FAILURE_REASONS:
            return turn.show(draw=lambda canvas: _released(canvas, command, request))
        case "Credited" if command.reason not in _SILENT_CREDITS:
            key = _CREDIT_NOTES.get(command.reason, "ledger.credited")
            credits, stars = turn.texts.credits(command.amount), command.stars
            code = command.operation_id.split(":")[1] if command.reason == "promo" else ""  # promo:<CODE>:<user>
            return turn.show(draw=lambda canvas: ledger_note(canvas, key, credits=credits, stars=stars, code=code))
        case "Debited":
            credits = turn.texts.credits(command.amount)
            return turn.show(draw=lambda canvas: ledger_note(canvas, "ledger.debited", credits=credits))
        case "RefundReserved" | "RefundCompleted" | "RefundFailed" | "RefundRejected":
            key, credits = _REFUND_NOTES[command.event], turn.texts.credits(command.amount)
            reason = turn.texts.plain("refund_reason.spent" if command.reason == "spent" else "refund_reason.other")
            return turn.show(draw=lambda canvas: ledger_note(canvas, key, credits=credits, reason=reason))
    return turn.events


def _seen(turn: Turn, command: LedgerReported, request: Request | None) -> BalanceSeen:
    model_id = command.model_id or (request.model_id if request is not None else "")
    params: tuple[Param, ...] = ()
    if request is not None and request.draft is not None and (model := turn.model(model_id)) is not None:
        params = priced_params(model, request.draft)
    return BalanceSeen(
        available=command.available,
        held=command.held,
        event=command.event,
        operation_id=command.operation_id,
        change=_change(turn.state, command, request),
        amount=command.amount,
        reason=command.reason,
        model_id=model_id,
        params=params,
        stars=command.stars,
    )


def _change(state: SessionState, command: LedgerReported, request: Request | None) -> int:
    """The report's signed effect on the available credits (see ``BalanceSeen``)."""
    if command.event in _TAKEN:
        return -command.amount
    if command.event in _GIVEN:
        return command.amount
    if command.event in _NO_CHANGE:
        return 0
    if command.event == "HoldCaptured":
        return max(request.credits - command.amount, 0) if request is not None else 0
    return command.available - state.balance


def _refused(turn: Turn, request: Request) -> list[Event]:
    """Not enough credits: the order's draft back, and its message turned into the top-up screen."""
    state = turn.state
    if state.draft is None and request.draft is not None:
        turn.record(DraftRestored(confirmation_id=request.confirmation_id))
    confirmed = state.confirmed
    if state.screen == "coming" and confirmed is not None and confirmed.confirmation_id == request.confirmation_id:
        turn.open("topup")
        return turn.show(edit=request.message_id)
    return turn.show(edit=request.message_id, draw=topup)


def _free_used_up(turn: Turn, request: Request) -> list[Event]:
    """A free order the ledger found past the day's free generations: its draft back, offered at its price."""
    state = turn.state
    if state.draft is None and request.draft is not None:
        turn.record(DraftRestored(confirmation_id=request.confirmation_id))
    draft = turn.state.draft
    model = turn.model(draft.model_id) if draft is not None else None
    confirmed = state.confirmed
    if (draft is not None and model is not None and state.screen == "coming" and confirmed is not None
            and confirmed.confirmation_id == request.confirmation_id):
        turn.offer(model, draft)
    turn.say("notice.free_used_up")
    return turn.show(edit=request.message_id)


def _released(canvas: Canvas, command: LedgerReported, request: Request | None) -> Rendered:
    what = order_name(canvas, request.model_id) if request is not None else canvas.texts.plain("entry.order")
    return ledger_note(canvas, "ledger.released", credits=canvas.texts.credits(command.amount), what=what,
                       reason=void_reason(canvas, command.reason))
