"""The broadcasts actor: starts a broadcast, queues one copy per recipient for the outbox, and records its end.

:meth:`Broadcasts.start` checks the text (Telegram HTML, see
:func:`~trt_actors.broadcast.html_problem`) and refuses a bad one with
:class:`BroadcastRefused`, recording nothing. Otherwise it takes the
recipients (:func:`~trt_actors.broadcast.recipients.recipients`) and records
``BroadcastStarted`` naming the admin. Only then (persist, then act) does the
running actor conduct it:

1. **queue**: append ``BroadcastQueued`` for the recipients not queued yet,
   ``batch`` at a time, in the recorded order. The event ids
   (``broadcast:<id>:<user_id>``) make a repeated append a no-op, and what is
   queued is read back from the broadcast's stream after a restart, so no
   recipient is ever queued twice;
2. **count**: follow the outbox's outcomes (``DispatchOk``/``DispatchFailed``)
   from the start's position on, folding them into a
   :class:`~trt_actors.broadcast.Tally`;
3. **finish**: once every copy has a final outcome, append
   ``BroadcastFinished`` with the counts (event id ``broadcast:<id>:finished``),
   which closes the broadcast's open item.

The outbox sends the copies within the global and per-chat budgets (see
:mod:`trt_actors.actors.outbox`). A restart resumes every broadcast whose item
is open: steps 1 to 3 start again from what the log holds.

:meth:`Broadcasts.progress` answers at any moment with a frozen
:class:`~trt_actors.broadcast.BroadcastProgress`: from the running fold while
the broadcast is conducted here, otherwise folded from the log.

Example::

    broadcasts = Broadcasts(log)
    root.start("broadcasts", broadcasts.run)
    try:
        await broadcasts.start("b-2026-07-01", admin_id=7, text="<b>New models!</b>", ts=now, cid=cid)
    except BroadcastRefused as refusal:
        reply(str(refusal))      # "the end tag </i> at character 9 does not match <b> ..."
    progress = await broadcasts.progress("b-2026-07-01")
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Sequence
from typing import ClassVar

import msgspec
import trio

from eventlog import EventLogError, EventStore, NewEvent, Position, RecordedEvent
from trt_actors.broadcast import BroadcastProgress, Tally, html_problem
from trt_actors.broadcast.recipients import recipients
from trt_actors.events import DispatchFailed, DispatchOk
from trt_actors.events.broadcast import (
    BroadcastQueued,
    BroadcastStarted,
    broadcast_dispatch_id,
    broadcast_stream,
)

__all__ = ["BroadcastRefused", "Broadcasts", "BroadcastsStatistics", "read_progress"]

log = logging.getLogger(__name__)

_OUTCOMES = (DispatchOk.type_name(), DispatchFailed.type_name())
_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_PAGE = 1_000


class BroadcastRefused(ValueError):
    """:meth:`Broadcasts.start` refused the broadcast; the message says why and what to do. Nothing was recorded."""


class BroadcastsStatistics(msgspec.Struct, frozen=True):
    """``under_way``: broadcasts conducted here now; ``queued``/``finished``: appended by this instance."""

    COUNTERS: ClassVar[frozenset[str]] = frozenset({"queued", "finished"})

    running: bool
    under_way: int
    queued: int
    finished: int


class Broadcasts:
    """Starts broadcasts and conducts them to their end (see the module docstring).

    ``batch``: copies queued per append. ``clock`` stamps the envelopes of the
    events it appends (the start's ``ts`` is the caller's).
    """

    def __init__(self, log: EventStore, *, batch: int = 200, clock: Callable[[], float] = time.time) -> None:
        if batch < 1:
            raise ValueError("batch must be at least 1")
        self._log = log
        self._batch = batch
        self._clock = clock
        self._nursery: trio.Nursery | None = None
        self._conducting: set[str] = set()
        self._tallies: dict[str, Tally] = {}  # of the broadcasts conducted here, once caught up with the log
        self.queued = self.finished = 0

    @property
    def running(self) -> bool:
        return self._nursery is not None

    # -- starting --------------------------------------------------------------------

    async def start(
        self,
        broadcast_id: str,
        admin_id: int,
        text: str,
        ts: float,
        *,
        cid: str | None = None,
        causation: str | None = None,
    ) -> BroadcastProgress:
        """Record the start of a broadcast of ``text`` (Telegram HTML) by ``admin_id`` to every user.

        Raises :class:`BroadcastRefused` (recording nothing) for an invalid id or
        text. The same call again (same id, admin and text) is a no-op that
        answers the progress; another broadcast under a used id is refused.
        ``cid``/``causation``: the admin's update that asked for it (default cid:
        the broadcast's stream).
        """
        if not _ID.fullmatch(broadcast_id):
            raise BroadcastRefused(
                f"the broadcast id {broadcast_id!r} is not 1-64 letters, digits, '_' or '-': pick another"
            )
        problem = html_problem(text)
        if problem is not None:
            raise BroadcastRefused(f"the broadcast was not sent: {problem}")
        stream = broadcast_stream(broadcast_id)
        started = BroadcastStarted(
            broadcast_id=broadcast_id, admin_id=admin_id, text=text, recipients=await recipients(self._log)
        )
        new = NewEvent(
            event_id=f"{stream}:started", stream=stream, event=started, cid=cid or stream, ts=ts,
            causation=causation, user_id=admin_id, opens=stream,
        )
        [position] = await self._log.append([new])
        [recorded] = await self._log.read_stream(stream, 1, 1)
        earlier = recorded.event
        if position.duplicate:
            if not isinstance(earlier, BroadcastStarted) or (earlier.admin_id, earlier.text) != (admin_id, text):
                raise BroadcastRefused(f"the broadcast id {broadcast_id!r} is taken by another broadcast: pick another")
        else:
            self._launch(recorded)
        progress = await self.progress(broadcast_id)
        assert progress is not None
        return progress

    def _launch(self, recorded: RecordedEvent) -> None:
        """Conduct a recorded start here, unless it is already conducted or the actor is not running
        (then :meth:`run` resumes it from its open item)."""
        started = recorded.event
        assert isinstance(started, BroadcastStarted)
        if self._nursery is not None and started.broadcast_id not in self._conducting:
            self._conducting.add(started.broadcast_id)
            self._nursery.start_soon(self._conduct, recorded, name=f"broadcast:{started.broadcast_id}")

    # -- running ---------------------------------------------------------------------

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Conduct broadcasts until cancelled, resuming those under way; ``started()`` once they are resumed."""
        try:
            async with trio.open_nursery() as nursery:
                self._nursery = nursery
                for item in await self._log.open_items("broadcast:"):
                    [recorded] = await self._log.read_stream(item.stream, 1, 1)
                    if isinstance(recorded.event, BroadcastStarted):
                        self._launch(recorded)
                task_status.started()
                # A broadcast an admin started through another instance's desk (several instances share the
                # chats) is conducted here too: every start is followed, and one still open is launched.
                async for recorded in self._log.subscribe(types=(BroadcastStarted.type_name(),)):
                    started = recorded.event
                    if (isinstance(started, BroadcastStarted) and started.broadcast_id not in self._conducting
                            and any(item.item == recorded.stream for item in await self._log.open_items(recorded.stream))):
                        self._launch(recorded)
                await trio.sleep_forever()
        finally:
            self._nursery = None
            self._conducting, self._tallies = set(), {}

    async def _conduct(self, recorded: RecordedEvent) -> None:
        started = recorded.event
        assert isinstance(started, BroadcastStarted)
        tally = Tally(started, started_at=recorded.ts)
        try:
            await _fold_stream(self._log, recorded.stream, tally)
            if tally.finished is None:
                seq = await _fold_outcomes(self._log, recorded.seq + 1, tally)
                self._tallies[tally.broadcast_id] = tally
                async with trio.open_nursery() as nursery:
                    nursery.start_soon(self._queue, recorded, tally)
                    await _follow_outcomes(self._log, seq, tally)
                await self._finish(recorded, tally)
        finally:
            self._tallies.pop(tally.broadcast_id, None)
            self._conducting.discard(tally.broadcast_id)

    async def _queue(self, recorded: RecordedEvent, tally: Tally) -> None:
        """Queue the copies not queued yet, ``batch`` at a time."""
        while batch := tally.unqueued(self._batch):
            now = self._clock()
            events = [
                NewEvent(
                    event_id=broadcast_dispatch_id(tally.broadcast_id, user),
                    stream=recorded.stream,
                    event=BroadcastQueued(broadcast_id=tally.broadcast_id, recipient=user),
                    cid=recorded.cid,
                    ts=now,
                    causation=recorded.event_id,
                    chat_id=user,
                    user_id=user,
                )
                for user in batch
            ]
            positions = await self._append(events)
            for new, position in zip(events, positions):
                # seq 0: a repeated append whose earlier form did not hold this event; it is queued next round.
                if position.seq:
                    tally.apply(new.event)
            self.queued += sum(not p.duplicate for p in positions)

    async def _finish(self, recorded: RecordedEvent, tally: Tally) -> None:
        finished = tally.finish()
        if finished is None:
            return  # the log closed before every copy ended: the next run resumes
        new = NewEvent(
            event_id=f"{recorded.stream}:finished", stream=recorded.stream, event=finished, cid=recorded.cid,
            ts=self._clock(), causation=recorded.event_id, user_id=tally.started.admin_id, closes=recorded.stream,
        )
        await self._append([new])
        tally.apply(finished)
        self.finished += 1
        log.info(
            "broadcast %s finished: %d delivered, %d unreachable, %d failed of %d",
            tally.broadcast_id, finished.delivered, finished.unreachable, finished.failed, finished.recipients,
        )

    async def _append(self, events: Sequence[NewEvent]) -> list[Position]:
        for attempt in range(3):
            try:
                return await self._log.append(events)
            except EventLogError:
                if attempt == 2:
                    raise  # the supervisor restarts the actor, which resumes from the log
                await trio.sleep(0.5 * (attempt + 1))
        raise AssertionError("unreachable")

    # -- observing -------------------------------------------------------------------

    async def progress(self, broadcast_id: str) -> BroadcastProgress | None:
        """Where broadcast ``broadcast_id`` stands; ``None`` if it was never started."""
        tally = self._tallies.get(broadcast_id)
        if tally is not None:
            return tally.progress()
        return await read_progress(self._log, broadcast_id)

    def statistics(self) -> BroadcastsStatistics:
        return BroadcastsStatistics(
            running=self.running, under_way=len(self._tallies), queued=self.queued, finished=self.finished
        )


async def read_progress(log: EventStore, broadcast_id: str) -> BroadcastProgress | None:
    """A broadcast's progress folded from the log alone (its stream, then the outbox's outcomes since its start)."""
    stream = broadcast_stream(broadcast_id)
    first = await log.read_stream(stream, 1, 1)
    if not first or not isinstance(first[0].event, BroadcastStarted):
        return None
    tally = Tally(first[0].event, started_at=first[0].ts)
    last = await log.read_stream(stream, await log.stream_version(stream), 1)
    if last and tally.apply(last[0].event) and tally.finished is not None:
        return tally.progress()  # finished: its counts are recorded
    await _fold_stream(log, stream, tally)
    await _fold_outcomes(log, first[0].seq + 1, tally)
    return tally.progress()


async def _fold_stream(log: EventStore, stream: str, tally: Tally) -> None:
    version = 2
    while page := await log.read_stream(stream, version, _PAGE):
        for recorded in page:
            tally.apply(recorded.event)
        version = page[-1].version + 1


async def _fold_outcomes(log: EventStore, from_seq: int, tally: Tally) -> int:
    """Fold the outbox's outcomes that the log holds from ``from_seq`` on; the position after them."""
    seq = from_seq
    while page := await log.read_from(seq, _PAGE, types=_OUTCOMES):
        for recorded in page:
            tally.apply(recorded.event)
        seq = page[-1].seq + 1
    return seq


async def _follow_outcomes(log: EventStore, from_seq: int, tally: Tally) -> None:
    """Fold the outbox's outcomes from ``from_seq`` on as they are committed, until every copy ended
    (or the log closed)."""
    if tally.complete:
        return
    async for recorded in log.subscribe(from_seq, types=_OUTCOMES):
        if tally.apply(recorded.event) and tally.complete:
            return
