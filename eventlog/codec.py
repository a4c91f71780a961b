"""The seam between the log and an event vocabulary: how events become bytes and back.

The log never knows which events exist. Whoever opens it passes a codec,
usually the vocabulary's (``trt_actors.events.CODEC``)::

    async with SQLiteEventLog.open("trt.sqlite3", codec=CODEC) as log:
        ...

A codec must give every event a stable type name (the log files events under
it and filters reads by it) and must decode every type the log may hold,
including the older forms of renamed or reshaped events.
"""

from __future__ import annotations

from typing import Protocol

from eventlog.event import Event

__all__ = ["Codec"]


class Codec(Protocol):
    """Encodes events to bytes and decodes them by their type name (see the module docstring)."""

    def type_of(self, event: Event) -> str:
        """The type name the log files ``event`` under."""
        ...

    def encode(self, event: Event) -> bytes:
        """The stored form of ``event``."""
        ...

    def decode(self, type_name: str, payload: bytes) -> Event:
        """The event stored as ``payload`` under ``type_name``."""
        ...
