"""Promo codes: an admin creates a code worth some credits; each user may redeem it once.

An admin creates a code with its credits, an expiry and a maximum number of
uses. A user redeems it with ``/promo CODE`` or a button: their session
records ``PromoEntered`` (only for input :func:`normalise_code` accepts: odd
characters or 10 kB of text get a clear answer there and change nothing), a
durable reactor asks the code's stream ``promo:<CODE>`` to :class:`Redeem`
it, and the decision is ``PromoRedeemed`` or ``PromoRefused`` (``unknown``,
``expired``, ``used_up``, ``already_redeemed``). Each redemption then becomes
a ledger ``Credit`` of its own id, ``promo:<CODE>:<user_id>`` (reason
``promo``), caused by the redemption; the audit flags a promo credit that no
redemption of that user and amount caused.

This package is the pure core; the shell is
:class:`trt_actors.actors.promos.Promos` and the reactions are in
:mod:`trt_actors.actors.promo_reactions`; the events are in
:mod:`trt_actors.events.promo`.

Example::

    decider = PromoDecider()
    state = decider.initial_state()
    code = normalise_code(" spring ")                      # "SPRING"
    assert code is not None
    for command in (CreatePromo(code=code, credits=50, expires_at=2e9, max_uses=100, admin_id=1, now=1e9),
                    Redeem(code=code, user_id=42, now=1.5e9)):
        for event in decider.decide(state, command):
            state = decider.evolve(state, event)
    assert (state.uses, state.left) == (1, 99)

Modules: :mod:`.code` (what a code is, its stream), :mod:`.commands`,
:mod:`.state` (the fold), :mod:`.decider` (the rules), :mod:`.outcome` (what
the user hears).
"""

from __future__ import annotations

from trt_actors.promo.code import (
    CODE_MAX,
    CODE_MIN,
    STREAM_PREFIX,
    normalise_code,
    promo_stream,
)
from trt_actors.promo.commands import (
    MAX_PROMO_CREDITS,
    MAX_PROMO_USES,
    CreatePromo,
    PromoCommand,
    Redeem,
)
from trt_actors.promo.decider import CREATE_REFUSALS, REDEEM_REFUSALS, PromoDecider
from trt_actors.promo.outcome import OUTCOME_EVENTS, PromoOutcome, promo_outcome_for
from trt_actors.promo.state import PromoState, evolve

__all__ = [
    "CODE_MAX",
    "CODE_MIN",
    "CREATE_REFUSALS",
    "MAX_PROMO_CREDITS",
    "MAX_PROMO_USES",
    "OUTCOME_EVENTS",
    "REDEEM_REFUSALS",
    "STREAM_PREFIX",
    "CreatePromo",
    "PromoCommand",
    "PromoDecider",
    "PromoOutcome",
    "PromoState",
    "Redeem",
    "evolve",
    "normalise_code",
    "promo_outcome_for",
    "promo_stream",
]
