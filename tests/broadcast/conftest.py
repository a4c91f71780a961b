"""Fixtures: a real SQLite log on tmp_path, the Telegram emulator over real HTTP, a real client, and users.

HTTP deadlines are trio cancel scopes, so these tests run on trio's real clock
and bound every wait with ``trio.fail_after``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable

import pytest

from eventlog import NewEvent, SQLiteEventLog
from trt_actors.actors.session_region import session_stream
from trt_actors.events.session import SessionStarted
from trt_actors.sandbox.telegram import TelegramEmulator
from trt_actors.telegram import TelegramClient

from tests.actors.conftest import TOKEN, emu, log  # noqa: F401 - the actors' fixtures, shared


@pytest.fixture
async def tg(emu: TelegramEmulator) -> AsyncIterator[TelegramClient]:
    async with TelegramClient(emu.api_base, TOKEN, timeout=5.0, max_connections=32) as client:
        yield client


async def users_wrote(log: SQLiteEventLog, emu: TelegramEmulator | None, users: Iterable[int]) -> None:
    """Make ``users`` known to the emulator and give each a session stream, as their first message would."""
    events = []
    for user in users:
        if emu is not None:
            emu.user(user, f"User {user}")
        events.append(NewEvent(
            event_id=f"test:session:{user}", stream=session_stream(user), event=SessionStarted(language="en"),
            cid=f"c-start-{user}", ts=1_767_222_000.0, chat_id=user, user_id=user,
        ))
    await log.append(events)
