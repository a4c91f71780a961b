"""What may be asked of a promo code: create it, redeem it. One frozen command each.

Both name the code, whose stream (``promo:<CODE>``) they go to, and the clock
reading they are decided at (``now``): the decider never reads a clock, so
the reactor that delivers a redemption passes the ``ts`` of the recorded
request, and a replay decides the expiry exactly as it was decided.

Whoever sends :class:`CreatePromo` has checked that ``admin_id`` is an admin
(the decider records who it was, and trusts it).

Example::

    CreatePromo(code="SPRING", credits=50, expires_at=now + 30 * 86_400, max_uses=100, admin_id=7, now=now)
    Redeem(code="SPRING", user_id=42, now=recorded.ts)
"""

from __future__ import annotations

from typing import Final, TypeAlias

import msgspec

__all__ = ["MAX_PROMO_CREDITS", "MAX_PROMO_USES", "CreatePromo", "PromoCommand", "Redeem"]

MAX_PROMO_CREDITS: Final = 100_000
"""The most credits one redemption may give."""

MAX_PROMO_USES: Final = 10_000
"""The most users one code may serve. Its state remembers each of them (so that none redeems twice) and the
pure fold copies that map on every redemption: bounded so, a whole stream folds in well under a second."""


class CreatePromo(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Create ``code``: ``credits`` for each of up to ``max_uses`` users, until ``expires_at``."""

    code: str
    credits: int
    expires_at: float
    max_uses: int
    admin_id: int
    now: float


class Redeem(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """``user_id`` redeems ``code`` at ``now`` (a recorded clock reading)."""

    code: str
    user_id: int
    now: float


PromoCommand: TypeAlias = CreatePromo | Redeem
