"""The pure core of an event-sourced actor: decide what happened, fold it into state.

A decider is three pure functions, with no I/O, no clock and no randomness
(time, ids and random draws arrive as fields of the command)::

    class CounterDecider:
        def initial_state(self) -> Count:
            return Count(total=0)

        def decide(self, state: Count, command: Increment) -> Sequence[Event]:
            if command.by <= 0:
                raise CommandRejected("an increment must be positive")   # a refusal: nothing happens
            return [Incremented(by=command.by, total=state.total + command.by)]

        def evolve(self, state: Count, event: Event) -> Count:
            match event:
                case Incremented(total=total):
                    return Count(total=total)
            return state

``decide`` refuses a command by raising :class:`CommandRejected`; the shell
passes the refusal to the asker and changes nothing. **Any other exception
out of ``decide`` is a bug**: the shell records it as ``ActorCrashed`` under
the command's ``cid`` (with whatever the decider's ``crashed`` fallback says
to the user) and reports it loudly (see :mod:`trt_actors.runtime.command`). ``evolve`` must accept every event its stream can
hold (ignore the ones it does not care about). :func:`fold` replays events.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol, TypeVar

from trt_actors.events import Event

__all__ = ["CommandRejected", "Decider", "fold"]

S = TypeVar("S")
C = TypeVar("C")
C_contra = TypeVar("C_contra", contravariant=True)


class CommandRejected(Exception):
    """A decider's refusal of a command (not a bug): nothing happens and the asker gets this error.

    ``reason`` is a short machine-readable code; the message says why in words.
    """

    def __init__(self, message: str, *, reason: str = "rejected") -> None:
        super().__init__(message)
        self.reason = reason


class Decider(Protocol[S, C_contra]):
    def initial_state(self) -> S: ...

    def decide(self, state: S, command: C_contra) -> Sequence[Event]: ...

    def evolve(self, state: S, event: Event) -> S: ...


def fold(decider: Decider[S, C], state: S, events: Iterable[Event]) -> S:
    """``state`` after every event of ``events``, in order."""
    for event in events:
        state = decider.evolve(state, event)
    return state
