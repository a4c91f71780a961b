"""The whole bot (``run_bot``) against the Telegram emulator over real HTTP, with a real SQLite log."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
import trio

from registry import load_valid_registry
from tests.e2e.books import books_close, replays_identical
from trt_actors.actors.throttle import Throttle
from trt_actors.app import RunningBot, run_bot
from trt_actors.config import Secret, Settings
from trt_actors.sandbox.kie import KieEmulator
from trt_actors.sandbox.kie.schemas import schemas_from_registry
from trt_actors.sandbox.kie.script import Script
from trt_actors.sandbox.scripted import ScriptedUser
from trt_actors.sandbox.telegram import TelegramEmulator

TOKEN = "123456:E2E-test-token"
KIE_KEY = "e2e-kie-key"
FAST = Script(waiting=1, generating=1, stage_seconds=0.05)
"""What a KIE task does in these tests unless a test scripts its model: done in about a tenth of a second."""


@asynccontextmanager
async def kie_emulator(**serve: Any) -> AsyncIterator[KieEmulator]:
    """The KIE emulator with fast tasks (:data:`FAST`) that refuses, as KIE does, an ``input`` its vendor would
    refuse (the schemas of every model of the registry): the bot's jobs run against it, never against KIE."""
    async with KieEmulator.serve(api_key=KIE_KEY, **serve) as kie:
        kie.default_script = FAST
        kie.schemas = schemas_from_registry(load_valid_registry())
        yield kie


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
    kie: KieEmulator

    def user(self, user_id: int, name: str, language: str = "ru") -> ScriptedUser:
        return ScriptedUser(self.emulator.user(user_id, first_name=name, language_code=language))


def settings_for(emulator: TelegramEmulator, db: Path, kie: KieEmulator | None = None) -> Settings:
    """The bot against the emulators; without ``kie``, KIE is a closed loopback port (a job could not reach it)."""
    return Settings(
        telegram_bot_token=Secret(TOKEN), telegram_api_base=emulator.api_base, db_path=db, http_port=0,
        kie_api_key=Secret(KIE_KEY), kie_api_base=kie.api_base if kie else "http://127.0.0.1:9",
        kie_upload_base=kie.upload_base if kie else "http://127.0.0.1:9/upload",
        lease_seconds=1.0,  # a bot restarted after a SIGKILL waits this long for the dead one's lease
    )


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    async with TelegramEmulator.serve(token=TOKEN) as emulator, kie_emulator() as kie, trio.open_nursery() as nursery:
        # Enough credits for every order a test places (a welcome grant, as WELCOME_CREDITS gives).
        settings = replace(settings_for(emulator, tmp_path / "trt.sqlite3", kie), welcome_credits=10_000)
        bot: RunningBot = await nursery.start(lambda task_status: run_bot(settings, throttle=fast(), task_status=task_status))
        yield Harness(emulator, bot, settings, nursery, kie)
        nursery.cancel_scope.cancel()
    assert await books_close(tmp_path / "trt.sqlite3") == []
    assert await replays_identical(tmp_path / "trt.sqlite3", settings, load_valid_registry()) == []
