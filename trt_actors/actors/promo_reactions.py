"""How a promo request becomes credits: two durable reactions, no call in between.

A session never asks the promo codes anything. It records what its user
typed or tapped (``PromoEntered``, only for a code that
:func:`~trt_actors.promo.normalise_code` accepted); the code decides; the
ledger credits what was decided. Each step is a
:class:`~trt_actors.runtime.Reactor` (a durable checkpoint, command ids
derived from event ids, so a redelivery is a no-op):

* :class:`PromoRedemptions` (lanes: users) turns ``PromoEntered`` into
  :class:`~trt_actors.promo.Redeem` on the code's stream ``promo:<CODE>``,
  for the request's user, at the request's recorded time (``now`` is its
  ``ts``: the expiry is decided on a recorded clock reading);
* :class:`PromoCredits` (lanes: users) turns each ``PromoRedeemed`` into a
  ledger ``Credit`` of its own id, ``promo:<CODE>:<user_id>`` (reason
  ``promo``), caused by the redemption. A user redeems a code once, so the
  credit id is unique, and a redelivered redemption is credited once.

* :class:`PromoReports` (lanes: users) tells the user's session what became
  of the code (``PromoReported``, built by :func:`promo_report_for` from
  :func:`~trt_actors.promo.promo_outcome_for`): a refusal is said there; a
  redemption is said by the ledger's credit.

Each of these functions is pure (a function of the recorded event alone), so
``replay`` rebuilds the same commands and answers.

Example::

    async with Promos.open(log) as promos, Ledger.open(log) as ledger:
        root.start("promo-redemptions", PromoRedemptions(log, promos).run)
        root.start("promo-credits", PromoCredits(log, ledger).run)
        root.start("promo-reports", PromoReports(log, sessions.run).run)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence


from eventlog import EventStore, RecordedEvent
from trt_actors.actors.ledger import Ledger
from trt_actors.actors.promos import Promos
from trt_actors.events.promo import PromoEntered, PromoRedeemed
from trt_actors.ledger import Credit
from trt_actors.promo import (
    STREAM_PREFIX,
    PromoOutcome,
    Redeem,
    normalise_code,
    promo_outcome_for,
)
from trt_actors.promo.outcome import OUTCOME_EVENTS
from trt_actors.runtime import CommandMeta, Executed, Reactor
from trt_actors.runtime.reactor import Reacting, reaction_meta
from trt_actors.session.commands import PromoReported

__all__ = [
    "PromoCredits",
    "PromoOutcome",
    "PromoRedemptions",
    "PromoReports",
    "promo_credit_for",
    "promo_credit_id",
    "promo_outcome_for",
    "promo_report_for",
    "redemption_for",
]


def promo_credit_id(code: str, user_id: int) -> str:
    """The one credit ``user_id`` can ever get from ``code``."""
    return f"promo:{code}:{user_id}"


def redemption_for(recorded: RecordedEvent) -> Redeem | None:
    """The redemption a session's ``PromoEntered`` asks for, at its recorded time; None for any other event
    (or for a request without a user or with a code that is not normalised, which a session never records)."""
    event, user = recorded.event, recorded.user_id
    if not isinstance(event, PromoEntered) or user is None or user <= 0 or normalise_code(event.code) != event.code:
        return None
    return Redeem(code=event.code, user_id=user, now=recorded.ts)


def promo_credit_for(recorded: RecordedEvent) -> Credit | None:
    """The ledger credit a ``PromoRedeemed`` asks for; None for any other event."""
    match recorded.event:
        case PromoRedeemed(code=code, user_id=user, credits=credits):
            return Credit(user_id=user, credit_id=promo_credit_id(code, user), amount=credits, reason="promo",
                          source=f"promo code {code}")
    return None


class PromoRedemptions(Reacting):
    """``PromoEntered`` → ``Redeem`` on the code's stream (see the module docstring)."""

    def __init__(self, log: EventStore, promos: Promos, *, workers: int = 8) -> None:
        self._promos = promos
        self.reactor = Reactor(
            "promo-redemptions",
            log,
            types=[PromoEntered.type_name()],
            handle=self._handle,
            key=lambda recorded: recorded.user_id,
            select=lambda recorded: recorded.user_id is not None,
            workers=workers,
            max_attempts=None,  # a user's request is answered, however long the log takes
        )

    async def _handle(self, lane: Hashable, events: Sequence[RecordedEvent]) -> None:
        for recorded in events:
            command = redemption_for(recorded)
            if command is not None:
                await self._promos.run(command, reaction_meta(recorded, user_id=command.user_id))


class PromoCredits(Reacting):
    """``PromoRedeemed`` → the ledger's ``Credit`` (see the module docstring)."""

    def __init__(self, log: EventStore, ledger: Ledger, *, workers: int = 8) -> None:
        self._ledger = ledger
        self.reactor = Reactor(
            "promo-credits",
            log,
            types=[PromoRedeemed.type_name()],
            handle=self._handle,
            key=_redeemer,
            select=lambda recorded: recorded.stream.startswith(STREAM_PREFIX),
            workers=workers,
            max_attempts=None,  # a redemption is money owed: it waits for the ledger
        )

    async def _handle(self, lane: Hashable, events: Sequence[RecordedEvent]) -> None:
        for recorded in events:
            credit = promo_credit_for(recorded)
            if credit is not None:
                await self._ledger.run(credit, reaction_meta(recorded, user_id=credit.user_id))


def promo_report_for(recorded: RecordedEvent) -> PromoReported | None:
    """What the user's session hears of a promo decision (``PromoRedeemed`` or ``PromoRefused``); None otherwise."""
    outcome = promo_outcome_for(recorded)
    if outcome is None:
        return None
    chat = recorded.chat_id if recorded.chat_id is not None else outcome.user_id
    return PromoReported(chat_id=chat, user_id=outcome.user_id, cid=recorded.cid, update_id=0, ts=recorded.ts,
                         code=outcome.code, outcome=outcome.outcome, operation_id=recorded.event_id,
                         reason=outcome.reason, credits=outcome.credits)


class PromoReports(Reacting):
    """``PromoRedeemed`` / ``PromoRefused`` → ``PromoReported`` for the user's session."""

    def __init__(self, log: EventStore, run_session: Callable[[PromoReported, CommandMeta], Awaitable[Executed]], *,
                 workers: int = 8) -> None:
        self._run = run_session
        self.reactor = Reactor(
            "promo-reports",
            log,
            types=[kind.type_name() for kind in OUTCOME_EVENTS],
            handle=self._handle,
            key=_redeemer,
            select=lambda recorded: recorded.stream.startswith(STREAM_PREFIX),
            workers=workers,
            max_attempts=None,  # a user who asked is always answered
        )

    async def _handle(self, lane: Hashable, events: Sequence[RecordedEvent]) -> None:
        for recorded in events:
            command = promo_report_for(recorded)
            if command is not None:
                await self._run(command, reaction_meta(recorded, chat_id=command.chat_id, user_id=command.user_id))


def _redeemer(recorded: RecordedEvent) -> Hashable:
    event = recorded.event
    return event.user_id if isinstance(event, PromoRedeemed) else recorded.user_id
