"""Events of the Telegram Stars payment handshake that are not the ledger's.

The money itself moves only in the ledger (:mod:`trt_actors.events.ledger`);
what is here is the bot's side of Telegram's pre-checkout step: whether a
payment the user is about to make was let through, and why not.
"""

from __future__ import annotations

from trt_actors.events.base import Event

__all__ = ["PAYMENT_EVENTS", "PreCheckoutAnswered"]


class PreCheckoutAnswered(Event, frozen=True):
    """The answer to a ``pre_checkout_query``, recorded before it is sent (Telegram allows 10 s).

    ``ok`` lets the payment through. Otherwise ``reason`` says why, in a stable
    code: ``unknown_payload`` (forged, or not a top-up of ours), ``not_yours``
    (the invoice was made for another user and forwarded), ``wrong_currency``, ``package_gone`` (no such package any more),
    ``amount_mismatch``, ``already_paid``, ``too_late`` (the query was older
    than Telegram's window when it was reached; it is not answered).
    ``already_paid`` is the ledger's answer at that moment, kept with the decision it led to.
    """

    query_id: str
    ok: bool
    topup_id: str = ""
    stars: int = 0
    credits: int = 0
    reason: str = ""
    already_paid: bool = False


PAYMENT_EVENTS: tuple[type[Event], ...] = (PreCheckoutAnswered,)
