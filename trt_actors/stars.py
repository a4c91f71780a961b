"""Telegram Stars top-up packages and the invoice payload that names one.

``STARS_PACKAGES`` configures what a user can buy: ``50:100,250:550,1000:2400``
means 50 Stars buy 100 credits, and so on. An invoice's payload names the
top-up and the package (``topup:<stars>:<credits>:<topup_id>``, at most 128
bytes as Telegram allows), so the pre-checkout answer and the payment can be
checked against what was offered, whatever the configuration says by then.
A top-up id names the user it was made for (``u<user_id>-…``): an invoice
forwarded to someone else is refused at pre-checkout, before any Stars move,
rather than paid into a chat that never asked for it.

Example::

    packages = parse_packages("50:100,250:550")
    payload = invoice_payload("t-42", packages[0])        # "topup:50:100:t-42"
    assert parse_payload(payload) == Payload("t-42", 50, 100)
    assert payer_of("u8101-t3f2a9c1b0d") == 8101
"""

from __future__ import annotations

import re
from typing import Final, NamedTuple

__all__ = ["DEFAULT_PACKAGES", "MAX_PAYLOAD", "TOPUP_START", "Payload", "StarsPackage", "invoice_payload", "parse_packages",
           "parse_payload", "payer_of"]

MAX_PAYLOAD: Final = 128
"""Telegram's limit for an invoice payload, in bytes."""

_PAYLOAD = re.compile(r"topup:([1-9][0-9]{0,6}):([1-9][0-9]{0,8}):([A-Za-z0-9_.:/-]{1,96})")
TOPUP_START: Final = "topup"
"""The ``/start`` payload of the link a forwarded invoice shows instead of Pay: it opens the reader's own top-up."""

_PAYER = re.compile(r"u([1-9][0-9]{0,15})-.+")


class StarsPackage(NamedTuple):
    """``stars`` paid for ``credits``."""

    stars: int
    credits: int


DEFAULT_PACKAGES: Final = (StarsPackage(50, 100), StarsPackage(250, 550), StarsPackage(1000, 2400))


class Payload(NamedTuple):
    """What an invoice payload says: the top-up id and the package offered."""

    topup_id: str
    stars: int
    credits: int


def parse_packages(text: str) -> tuple[StarsPackage, ...]:
    """``"50:100,250:550"`` as packages, cheapest first; ValueError with the reason when malformed."""
    packages: dict[int, StarsPackage] = {}
    for item in (part.strip() for part in text.split(",")):
        stars, colon, credits = item.partition(":")
        if not colon or not stars.strip().isdigit() or not credits.strip().isdigit():
            raise ValueError(f"a Stars package is STARS:CREDITS, such as 250:550, not {item!r}")
        package = StarsPackage(int(stars), int(credits))
        if not 1 <= package.stars <= 1_000_000 or not 1 <= package.credits <= 100_000_000:
            raise ValueError(f"a Stars package needs 1 to 1,000,000 Stars and a positive number of credits: {item!r}")
        if package.stars in packages:
            raise ValueError(f"two Stars packages cost {package.stars} Stars")
        packages[package.stars] = package
    if not packages:
        raise ValueError("at least one Stars package is needed")
    return tuple(sorted(packages.values()))


def invoice_payload(topup_id: str, package: StarsPackage) -> str:
    payload = f"topup:{package.stars}:{package.credits}:{topup_id}"
    if _PAYLOAD.fullmatch(payload) is None:
        raise ValueError(f"a top-up id is 1-96 characters of letters, digits and _.:/-, not {topup_id!r}")
    return payload


def parse_payload(payload: str) -> Payload | None:
    """The top-up a payload names, or None when it is not one of ours (forged, or from another bot)."""
    match = _PAYLOAD.fullmatch(payload)
    if match is None:
        return None
    return Payload(match[3], int(match[1]), int(match[2]))


def payer_of(topup_id: str) -> int | None:
    """The user a top-up id was made for (``u<user_id>-…``), or None for an id that names nobody."""
    match = _PAYER.fullmatch(topup_id)
    return None if match is None else int(match[1])
