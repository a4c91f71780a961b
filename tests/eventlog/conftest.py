from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from eventlog import NewEvent, SQLiteEventLog
from trt_actors.events import CODEC, CallbackRejected, Event

_ids = itertools.count()


def new_event(
    stream: str = "chat:1", cid: str = "cid-1", event: Event | None = None, event_id: str | None = None
) -> NewEvent:
    n = next(_ids)
    return NewEvent(
        event_id=event_id or f"test-{n}",
        stream=stream,
        event=event or CallbackRejected(reason_code="stale", data=f"d{n}"),
        cid=cid,
        ts=1_700_000_000.0 + n,
    )


@pytest.fixture
async def log(tmp_path: Path) -> AsyncIterator[SQLiteEventLog]:
    async with SQLiteEventLog.open(tmp_path / "log.sqlite3", codec=CODEC) as opened:
        yield opened
