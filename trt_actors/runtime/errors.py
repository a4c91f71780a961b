"""The runtime's errors, in one place.

``ActorError``
    Base of everything below; each carries ``actor``, the name of the actor concerned.
``MailboxFull``
    :meth:`~trt_actors.runtime.ref.ActorRef.tell_nowait` found the mailbox at
    capacity. Nothing was delivered. Use ``await tell(...)`` to wait for room.
``AskTimeout``
    An ask passed its deadline without a reply (``timeout`` says how long it waited).
    The message may or may not have been handled.
``ActorStopped``
    The actor is not running any more (stopped, passivated while the message
    was on its way, its supervisor gave up): the message was not handled.
``ActorFailed``
    The actor crashed while it handled this very message; the crash is chained
    as ``__cause__``.
``ChildEscalated``
    A supervisor gave up on a child that crashed more often than its restart
    policy allows. It ends the supervisor's scope and reaches whoever owns it.
"""

from __future__ import annotations

__all__ = ["ActorError", "ActorFailed", "ActorStopped", "AskTimeout", "ChildEscalated", "MailboxFull"]


class ActorError(Exception):
    def __init__(self, actor: str, message: str) -> None:
        super().__init__(message)
        self.actor = actor


class MailboxFull(ActorError):
    def __init__(self, actor: str, capacity: int) -> None:
        super().__init__(
            actor,
            f"the mailbox of {actor!r} is full ({capacity} messages waiting): "
            "the actor is behind; use `await tell(...)` to wait for room, or shed the message",
        )
        self.capacity = capacity


class AskTimeout(ActorError):
    def __init__(self, actor: str, timeout: float) -> None:
        super().__init__(
            actor,
            f"{actor!r} did not answer within {timeout:g} s; "
            "the message may still be handled later, so only retry what is idempotent",
        )
        self.timeout = timeout


class ActorStopped(ActorError):
    def __init__(self, actor: str) -> None:
        super().__init__(actor, f"{actor!r} is not running, so it did not handle the message")


class ActorFailed(ActorError):
    def __init__(self, actor: str, error: BaseException) -> None:
        super().__init__(
            actor, f"{actor!r} crashed while handling the message: {type(error).__name__}: {error}"
        )
        self.error = error


class ChildEscalated(ActorError):
    def __init__(self, actor: str, crashes: int, error: BaseException) -> None:
        super().__init__(
            actor,
            f"{actor!r} crashed {crashes} times, more than its restart policy allows; "
            f"its supervisor gave up (last error: {type(error).__name__}: {error})",
        )
        self.crashes = crashes
        self.error = error
