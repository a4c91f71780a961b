"""Keyed children: one actor per key (per user, per job), spawned on demand, passivated when idle.

A :class:`Region` routes each message by key. If no child runs for the key,
it builds one with ``factory(key)``; the child's
:meth:`~trt_actors.runtime.actor.Actor.started` rebuilds its state (for an
:class:`~trt_actors.runtime.sourced.EventSourced` child: snapshot + the rest
of its stream). A child that receives nothing for ``idle_timeout`` seconds is
**passivated**: its task ends and its memory is freed, its state stays in the
log, and the next message for its key activates a fresh child transparently.

With ``max_live`` the region holds at most that many children accepting
messages: activating one more first asks the least recently used child to
finish its queue and stop. A key never has two children at once: a message
for a child on its way out waits until it is gone, then activates a new one.

A crashing child is dropped (its in-flight ask fails with
:class:`~trt_actors.runtime.errors.ActorFailed`, the rest of its queue with
:class:`~trt_actors.runtime.errors.ActorStopped`) and recorded in the
journal; the next message for its key rebuilds it from the log. One bad
session never takes the region down.

Example::

    async with Region.open("sessions", lambda chat: Session(chat, log), idle_timeout=600) as sessions:
        await sessions.tell(chat_id, UserTapped(...))
        view = await sessions.ask(chat_id, ShowBalance, timeout=2.0)
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Hashable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import ClassVar, Generic, TypeVar

import msgspec
import trio

from trt_actors.runtime.actor import Actor, Exit, serve
from trt_actors.runtime.errors import ActorStopped
from trt_actors.runtime.journal import SystemJournal
from trt_actors.runtime.mailbox import Envelope, Mailbox, MailboxStatistics
from trt_actors.runtime.ref import request
from trt_actors.runtime.reply import Reply
from trt_actors.runtime.scope import owned_nursery

__all__ = ["KeyedRef", "Region", "RegionStatistics"]

K = TypeVar("K", bound=Hashable)
M = TypeVar("M")
T = TypeVar("T")

_ROUTING_ATTEMPTS = 16


class RegionStatistics(msgspec.Struct, frozen=True):
    """``live`` children accept messages; ``leaving`` ones finish their queue before they stop."""

    COUNTERS: ClassVar[frozenset[str]] = frozenset({"activations", "passivations", "evictions", "crashes"})

    name: str
    live: int
    leaving: int
    max_live: int | None
    activations: int
    passivations: int
    evictions: int
    crashes: int
    asks_in_flight: int
    queued: int


@dataclass(eq=False)
class _Child(Generic[K, M]):
    key: K
    mailbox: Mailbox[M]
    gone: trio.Event = field(default_factory=trio.Event)


class Region(Generic[K, M]):
    """Children by key. Open one with :meth:`open`."""

    def __init__(
        self,
        name: str,
        factory: Callable[[K], Actor[M]],
        nursery: trio.Nursery,
        *,
        idle_timeout: float | None,
        max_live: int | None,
        capacity: int,
        journal: SystemJournal | None,
    ) -> None:
        if max_live is not None and max_live < 1:
            raise ValueError(f"the region {name!r} needs max_live of at least 1 (or None), not {max_live}")
        self.name = name
        self._factory = factory
        self._nursery = nursery
        self._idle_timeout = idle_timeout
        self._max_live = max_live
        self._capacity = capacity
        self._journal = journal
        self._live: OrderedDict[K, _Child[K, M]] = OrderedDict()
        self._leaving: dict[K, _Child[K, M]] = {}
        self._closed = False
        self._activations = 0
        self._passivations = 0
        self._evictions = 0
        self._crashes = 0
        self._asks_in_flight = 0

    @classmethod
    @asynccontextmanager
    async def open(
        cls,
        name: str,
        factory: Callable[[K], Actor[M]],
        *,
        idle_timeout: float | None = 300.0,
        max_live: int | None = None,
        capacity: int = 32,
        journal: SystemJournal | None = None,
    ) -> AsyncIterator[Region[K, M]]:
        """Run a region for the duration of the block; leaving it stops every child."""
        async with owned_nursery() as nursery:
            region = cls(
                name,
                factory,
                nursery,
                idle_timeout=idle_timeout,
                max_live=max_live,
                capacity=capacity,
                journal=journal,
            )
            try:
                yield region
            finally:
                region._closed = True

    # -- sending ---------------------------------------------------------

    async def tell(self, key: K, message: M) -> None:
        """Deliver ``message`` to the child for ``key``, activating it if needed; waits while its mailbox is full."""
        await self._deliver(key, Envelope(message))

    async def ask(self, key: K, make: Callable[[Reply[T]], M], *, timeout: float | None = 5.0) -> T:
        """Ask the child for ``key``; the deadline covers activation (rebuilding from the log) too."""

        async def deliver(envelope: Envelope[M]) -> None:
            await self._deliver(key, envelope)

        self._asks_in_flight += 1
        try:
            return await request(self._child_name(key), deliver, make, timeout)
        finally:
            self._asks_in_flight -= 1

    def ref(self, key: K) -> KeyedRef[K, M]:
        """A handle on the child for ``key`` with ``tell`` and ``ask``, valid across passivations."""
        return KeyedRef(self, key)

    def is_live(self, key: K) -> bool:
        return key in self._live

    async def _deliver(self, key: K, envelope: Envelope[M]) -> None:
        for _ in range(_ROUTING_ATTEMPTS):
            child = await self._child_for(key)
            try:
                await child.mailbox.send(envelope)
                return
            except ActorStopped:
                await child.gone.wait()
        raise ActorStopped(self._child_name(key))

    async def _child_for(self, key: K) -> _Child[K, M]:
        while True:
            if self._closed:
                raise ActorStopped(self._child_name(key))
            child = self._live.get(key)
            if child is not None and child.mailbox.accepting:
                self._live.move_to_end(key)
                return child
            leaving = child or self._leaving.get(key)
            if leaving is None:
                return self._activate(key)
            await leaving.gone.wait()

    # -- lifecycle -------------------------------------------------------

    def _child_name(self, key: K) -> str:
        return f"{self.name}/{key}"

    def _activate(self, key: K) -> _Child[K, M]:
        if self._max_live is not None:
            while len(self._live) >= self._max_live:
                _, oldest = self._live.popitem(last=False)
                self._leaving[oldest.key] = oldest
                oldest.mailbox.close()
                self._evictions += 1
        child: _Child[K, M] = _Child(key, Mailbox(self._child_name(key), self._capacity))
        self._live[key] = child
        self._activations += 1
        self._nursery.start_soon(self._run, child, name=f"actor:{child.mailbox.actor}")
        return child

    async def _run(self, child: _Child[K, M]) -> None:
        failure: Exception | None = None
        try:
            if await serve(self._factory(child.key), child.mailbox, idle_timeout=self._idle_timeout) is Exit.IDLE:
                self._passivations += 1
        except Exception as exc:
            failure = exc
            self._crashes += 1
        finally:
            child.mailbox.shut(failure)
            if self._live.get(child.key) is child:
                del self._live[child.key]
            if self._leaving.get(child.key) is child:
                del self._leaving[child.key]
            child.gone.set()
        if failure is not None and self._journal is not None:
            await self._journal.crashed(child.mailbox.actor, failure, 1, 0.0)

    def statistics(self) -> RegionStatistics:
        return RegionStatistics(
            name=self.name,
            live=len(self._live),
            leaving=len(self._leaving),
            max_live=self._max_live,
            activations=self._activations,
            passivations=self._passivations,
            evictions=self._evictions,
            crashes=self._crashes,
            asks_in_flight=self._asks_in_flight,
            queued=sum(c.mailbox.statistics().depth for c in (*self._live.values(), *self._leaving.values())),
        )

    def child_statistics(self, key: K) -> MailboxStatistics | None:
        """The mailbox of the live child for ``key``, if there is one."""
        child = self._live.get(key)
        return None if child is None else child.mailbox.statistics()


class KeyedRef(Generic[K, M]):
    """The child for one key, as a :class:`~trt_actors.runtime.ref.Ref`."""

    def __init__(self, region: Region[K, M], key: K) -> None:
        self.region = region
        self.key = key

    async def tell(self, message: M) -> None:
        await self.region.tell(self.key, message)

    async def ask(self, make: Callable[[Reply[T]], M], *, timeout: float | None = 5.0) -> T:
        return await self.region.ask(self.key, make, timeout=timeout)
