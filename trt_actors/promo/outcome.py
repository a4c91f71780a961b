"""What a user hears of their promo request: one small record, read off the promo's recorded decision.

:func:`promo_outcome_for` is pure (a function of the recorded event alone),
so whoever turns it into a message for the user's session (a reactor on
``PromoRedeemed`` and ``PromoRefused``, see :data:`OUTCOME_EVENTS`) and
``replay`` get the same answer.

Example::

    outcome = promo_outcome_for(recorded)
    if outcome is not None and outcome.outcome == "refused":
        text = texts[f"promo_{outcome.reason}"]       # unknown, expired, used_up, already_redeemed
"""

from __future__ import annotations

from typing import Final, Literal

import msgspec

from eventlog import RecordedEvent
from trt_actors.events import Event
from trt_actors.events.promo import PromoRedeemed, PromoRefused

__all__ = ["OUTCOME_EVENTS", "PromoOutcome", "promo_outcome_for"]

OUTCOME_EVENTS: Final[tuple[type[Event], ...]] = (PromoRedeemed, PromoRefused)
"""The events that answer a redemption (each names its user)."""


class PromoOutcome(msgspec.Struct, frozen=True, kw_only=True):
    """``user_id``'s redemption of ``code``: ``redeemed`` for ``credits``, or ``refused`` for ``reason``."""

    user_id: int
    code: str
    outcome: Literal["redeemed", "refused"]
    reason: str = ""
    credits: int = 0


def promo_outcome_for(recorded: RecordedEvent) -> PromoOutcome | None:
    """The outcome a promo event answers its user with; None for any other event."""
    match recorded.event:
        case PromoRedeemed(code=code, user_id=user, credits=credits):
            return PromoOutcome(user_id=user, code=code, outcome="redeemed", credits=credits)
        case PromoRefused(code=code, user_id=user, reason=reason):
            return PromoOutcome(user_id=user, code=code, outcome="refused", reason=reason)
    return None
