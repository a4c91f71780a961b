"""The event-sourced shell: a pure :class:`~trt_actors.runtime.decider.Decider` inside an actor.

For each :class:`Execute` the shell

1. runs the command through :func:`~trt_actors.runtime.command.run_command`
   (pure): the events to append, or a refusal (``CommandRejected``: the asker
   gets it and nothing changes), or a **bug** (any other exception out of
   ``decide``: the events are then ``ActorCrashed`` under the command's
   ``cid`` plus the ``fallback`` answer to the user, the bug is logged on
   logger ``trt_actors.bugs``, and the asker gets ``Executed(crashed=...)``);
2. appends the events to the stream **and waits for the commit**, expecting
   the stream at the version it has folded (optimistic concurrency: on
   :class:`~eventlog.VersionConflict` it reads what the other writer added and
   decides again, up to ``max_conflicts`` times);
3. folds them with ``evolve``, saves a snapshot every ``snapshot_every`` events;
4. only then runs the ``act`` hook (side effects: messages to other actors);
5. answers the ask with :class:`Executed`.

If the append fails, nothing is folded and ``act`` never sees those events
(persist-then-act). A log error (closed, commit failed) crashes the actor;
its supervisor or region rebuilds it from the log.

**Event ids and idempotency.** Event ``i`` (from 0) decided for the command
``X`` on stream ``S`` gets the id ``S/X/i``, so a command id needs to be
unique only within its stream and names what caused it (``update:123``,
``confirm:<callback id>``). Running the same command again — a redelivered
update, a retry after a timeout or a crash — appends nothing: the shell
remembers the last ``remember`` command ids folded from its stream (kept in
the snapshot too, so bounded: 64 by default) and answers
``Executed(duplicate=True)`` without deciding. Beyond that memory the log
catches the repeat: appends are all-or-nothing, so an append whose first id
is already in the log writes nothing and comes back as a duplicate. Only commands
that appended events leave a trace: a command that decided nothing (or was
rejected) is decided afresh when it comes again; a decider that must ignore
such a repeat records an event for it. ``act`` is not run again for a
duplicate: an effect that must survive a crash between the commit and
``act`` is resumed from state by the ``recovered`` hook (an open job is
polled again), not by re-running the command.

**Recovery.** :meth:`EventSourced.started` loads the stream's snapshot (if
it decodes as the current state type; otherwise it replays everything),
folds the events after it, then runs ``recovered(state)`` if given.

Example::

    counter = root.spawn("counter:7", lambda: EventSourced(CounterDecider(), log, "counter:7", act=notify))
    done = await execute(counter, Increment(by=1), CommandMeta(command_id="update:55", cid="u55", ts=now))
    current = await inspect(counter)
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar, Union

import msgspec

from eventlog import EventLogError, EventStore, Position, RecordedEvent, Snapshot, VersionConflict
from trt_actors.runtime.actor import Actor
from trt_actors.runtime.command import CommandMeta, Crashed, Decided, Fallback, Refused, run_command
from trt_actors.runtime.decider import CommandRejected, Decider
from trt_actors.runtime.ref import Ref
from trt_actors.runtime.reply import Reply

__all__ = [
    "Act",
    "CommandMeta",
    "Current",
    "EventSourced",
    "Execute",
    "Executed",
    "Inspect",
    "Recovered",
    "SourcedMessage",
    "SourcedStatistics",
    "execute",
    "inspect",
]

S = TypeVar("S")
C = TypeVar("C")

logger = logging.getLogger(__name__)
bugs = logging.getLogger("trt_actors.bugs")


class Executed(msgspec.Struct, frozen=True):
    """What a command did: the events it appended (none for a duplicate) and the stream's version after it.

    ``crashed`` names the bug when ``decide`` raised one: the events are then
    the ``ActorCrashed`` record and the decider's fallback answer.
    """

    events: tuple[RecordedEvent, ...]
    version: int
    duplicate: bool = False
    crashed: str | None = None


class Execute(msgspec.Struct, Generic[C], frozen=True, kw_only=True):
    command: C
    meta: CommandMeta
    reply: Reply[Executed] | None = None


class SourcedStatistics(msgspec.Struct, frozen=True):
    """``recovered_from`` is the snapshot version the last recovery started from (None: from scratch)."""

    stream: str
    version: int
    commands: int
    appended: int
    duplicates: int
    rejections: int
    conflicts: int
    snapshots: int
    snapshot_version: int
    recovered_from: int | None
    replayed: int
    crashes: int = 0


class Current(msgspec.Struct, Generic[S], frozen=True):
    state: S
    version: int
    statistics: SourcedStatistics


class Inspect(msgspec.Struct, Generic[S], frozen=True):
    reply: Reply[Current[S]]


SourcedMessage = Union[Execute[C], Inspect[S]]  # noqa: UP007 - a generic alias, subscripted by users
Act = Callable[[S, Sequence[RecordedEvent]], Awaitable[None]]
Recovered = Callable[[S], Awaitable[None]]


class _SnapshotBody(msgspec.Struct, frozen=True):
    state: msgspec.Raw
    commands: list[str]


class _RecentCommands:
    def __init__(self, size: int) -> None:
        self._size = size
        self._ids: OrderedDict[str, None] = OrderedDict()

    def add(self, key: str) -> None:
        if self._size <= 0:
            return
        self._ids[key] = None
        self._ids.move_to_end(key)
        while len(self._ids) > self._size:
            self._ids.popitem(last=False)

    def __contains__(self, key: str) -> bool:
        return key in self._ids

    def keys(self) -> list[str]:
        return list(self._ids)

    def clear(self) -> None:
        self._ids.clear()


class EventSourced(Actor[SourcedMessage[C, S]], Generic[S, C]):
    """An actor whose state is the fold of one stream, changed only through its decider."""

    def __init__(
        self,
        decider: Decider[S, C],
        store: EventStore,
        stream: str,
        *,
        act: Act[S] | None = None,
        recovered: Recovered[S] | None = None,
        snapshot_every: int = 100,
        state_type: type[S] | None = None,
        remember: int = 64,
        fallback: Fallback[S, C] | None = None,
        max_conflicts: int = 5,
    ) -> None:
        self.decider = decider
        self.store = store
        self.stream = stream
        self._act = act
        self._recovered = recovered
        self._snapshot_every = snapshot_every
        self._state = decider.initial_state()
        self._state_type: type[S] = state_type or type(self._state)
        self._recent = _RecentCommands(remember)
        self._fallback = fallback
        self._max_conflicts = max_conflicts
        self._version = 0
        self._commands = 0
        self._appended = 0
        self._duplicates = 0
        self._rejections = 0
        self._conflicts = 0
        self._snapshots = 0
        self._snapshot_version = 0
        self._recovered_from: int | None = None
        self._replayed = 0
        self._crashes = 0

    @property
    def state(self) -> S:
        return self._state

    @property
    def version(self) -> int:
        return self._version

    # -- recovery --------------------------------------------------------

    async def started(self) -> None:
        await self.recover()
        if self._recovered is not None:
            await self._recovered(self._state)

    async def recover(self) -> None:
        """Rebuild the state: the snapshot if it decodes, then every event after it."""
        self._state = self.decider.initial_state()
        self._version = 0
        self._recent.clear()
        self._recovered_from = None
        snapshot, events = await self.store.load_stream(self.stream)
        if snapshot is not None:
            if self._restore(snapshot):
                self._recovered_from = snapshot.version
                self._snapshot_version = snapshot.version
            else:
                events = await self.store.read_stream(self.stream)
        self._apply(events)
        self._replayed = len(events)

    def _restore(self, snapshot: Snapshot) -> bool:
        try:
            body = msgspec.json.decode(snapshot.state, type=_SnapshotBody)
            state = msgspec.json.decode(body.state, type=self._state_type)
        except msgspec.DecodeError as exc:
            logger.warning("the snapshot of %r does not decode (%s); replaying the whole stream", self.stream, exc)
            return False
        self._state = state
        self._version = snapshot.version
        for key in body.commands:
            self._recent.add(key)
        return True

    def _apply(self, events: Sequence[RecordedEvent]) -> None:
        for recorded in events:
            self._state = self.decider.evolve(self._state, recorded.event)
            self._version = recorded.version
            self._recent.add(recorded.event_id.rpartition("/")[0])

    async def _catch_up(self) -> None:
        self._apply(await self.store.read_stream(self.stream, self._version + 1))

    # -- commands --------------------------------------------------------

    async def receive(self, message: SourcedMessage[C, S]) -> None:
        match message:
            case Execute():
                await self._execute(message)
            case Inspect(reply=reply):
                reply.send(Current(self._state, self._version, self.statistics()))

    def _key(self, meta: CommandMeta) -> str:
        return f"{self.stream}/{meta.command_id}"

    async def _execute(self, message: Execute[C]) -> None:
        reply = message.reply
        try:
            executed = await self.handle(message.command, message.meta)
        except (CommandRejected, VersionConflict) as refusal:
            if reply is not None:
                reply.fail(refusal)
            elif isinstance(refusal, CommandRejected):
                logger.info("%s refused command %r: %s", self.stream, message.meta.command_id, refusal)
            return
        _answer(reply, executed)

    async def handle(self, command: C, meta: CommandMeta) -> Executed:
        """Run one command and return once its events are committed and folded.

        The mailbox calls this; so may an owner that guarantees one command at a
        time by other means (a reactor lane). Raises ``CommandRejected`` for a
        refusal and ``VersionConflict`` after ``max_conflicts`` lost races.
        """
        self._commands += 1
        if self._key(meta) in self._recent:
            return self._duplicate()
        conflict: VersionConflict | None = None
        for _ in range(self._max_conflicts + 1):
            outcome = run_command(self.decider, self._state, command, meta, stream=self.stream, fallback=self._fallback)
            if isinstance(outcome, Refused):
                self._rejections += 1
                raise outcome.error
            if not outcome.events:
                return Executed((), self._version)
            try:
                positions = await self.store.append(outcome.events, expected={self.stream: self._version})
            except VersionConflict as exc:
                self._conflicts += 1
                conflict = exc
                await self._catch_up()
                if self._key(meta) in self._recent:
                    return self._duplicate()
                continue
            if positions[0].duplicate:  # appends are all-or-nothing: the command ran before
                await self._catch_up()
                return self._duplicate()
            return await self._commit(outcome, positions, meta)
        assert conflict is not None
        raise conflict

    async def _commit(self, outcome: Decided | Crashed, positions: Sequence[Position], meta: CommandMeta) -> Executed:
        """The events are durable: fold them, maybe snapshot, act."""
        recorded = tuple(
            RecordedEvent(
                p.seq, n.event_id, n.stream, p.version, type(n.event).type_name(),
                n.ts, n.cid, n.causation, n.chat_id, n.user_id, n.event,
            )
            for p, n in zip(positions, outcome.events, strict=True)
        )
        self._apply(recorded)
        self._appended += len(recorded)
        await self._maybe_snapshot(meta.ts)
        crashed: str | None = None
        if isinstance(outcome, Crashed):
            self._crashes += 1
            crashed = f"{type(outcome.error).__name__}: {outcome.error}"
            bugs.error(
                "%s: decide raised a bug on command %r (cid %s); recorded as ActorCrashed",
                self.stream, meta.command_id, meta.cid, exc_info=outcome.error,
            )
        if self._act is not None:
            await self._act(self._state, recorded)
        return Executed(recorded, self._version, crashed=crashed)

    def _duplicate(self) -> Executed:
        self._duplicates += 1
        return Executed((), self._version, duplicate=True)

    async def _maybe_snapshot(self, ts: float) -> None:
        if self._snapshot_every <= 0 or self._version - self._snapshot_version < self._snapshot_every:
            return
        body = _SnapshotBody(msgspec.Raw(msgspec.json.encode(self._state)), self._recent.keys())
        snapshot = Snapshot(stream=self.stream, version=self._version, state=msgspec.json.encode(body), ts=ts)
        try:
            await self.store.save_snapshot(snapshot)
        except EventLogError as exc:
            logger.warning("could not save a snapshot of %r at version %d: %s", self.stream, self._version, exc)
            return
        self._snapshots += 1
        self._snapshot_version = self._version

    def statistics(self) -> SourcedStatistics:
        return SourcedStatistics(
            stream=self.stream,
            version=self._version,
            commands=self._commands,
            appended=self._appended,
            duplicates=self._duplicates,
            rejections=self._rejections,
            conflicts=self._conflicts,
            snapshots=self._snapshots,
            snapshot_version=self._snapshot_version,
            recovered_from=self._recovered_from,
            replayed=self._replayed,
            crashes=self._crashes,
        )


def _answer(reply: Reply[Executed] | None, executed: Executed) -> None:
    if reply is not None:
        reply.send(executed)


async def execute(target: Ref[Execute[C]], command: C, meta: CommandMeta, *, timeout: float | None = 5.0) -> Executed:
    """Run ``command`` on an event-sourced actor and wait until its events are committed."""

    def make(reply: Reply[Executed]) -> Execute[C]:
        return Execute(command=command, meta=meta, reply=reply)

    return await target.ask(make, timeout=timeout)


async def inspect(target: Ref[Inspect[S]], *, timeout: float | None = 5.0) -> Current[S]:
    """The current state and version of an event-sourced actor."""

    def make(reply: Reply[Current[S]]) -> Inspect[S]:
        return Inspect(reply)

    return await target.ask(make, timeout=timeout)
