"""The storage interface the actors use. SQLite implements it today; PostgreSQL can tomorrow.

Actors and deciders see only this protocol, never SQL, so a different store
(sessions sharded by chat across instances, a PostgreSQL lease) replaces the
file without touching them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Protocol

from eventlog.records import NewEvent, Position, RecordedEvent, Snapshot

__all__ = ["EventStore"]


class EventStore(Protocol):
    """What an actor may do with the log: append, read, subscribe, snapshot. No SQL."""

    async def append(
        self, events: Sequence[NewEvent], *, expected: Mapping[str, int] | None = None
    ) -> list[Position]: ...

    async def read_stream(
        self, stream: str, from_version: int = 1, limit: int | None = None
    ) -> list[RecordedEvent]: ...

    async def read_cid(self, cid: str) -> list[RecordedEvent]: ...

    async def read_from(self, seq: int, limit: int = 1000) -> list[RecordedEvent]: ...

    async def stream_version(self, stream: str) -> int: ...

    async def save_snapshot(self, snapshot: Snapshot) -> None: ...

    async def load_snapshot(self, stream: str) -> Snapshot | None: ...

    def subscribe(self, from_seq: int = 1, *, page: int = 500) -> AsyncIterator[RecordedEvent]: ...
