"""The pricing formula: from what KIE charges to what our user pays. Its only home.

KIE bills in **KIE credits**; its price list is in US dollars at
``KIE_USD_PER_CREDIT`` dollars per credit (1 credit = $0.005, so $0.09 is 18
credits). Our users pay in **our credits**::

    our_credits = ceil(kie_credits * markup)

rounded up to a whole credit, so we never sell below cost. ``markup`` defaults
to ``DEFAULT_MARKUP`` (2: one of our credits is worth about one KIE credit, and
we keep a 100 % margin for failures, refunds and the free tier); a deployment
may pass another value to :func:`registry.load_registry`. All money is
:class:`~decimal.Decimal`, never float.

>>> credits_for(Decimal("18"), Decimal("2"))
36
>>> credits_for(Decimal("0.8"), Decimal("2"))
2
"""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal
from typing import Final

__all__ = [
    "DEFAULT_MARKUP",
    "FREE_TIER_MAX_KIE_CREDITS",
    "KIE_USD_PER_CREDIT",
    "credits_for",
    "kie_credits_from_usd",
]

KIE_USD_PER_CREDIT: Final = Decimal("0.005")
"""Dollars per KIE credit, as KIE's own price table implies (nano-banana $0.02 = 4 credits)."""

DEFAULT_MARKUP: Final = Decimal("2")
"""Our credits per KIE credit of cost, before rounding up."""

FREE_TIER_MAX_KIE_CREDITS: Final = Decimal("1")
"""The most a free-tier model may cost us per generation, in KIE credits ($0.005)."""


def credits_for(kie_credits: Decimal, markup: Decimal = DEFAULT_MARKUP) -> int:
    """Our price in whole credits for a generation that costs KIE ``kie_credits``.

    Raises ValueError for a negative cost or a markup below 1 (selling below cost).
    """
    if kie_credits < 0:
        raise ValueError(f"a KIE cost cannot be negative, got {kie_credits}")
    if markup < 1:
        raise ValueError(f"the markup must be at least 1 (never sell below cost), got {markup}")
    return int((kie_credits * markup).to_integral_value(rounding=ROUND_CEILING))


def kie_credits_from_usd(usd: Decimal) -> Decimal:
    """KIE credits for a dollar amount from KIE's price list ($0.0325 -> 6.5)."""
    credits = usd / KIE_USD_PER_CREDIT
    if credits == credits.to_integral_value():
        return credits.quantize(Decimal(1))
    return credits.normalize()
