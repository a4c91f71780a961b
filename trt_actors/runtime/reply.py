"""A one-shot reply slot: how an actor answers an ask.

The asker creates a :class:`Reply`, puts it into the message, and waits; the
actor answers exactly once with :meth:`Reply.send` (or :meth:`Reply.fail`).
An answer that arrives after the asker gave up is dropped quietly.

Example, inside an actor::

    match message:
        case GetCount(reply=reply):
            reply.send(self.count)
"""

from __future__ import annotations

from typing import Generic, TypeVar

import trio

__all__ = ["Reply"]

T = TypeVar("T")


class Reply(Generic[T]):
    """Where one answer of type ``T`` goes. ``deadline`` is the asker's, on the trio clock."""

    def __init__(self, actor: str, deadline: float) -> None:
        self.actor = actor
        self.deadline = deadline
        self._arrived = trio.Event()
        self._value: tuple[T] | None = None
        self._error: BaseException | None = None
        self._abandoned = False

    @property
    def done(self) -> bool:
        """True once answered (or failed)."""
        return self._arrived.is_set()

    @property
    def abandoned(self) -> bool:
        """True when the asker stopped waiting (its deadline passed or it was cancelled)."""
        return self._abandoned

    def send(self, value: T) -> None:
        """Answer the ask. A reply is one-shot: answering twice is a bug and raises."""
        self._settle()
        self._value = (value,)
        self._arrived.set()

    def fail(self, error: BaseException) -> None:
        """Answer the ask with an error: the asker's ``ask`` raises it."""
        self._settle()
        self._error = error
        self._arrived.set()

    def _settle(self) -> None:
        if self._arrived.is_set():
            raise RuntimeError(f"the reply to a request sent to {self.actor!r} was already given; a reply is one-shot")

    def abandon(self) -> None:
        self._abandoned = True

    async def wait(self) -> T:
        await self._arrived.wait()
        if self._error is not None:
            raise self._error
        assert self._value is not None
        return self._value[0]
