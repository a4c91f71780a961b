"""A supervisor: runs children, restarts the ones that crash with backoff, and gives up on the hopeless.

Every child runs in the supervisor's nursery, which lives exactly as long as
the ``async with`` block (structured concurrency: leaving the block cancels
the children, and asks still queued fail with
:class:`~trt_actors.runtime.errors.ActorStopped`).

When a child raises, the supervisor records :class:`~trt_actors.events.ActorCrashed`
(with the pause it is about to take), sleeps the pause that its
:class:`~trt_actors.runtime.backoff.RestartPolicy` prescribes, records
:class:`~trt_actors.events.ActorRestarted` and starts a fresh instance on the
**same mailbox**: messages sent meanwhile wait (bounded, so senders feel the
backpressure), and only the message that crashed the actor is lost (its ask
fails with :class:`~trt_actors.runtime.errors.ActorFailed`).

When a child crashes more than ``max_restarts`` times within the policy's
window, the supervisor records that last crash as
:class:`~trt_actors.events.ActorEscalated` (not ActorCrashed), fails the asks
queued for the child, and raises :class:`~trt_actors.runtime.errors.ChildEscalated`
out of its block, which cancels its other children: the problem goes to the
parent. A supervisor run as a plain task of another (:meth:`Supervisor.start`)
makes a subtree: its escalation is one crash of that task for the parent.

A child that returns (an actor whose mailbox was closed with :meth:`Supervisor.stop`,
a task that finished) is done and not restarted.

Example::

    async with Supervisor.open("root", journal=SystemJournal(log)) as root:
        counter = root.spawn("counter", Counter, capacity=64)
        await counter.tell(Increment(by=1))
        await trio.sleep_forever()
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

import msgspec
import trio

from trt_actors.runtime.actor import Actor, serve
from trt_actors.runtime.backoff import CrashWindow, RestartPolicy
from trt_actors.runtime.errors import ChildEscalated
from trt_actors.runtime.journal import SystemJournal
from trt_actors.runtime.mailbox import Mailbox, MailboxStatistics
from trt_actors.runtime.ref import ActorRef
from trt_actors.runtime.scope import owned_nursery

__all__ = ["ChildStatistics", "Supervisor", "SupervisorStatistics"]

M = TypeVar("M")

ChildState = Literal["running", "backing-off", "stopped", "escalated"]


class ChildStatistics(msgspec.Struct, frozen=True):
    name: str
    state: ChildState
    crashes: int
    restarts: int
    crashes_in_window: int
    mailbox: MailboxStatistics | None


class SupervisorStatistics(msgspec.Struct, frozen=True):
    name: str
    children: int
    running: int
    backing_off: int
    crashes: int
    restarts: int
    escalations: int
    per_child: tuple[ChildStatistics, ...]


@dataclass(eq=False)
class _Child:
    name: str
    run: Callable[[], Awaitable[None]]
    window: CrashWindow
    mailbox: Mailbox[Any] | None
    state: ChildState = "running"
    crashes: int = 0
    restarts: int = 0
    stopped: trio.Event = field(default_factory=trio.Event)


class Supervisor:
    """Open one with :meth:`open`; start children with :meth:`spawn` (actors) or :meth:`start` (plain tasks)."""

    def __init__(self, name: str, nursery: trio.Nursery, journal: SystemJournal | None, policy: RestartPolicy) -> None:
        self.name = name
        self.policy = policy
        self._nursery = nursery
        self._journal = journal
        self._children: dict[str, _Child] = {}
        self._closed = False

    @classmethod
    @asynccontextmanager
    async def open(
        cls, name: str = "root", *, journal: SystemJournal | None = None, policy: RestartPolicy | None = None
    ) -> AsyncIterator[Supervisor]:
        """Run a supervisor for the duration of the block.

        A lone error out of the block (a child's :class:`ChildEscalated`, or the
        block's own exception) comes out as itself, not wrapped in an
        ``ExceptionGroup``; several at once stay grouped.
        """
        async with owned_nursery() as nursery:
            supervisor = cls(name, nursery, journal, policy or RestartPolicy())
            try:
                yield supervisor
            finally:
                supervisor._closed = True

    def spawn(
        self,
        name: str,
        factory: Callable[[], Actor[M]],
        *,
        capacity: int = 64,
        policy: RestartPolicy | None = None,
    ) -> ActorRef[M]:
        """Start a supervised actor; ``factory`` builds a fresh instance for each (re)start."""
        mailbox: Mailbox[M] = Mailbox(name, capacity)

        async def run() -> None:
            await serve(factory(), mailbox)

        self._add(name, run, policy, mailbox)
        return ActorRef(mailbox)

    def start(self, name: str, run: Callable[[], Awaitable[None]], *, policy: RestartPolicy | None = None) -> None:
        """Supervise a plain task (a poller, a server): restarted when it raises, done when it returns."""
        self._add(name, run, policy, None)

    def stop(self, name: str) -> None:
        """Let an actor finish the messages already queued, then stop it for good (no restart)."""
        child = self._children[name]
        if child.mailbox is None:
            raise ValueError(f"{name!r} is a plain task, not an actor; cancel it from within instead")
        child.mailbox.close()

    async def wait_stopped(self, name: str) -> None:
        """Return once the child ``name`` has stopped for good."""
        await self._children[name].stopped.wait()

    def _add(
        self,
        name: str,
        run: Callable[[], Awaitable[None]],
        policy: RestartPolicy | None,
        mailbox: Mailbox[M] | None,
    ) -> None:
        if self._closed:
            raise RuntimeError(f"the supervisor {self.name!r} has stopped; it cannot start {name!r}")
        if name in self._children:
            raise ValueError(f"the supervisor {self.name!r} already has a child named {name!r}")
        child = _Child(name, run, CrashWindow(policy or self.policy), mailbox)
        self._children[name] = child
        self._nursery.start_soon(self._supervise, child, name=f"{self.name}/{name}")

    async def _supervise(self, child: _Child) -> None:
        try:
            while True:
                child.state = "running"
                try:
                    await child.run()
                except Exception as exc:
                    child.crashes += 1
                    pause = child.window.record(trio.current_time())
                    if pause is None:
                        await self._escalate(child, exc)
                    else:
                        child.state = "backing-off"
                        if self._journal is not None:
                            await self._journal.crashed(child.name, exc, child.crashes, pause)
                        await trio.sleep(pause)
                        child.restarts += 1
                        if self._journal is not None:
                            await self._journal.restarted(child.name, child.crashes)
                else:
                    child.state = "stopped"
                    return
        finally:
            if child.mailbox is not None:
                child.mailbox.shut()
            child.stopped.set()

    async def _escalate(self, child: _Child, exc: Exception) -> None:
        child.state = "escalated"
        if child.mailbox is not None:
            child.mailbox.shut(exc)
        if self._journal is not None:
            await self._journal.escalated(child.name, exc, child.crashes)
        raise ChildEscalated(child.name, child.crashes, exc) from exc

    def statistics(self) -> SupervisorStatistics:
        now = trio.current_time()
        per_child = tuple(
            ChildStatistics(
                name=c.name,
                state=c.state,
                crashes=c.crashes,
                restarts=c.restarts,
                crashes_in_window=c.window.count(now),
                mailbox=None if c.mailbox is None else c.mailbox.statistics(),
            )
            for c in self._children.values()
        )
        return SupervisorStatistics(
            name=self.name,
            children=len(per_child),
            running=sum(c.state == "running" for c in per_child),
            backing_off=sum(c.state == "backing-off" for c in per_child),
            crashes=sum(c.crashes for c in per_child),
            restarts=sum(c.restarts for c in per_child),
            escalations=sum(c.state == "escalated" for c in per_child),
            per_child=per_child,
        )

