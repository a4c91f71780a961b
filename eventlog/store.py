"""The storage interface the actors use. SQLite implements it today; PostgreSQL can tomorrow.

Actors and deciders see only this protocol, never SQL, so a different store
(sessions sharded by chat across instances, a PostgreSQL lease) replaces the
file without touching them.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Protocol

from eventlog.errors import VersionConflict
from eventlog.records import Append, NewEvent, OpenItem, Position, RecordedEvent, Snapshot
from eventlog.subscription import Subscription

__all__ = ["EventStore"]


class EventStore(Protocol):
    """What an actor may do with the log: append, read, subscribe, snapshot, checkpoint. No SQL."""

    @property
    def healthy(self) -> bool: ...

    @property
    def closed(self) -> bool: ...

    async def append(
        self, events: Sequence[NewEvent], *, expected: Mapping[str, int] | None = None
    ) -> list[Position]: ...

    async def append_batch(self, appends: Sequence[Append]) -> list[list[Position] | VersionConflict]: ...

    async def read_stream(
        self, stream: str, from_version: int = 1, limit: int | None = None
    ) -> list[RecordedEvent]: ...

    async def read_cid(self, cid: str) -> list[RecordedEvent]: ...

    async def read_from(
        self, seq: int, limit: int = 1000, *, types: Collection[str] | None = None
    ) -> list[RecordedEvent]: ...

    async def stream_version(self, stream: str) -> int: ...

    async def save_snapshot(self, snapshot: Snapshot) -> None: ...

    async def load_snapshot(self, stream: str) -> Snapshot | None: ...

    async def load_stream(self, stream: str) -> tuple[Snapshot | None, list[RecordedEvent]]: ...

    async def save_checkpoint(self, name: str, seq: int) -> None: ...

    async def load_checkpoint(self, name: str) -> int: ...

    async def open_items(self, prefix: str) -> list[OpenItem]: ...

    def subscribe(
        self, from_seq: int = 1, *, types: Collection[str] | None = None, page: int = 500
    ) -> Subscription: ...
