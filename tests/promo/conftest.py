"""The promo tests' log: a real SQLite file on ``tmp_path``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from eventlog import SQLiteEventLog
from trt_actors.events import CODEC


@pytest.fixture
async def log(tmp_path: Path) -> AsyncIterator[SQLiteEventLog]:
    async with SQLiteEventLog.open(tmp_path / "promo.sqlite3", codec=CODEC) as opened:
        yield opened
