"""An actor: an object that handles one message at a time from its mailbox, in its own trio task.

Subclass :class:`Actor`, handle messages in :meth:`Actor.receive` with ``match``,
and rebuild what you need in :meth:`Actor.started`. Run it under a
:class:`~trt_actors.runtime.supervisor.Supervisor`, inside a
:class:`~trt_actors.runtime.keyed.Region`, or on its own with :func:`spawn`::

    class Counter(Actor[Increment | GetCount]):
        def __init__(self) -> None:
            self.count = 0

        async def receive(self, message: Increment | GetCount) -> None:
            match message:
                case Increment(by=by):
                    self.count += by
                case GetCount(reply=reply):
                    reply.send(self.count)

    async with trio.open_nursery() as nursery:
        counter = spawn(nursery, "counter", Counter())
        await counter.tell(Increment(by=2))
        assert await counter.ask(GetCount) == 2

When :meth:`Actor.receive` raises, the actor crashes: the ask that brought
the message fails with :class:`~trt_actors.runtime.errors.ActorFailed`, and the
error goes to whoever runs the actor (a supervisor restarts it; a bare
:func:`spawn` lets it end the caller's nursery).
"""

from __future__ import annotations

import enum
import math
from typing import Generic, TypeVar

import trio

from trt_actors.runtime.errors import ActorFailed, ActorStopped
from trt_actors.runtime.mailbox import Envelope, Mailbox
from trt_actors.runtime.ref import ActorRef

__all__ = ["Actor", "Exit", "serve", "spawn"]

M = TypeVar("M")


class Actor(Generic[M]):
    """Base class of actors. Only :meth:`receive` is required."""

    async def started(self) -> None:
        """Runs once before the first message (and again in a fresh instance after each restart)."""

    async def receive(self, message: M) -> None:
        raise NotImplementedError(f"{type(self).__name__} must implement receive()")


class Exit(enum.Enum):
    """Why :func:`serve` returned."""

    CLOSED = "closed"  # the mailbox was closed and every queued message was handled
    IDLE = "idle"  # nothing arrived for ``idle_timeout`` seconds; the mailbox is shut


async def serve(actor: Actor[M], mailbox: Mailbox[M], *, idle_timeout: float | None = None) -> Exit:
    """Run ``actor`` on ``mailbox`` until the mailbox closes, the actor idles out, or it raises.

    Idling out shuts the mailbox in the same step that finds it empty (no
    checkpoint in between), so no message can slip in and be lost.
    """
    await actor.started()
    patience = math.inf if idle_timeout is None else idle_timeout
    while True:
        with trio.move_on_after(patience) as waiting:
            envelope = await mailbox.receive()
        if waiting.cancelled_caught:
            envelope = mailbox.receive_nowait()
            if envelope is None:
                asked_to_leave = not mailbox.accepting  # closed in the very tick the timer fired
                mailbox.shut()
                return Exit.CLOSED if asked_to_leave else Exit.IDLE
        elif envelope is None:
            return Exit.CLOSED
        await _handle(actor, mailbox.actor, envelope)


async def _handle(actor: Actor[M], name: str, envelope: Envelope[M]) -> None:
    reply = envelope.reply
    try:
        await actor.receive(envelope.message)
    except Exception as exc:
        if reply is not None and not reply.done:
            failure = ActorFailed(name, exc)
            failure.__cause__ = exc
            reply.fail(failure)
        raise
    except BaseException:
        if reply is not None and not reply.done:
            reply.fail(ActorStopped(name))
        raise


def spawn(nursery: trio.Nursery, name: str, actor: Actor[M], *, capacity: int = 64) -> ActorRef[M]:
    """Start ``actor`` in ``nursery``, unsupervised: if it crashes, the nursery gets the error.

    The actor stops when the nursery is cancelled; asks still queued then fail
    with :class:`~trt_actors.runtime.errors.ActorStopped`.
    """
    mailbox: Mailbox[M] = Mailbox(name, capacity)

    async def run() -> None:
        try:
            await serve(actor, mailbox)
        finally:
            mailbox.shut()

    nursery.start_soon(run, name=f"actor:{name}")
    return ActorRef(mailbox)
