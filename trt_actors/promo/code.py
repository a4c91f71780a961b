"""What a promo code is: the one check that user and admin input passes before it becomes a code.

A code is 3 to 32 characters of ``A-Z``, ``0-9``, ``_`` and ``-``, in upper
case. :func:`normalise_code` is the guard at the boundary: the session calls
it on what the user typed or what a button carried, and records a
``PromoEntered`` only for what it returns; every later step trusts the code.
It looks at the length first, so a 10 kB message costs nothing.

Each code is its own stream, ``promo:<CODE>``, with one writer.

Example::

    assert normalise_code("  spring-25 ") == "SPRING-25"
    assert normalise_code("весна") is None and normalise_code("x" * 10_000) is None
    assert promo_stream("SPRING-25") == "promo:SPRING-25"
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["CODE_MAX", "CODE_MIN", "STREAM_PREFIX", "normalise_code", "promo_stream"]

CODE_MIN: Final = 3
CODE_MAX: Final = 32

STREAM_PREFIX: Final = "promo:"
"""Every promo stream's name starts so: ``promo:<CODE>``, one per code."""

_CODE = re.compile(rf"[A-Z0-9_-]{{{CODE_MIN},{CODE_MAX}}}")
_SLACK: Final = 32
"""Whitespace around a code that is still tolerated (a user's stray spaces); anything longer is refused unread."""


def normalise_code(text: str) -> str | None:
    """``text`` as a promo code (stripped, upper case), or None when it cannot be one.

    Only ASCII is looked at: ``"ı".upper()`` is ``"I"`` and ``"ß".upper()`` is
    ``"SS"``, so upper-casing other scripts could turn a code into another.
    """
    if len(text) > CODE_MAX + _SLACK or not text.isascii():
        return None
    code = text.strip().upper()
    return code if _CODE.fullmatch(code) else None


def promo_stream(code: str) -> str:
    """The stream whose fold is the promo ``code`` (a normalised code)."""
    return f"{STREAM_PREFIX}{code}"
