"""The shapes that go into and come out of the event log."""

from __future__ import annotations

import msgspec

from trt_actors.events.base import Event

__all__ = ["NewEvent", "Position", "RecordedEvent", "Snapshot"]


class NewEvent(msgspec.Struct, frozen=True, kw_only=True):
    """An event to append, with its envelope fields. The log assigns ``seq`` and ``version``.

    ``event_id`` is the idempotency key: derive it from what caused the event
    (``update:12345``, ``hold:<confirmation id>``), so that doing the same
    thing twice appends once.
    """

    event_id: str
    stream: str
    event: Event
    cid: str
    ts: float
    causation: str | None = None
    chat_id: int | None = None
    user_id: int | None = None


class RecordedEvent(msgspec.Struct, frozen=True, gc=False):
    """An event as the log holds it: the envelope plus the decoded event."""

    seq: int
    event_id: str
    stream: str
    version: int
    type: str
    ts: float
    cid: str
    causation: str | None
    chat_id: int | None
    user_id: int | None
    event: Event


class Position(msgspec.Struct, frozen=True):
    """Where an appended event sits. ``duplicate`` is true when the event id was already in the log."""

    seq: int
    stream: str
    version: int
    event_id: str
    duplicate: bool = False


class Snapshot(msgspec.Struct, frozen=True, kw_only=True):
    """An actor's folded state at ``version`` of ``stream``, encoded by the actor."""

    stream: str
    version: int
    state: bytes
    ts: float
