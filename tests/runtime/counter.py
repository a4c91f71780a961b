"""A tiny event-sourced domain for the runtime tests: a counter with a pure decider."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from eventlog import RecordedEvent
from trt_actors.events import ALL_EVENTS, Event, EventCodec
from trt_actors.runtime.decider import CommandRejected


class Incremented(Event, frozen=True):
    by: int
    total: int


class Reset(Event, frozen=True):
    pass


class Count(msgspec.Struct, frozen=True):
    total: int = 0
    increments: int = 0


class Increment(msgspec.Struct, frozen=True):
    by: int = 1


class ResetCount(msgspec.Struct, frozen=True):
    pass


CounterCommand = Increment | ResetCount

CODEC = EventCodec([*ALL_EVENTS, Incremented, Reset])


class CounterDecider:
    def initial_state(self) -> Count:
        return Count()

    def decide(self, state: Count, command: CounterCommand) -> Sequence[Event]:
        match command:
            case Increment(by=by):
                if by <= 0:
                    raise CommandRejected(f"an increment must be positive, not {by}")
                return [Incremented(by=by, total=state.total + by)]
            case ResetCount():
                return [] if state.total == 0 else [Reset()]

    def evolve(self, state: Count, event: Event) -> Count:
        match event:
            case Incremented(total=total):
                return Count(total=total, increments=state.increments + 1)
            case Reset():
                return Count(total=0, increments=state.increments)
        return state


class ActLog:
    """Records what the act hook saw, to prove it ran only after a commit."""

    def __init__(self) -> None:
        self.calls: list[tuple[Count, list[RecordedEvent]]] = []

    async def __call__(self, state: Count, events: Sequence[RecordedEvent]) -> None:
        self.calls.append((state, list(events)))

    @property
    def totals(self) -> list[int]:
        return [e.event.total for _, events in self.calls for e in events if isinstance(e.event, Incremented)]

