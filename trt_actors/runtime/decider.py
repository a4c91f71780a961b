"""The pure core of an event-sourced actor: decide what happened, fold it into state.

A decider is three pure functions, with no I/O, no clock and no randomness
(time, ids and random draws arrive as fields of the command)::

    class CounterDecider:
        def initial_state(self) -> Count:
            return Count(total=0)

        def decide(self, state: Count, command: Increment) -> Sequence[Event]:
            if command.by <= 0:
                raise ValueError("an increment must be positive")   # a rejection: nothing happens
            return [Incremented(by=command.by, total=state.total + command.by)]

        def evolve(self, state: Count, event: Event) -> Count:
            match event:
                case Incremented(total=total):
                    return Count(total=total)
            return state

``decide`` may raise to reject a command; the shell passes the error to the
asker and changes nothing. ``evolve`` must accept every event its stream can
hold (ignore the ones it does not care about). :func:`fold` replays events.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol, TypeVar

from trt_actors.events import Event

__all__ = ["Decider", "fold"]

S = TypeVar("S")
C = TypeVar("C")
C_contra = TypeVar("C_contra", contravariant=True)


class Decider(Protocol[S, C_contra]):
    def initial_state(self) -> S: ...

    def decide(self, state: S, command: C_contra) -> Sequence[Event]: ...

    def evolve(self, state: S, event: Event) -> S: ...


def fold(decider: Decider[S, C], state: S, events: Iterable[Event]) -> S:
    """``state`` after every event of ``events``, in order."""
    for event in events:
        state = decider.evolve(state, event)
    return state
