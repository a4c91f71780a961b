"""Fixtures: a real SQLite log on tmp_path, the Telegram emulator over real HTTP, a real client.

HTTP deadlines are trio cancel scopes, so these tests run on trio's real clock
and keep every wait short and bounded by ``trio.fail_after``.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from pathlib import Path

from typing import Any

import pytest
import trio

from eventlog import Append, CommitFailed, NewEvent, Position, RecordedEvent, SQLiteEventLog, VersionConflict
from trt_actors.events import CODEC, Button, Event, UiRendered, UpdateReceived
from trt_actors.sandbox.telegram import TelegramEmulator
from trt_actors.actors.intake import UpdateMeta
from trt_actors.telegram import TelegramClient, Update

TOKEN = "123456:TEST-token-0123456789abcdefXYZ"
BOT_ID = 123456


@pytest.fixture
async def log(tmp_path: Path) -> AsyncIterator[SQLiteEventLog]:
    async with SQLiteEventLog.open(tmp_path / "events.sqlite3", codec=CODEC) as opened:
        yield opened


@pytest.fixture
async def emu() -> AsyncIterator[TelegramEmulator]:
    async with TelegramEmulator.serve(token=TOKEN) as emulator:
        yield emulator


@pytest.fixture
async def tg(emu: TelegramEmulator) -> AsyncIterator[TelegramClient]:
    async with TelegramClient(emu.api_base, TOKEN, timeout=5.0) as client:
        client.long_poll_margin = 3.0
        yield client


class Routed:
    """A route that records what it got; ``gate`` (if set) holds every call until it is set."""

    def __init__(self, gate: trio.Event | None = None) -> None:
        self.items: list[tuple[Update, UpdateMeta]] = []
        self.gate = gate
        self._changed = trio.Event()

    async def __call__(self, update: Update, meta: UpdateMeta) -> None:
        if self.gate is not None:
            await self.gate.wait()
        self.items.append((update, meta))
        self._changed.set()
        self._changed = trio.Event()

    async def wait_count(self, count: int, timeout: float = 5.0) -> None:
        with trio.fail_after(timeout):
            while len(self.items) < count:
                await self._changed.wait()


async def render(
    log: SQLiteEventLog,
    chat_id: int,
    dispatch_id: str,
    text: str,
    *,
    buttons: Sequence[Sequence[Button]] = (),
    edit: int | None = None,
    cid: str | None = None,
) -> str:
    """Append a ``UiRendered`` as a session would; return its event id."""
    event_id = f"ui:{dispatch_id}"
    event = UiRendered(
        screen="test",
        dispatch_id=dispatch_id,
        text=text,
        buttons=tuple(tuple(row) for row in buttons),
        edit_message_id=edit,
    )
    await log.append(
        [
            NewEvent(
                event_id=event_id,
                stream=f"chat:{chat_id}",
                event=event,
                cid=cid or f"c-{dispatch_id}",
                ts=time.time(),
                chat_id=chat_id,
                user_id=chat_id,
            )
        ]
    )
    return event_id


async def user_wrote(log: SQLiteEventLog, chat_id: int, update_id: int) -> None:
    """Append an ``UpdateReceived`` from ``chat_id`` as the receiver would."""
    event = UpdateReceived(update_id=update_id, kind="message", body="{}", source="polling")
    await log.append(
        [
            NewEvent(
                event_id=f"update:{BOT_ID}:0:{update_id}",
                stream=f"inbox:{chat_id}",
                event=event,
                cid=f"u{update_id}",
                ts=time.time(),
                chat_id=chat_id,
                user_id=chat_id,
            )
        ]
    )


async def events_of(log: SQLiteEventLog, kind: type[Event]) -> list[RecordedEvent]:
    return [r for r in await log.read_from(1, 100_000) if isinstance(r.event, kind)]


async def wait_for_events(
    log: SQLiteEventLog, kind: type[Event], count: int, timeout: float = 10.0
) -> list[RecordedEvent]:
    """Wait until the log holds at least ``count`` events of ``kind``."""
    with trio.fail_after(timeout):
        while True:
            found = await events_of(log, kind)
            if len(found) >= count:
                return found
            with trio.move_on_after(0.05):
                await log.wait_committed()


class RefusingLog:
    """A real log whose next ``times`` appends matching ``refuse`` fail as a broken disk would.

    ``refuse`` sees the events of one append (every append of an
    ``append_batch`` together); everything else goes to the real log.
    """

    def __init__(self, log: SQLiteEventLog, times: int, refuse: Callable[[Sequence[NewEvent]], bool]) -> None:
        self.log = log
        self.times = times
        self._refuse = refuse

    def _fails(self, events: Sequence[NewEvent]) -> bool:
        if self.times > 0 and self._refuse(events):
            self.times -= 1
            return True
        return False

    async def append(self, events: Sequence[NewEvent], *, expected: Mapping[str, int] | None = None) -> list[Position]:
        if self._fails(events):
            raise CommitFailed("disk I/O error (injected)")
        return await self.log.append(events, expected=expected)

    async def append_batch(self, appends: Sequence[Append]) -> list[list[Position] | VersionConflict]:
        if self._fails([event for append in appends for event in append.events]):
            raise CommitFailed("disk I/O error (injected)")
        return await self.log.append_batch(appends)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.log, name)
