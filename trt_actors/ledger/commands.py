"""What may be asked of a user's ledger: one frozen command per operation, each keyed by its own id.

Every command names the user whose stream (``ledger:<user_id>``) it goes to,
and an **operation id** (``hold_id``, ``credit_id``, ``refund_id``) that makes
a retry a no-op: the ledger answers an operation it already knows with what it
decided the first time and records nothing. Time enters as a field
(``expires_at``, ``now``); the decider never reads a clock.

* :class:`Reserve` holds the price of an order, :class:`Capture` spends (all
  or part of) a hold, :class:`Void` releases it, :class:`Expire` voids every
  hold past its expiry;
* :class:`Credit` adds credits (Stars top-ups, bonuses, admin adjustments);
  credits go out only through a captured hold, a refund, or an admin's :class:`Debit`;
* :class:`Debit` takes credits out by an admin's adjustment (never below zero);
* :class:`Refund` removes the credits of a top-up before its Stars go back,
  then :class:`CompleteRefund` or :class:`FailRefund` records what Telegram said.

Example::

    quote = quote_of(registry.quote("nano-banana-pro", params), params)
    command = Reserve(hold_id=confirmation_id, user_id=42, amount=quote.credits, quote=quote,
                      expires_at=ts + 3600)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, TypeAlias

import msgspec

from registry import Quote as RegistryQuote
from trt_actors.events.ledger import Quote
from trt_actors.events.session import Param, ParamValue

__all__ = [
    "CREDIT_REASONS",
    "Capture",
    "CompleteRefund",
    "Credit",
    "DEBIT_REASONS",
    "Debit",
    "Expire",
    "FailRefund",
    "GrantFree",
    "LedgerCommand",
    "Refund",
    "Reserve",
    "Void",
    "quote_of",
]

CREDIT_REASONS: Final = frozenset({"topup", "welcome", "referral", "adjustment", "promo"})
"""Why credits may come in. A ``topup`` names its Stars payment; the others come from us."""


class _Command(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    user_id: int


class Reserve(_Command, frozen=True, kw_only=True):
    """Hold ``amount`` credits (the quote's price) for an order until ``expires_at``.

    The hold id is the order's own id (the confirmation id), so a double tap
    or a redelivered update holds once. A hold id the ledger refused stays
    refused: ask again under a new id.

    A **free** order (the free tier, see :mod:`trt_actors.free_tier`) names
    the day it is counted on (``free_day``) and the free generations a day
    allows (``free_per_day``); it holds 0 credits (its quote still says what
    it would cost) and is refused once that day's free uses are taken.
    """

    hold_id: str
    amount: int
    quote: Quote
    expires_at: float
    free_day: str = ""
    free_per_day: int = 0


class Capture(_Command, frozen=True, kw_only=True):
    """Spend ``amount`` of the hold (at most the hold); the rest of the hold is released."""

    hold_id: str
    amount: int


class Void(_Command, frozen=True, kw_only=True):
    """Release the whole hold: the order failed, was cancelled, or timed out (``reason``)."""

    hold_id: str
    reason: str


class Expire(_Command, frozen=True, kw_only=True):
    """Void every pending hold whose ``expires_at`` is at or before ``now`` (a recorded clock reading)."""

    now: float


class Credit(_Command, frozen=True, kw_only=True):
    """Add ``amount`` credits; ``reason`` is one of :data:`CREDIT_REASONS`.

    A ``topup`` carries Telegram's ``telegram_payment_charge_id`` as
    ``charge_id`` and the Stars paid; a charge credited once is never
    credited again, whatever the credit id.
    """

    credit_id: str
    amount: int
    reason: str
    source: str = ""
    charge_id: str = ""
    stars: int = 0


DEBIT_REASONS: Final = frozenset({"adjustment"})
"""Why credits may go out other than by a captured hold or a refund: an admin's adjustment only."""


class Debit(_Command, frozen=True, kw_only=True):
    """Take ``amount`` credits out (``reason`` one of :data:`DEBIT_REASONS`); refused (``DebitRejected``,
    ``insufficient``) when fewer are available. ``debit_id`` makes a retry a no-op."""

    debit_id: str
    amount: int
    reason: str
    source: str = ""


class GrantFree(_Command, frozen=True, kw_only=True):
    """Give ``count`` free generations on top of the free tier's daily ones (``reason``: ``referral``);
    ``grant_id`` makes a retry a no-op."""

    grant_id: str
    count: int
    reason: str
    source: str = ""


class Refund(_Command, frozen=True, kw_only=True):
    """Remove the credits of the top-up ``credit_id`` before asking Telegram to return its Stars.

    ``amount`` must be the whole top-up, refunded once: ``refundStarPayment``
    returns a whole charge, so part of one would give back every Star for
    some of the credits.
    """

    refund_id: str
    credit_id: str
    amount: int


class CompleteRefund(_Command, frozen=True, kw_only=True):
    """Telegram returned the Stars of ``refund_id``."""

    refund_id: str


class FailRefund(_Command, frozen=True, kw_only=True):
    """Telegram refused the refund ``refund_id`` (``error``); its credits come back."""

    refund_id: str
    error: str


LedgerCommand: TypeAlias = (
    Reserve | Capture | Void | Expire | Credit | Refund | CompleteRefund | FailRefund | Debit | GrantFree
)


def quote_of(quote: RegistryQuote, params: Mapping[str, ParamValue]) -> Quote:
    """The registry's quote as a hold records it, with the parameters that priced it."""
    return Quote(
        model_id=quote.model_id,
        credits=quote.credits,
        rule=quote.rule,
        registry_version=quote.registry_version,
        kie_credits=str(quote.kie_credits),
        markup=str(quote.markup),
        params=tuple(Param(name=name, value=value) for name, value in params.items()),
        source=quote.source,
    )
