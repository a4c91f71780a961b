"""The console's reads of the log: by type, page by page, never a write.

Each page of the console opens the log read-only for the time of one request
(:func:`open_log`), so the console over a file and the console inside a
running bot read the same way, and a page never holds the file open.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Final

from eventlog import Event, EventLog, RecordedEvent
from eventlog import open_log as open_eventlog
from trt_actors.events import CODEC

__all__ = ["every", "open_log"]

_PAGE: Final = 5_000


@asynccontextmanager
async def open_log(target: str | Path) -> AsyncIterator[EventLog]:
    """The log at ``target`` (a file, or a PostgreSQL URL), read-only, for one ``async with`` block."""
    async with open_eventlog(target, codec=CODEC, readonly=True) as log:
        yield log


async def every(log: EventLog, *kinds: type[Event]) -> list[RecordedEvent]:
    """Every event of these types (of any type when none is given), in log order."""
    types = [kind.type_name() for kind in kinds] or None
    found: list[RecordedEvent] = []
    seq = 1
    while page := await log.read_from(seq, _PAGE, types=types):
        found.extend(page)
        seq = page[-1].seq + 1
    return found
