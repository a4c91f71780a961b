"""Fixtures for the runtime tests: a real SQLite event log in a temporary directory.

Timing tests run on ``autojump_clock`` (``MockClock(autojump_threshold=0)``). The
log does its I/O in threads, and a task waiting on a thread counts as blocked,
so virtual time may jump to the next pending deadline during an append. The
tests therefore never have a deadline pending while they wait on the log:
asks that touch the log use ``timeout=None``, and the deadlines that matter
(backoff pauses, idle timers) start only after the I/O they follow.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from eventlog import SQLiteEventLog
from tests.runtime.counter import CODEC


@pytest.fixture
async def log(tmp_path: Path) -> AsyncIterator[SQLiteEventLog]:
    async with SQLiteEventLog.open(tmp_path / "runtime.sqlite3", codec=CODEC) as opened:
        yield opened
