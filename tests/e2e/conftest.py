"""The whole bot (``run_bot``) against the Telegram emulator over real HTTP, with a real log on either store.

A test that takes :func:`log_target` runs twice, on an SQLite file and on a
PostgreSQL schema of its own (see :mod:`tests.e2e.stores`); the tests that
are about the SQLite file itself (a SIGKILL mid-write, a broken disk) take a
path in ``tmp_path`` instead.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
import trio

from eventlog import is_postgres
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
STORES = ("sqlite", "postgresql")


@pytest.fixture(params=STORES)
def log_target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where this test's log is: the file ``trt.sqlite3`` in ``tmp_path``, then an empty PostgreSQL schema.

    The server is asked for only by the PostgreSQL run, so SQLite runs never start it.
    """
    if request.param == "postgresql":
        return str(request.getfixturevalue("postgres_url"))
    return str(tmp_path / "trt.sqlite3")


SQLITE_ONLY = pytest.mark.parametrize("log_target", ["sqlite"], indirect=True)
"""Runs a test that takes :func:`log_target` on SQLite only; a comment where it is used says why."""


@dataclass(frozen=True)
class Store:
    """One of the two stores, and a way to a new, empty log on it at each call of ``fresh``."""

    name: str
    fresh: Callable[[], str]


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Store:
    """This test's store, for a test that needs many logs (a hypothesis test: a log per example)."""
    if request.param == "postgresql":
        server = request.getfixturevalue("postgres_server")
        return Store("postgresql", lambda: str(server.fresh()))
    return Store("sqlite", lambda: str(tmp_path_factory.mktemp("log") / "trt.sqlite3"))


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


def on_log(settings: Settings, target: str | Path) -> Settings:
    """``settings`` with the log at ``target``: ``db_url`` for a PostgreSQL URL, ``db_path`` for a file."""
    where = os.fspath(target)
    if is_postgres(where):
        return replace(settings, db_url=Secret(where))
    return replace(settings, db_path=Path(where))


def settings_for(emulator: TelegramEmulator, db: str | Path, kie: KieEmulator | None = None) -> Settings:
    """The bot against the emulators, its log at ``db`` (a file or a URL); without ``kie``, KIE is a closed
    loopback port (a job could not reach it)."""
    return on_log(Settings(
        telegram_bot_token=Secret(TOKEN), telegram_api_base=emulator.api_base, http_port=0,
        kie_api_key=Secret(KIE_KEY), kie_api_base=kie.api_base if kie else "http://127.0.0.1:9",
        kie_upload_base=kie.upload_base if kie else "http://127.0.0.1:9/upload",
        lease_seconds=1.0,  # a bot restarted after a SIGKILL waits this long for the dead one's lease
    ), db)


@pytest.fixture
async def harness(log_target: str) -> AsyncIterator[Harness]:
    async with TelegramEmulator.serve(token=TOKEN) as emulator, kie_emulator() as kie, trio.open_nursery() as nursery:
        # Enough credits for every order a test places (a welcome grant, as WELCOME_CREDITS gives).
        settings = replace(settings_for(emulator, log_target, kie), welcome_credits=10_000)
        bot: RunningBot = await nursery.start(lambda task_status: run_bot(settings, throttle=fast(), task_status=task_status))
        yield Harness(emulator, bot, settings, nursery, kie)
        nursery.cancel_scope.cancel()
    assert await books_close(log_target) == []
    assert await replays_identical(log_target, settings, load_valid_registry()) == []
