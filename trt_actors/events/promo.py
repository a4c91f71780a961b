"""Events of promo codes: an admin creates a code worth some credits, users redeem it once each.

Two places record them:

* a user's **session**, in its chat stream ``chat:<chat_id>``, records
  ``PromoEntered`` when the user types ``/promo CODE`` or taps a code's
  button: the request, with the code already normalised and validated
  (:func:`trt_actors.promo.normalise_code`). Nothing else is decided there;
* the promo's own decider, in the stream ``promo:<CODE>`` (one writer per
  code), records what became of a creation and of every redemption:
  ``PromoCreated`` or ``PromoCreateRefused``; ``PromoRedeemed`` or
  ``PromoRefused``.

A ``PromoRedeemed`` moves no credit by itself: a durable reactor asks the
ledger for a ``Credit`` of its ``credits`` (reason ``promo``), caused by it,
and the audit ties the two together.

Refusals are facts, recorded so that the user (and an auditor) hears why and
nothing moves; each ``reason`` is a stable code listed on its event. Every
input is a field: the clock reading that decided an expiry is the command's
``now``, which the reactor takes from the recorded request.
"""

from __future__ import annotations

from typing import TypeAlias, get_args

from trt_actors.events.base import Event

__all__ = [
    "PROMO_EVENTS",
    "PromoCreateRefused",
    "PromoCreated",
    "PromoEntered",
    "PromoEvent",
    "PromoRedeemed",
    "PromoRefused",
]


class PromoEntered(Event, frozen=True):
    """The user asked to redeem ``code`` (``/promo CODE`` or a button), recorded by their session.

    ``code`` is normalised and valid (upper case, ``[A-Z0-9_-]{3,32}``); input
    that is not never becomes this event. The envelope's ``user_id`` is who
    redeems, its ``ts`` the moment that decides an expiry.
    """

    code: str


class PromoCreated(Event, frozen=True):
    """Admin ``admin_id`` created ``code``: each of up to ``max_uses`` users may redeem it once for ``credits``
    credits, until ``expires_at`` (a Unix time; from that moment on it is expired)."""

    code: str
    credits: int
    expires_at: float
    max_uses: int
    admin_id: int


class PromoCreateRefused(Event, frozen=True):
    """Admin ``admin_id``'s creation of ``code`` did nothing: ``exists`` (the code was created before),
    ``bad_credits`` (not 1 to ``MAX_PROMO_CREDITS``), ``bad_max_uses`` (not 1 to ``MAX_PROMO_USES``) or
    ``bad_expiry`` (not after the moment of the creation)."""

    code: str
    admin_id: int
    reason: str


class PromoRedeemed(Event, frozen=True):
    """``user_id`` redeemed ``code`` for ``credits`` credits; ``redemption`` is its ordinal (1 to ``max_uses``).

    The ledger credits them as ``promo:<code>:<user_id>``, caused by this event.
    """

    code: str
    user_id: int
    credits: int
    redemption: int


class PromoRefused(Event, frozen=True):
    """``user_id``'s redemption of ``code`` did nothing: ``unknown`` (no such code), ``expired``, ``used_up``
    (all of its uses are taken) or ``already_redeemed`` (by this user, before)."""

    code: str
    user_id: int
    reason: str


PromoEvent: TypeAlias = PromoCreated | PromoCreateRefused | PromoRedeemed | PromoRefused
"""Any event of a ``promo:<CODE>`` stream. Works with ``isinstance``."""

PROMO_EVENTS: tuple[type[Event], ...] = (PromoEntered, *get_args(PromoEvent))
"""Every promo event type; registered in :data:`trt_actors.events.ALL_EVENTS`."""
