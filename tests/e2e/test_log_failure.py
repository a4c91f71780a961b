"""A bot whose log can no longer record stops, with the reason, instead of taking updates it cannot keep."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
import trio

from eventlog.connections import connect_writer
from tests.e2e.conftest import TOKEN, fast
from tests.e2e.support import REGISTRY
from tests.eventlog.stand_ins import FlakyConnection
from trt_actors.app import BotStopped, run_bot
from trt_actors.config import Secret, Settings
from trt_actors.sandbox.telegram import TelegramEmulator


async def test_the_bot_stops_with_the_reason_when_the_logs_writer_breaks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_connect = connect_writer
    made: list[FlakyConnection] = []
    disk_gone = False

    def connect(path: Path) -> Any:
        if disk_gone:
            raise sqlite3.OperationalError("unable to open database file")
        made.append(FlakyConnection(real_connect(path)))
        return made[-1]

    monkeypatch.setattr("eventlog.sqlite.connect_writer", connect)  # the writer's only way to the disk
    async with TelegramEmulator.serve(token=TOKEN) as emulator:
        settings = Settings(telegram_bot_token=Secret(TOKEN), telegram_api_base=emulator.api_base, db_path=tmp_path / "bot.db")
        ann = emulator.user(1001, "Ann")
        stopped: list[BaseException] = []

        async def run(task_status: trio.TaskStatus[Any]) -> None:
            try:
                await run_bot(settings, registry=REGISTRY, throttle=fast(), task_status=task_status)
            except BaseException as exc:  # the nursery groups it; keep it to look at
                stopped.append(exc)

        with trio.fail_after(20):
            async with trio.open_nursery() as nursery:
                bot = await nursery.start(run)
                await ann.send_text("/start")
                await ann.wait_messages(1)  # healthy: recorded, decided, delivered
                assert bot.log.healthy
                disk_gone = True
                writer = made[-1]
                writer.fail("COMMIT", sqlite3.OperationalError("disk I/O error"))
                writer.fail("ROLLBACK", sqlite3.OperationalError("disk I/O error"))
                await ann.send_text("hello?")
    [reason] = [error for error in _leaves(stopped) if isinstance(error, BotStopped)]
    assert "the event log cannot record any more" in str(reason) and "disk I/O error" in str(reason)
    assert not bot.log.healthy


def _leaves(errors: list[BaseException]) -> list[BaseException]:
    flat: list[BaseException] = []
    for error in errors:
        flat.extend(_leaves(list(error.exceptions)) if isinstance(error, BaseExceptionGroup) else [error])
    return flat
