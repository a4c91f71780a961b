"""The promo decider: what creating and redeeming a code records. Pure: no I/O, no clock.

Two kinds of "no", kept apart as in the ledger:

* a **malformed** command (a code that :func:`~trt_actors.promo.code.normalise_code`
  would not give back unchanged, a user id that is not positive) is a
  caller's bug: :class:`~trt_actors.runtime.decider.CommandRejected` is
  raised and nothing is recorded. Input is checked where it enters;
* a **business outcome** is an event, recorded so the asker hears it:
  ``PromoCreateRefused`` (:data:`CREATE_REFUSALS`) and ``PromoRefused``
  (:data:`REDEEM_REFUSALS`). So every command records exactly one event.

**Redeeming.** Checked in this order: the code exists (``unknown``); the
user has not redeemed it (``already_redeemed``, whatever else is true now,
which is the most useful answer); ``now`` is before ``expires_at``
(``expired``); a use is left (``used_up``). Then ``PromoRedeemed`` with the
next ordinal and the code's credits.

**Idempotency.** A *retried* command (the same command id: a redelivered
request) records nothing: every command records one event, whose id the
shell derives from the command id, and the log refuses a known id, so the
retry is recognised however long after (the shell reads the first outcome
back; see :class:`trt_actors.actors.promos.Promos`). A *new* request of a
user who redeemed (they typed the code again) is a new question and gets
its answer, ``already_redeemed``; no user is ever credited twice, and no code
more than ``max_uses`` times.

Example::

    decider = PromoDecider()
    state = decider.initial_state()
    for command in (CreatePromo(code="SPRING", credits=50, expires_at=2e9, max_uses=1, admin_id=1, now=1e9),
                    Redeem(code="SPRING", user_id=42, now=1e9 + 60)):
        for event in decider.decide(state, command):
            state = decider.evolve(state, event)
    assert state.redeemed == {42: 1}
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from trt_actors.events import Event
from trt_actors.events.promo import (
    PromoCreated,
    PromoCreateRefused,
    PromoRedeemed,
    PromoRefused,
)
from trt_actors.promo.code import normalise_code
from trt_actors.promo.commands import (
    MAX_PROMO_CREDITS,
    MAX_PROMO_USES,
    CreatePromo,
    PromoCommand,
    Redeem,
)
from trt_actors.promo.state import PromoState, evolve
from trt_actors.runtime.decider import CommandRejected

__all__ = ["CREATE_REFUSALS", "REDEEM_REFUSALS", "PromoDecider"]

REDEEM_REFUSALS: Final = ("unknown", "already_redeemed", "expired", "used_up")
"""Every ``PromoRefused.reason``, in the order they are checked."""

CREATE_REFUSALS: Final = ("exists", "bad_credits", "bad_max_uses", "bad_expiry")
"""Every ``PromoCreateRefused.reason``, in the order they are checked."""


def _valid_code(code: str) -> None:
    if normalise_code(code) != code:
        raise CommandRejected(f"{code[:40]!r} is no normalised promo code", reason="bad_code")


def _create(state: PromoState, command: CreatePromo) -> list[Event]:
    _valid_code(command.code)
    if state.created:
        reason = "exists"
    elif not 1 <= command.credits <= MAX_PROMO_CREDITS:
        reason = "bad_credits"
    elif not 1 <= command.max_uses <= MAX_PROMO_USES:
        reason = "bad_max_uses"
    elif not command.expires_at > command.now:  # also refuses NaN
        reason = "bad_expiry"
    else:
        return [PromoCreated(code=command.code, credits=command.credits, expires_at=command.expires_at,
                             max_uses=command.max_uses, admin_id=command.admin_id)]
    return [PromoCreateRefused(code=command.code, admin_id=command.admin_id, reason=reason)]


def _redeem(state: PromoState, command: Redeem) -> list[Event]:
    _valid_code(command.code)
    if command.user_id <= 0:
        raise CommandRejected(f"promo {command.code}: {command.user_id} is no user", reason="bad_user")
    if not state.created:
        reason = "unknown"
    elif command.user_id in state.redeemed:
        reason = "already_redeemed"
    elif state.expired(command.now):
        reason = "expired"
    elif state.uses >= state.max_uses:
        reason = "used_up"
    else:
        return [PromoRedeemed(code=command.code, user_id=command.user_id, credits=state.credits,
                              redemption=state.uses + 1)]
    return [PromoRefused(code=command.code, user_id=command.user_id, reason=reason)]


class PromoDecider:
    """One promo code as a :class:`~trt_actors.runtime.decider.Decider` (see the module docstring)."""

    def initial_state(self) -> PromoState:
        return PromoState()

    def decide(self, state: PromoState, command: PromoCommand) -> Sequence[Event]:
        match command:
            case CreatePromo():
                return _create(state, command)
            case Redeem():
                return _redeem(state, command)

    def evolve(self, state: PromoState, event: Event) -> PromoState:
        return evolve(state, event)
