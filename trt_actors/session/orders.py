"""Confirming an order: the price read again, and the hold the ledger is asked for. Pure.

A Confirm tap on the confirmation on screen records ``GenerationRequested``
(what the ledger holds: the quote, re-read from the registry at the tap, under
the confirmation id, until ``ts + HOLD_SECONDS``) and then
``ConfirmationAccepted``; the confirmation message becomes "reserving N
credits…", and the ledger's answer edits it again (see
:mod:`trt_actors.session.ledger_reports`). The session does not judge the
balance itself: the one it shows may be old, the ledger's is not.

Two taps are rejected and yet lead on, the confirmation being offered again
under a new id at today's price: a confirmation older than
:data:`CONFIRMATION_SECONDS` (``confirmation_expired``), and one whose price
the registry no longer gives (``price_changed``; also a free order whose
day's free generations are taken, or that became free on a new day). A
model that can no longer be priced at all ends the draft (``unknown_model``).
A user who already has ``max_jobs`` orders running is told to wait
(``too_many_jobs``): the confirmation stays on screen to be confirmed once
one of them ends.
"""

from __future__ import annotations

import math

from typing import Final

from registry import Model, QuoteError
from trt_actors.events.session import ConfirmationAccepted, DraftDiscarded, GenerationRequested
from trt_actors.ledger.commands import quote_of
from trt_actors.session.state import Draft, Offer
from trt_actors.limits import Rate
from trt_actors.session.turn import Refused, Turn
from trt_actors.session.wizard import quote_params

__all__ = ["CONFIRMATION_SECONDS", "HOLD_SECONDS", "confirm"]

HOLD_SECONDS: Final = 3600.0
"""How long the ledger holds an order's price before it voids the hold itself (``expires_at = ts + HOLD_SECONDS``)."""

CONFIRMATION_SECONDS: Final = 3600.0
"""How long a confirmation screen can be confirmed; after that the price is offered again."""


def confirm(turn: Turn, model: Model, draft: Draft, offer: Offer, message_id: int | None) -> None:
    """Ask the ledger to hold ``offer``'s price for ``draft`` (or offer it again, or end it: see the module)."""
    command = turn.command
    running = sum(request.running for request in turn.state.requests)
    if running >= turn.max_jobs:
        raise Refused("too_many_jobs", notice="notice.too_many_jobs", running=running, most=turn.max_jobs)
    if turn.generations is not None:
        _within_rate(turn, turn.generations)
    params = quote_params(draft)
    try:
        quote = turn.registry.quote(model, params)
    except QuoteError:
        turn.record(DraftDiscarded(reason="model_gone"))
        turn.open("menu")
        raise Refused("unknown_model", keep=True, notice="notice.model_gone") from None
    if command.ts - offer.offered_at > CONFIRMATION_SECONDS:
        turn.offer(model, draft)
        raise Refused("confirmation_expired", keep=True, notice="notice.confirmation_expired")
    free_day = turn.free_day_for(model)
    if offer.free_day and offer.free_day != free_day:
        turn.offer(model, draft)
        raise Refused("price_changed", keep=True, notice="notice.free_used_up" if not free_day else
                      "notice.price_changed")
    if (0 if free_day else quote.credits, quote.rule, free_day) != (offer.credits, offer.rule, offer.free_day):
        turn.offer(model, draft)
        raise Refused("price_changed", keep=True, notice="notice.price_changed")
    turn.record(
        GenerationRequested(
            confirmation_id=offer.confirmation_id,
            model_id=model.id,
            params=draft.params,
            files=draft.files(),
            credits=offer.credits,
            quote=quote_of(quote, params),
            expires_at=command.ts + HOLD_SECONDS,
            message_id=message_id,
            language=turn.texts.language,
            free_day=free_day,
            free_per_day=turn.free.per_day if free_day else 0,
        ),
        ConfirmationAccepted(confirmation_id=offer.confirmation_id, model_id=model.id, credits=offer.credits),
    )


def _within_rate(turn: Turn, rate: Rate) -> None:
    """Refuse a Confirm past ``RATE_GENERATIONS``: the orders confirmed in the window that were not refused or
    refunded count; the notice says in how many minutes the oldest of them leaves the window."""
    now = turn.command.ts
    asked = sorted(confirmed for request in turn.state.requests
                   if request.status not in ("rejected", "voided") and request.job != "failed" and request.expires_at
                   and now - (confirmed := request.expires_at - HOLD_SECONDS) < rate.seconds)
    if len(asked) >= rate.limit:
        retry_at = asked[-rate.limit] + rate.seconds
        raise Refused("too_many_generations", notice="notice.too_many_generations", most=rate.limit,
                      minutes=max(1, math.ceil((retry_at - now) / 60)))
