"""How to reach an actor: ``tell`` (fire and forget, with backpressure) and ``ask`` (request, reply, deadline).

An ask puts a one-shot :class:`~trt_actors.runtime.reply.Reply` into the
message, so the message type declares what the answer is::

    class GetCount(msgspec.Struct, frozen=True):
        reply: Reply[int]

    count = await counter.ask(GetCount, timeout=2.0)        # GetCount(reply=...) is built for you
    await counter.tell(Increment(by=1))                      # waits while the mailbox is full
    counter.tell_nowait(Increment(by=1))                     # or raises MailboxFull

For a message with more fields, pass a small annotated function (a lambda
would lose the answer's type)::

    def quote(reply: Reply[Price]) -> GetQuote:
        return GetQuote(model=model, reply=reply)

    price = await pricing.ask(quote)

The deadline covers the whole round trip, waiting for room in the mailbox
included. When it passes, ``ask`` raises :class:`~trt_actors.runtime.errors.AskTimeout`
naming the actor; the late answer, if any, is dropped.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from typing import Generic, Protocol, TypeVar

import trio

from trt_actors.runtime.errors import AskTimeout
from trt_actors.runtime.mailbox import Envelope, Mailbox, MailboxStatistics
from trt_actors.runtime.reply import Reply

__all__ = ["ActorRef", "Ref", "request"]

T = TypeVar("T")
M = TypeVar("M")
M_contra = TypeVar("M_contra", contravariant=True)


class Ref(Protocol[M_contra]):
    """Anything that accepts messages: an :class:`ActorRef`, or a keyed child through its region."""

    async def tell(self, message: M_contra) -> None: ...

    async def ask(self, make: Callable[[Reply[T]], M_contra], *, timeout: float | None = 5.0) -> T: ...


async def request(
    actor: str,
    deliver: Callable[[Envelope[M]], Awaitable[None]],
    make: Callable[[Reply[T]], M],
    timeout: float | None,
) -> T:
    """One ask: build the message around a fresh reply, deliver it, wait for the answer or the deadline."""
    reply: Reply[T] = Reply(actor, math.inf if timeout is None else trio.current_time() + timeout)
    envelope = Envelope(make(reply), reply)
    try:
        with trio.fail_at(reply.deadline):
            await deliver(envelope)
            return await reply.wait()
    except trio.TooSlowError:
        assert timeout is not None  # without a timeout the deadline is infinite
        raise AskTimeout(actor, timeout) from None
    finally:
        reply.abandon()


class ActorRef(Generic[M]):
    """The address of one running actor. Cheap to copy and to share; never touches the actor's state."""

    def __init__(self, mailbox: Mailbox[M]) -> None:
        self._mailbox = mailbox

    @property
    def name(self) -> str:
        return self._mailbox.actor

    async def tell(self, message: M) -> None:
        """Deliver ``message``, waiting while the mailbox is full."""
        await self._mailbox.send(Envelope(message))

    def tell_nowait(self, message: M) -> None:
        """Deliver ``message`` now, or raise :class:`~trt_actors.runtime.errors.MailboxFull`."""
        self._mailbox.send_nowait(Envelope(message))

    async def ask(self, make: Callable[[Reply[T]], M], *, timeout: float | None = 5.0) -> T:
        """Send ``make(reply)`` and return the answer; ``timeout`` None waits as long as it takes."""
        self._mailbox.asks_in_flight += 1
        try:
            return await request(self.name, self._mailbox.send, make, timeout)
        finally:
            self._mailbox.asks_in_flight -= 1

    def statistics(self) -> MailboxStatistics:
        return self._mailbox.statistics()

    def __repr__(self) -> str:
        return f"<ActorRef {self.name}>"
