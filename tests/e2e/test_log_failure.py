"""A bot whose log can no longer record stops, with the reason, instead of taking updates it cannot keep."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import trio

from eventlog.connections import SQLiteEngine, connect_writer
from eventlog.engine import Connection
from tests.e2e.conftest import TOKEN, fast
from tests.e2e.support import REGISTRY
from tests.eventlog.stand_ins import FlakyConnection
from trt_actors.app import BotStopped, run_bot
from trt_actors.config import Secret, Settings
from trt_actors.sandbox.telegram import TelegramEmulator


@dataclass
class _Disk:
    """The disk under the bot's log as the test breaks it: the writer's connections, and whether it is gone."""

    made: list[FlakyConnection] = field(default_factory=list)
    gone: bool = False


class _OnBreakableDisk(SQLiteEngine):
    """The SQLite engine, with writer connections the test can break (:class:`FlakyConnection`) and none
    to be had once the disk is gone. Migrations see the real connection under the wrapper."""

    def __init__(self, path: Path, disk: _Disk) -> None:
        super().__init__(path)
        self.disk = disk

    def connect_writer(self) -> Connection:
        if self.disk.gone:
            raise sqlite3.OperationalError("unable to open database file")
        self.disk.made.append(FlakyConnection(connect_writer(self.path)))
        return self.disk.made[-1]

    def migrate(self, conn: Connection) -> list[int]:
        return super().migrate(conn.real if isinstance(conn, FlakyConnection) else conn)

    def schema_version(self, conn: Connection) -> int:
        return super().schema_version(conn.real if isinstance(conn, FlakyConnection) else conn)


async def test_the_bot_stops_with_the_reason_when_the_logs_writer_breaks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk = _Disk()
    monkeypatch.setattr("eventlog.sqlite.SQLiteEngine", partial(_OnBreakableDisk, disk=disk))  # the log's way to disk
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
                disk.gone = True
                writer = disk.made[-1]
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
