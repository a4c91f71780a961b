"""The durable reactor: how one actor reacts to another's events without losing or doubling any.

A :class:`Reactor` follows the log from a durable checkpoint, keeps the
events it is interested in (by type, optionally narrowed by ``select``), and
hands them to ``handle`` in **lanes**: one lane per key (a chat, a user, a
job), in log order within a lane, lanes side by side. ``handle`` turns each
event into a command for its target, with a command id derived from the
event's id (so delivering it twice is a no-op), delivers it, and returns only
after the target has **committed** the outcome. Only then is the event done,
and the checkpoint moves past an event only when it and everything before it
is done. A crash anywhere means the events after the checkpoint are handed
over again, and the target's idempotency makes the repeats harmless: reactions
happen at least once, their effects exactly once.

The rules a ``handle`` follows:

1. Derive every command id from the event id (``reaction_id``); never from a
   clock or a counter.
2. Return only after the target committed what the command caused (an
   :func:`~trt_actors.runtime.sourced.execute` that returned, an append that
   returned). Raise if that cannot be known: the reactor retries the lane.
3. Take a batch: ``handle(key, events)`` gets every event waiting in the lane
   (up to ``batch``), so a target can decide and commit them together.

A ``handle`` that keeps failing is retried with backoff ``max_attempts``
times (``None``: for ever, for reactions that move money and must never be
dropped; the stuck lane shows in the statistics and the warnings); then the reactor records :class:`~trt_actors.events.ReactionAbandoned`
(under the event's ``cid``, so ``trace`` shows it), logs it as a bug, and
moves on. If even that record cannot be appended, the reactor raises and its
supervisor restarts it from the checkpoint.

At most ``max_pending`` events wait in memory; past that the reactor stops
reading (the log keeps them), so memory is bounded whatever the backlog.

Example: the ledger reacting to confirmed orders::

    async def reserve(key: Hashable, events: Sequence[RecordedEvent]) -> None:
        for recorded in events:
            order = recorded.event
            meta = CommandMeta(command_id=reaction_id(recorded), cid=recorded.cid, ts=recorded.ts,
                               causation=recorded.event_id, user_id=recorded.user_id)
            await execute(ledger.ref(order.user_id), Reserve(order.hold_id, order.price), meta)

    reactor = Reactor("ledger", log, types=["GenerationRequested"], handle=reserve,
                      key=lambda recorded: recorded.user_id)
    root.start("ledger-reactor", reactor.run)
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Collection, Hashable, Sequence

from typing import ClassVar

import msgspec
import trio

from eventlog import EventLogError, EventStore, NewEvent, RecordedEvent, Subscription
from trt_actors.events import ReactionAbandoned
from trt_actors.runtime.command import CommandMeta
from trt_actors.uncontended import next_item

__all__ = ["Handle", "Reacting", "Reactor", "ReactorStatistics", "reaction_id", "reaction_meta"]

log = logging.getLogger(__name__)
bugs = logging.getLogger("trt_actors.bugs")

Handle = Callable[[Hashable, Sequence[RecordedEvent]], Awaitable[None]]
"""Delivers one lane's events and returns once their outcomes are committed (see the rules above)."""


def reaction_id(recorded: RecordedEvent) -> str:
    """The command id of the reaction to ``recorded``: its event id, so a redelivery is recognised."""
    return recorded.event_id


def reaction_meta(recorded: RecordedEvent, *, chat_id: int | None = None, user_id: int | None = None,
                  part: str = "") -> CommandMeta:
    """The envelope of the command a reaction to ``recorded`` gives: its chain, its time, caused by it, under
    :func:`reaction_id` (``/<part>`` after it when one event asks for several commands); the chat and user are
    the event's unless given."""
    return CommandMeta(
        command_id=f"{reaction_id(recorded)}/{part}" if part else reaction_id(recorded),
        cid=recorded.cid,
        ts=recorded.ts,
        causation=recorded.event_id,
        chat_id=recorded.chat_id if chat_id is None else chat_id,
        user_id=recorded.user_id if user_id is None else user_id,
    )


class ReactorStatistics(msgspec.Struct, frozen=True):
    """``checkpoint``: every event up to this position is done or not ours; ``read_seq``: looked at up to here;
    ``pending`` events are in memory, never more than ``max_pending`` (the rest wait in the log)."""

    COUNTERS: ClassVar[frozenset[str]] = frozenset({"handled", "retries", "abandoned"})

    name: str
    running: bool
    checkpoint: int
    saved_checkpoint: int
    read_seq: int
    pending: int
    max_pending: int
    lanes: int
    busiest_lane: int
    handled: int
    retries: int
    abandoned: int


class _Lane:
    __slots__ = ("busy", "events")

    def __init__(self) -> None:
        self.events: deque[RecordedEvent] = deque()
        self.busy = False


class Reactor:
    """Follows ``types`` of events from a durable checkpoint named ``name`` and hands them to ``handle``.

    ``key`` puts an event in a lane (default: its stream); ``select`` narrows
    the events further (for example by stream prefix). ``workers`` lanes run at
    once.
    """

    def __init__(
        self,
        name: str,
        store: EventStore,
        *,
        types: Collection[str],
        handle: Handle,
        key: Callable[[RecordedEvent], Hashable] = lambda recorded: recorded.stream,
        select: Callable[[RecordedEvent], bool] | None = None,
        workers: int = 32,
        batch: int = 64,
        max_pending: int = 1_000,
        max_attempts: int | None = 8,
        backoff_base: float = 0.2,
        backoff_cap: float = 10.0,
        checkpoint_interval: float = 1.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.name = name
        self._store = store
        self._types = tuple(types)
        self._handle = handle
        self._key = key
        self._select = select
        self._workers = workers
        self._batch = batch
        self._max_pending = max_pending
        self._max_attempts = max_attempts
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._interval = checkpoint_interval
        self._clock = clock
        self._lanes: dict[Hashable, _Lane] = {}
        self._pending: dict[int, None] = {}  # positions read and not done, ascending
        self._room = trio.Event()
        self._ready_send, self._ready_receive = trio.open_memory_channel[Hashable](0)
        self._running = False
        self._subscription: Subscription | None = None
        self._holding: int | None = None  # an event taken from the log, waiting for room
        self._read_seq = 0
        self._saved = 0
        self._handled = self._retries = self._abandoned = 0

    @property
    def running(self) -> bool:
        return self._running

    @property
    def checkpoint(self) -> int:
        """Every matching event at or below this position is done (the events in between are not ours)."""
        for seq in self._pending:
            return seq - 1  # the oldest event not done yet (the one held waiting for room is newer still)
        if self._holding is not None:
            return self._holding - 1
        return self._examined

    @property
    def _examined(self) -> int:
        subscription = self._subscription
        return self._read_seq if subscription is None else max(self._read_seq, subscription.position)

    async def load(self) -> int:
        """The saved checkpoint (0 when this reactor never ran)."""
        return await self._store.load_checkpoint(self._checkpoint_name)

    @property
    def _checkpoint_name(self) -> str:
        return f"reactor:{self.name}"

    # -- running ---------------------------------------------------------------

    async def run(
        self,
        *,
        on_start: Callable[[int], Awaitable[None]] | None = None,
        task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
    ) -> None:
        """React until cancelled. ``on_start(checkpoint)`` runs before the first event is handed over."""
        self._lanes, self._pending, self._subscription, self._holding = {}, {}, None, None
        self._ready_send, self._ready_receive = trio.open_memory_channel[Hashable](self._max_pending + 1)
        self._saved = self._read_seq = await self.load()
        if on_start is not None:
            await on_start(self._saved)
        try:
            async with trio.open_nursery() as nursery:
                for index in range(self._workers):
                    nursery.start_soon(self._work, name=f"reactor:{self.name}:{index}")
                nursery.start_soon(self._keep_checkpoint)
                self._running = True
                task_status.started()
                await self._follow()
        finally:
            self._running = False
            with trio.CancelScope(shield=True):
                await self._save_checkpoint()

    async def _follow(self) -> None:
        self._subscription = self._store.subscribe(self._read_seq + 1, types=self._types)
        async for recorded in self._subscription:
            if self._select is None or self._select(recorded):
                self._holding = recorded.seq
                while len(self._pending) >= self._max_pending:
                    await self._room.wait()
                self._holding = None
                self._pending[recorded.seq] = None
                key = self._key(recorded)
                lane = self._lanes.get(key)
                if lane is None:
                    lane = self._lanes[key] = _Lane()
                lane.events.append(recorded)
                if not lane.busy:
                    lane.busy = True
                    self._ready_send.send_nowait(key)
            self._read_seq = recorded.seq

    async def _work(self) -> None:
        while True:
            try:
                key = await next_item(self._ready_receive)  # no yield when a lane is waiting: the hand-over awaits
            except trio.EndOfChannel:
                return
            lane = self._lanes[key]
            while lane.events:
                taken = [lane.events.popleft() for _ in range(min(self._batch, len(lane.events)))]
                await self._deliver(key, taken)
                for recorded in taken:
                    del self._pending[recorded.seq]
                self._handled += len(taken)
                self._room.set()
                self._room = trio.Event()
            lane.busy = False
            del self._lanes[key]

    async def _deliver(self, key: Hashable, events: list[RecordedEvent]) -> None:
        """Hand ``events`` over until it works; a batch that fails is handed over one event at a time,
        so that only an event that keeps failing is given up (the ones before it are no-ops again)."""
        if len(events) > 1:
            try:
                await self._handle(key, events)
                return
            except Exception as exc:
                self._retries += 1
                self._warn(events, exc, 1, 0.0)
            for recorded in events:
                await self._deliver(key, [recorded])
            return
        failures = 0
        while True:
            try:
                await self._handle(key, events)
                return
            except Exception as exc:
                failures += 1
                if self._max_attempts is not None and failures >= self._max_attempts:
                    await self._abandon(events, exc, failures)
                    return
                self._retries += 1
                pause = min(self._backoff_cap, self._backoff_base * 2 ** (failures - 1))
                self._warn(events, exc, failures, pause)
                await trio.sleep(pause)

    def _warn(self, events: list[RecordedEvent], error: Exception, attempt: int, pause: float) -> None:
        log.warning(
            "reactor %s: handing over %d event(s) from %s failed (%s: %s); try %d again in %.1f s",
            self.name, len(events), events[0].event_id, type(error).__name__, error, attempt, pause,
        )

    async def _abandon(self, events: list[RecordedEvent], error: Exception, attempts: int) -> None:
        """Record that these events got no reaction, under their own chains, and go on."""
        self._abandoned += len(events)
        for recorded in events:
            bugs.error(
                "reactor %s gave up on %s (cid %s) after %d attempts: %s: %s",
                self.name, recorded.event_id, recorded.cid, attempts, type(error).__name__, error,
            )
        record = [
            NewEvent(
                event_id=f"reactor:{self.name}/{recorded.event_id}/abandoned",
                stream=f"reactor:{self.name}",
                event=ReactionAbandoned(
                    reactor=self.name,
                    event_id=recorded.event_id,
                    error_type=type(error).__name__,
                    error=str(error)[:500],
                    attempts=attempts,
                ),
                cid=recorded.cid,
                ts=self._clock(),
                causation=recorded.event_id,
                chat_id=recorded.chat_id,
                user_id=recorded.user_id,
            )
            for recorded in events
        ]
        await self._store.append(record)  # raises when the log refuses: the supervisor restarts us

    # -- the checkpoint --------------------------------------------------------

    async def _keep_checkpoint(self) -> None:
        while True:
            await trio.sleep(self._interval)
            await self._save_checkpoint()

    async def _save_checkpoint(self) -> None:
        through = self.checkpoint
        if through <= self._saved or self._store.closed:
            return
        try:
            await self._store.save_checkpoint(self._checkpoint_name, through)
        except EventLogError as exc:
            log.warning("reactor %s could not save its checkpoint (%s); a restart hands over a few again", self.name, exc)
            return
        self._saved = through

    # -- observing -------------------------------------------------------------

    def statistics(self) -> ReactorStatistics:
        return ReactorStatistics(
            name=self.name,
            running=self._running,
            checkpoint=self.checkpoint,
            saved_checkpoint=self._saved,
            read_seq=self._examined,
            pending=len(self._pending),
            max_pending=self._max_pending,
            lanes=len(self._lanes),
            busiest_lane=max((len(lane.events) for lane in self._lanes.values()), default=0),
            handled=self._handled,
            retries=self._retries,
            abandoned=self._abandoned,
        )


class Reacting:
    """What an actor that reacts through a :class:`Reactor` (its ``reactor``) offers the supervisor and
    ``/metrics``: :meth:`run` and :meth:`statistics`."""

    reactor: Reactor

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        await self.reactor.run(task_status=task_status)

    def statistics(self) -> ReactorStatistics:
        return self.reactor.statistics()
