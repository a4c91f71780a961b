"""The free tier: ``FREE_PER_DAY`` free generations a user may order each day, on the models the registry marks free.

One rule, :meth:`FreeTier.left`, decides everywhere: the session's screens
(the model list, the model's card, the confirmation) count the user's free
orders of the day it remembers, and the ledger, holding a free order, counts
the free holds it placed for that day; a free use counts from its request until
its hold is voided (a failed or expired job gives it back), so it is consumed
only when the generation succeeds. The day is the calendar day of the
update's recorded time in ``TIMEZONE``, named by the session on the order
(``GenerationRequested.free_day``): the ledger never reads a clock either.
Free generations granted on top (a referral bonus, ``REFERRAL_BONUS_FREE``)
are used once the day's are taken: such an order names :data:`BONUS` as its
day, and :func:`bonus_left` counts them the same way.

Example::

    tier = FreeTier(per_day=3, timezone="Europe/Moscow")
    day = tier.day(1_764_950_400.0)                  # "2025-12-05"
    assert tier.left(("2025-12-05", "2025-12-04"), day) == 2
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone, tzinfo
from functools import lru_cache
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["BONUS", "MAX_FREE_PER_DAY", "FreeTier", "bonus_left", "free_left", "zone"]

BONUS: Final = "bonus"
"""The ``free_day`` of a free order that uses a granted free generation (a referral's) instead of the day's."""

MAX_FREE_PER_DAY: Final = 20
"""The most ``FREE_PER_DAY`` may be (a session remembers this many free orders of a day, and a few more)."""


def free_left(per_day: int, days: Iterable[str], day: str) -> int:
    """How many of ``per_day`` free generations are left on ``day``, given the days of the free uses counted."""
    return max(0, per_day - sum(1 for used in days if used == day))


def bonus_left(granted: int, days: Iterable[str]) -> int:
    """How many of ``granted`` free generations are left, given the days of the free uses counted (``BONUS``)."""
    return max(0, granted - sum(1 for used in days if used == BONUS))


@lru_cache(maxsize=16)
def zone(name: str) -> tzinfo:
    """The time zone ``name`` (an IANA name such as ``Europe/Moscow``, or ``UTC``); ValueError if unknown."""
    if name.upper() == "UTC":
        return timezone.utc  # needs no time zone database
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"{name!r} is not a time zone this machine knows (an IANA name such as Europe/Moscow, "
                         "or UTC)") from error


class FreeTier:
    """``per_day`` free generations a day (0: no free tier), days counted in ``timezone``."""

    __slots__ = ("per_day", "timezone")

    def __init__(self, per_day: int = 0, timezone: str = "UTC") -> None:
        if not 0 <= per_day <= MAX_FREE_PER_DAY:
            raise ValueError(f"free generations a day must be 0 to {MAX_FREE_PER_DAY}, not {per_day}")
        zone(timezone)
        self.per_day = per_day
        self.timezone = timezone

    def __repr__(self) -> str:
        return f"FreeTier(per_day={self.per_day}, timezone={self.timezone!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FreeTier) and (self.per_day, self.timezone) == (other.per_day, other.timezone)

    def __hash__(self) -> int:
        return hash((self.per_day, self.timezone))

    def day(self, ts: float) -> str:
        """The calendar day of ``ts`` (seconds since the epoch) in this tier's time zone, as ``YYYY-MM-DD``."""
        return datetime.fromtimestamp(ts, zone(self.timezone)).date().isoformat()

    def left(self, days: Iterable[str], day: str) -> int:
        """Free generations left on ``day``, given the days of the free uses counted (see :func:`free_left`)."""
        return free_left(self.per_day, days, day)
