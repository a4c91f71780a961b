"""The fold of one broadcast: who is queued, how each copy ended, and when the broadcast is finished.

Pure: :class:`Tally` takes events (the broadcast's own and the outbox's
outcomes) and answers questions; it reads no clock and does no I/O, so the
shell can rebuild it from the log after a restart and get the same answers.
It is kept mutable because it counts one outcome per recipient (a hundred
thousand of them) and copying a frozen set per outcome would cost the square.

How a copy ends (the first final outcome of its dispatch id counts; a later
one, after an at-least-once repeat, changes nothing):

* ``DispatchOk``: **delivered**;
* ``DispatchFailed(final=True, error_code=403)``: **unreachable** (the user
  blocked the bot, or the outbox knew the chat refuses it);
* any other final ``DispatchFailed``: **failed**;
* a ``DispatchFailed`` that is not final (a 429, a 5xx to retry): still pending.

Example::

    tally = Tally(started)
    for recorded in stream_and_outcomes:
        tally.apply(recorded.event)
    batch = tally.unqueued(200)          # who to queue next, in the recorded order
    finished = tally.finish()            # BroadcastFinished once every copy ended, else None
"""

from __future__ import annotations

import enum

import msgspec

from trt_actors.events.base import Event
from trt_actors.events.broadcast import (
    BroadcastFinished,
    BroadcastQueued,
    BroadcastStarted,
    broadcast_dispatch_id,
)
from trt_actors.events.dispatch import DispatchFailed, DispatchOk

__all__ = ["BroadcastProgress", "Outcome", "Tally", "outcome_of"]

BLOCKED = 403
"""Telegram's "Forbidden: bot was blocked by the user" (also "user is deactivated")."""


class Outcome(enum.Enum):
    DELIVERED = "delivered"
    FAILED = "failed"
    UNREACHABLE = "unreachable"


def outcome_of(event: Event) -> Outcome | None:
    """How a dispatch ended, if this outbox event ends it (``None``: not an outcome, or not a final one)."""
    match event:
        case DispatchOk():
            return Outcome.DELIVERED
        case DispatchFailed(final=True, error_code=code):
            return Outcome.UNREACHABLE if code == BLOCKED else Outcome.FAILED
        case _:
            return None


class BroadcastProgress(msgspec.Struct, frozen=True, kw_only=True):
    """Where a broadcast stands. ``delivered + failed + unreachable`` of ``recipients`` have ended;
    ``queued`` have been handed to the outbox; ``done`` once ``BroadcastFinished`` is recorded."""

    broadcast_id: str
    admin_id: int
    started_at: float
    recipients: int
    queued: int
    delivered: int
    failed: int
    unreachable: int
    done: bool

    @property
    def pending(self) -> int:
        """Copies without a final outcome yet."""
        return self.recipients - self.delivered - self.failed - self.unreachable


class Tally:
    """One broadcast, folded from its events (see the module docstring)."""

    def __init__(self, started: BroadcastStarted, *, started_at: float = 0.0) -> None:
        self.started = started
        self.started_at = started_at
        self._recipients = started.recipients
        self._dispatches = {broadcast_dispatch_id(started.broadcast_id, user): user for user in started.recipients}
        self._queued: set[int] = set()
        self._cursor = 0  # every recipient before it is queued
        self._ended: dict[str, Outcome] = {}
        self._counts = dict.fromkeys(Outcome, 0)
        self.finished: BroadcastFinished | None = None

    @property
    def broadcast_id(self) -> str:
        return self.started.broadcast_id

    def apply(self, event: Event) -> bool:
        """Fold one event of this broadcast's stream or of the outbox; whether it changed anything."""
        match event:
            case BroadcastQueued(broadcast_id=bid, recipient=user) if bid == self.broadcast_id:
                if user in self._queued:
                    return False
                self._queued.add(user)
                return True
            case BroadcastFinished(broadcast_id=bid) if bid == self.broadcast_id:
                self.finished = event
                return True
            case DispatchOk(dispatch_id=dispatch) | DispatchFailed(dispatch_id=dispatch):
                outcome = outcome_of(event)
                if outcome is None or dispatch not in self._dispatches or dispatch in self._ended:
                    return False
                self._ended[dispatch] = outcome
                self._counts[outcome] += 1
                return True
            case _:
                return False

    def unqueued(self, limit: int) -> list[int]:
        """Up to ``limit`` recipients not queued yet, in the order ``BroadcastStarted`` recorded them."""
        recipients, queued = self._recipients, self._queued
        while self._cursor < len(recipients) and recipients[self._cursor] in queued:
            self._cursor += 1
        batch: list[int] = []
        for user in recipients[self._cursor :]:
            if len(batch) >= limit:
                break
            if user not in queued:
                batch.append(user)
        return batch

    @property
    def complete(self) -> bool:
        """Every recipient's copy has a final outcome (true at once for a broadcast to nobody)."""
        return len(self._ended) >= len(self._dispatches)

    def finish(self) -> BroadcastFinished | None:
        """The decision to record the end: once every copy ended, and only if it is not recorded yet."""
        if self.finished is not None or not self.complete:
            return None
        return BroadcastFinished(
            broadcast_id=self.broadcast_id,
            recipients=len(self._dispatches),
            delivered=self._counts[Outcome.DELIVERED],
            failed=self._counts[Outcome.FAILED],
            unreachable=self._counts[Outcome.UNREACHABLE],
        )

    def progress(self) -> BroadcastProgress:
        finished = self.finished
        if finished is not None:  # the recorded counts, whatever of the outcomes this fold has seen
            return BroadcastProgress(
                broadcast_id=self.broadcast_id, admin_id=self.started.admin_id, started_at=self.started_at,
                recipients=finished.recipients, queued=finished.recipients, delivered=finished.delivered,
                failed=finished.failed, unreachable=finished.unreachable, done=True,
            )
        return BroadcastProgress(
            broadcast_id=self.broadcast_id,
            admin_id=self.started.admin_id,
            started_at=self.started_at,
            recipients=len(self._dispatches),
            queued=len(self._queued),
            delivered=self._counts[Outcome.DELIVERED],
            failed=self._counts[Outcome.FAILED],
            unreachable=self._counts[Outcome.UNREACHABLE],
            done=False,
        )
