"""The runtime's own record in the event log: crashes, restarts and escalations, on stream ``system``.

Each event's ``cid`` is ``actor:<name>`` so that ``trace actor:<name>`` shows an
actor's whole history. Event ids are ``system:<run>:<n>``: ``run`` names this
journal (one per process start, random unless given) and ``n`` counts its
records, so ids stay unique across restarts of the process.

A supervisor records every crash it restarts (``ActorCrashed`` with the pause
before the restart), every restart and the escalation that ends it. A region
records a crashed keyed child as ``ActorCrashed`` with ``crashes=1`` and
``restart_in=0``: it is not restarted, the next message for its key rebuilds it.

Recording is best effort: when the log refuses (closed, disk full), the
supervisor must still restart its children; the failure is logged and counted.
A record is not cancelled half-way: shutting down waits for its commit.

Example::

    journal = SystemJournal(log)
    async with Supervisor.open("root", journal=journal) as root:
        ...
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable

import msgspec
import trio

from eventlog import EventLogError, EventStore, NewEvent
from trt_actors.events import ActorCrashed, ActorEscalated, ActorRestarted, Event

__all__ = ["SYSTEM_STREAM", "JournalStatistics", "SystemJournal"]

SYSTEM_STREAM = "system"

logger = logging.getLogger(__name__)


class JournalStatistics(msgspec.Struct, frozen=True):
    run: str
    recorded: int
    failed: int


class SystemJournal:
    def __init__(
        self, store: EventStore, *, run: str | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        self.store = store
        self.run = run or uuid.uuid4().hex[:12]
        self._clock = clock
        self._count = 0
        self._recorded = 0
        self._failed = 0

    async def crashed(self, actor: str, error: BaseException, crashes: int, restart_in: float) -> None:
        await self._record(
            actor,
            ActorCrashed(
                actor=actor,
                error_type=type(error).__name__,
                error=str(error),
                crashes=crashes,
                restart_in=restart_in,
            ),
        )

    async def restarted(self, actor: str, crashes: int) -> None:
        await self._record(actor, ActorRestarted(actor=actor, crashes=crashes))

    async def escalated(self, actor: str, error: BaseException, crashes: int) -> None:
        await self._record(
            actor, ActorEscalated(actor=actor, crashes=crashes, error_type=type(error).__name__, error=str(error))
        )

    async def _record(self, actor: str, event: Event) -> None:
        self._count += 1
        new = NewEvent(
            event_id=f"system:{self.run}:{self._count}",
            stream=SYSTEM_STREAM,
            event=event,
            cid=f"actor:{actor}",
            ts=self._clock(),
        )
        try:
            # Shielded: a crash recorded while the supervisor shuts down is still worth the one commit it costs.
            with trio.CancelScope(shield=True):
                await self.store.append([new])
        except EventLogError as exc:
            self._failed += 1
            logger.warning("could not record %s of %r in the event log: %s", type(event).__name__, actor, exc)
            return
        self._recorded += 1

    def statistics(self) -> JournalStatistics:
        return JournalStatistics(run=self.run, recorded=self._recorded, failed=self._failed)
