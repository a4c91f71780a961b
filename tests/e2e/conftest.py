"""The whole bot (``run_bot``) against the Telegram emulator over real HTTP, with a real SQLite log."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
import trio

from tests.e2e.books import books_close
from trt_actors.actors.throttle import Throttle
from trt_actors.app import RunningBot, run_bot
from trt_actors.config import Secret, Settings
from trt_actors.sandbox.scripted import ScriptedUser
from trt_actors.sandbox.telegram import TelegramEmulator

TOKEN = "123456:E2E-test-token"


def fast() -> Throttle:
    """Budgets for tests that drive many chats as fast as they can (Telegram's 1/s per chat would only slow them).

    Call it inside trio: a throttle reads trio's clock.
    """
    return Throttle(per_chat_rate=1000.0, per_chat_burst=1000.0, global_rate=10_000.0, global_burst=10_000.0)


@dataclass
class Harness:
    emulator: TelegramEmulator
    bot: RunningBot
    settings: Settings
    nursery: trio.Nursery

    def user(self, user_id: int, name: str, language: str = "ru") -> ScriptedUser:
        return ScriptedUser(self.emulator.user(user_id, first_name=name, language_code=language))


def settings_for(emulator: TelegramEmulator, db: Path) -> Settings:
    return Settings(
        telegram_bot_token=Secret(TOKEN), telegram_api_base=emulator.api_base, db_path=db, http_port=0
    )


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    async with TelegramEmulator.serve(token=TOKEN) as emulator, trio.open_nursery() as nursery:
        # Enough credits for every order a test places (a welcome grant, as WELCOME_CREDITS gives).
        settings = replace(settings_for(emulator, tmp_path / "trt.sqlite3"), welcome_credits=10_000)
        bot: RunningBot = await nursery.start(lambda task_status: run_bot(settings, throttle=fast(), task_status=task_status))
        yield Harness(emulator, bot, settings, nursery)
        nursery.cancel_scope.cancel()
    assert await books_close(tmp_path / "trt.sqlite3") == []
