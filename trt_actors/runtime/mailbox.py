"""A bounded mailbox: a trio memory channel with names, statistics and a clean shutdown.

Each message travels in an :class:`Envelope` next to the :class:`Reply` of the
ask that sent it (if any), so that whatever stops an actor can fail every ask
still waiting in its mailbox with :class:`~trt_actors.runtime.errors.ActorStopped`
instead of leaving it to hang until its deadline.

Two ways to stop a mailbox:

* :meth:`Mailbox.close` stops accepting; what is queued is still delivered, then
  the receiver sees the end (a graceful stop, an eviction).
* :meth:`Mailbox.shut` stops both sides at once and fails what is queued
  (the actor is gone).
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

import msgspec
import trio

from trt_actors.runtime.errors import ActorStopped, MailboxFull
from trt_actors.runtime.reply import Reply

__all__ = ["Envelope", "Mailbox", "MailboxStatistics"]

M = TypeVar("M")


class Envelope(msgspec.Struct, Generic[M], frozen=True):
    message: M
    reply: Reply[Any] | None = None


class MailboxStatistics(msgspec.Struct, frozen=True):
    """``depth`` of ``capacity`` is queued now; ``senders_waiting`` are blocked on a full mailbox.

    ``dropped`` counts messages still queued when the actor stopped for good
    (never handled; their asks failed with ActorStopped).
    """

    actor: str
    capacity: int
    depth: int
    senders_waiting: int
    asks_in_flight: int
    received: int
    dropped: int
    accepting: bool


class Mailbox(Generic[M]):
    """The bounded queue in front of one actor.

    ::

        mailbox = Mailbox[Increment]("counter", capacity=64)
        mailbox.send_nowait(Envelope(Increment()))
    """

    def __init__(self, actor: str, capacity: int) -> None:
        if capacity < 1:
            raise ValueError(f"the mailbox of {actor!r} needs a capacity of at least 1, not {capacity}")
        self.actor = actor
        self.capacity = capacity
        self._send, self._receive = trio.open_memory_channel[Envelope[M]](capacity)
        self._accepting = True
        self._received = 0
        self._dropped = 0
        self.asks_in_flight = 0

    @property
    def accepting(self) -> bool:
        return self._accepting

    async def send(self, envelope: Envelope[M]) -> None:
        """Queue ``envelope``, waiting for room (backpressure)."""
        try:
            await self._send.send(envelope)
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            raise ActorStopped(self.actor) from None

    def send_nowait(self, envelope: Envelope[M]) -> None:
        """Queue ``envelope`` now or raise :class:`MailboxFull`."""
        try:
            self._send.send_nowait(envelope)
        except trio.WouldBlock:
            raise MailboxFull(self.actor, self.capacity) from None
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            raise ActorStopped(self.actor) from None

    async def receive(self) -> Envelope[M] | None:
        """The next envelope, or None once the mailbox is closed and drained."""
        try:
            envelope = await self._receive.receive()
        except (trio.EndOfChannel, trio.ClosedResourceError):
            return None
        self._received += 1
        return envelope

    def receive_nowait(self) -> Envelope[M] | None:
        """The next envelope if one is queued, else None."""
        try:
            envelope = self._receive.receive_nowait()
        except (trio.WouldBlock, trio.EndOfChannel, trio.ClosedResourceError):
            return None
        self._received += 1
        return envelope

    def close(self) -> None:
        """Accept nothing more; the receiver still gets what is queued."""
        self._accepting = False
        self._send.close()

    def shut(self, cause: BaseException | None = None) -> None:
        """Stop both sides now; every queued ask fails with :class:`ActorStopped` (chained to ``cause``)."""
        self._accepting = False
        while True:
            try:
                envelope = self._receive.receive_nowait()
            except (trio.WouldBlock, trio.EndOfChannel, trio.ClosedResourceError):
                break
            self._dropped += 1
            if envelope.reply is not None and not envelope.reply.done:
                stopped = ActorStopped(self.actor)
                stopped.__cause__ = cause
                envelope.reply.fail(stopped)
        self._send.close()
        self._receive.close()

    def statistics(self) -> MailboxStatistics:
        channel = self._send.statistics()
        return MailboxStatistics(
            actor=self.actor,
            capacity=self.capacity,
            depth=channel.current_buffer_used,
            senders_waiting=channel.tasks_waiting_send,
            asks_in_flight=self.asks_in_flight,
            received=self._received,
            dropped=self._dropped,
            accepting=self._accepting,
        )

