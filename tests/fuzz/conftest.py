"""What every fuzz test checks after each example, and the whole bot it drives.

The bot runs as in production (``run_bot``, real SQLite log, real HTTP)
against the Telegram and KIE emulators, freshly for each example, so that an
example's log holds only what its own inputs caused. :func:`fuzzed_bot`
also checks, as every end-to-end test does, that the books close and every
chain replays identically once the bot is stopped.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from hypothesis import HealthCheck, settings

from eventlog import RecordedEvent
from tests.e2e.support import BotProcess, bot_process, free_port
from tests.fuzz.bot_api import USERS
from trt_actors.app import BOT_STREAM
from trt_actors.events import ActorCrashed, Event
from trt_actors.events.ledger import LEDGER_EVENTS

__all__ = ["FUZZ", "SECRET", "crashes", "fuzzed_bot", "ledger_moves", "recorded", "types_of"]

SECRET = "fuzz-webhook-secret"

FUZZ = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)
"""For the tests that start the whole bot per example: a few examples each, never timed."""


@asynccontextmanager
async def fuzzed_bot(folder: Path, **settings_extra: Any) -> AsyncIterator[tuple[BotProcess, httpx.AsyncClient]]:
    """The whole bot in webhook mode on a fresh log in ``folder``, its users known to Telegram, and an HTTP client."""
    async with bot_process(folder / "trt.sqlite3", webhook_secret=SECRET, port=free_port(),
                           **settings_extra) as process, httpx.AsyncClient(timeout=10.0, trust_env=False) as http:
        for user_id in USERS:
            process.emulator.user(user_id, first_name=f"U{user_id}", language_code="en")
        yield process, http


async def recorded(process: BotProcess, after: int = 0) -> list[RecordedEvent]:
    """What the bot recorded after ``seq``, without the lease and the bot's own identity it records at start."""
    events = await process.bot.log.read_from(after + 1, limit=1_000_000)
    return [r for r in events if r.stream not in ("ops:lease", BOT_STREAM)]


def types_of(events: list[RecordedEvent]) -> list[str]:
    return [r.type for r in events]


def ledger_moves(events: list[RecordedEvent]) -> list[Event]:
    """Every ledger event among ``events``: a credit that moved, or a hold asked for."""
    return [r.event for r in events if isinstance(r.event, LEDGER_EVENTS)]


def crashes(events: list[RecordedEvent]) -> list[ActorCrashed]:
    return [r.event for r in events if isinstance(r.event, ActorCrashed)]
