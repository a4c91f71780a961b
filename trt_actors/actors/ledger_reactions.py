"""How money moves between the sessions and the ledger: three durable reactions, no call in between.

A session never asks the ledger anything and never reads a balance on the
side. It records what its user wants; the ledger reacts; the session reacts
to what the ledger recorded. Each direction is a
:class:`~trt_actors.runtime.Reactor` (a durable checkpoint, command ids
derived from event ids, so a redelivery is a no-op):

* :class:`LedgerRequests` (lanes: users) turns session events into ledger
  commands: ``GenerationRequested`` → ``Reserve`` (the hold id is the
  confirmation id, so a double tap or a redelivered update holds once),
  ``TopUpPaid`` → ``Credit`` (keyed by Telegram's charge id), and, when
  ``WELCOME_CREDITS`` is set, ``SessionStarted`` → the welcome ``Credit``.
* :class:`LedgerReports` (lanes: chats) hands every ledger event that moved
  credits to the chat's session as ``LedgerReported``; the session records
  the balance it will show (``BalanceSeen``) and answers the user.
* :class:`HoldExpiry` voids holds past their expiry: every ``interval``
  seconds it lists the open holds (an index, not the log) and sends each
  owner whose hold expired an ``Expire`` carrying the clock reading, so the
  void and the time it was decided at are both recorded.

Example::

    async with Ledger.open(log) as ledger:
        root.start("ledger-requests", LedgerRequests(log, ledger, welcome_credits=0).run)
        root.start("ledger-reports", LedgerReports(log, sessions.run).run)
        root.start("hold-expiry", HoldExpiry(log, ledger).run)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Hashable, Sequence

import trio

from eventlog import EventStore, RecordedEvent
from trt_actors.actors.ledger import Ledger
from trt_actors.events import Event
from trt_actors.events.ledger import (
    Credited,
    Debited,
    FreeGranted,
    HoldCaptured,
    HoldPlaced,
    HoldRejected,
    HoldVoided,
    RefundCompleted,
    RefundFailed,
    RefundRejected,
    RefundReserved,
)
from trt_actors.events.session import GenerationRequested, SessionStarted, TopUpPaid
from trt_actors.ledger import STREAM_PREFIX, Credit, Expire, LedgerCommand, Reserve
from trt_actors.runtime import CommandMeta, Executed, Reactor, ReactorStatistics, reaction_id
from trt_actors.session.commands import LedgerReported

__all__ = ["HOLD_ITEM_PREFIX", "HoldExpiry", "LedgerReports", "LedgerRequests", "ledger_request_for",
           "welcome_credit_id"]

log = logging.getLogger(__name__)

HOLD_ITEM_PREFIX = "hold:"
"""Open items of pending holds are named ``hold:<hold_id>`` (see ``HoldPlaced.opened_item``)."""

SessionRun = Callable[[LedgerReported, CommandMeta], Awaitable[Executed]]


def welcome_credit_id(user_id: int) -> str:
    """The one welcome grant a user can ever get."""
    return f"welcome:{user_id}"


def _meta(recorded: RecordedEvent) -> CommandMeta:
    return CommandMeta(
        command_id=reaction_id(recorded),
        cid=recorded.cid,
        ts=recorded.ts,
        causation=recorded.event_id,
        chat_id=recorded.chat_id,
        user_id=recorded.user_id,
    )


def _user_lane(recorded: RecordedEvent) -> Hashable:
    return recorded.user_id


class LedgerRequests:
    """Session events → ledger commands (see the module docstring)."""

    def __init__(self, log: EventStore, ledger: Ledger, *, welcome_credits: int = 0, workers: int = 16) -> None:
        self._ledger = ledger
        self._welcome = welcome_credits
        types = [GenerationRequested.type_name(), TopUpPaid.type_name()]
        if welcome_credits > 0:
            types.append(SessionStarted.type_name())
        self.reactor = Reactor(
            "ledger-requests",
            log,
            types=types,
            handle=self._handle,
            key=_user_lane,
            select=lambda recorded: recorded.user_id is not None,
            workers=workers,
            max_attempts=None,  # a paid top-up or a confirmed order is never given up on: it waits for the ledger
        )

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        await self.reactor.run(task_status=task_status)

    def command_for(self, recorded: RecordedEvent) -> LedgerCommand | None:
        """The ledger command ``recorded`` asks for (pure: a function of the recorded event alone)."""
        return ledger_request_for(recorded, self._welcome)

    async def _handle(self, lane: Hashable, events: Sequence[RecordedEvent]) -> None:
        for recorded in events:
            command = self.command_for(recorded)
            if command is not None:
                await self._ledger.run(command, _meta(recorded))

    def statistics(self) -> ReactorStatistics:
        return self.reactor.statistics()


def ledger_request_for(recorded: RecordedEvent, welcome_credits: int) -> LedgerCommand | None:
    """The ledger command a session event asks for: a hold for an order, a top-up's credit, the welcome credit
    (when ``welcome_credits`` is above 0); None for any other event. ``replay`` builds the same."""
    user = recorded.user_id
    if user is None:
        return None
    match recorded.event:
        case GenerationRequested(confirmation_id=hold_id, credits=amount, quote=quote, expires_at=expires_at,
                                 free_day=free_day, free_per_day=free_per_day):
            return Reserve(user_id=user, hold_id=hold_id, amount=amount, quote=quote, expires_at=expires_at,
                           free_day=free_day, free_per_day=free_per_day)
        case TopUpPaid(topup_id=topup_id, charge_id=charge_id, stars=stars, credits=amount):
            return Credit(user_id=user, credit_id=f"topup:{topup_id}", amount=amount, reason="topup",
                          source=f"{stars} Stars", charge_id=charge_id, stars=stars)
        case SessionStarted() if welcome_credits > 0:
            return Credit(user_id=user, credit_id=welcome_credit_id(user), amount=welcome_credits,
                          reason="welcome", source="WELCOME_CREDITS")
    return None


_REPORTED: tuple[type[Event], ...] = (
    HoldPlaced, HoldRejected, HoldCaptured, HoldVoided, Credited, Debited, FreeGranted,
    RefundReserved, RefundRejected, RefundCompleted, RefundFailed,
)


def report_of(recorded: RecordedEvent) -> LedgerReported | None:
    """What the chat's session hears of a ledger event; None for events it does not hear of."""
    chat, user = recorded.chat_id, recorded.user_id
    if chat is None or user is None:
        return None

    def reported(operation_id: str, amount: int, available: int, held: int, *,
                 reason: str = "", model_id: str = "", stars: int = 0) -> LedgerReported:
        return LedgerReported(chat_id=chat, user_id=user, cid=recorded.cid, update_id=0, ts=recorded.ts,
                              event=recorded.type, operation_id=operation_id, amount=amount, available=available,
                              held=held, reason=reason, model_id=model_id, stars=stars)

    match recorded.event:
        case HoldPlaced(hold_id=op, amount=amount, quote=quote, available=available, held=held):
            return reported(op, amount, available, held, model_id=quote.model_id)
        case HoldRejected(hold_id=op, amount=amount, reason=reason, available=available, held=held):
            return reported(op, amount, available, held, reason=reason)
        case HoldCaptured(hold_id=op, captured=amount, available=available, held=held):
            return reported(op, amount, available, held)
        case HoldVoided(hold_id=op, amount=amount, reason=reason, available=available, held=held):
            return reported(op, amount, available, held, reason=reason)
        case Credited(credit_id=op, amount=amount, reason=reason, stars=stars, available=available, held=held):
            return reported(op, amount, available, held, reason=reason, stars=stars)
        case Debited(debit_id=op, amount=amount, reason=reason, available=available, held=held):
            return reported(op, amount, available, held, reason=reason)
        case FreeGranted(grant_id=op, count=count, reason=reason, available=available, held=held):
            return reported(op, count, available, held, reason=reason)
        case RefundReserved(refund_id=op, amount=amount, available=available, held=held):
            return reported(op, amount, available, held)
        case RefundCompleted(refund_id=op, amount=amount, available=available, held=held):
            return reported(op, amount, available, held)
        case RefundRejected(refund_id=op, amount=amount, reason=reason, available=available, held=held):
            return reported(op, amount, available, held, reason=reason)
        case RefundFailed(refund_id=op, amount=amount, error=error, available=available, held=held):
            return reported(op, amount, available, held, reason=error[:200])
    return None


class LedgerReports:
    """Ledger events → ``LedgerReported`` for the chat's session (see the module docstring)."""

    def __init__(self, log: EventStore, run_session: SessionRun, *, workers: int = 16) -> None:
        self._run = run_session
        self.reactor = Reactor(
            "ledger-reports",
            log,
            types=[kind.type_name() for kind in _REPORTED],
            handle=self._handle,
            key=lambda recorded: recorded.chat_id,
            select=lambda recorded: recorded.chat_id is not None and recorded.user_id is not None,
            workers=workers,
        )

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        await self.reactor.run(task_status=task_status)

    async def _handle(self, lane: Hashable, events: Sequence[RecordedEvent]) -> None:
        for recorded in events:
            command = report_of(recorded)
            if command is not None:
                await self._run(command, _meta(recorded))

    def statistics(self) -> ReactorStatistics:
        return self.reactor.statistics()


class HoldExpiry:
    """Voids expired holds: ``Expire(now)`` for each user with an open hold past its expiry."""

    def __init__(
        self, log: EventStore, ledger: Ledger, *, interval: float = 30.0, clock: Callable[[], float] = time.time
    ) -> None:
        self._log = log
        self._ledger = ledger
        self._interval = interval
        self._clock = clock
        self.expired = 0

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        task_status.started()
        while True:
            await self.sweep()
            await trio.sleep(self._interval)

    async def sweep(self) -> int:
        """Expire what is due now; the number of users sent an ``Expire``."""
        users = sorted({int(item.stream.removeprefix(STREAM_PREFIX))
                        for item in await self._log.open_items(HOLD_ITEM_PREFIX)
                        if item.stream.startswith(STREAM_PREFIX)})
        sent = 0
        for user in users:
            now = self._clock()
            state = await self._ledger.state(user)
            if not any(hold.expires_at <= now for hold in state.pending().values()):
                continue
            meta = CommandMeta(command_id=f"expire:{user}:{now:.6f}", cid=f"expiry:{user}:{now:.0f}", ts=now,
                               causation=None, chat_id=user, user_id=user)
            await self._ledger.run(Expire(user_id=user, now=now), meta)
            sent += 1
        self.expired += sent
        return sent
