"""Chats in shards, so that several instances share the work (``SHARDS``).

With ``SHARDS=1`` (the default) one instance is active and does everything
(see :mod:`trt_actors.actors.leadership`). With ``SHARDS=k`` the work is cut
into ``k + 1`` **units**:

* ``shard:i/k`` for ``i`` in ``0..k-1``: every event of a chat whose id is
  ``i`` modulo ``k`` (the chat's session, its outbox, its payments and jobs);
* ``active``: the work that belongs to no chat or to all of them (polling
  Telegram, pre-checkout answers, broadcasts, expired holds, telemetry).

Each unit has a lease of its own in the log, with an epoch, and every write a
unit's actors make is fenced by it (see :mod:`eventlog.writer`): an instance
that lost a unit cannot write for it any more, whatever it had in flight.
:class:`Membership` is one process's part: it keeps a lease ``member:<id>``
alive so the others count it, takes free units up to a fair share
(``ceil(units / instances)``), gives up the ones above it, and notices at
once when it lost one. An instance that dies stops renewing; its units expire
after ``LEASE_SECONDS`` and the others take them over. A new instance makes
the share smaller, so the others give units up and it takes them.

The actors of a unit see the log through a :class:`UnitStore`: their own
events only, their checkpoints under the unit's name, their writes under the
unit's lease. They are the same actors as with one instance, unchanged.

Example::

    membership = Membership(log, "bot-2:77", units=unit_names(8), ttl=10.0)
    await membership.run(start=start_unit, stop=stop_unit)   # until cancelled
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

import msgspec
import trio

from eventlog import (
    ACTIVE_LEASE,
    Append,
    CommitFailed,
    EventLog,
    Lease,
    NewEvent,
    NotLeaseHolder,
    OpenItem,
    Position,
    RecordedEvent,
    Snapshot,
    Subscription,
    VersionConflict,
)
from trt_actors.events.ops import LeaseAcquired, LeaseLost

__all__ = ["MEMBER_PREFIX", "Membership", "MembershipStatistics", "Unit", "UnitStore", "shard_of", "unit_names"]

log = logging.getLogger(__name__)

MEMBER_PREFIX = "member:"
"""The leases that say which instances are alive (one per instance, never taken by another)."""


def shard_of(chat_id: int, shards: int) -> int:
    """The shard of a chat: its id modulo ``shards`` (a group's negative id too lands in ``0..shards-1``)."""
    return chat_id % shards


def unit_names(shards: int) -> list[str]:
    """The units of ``shards`` shards, the global one first: ``["active", "shard:0/8", ..., "shard:7/8"]``."""
    return [ACTIVE_LEASE, *(f"shard:{index}/{shards}" for index in range(shards))] if shards > 1 else [ACTIVE_LEASE]


@dataclass(frozen=True)
class Unit:
    """One unit of work: its lease ``name``, and which events are its own."""

    name: str
    shards: int

    @classmethod
    def named(cls, name: str) -> Unit:
        if name == ACTIVE_LEASE:
            return cls(name, 1)
        index, _, shards = name.removeprefix("shard:").partition("/")
        if not (name.startswith("shard:") and index.isdigit() and shards.isdigit() and int(index) < int(shards)):
            raise ValueError(f"not a unit: {name!r}")
        return cls(name, int(shards))

    @property
    def index(self) -> int | None:
        """The shard's number; None for the global unit."""
        return None if self.name == ACTIVE_LEASE else int(self.name.removeprefix("shard:").partition("/")[0])

    def owns(self, chat_id: int | None) -> bool:
        """Whether the events of ``chat_id`` (None: of no chat) are this unit's."""
        index = self.index
        if chat_id is None:
            return index is None
        return index is not None and shard_of(chat_id, self.shards) == index

    def selects(self, recorded: RecordedEvent) -> bool:
        return self.owns(recorded.chat_id)


class UnitStore:
    """The log as one unit's actors see it (an :class:`~eventlog.EventStore`).

    Every write goes under the unit's lease (``unfenced``: under none, for
    recording updates, which any instance may do). With ``narrow`` (a
    shard), subscriptions, ``read_from`` and open items keep the unit's own
    chats only; without (the global unit, and what reads everyone, like a
    broadcast's recipients), they see the whole log. Checkpoints are kept per
    unit (``name@unit``); a unit that never saved one starts from the lowest
    checkpoint any earlier layout (another ``SHARDS``, or one instance) left
    under that name: work done again, never work skipped.
    """

    def __init__(self, log: EventLog, unit: Unit, *, narrow: bool = True, unfenced: bool = False) -> None:
        self._log = log
        self.unit = unit
        self._narrow = narrow
        self._fence = None if unfenced else unit.name

    @property
    def healthy(self) -> bool:
        return self._log.healthy

    @property
    def closed(self) -> bool:
        return self._log.closed

    def _mine(self, recorded: RecordedEvent) -> bool:
        return not self._narrow or self.unit.selects(recorded)

    async def append(self, events: Sequence[NewEvent], *, expected: Mapping[str, int] | None = None) -> list[Position]:
        return await self._log.append(events, expected=expected, fence=self._fence)

    async def append_batch(self, appends: Sequence[Append]) -> list[list[Position] | VersionConflict]:
        return await self._log.append_batch(appends, fence=self._fence)

    async def read_stream(self, stream: str, from_version: int = 1, limit: int | None = None) -> list[RecordedEvent]:
        return await self._log.read_stream(stream, from_version, limit)

    async def read_cid(self, cid: str) -> list[RecordedEvent]:
        return await self._log.read_cid(cid)

    async def read_from(self, seq: int, limit: int = 1000, *, types: Collection[str] | None = None) -> list[RecordedEvent]:
        """Up to ``limit`` of this unit's events from ``seq``; empty only when the log has none after ``seq``."""
        while True:
            page = await self._log.read_from(seq, limit, types=types)
            if not self._narrow or not page:
                return page
            mine = [recorded for recorded in page if self.unit.selects(recorded)]
            if mine or len(page) < limit:
                return mine
            seq = page[-1].seq + 1

    async def stream_version(self, stream: str) -> int:
        return await self._log.stream_version(stream)

    async def save_snapshot(self, snapshot: Snapshot) -> None:
        await self._log.save_snapshot(snapshot, fence=self._fence)

    async def load_snapshot(self, stream: str) -> Snapshot | None:
        return await self._log.load_snapshot(stream)

    async def load_stream(self, stream: str) -> tuple[Snapshot | None, list[RecordedEvent]]:
        return await self._log.load_stream(stream)

    async def save_checkpoint(self, name: str, seq: int) -> None:
        await self._log.save_checkpoint(f"{name}@{self.unit.name}", seq, fence=self._fence)

    async def load_checkpoint(self, name: str) -> int:
        saved = await self._log.checkpoints(name)
        own = saved.get(f"{name}@{self.unit.name}")
        if own is not None:
            return own
        earlier = [seq for key, seq in saved.items() if key == name or key.startswith(f"{name}@")]
        return min(earlier, default=0)

    async def open_items(self, prefix: str) -> list[OpenItem]:
        items = await self._log.open_items(prefix)
        return items if not self._narrow else [item for item in items if self.unit.owns(item.chat_id)]

    def subscribe(self, from_seq: int = 1, *, types: Collection[str] | None = None, page: int = 500) -> Subscription:
        return self._log.subscribe(from_seq, types=types, page=page, where=self.unit.selects if self._narrow else None)


class MembershipStatistics(msgspec.Struct, frozen=True):
    """The units this instance owns now, how many instances are alive, and the moves so far."""

    COUNTERS: ClassVar[frozenset[str]] = frozenset({"taken", "given_up", "lost"})

    instances: int
    owned: int
    share: int
    taken: int
    given_up: int
    lost: int


Start = Callable[[str], Awaitable[None]]
"""Starts a unit's actors (returns once they run)."""
Stop = Callable[[str], Awaitable[None]]
"""Stops a unit's actors (returns once they stopped; nothing more is written for it)."""


class Membership:
    """One process's share of the units (see the module docstring)."""

    def __init__(self, log: EventLog, holder: str, *, units: Sequence[str], ttl: float,
                 clock: Callable[[], float] = time.time) -> None:
        self._log = log
        self.holder = holder
        self.units = tuple(units)
        self.ttl = ttl
        self._clock = clock
        self.owned: dict[str, int] = {}  # unit -> epoch
        self.instances = 0
        self.member = False
        self.taken = self.given_up = self.lost = 0
        self.changed = trio.Event()

    @property
    def _member_lease(self) -> str:
        return f"{MEMBER_PREFIX}{self.holder}"

    @property
    def share(self) -> int:
        """The most units this instance should own: the units divided by the instances alive, rounded up."""
        return math.ceil(len(self.units) / max(1, self.instances))

    async def run(self, *, start: Start, stop: Stop) -> None:
        """Keep this instance's share until cancelled: renew, take, give up, every third of the lease's time."""
        while True:
            try:
                await self._turn(start, stop)
            except (CommitFailed, NotLeaseHolder) as error:  # locked for now, or a unit lost mid-turn: try again
                log.warning("could not renew or move units (%s); trying again", error)
            await trio.sleep(self.ttl / 3)

    async def _turn(self, start: Start, stop: Stop) -> None:
        now = self._clock()
        self.member = (await self._log.acquire_lease(self.holder, ttl=self.ttl, now=now, name=self._member_lease)).mine
        for name in list(self.owned):
            lease = await self._log.renew_lease(self.holder, ttl=self.ttl, now=now, name=name)
            if not lease.mine:
                log.error("lost %s to %s (epoch %d): this instance stops its work", name, lease.holder, lease.epoch)
                del self.owned[name]
                self.lost += 1
                self._changed()
                await stop(name)
        leases = {lease.name: lease for lease in await self._log.leases()}
        self.instances = sum(1 for lease in leases.values()
                             if lease.name.startswith(MEMBER_PREFIX) and lease.expires_at > now)
        for name in sorted(self.owned, key=self.units.index, reverse=True)[: max(0, len(self.owned) - self.share)]:
            await self._give_up(name, stop)
        for name in self.units:
            if len(self.owned) >= self.share:
                break
            held = leases.get(name)
            if name in self.owned or (held is not None and held.expires_at > now):
                continue
            lease = await self._log.acquire_lease(self.holder, ttl=self.ttl, now=now, name=name)
            if lease.mine:
                log.info("took %s (epoch %d); %d unit(s) of %d here", name, lease.epoch, len(self.owned) + 1,
                         len(self.units))
                await self._record(lease, before=held)
                self.owned[name] = lease.epoch
                self.taken += 1
                self._changed()
                await start(name)

    async def _give_up(self, name: str, stop: Stop) -> None:
        """Stop a unit's work, then release its lease so another instance takes it at once."""
        epoch = self.owned.pop(name)
        self.given_up += 1
        self._changed()
        await stop(name)
        gone = LeaseLost(holder=self.holder, epoch=epoch, reason="released", lease=name)
        await self._log.append([self._event(name, epoch, "released", gone)], fence=name)
        await self._log.release_lease(self.holder, now=self._clock(), name=name)
        log.info("gave %s up for a fair share (%d instance(s))", name, self.instances)

    async def leave(self) -> None:
        """At a clean stop, after every unit stopped: release their leases and this member's (shielded)."""
        with trio.CancelScope(shield=True):
            for name in [*self.owned, self._member_lease]:
                try:
                    await self._log.release_lease(self.holder, now=self._clock(), name=name)
                except Exception as error:  # noqa: BLE001 - a stop must go on; the lease then expires by itself
                    log.warning("could not release %s (%s); it expires in %.0f s", name, error, self.ttl)
            self.owned.clear()
            self.member = False

    async def _record(self, lease: Lease, *, before: Lease | None) -> None:
        """Record who had the unit and who has it now (``ops:lease:<unit>``), under the unit's new lease."""
        events: list[NewEvent] = []
        if before is not None and before.holder and before.holder != self.holder and before.expires_at != 0.0:
            lost = LeaseLost(holder=before.holder, epoch=before.epoch, reason="expired", lease=lease.name)
            events.append(self._event(lease.name, lease.epoch, "lost", lost))
        taken = LeaseAcquired(holder=self.holder, epoch=lease.epoch, expires_at=lease.expires_at, lease=lease.name)
        events.append(self._event(lease.name, lease.epoch, "acquired", taken))
        await self._log.append(events, fence=lease.name)

    def _event(self, name: str, epoch: int, what: str, event: LeaseLost | LeaseAcquired) -> NewEvent:
        return NewEvent(event_id=f"lease:{name}:{epoch}:{what}", stream=f"ops:lease:{name}", event=event,
                        cid=f"lease:{name}:{epoch}", ts=self._clock())

    def _changed(self) -> None:
        self.changed.set()
        self.changed = trio.Event()

    def about(self) -> dict[str, object]:
        """What ``/ready`` adds: this instance, the units it owns, and the layout."""
        return {"instance": self.holder, "mode": "shared", "units": sorted(self.owned, key=self.units.index),
                "shards": len(self.units) - 1, "instances": self.instances}

    def statistics(self) -> MembershipStatistics:
        return MembershipStatistics(instances=self.instances, owned=len(self.owned), share=self.share,
                                    taken=self.taken, given_up=self.given_up, lost=self.lost)
