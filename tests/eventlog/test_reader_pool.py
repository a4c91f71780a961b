"""Reads borrow from a bounded pool of connections: worker threads that come and go leak none."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import trio

from eventlog import SQLiteEventLog
from tests.eventlog.conftest import new_event


def open_files(path: Path) -> int:
    """How many file descriptors of this process point at ``path``."""
    target = os.path.realpath(path)
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}") == target:
                count += 1
        except OSError:
            pass
    return count


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts descriptors through /proc")
async def test_reads_from_many_short_lived_threads_keep_a_bounded_number_of_connections(
    sqlite_log: SQLiteEventLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Trio's idle worker threads exit after IDLE_TIMEOUT; make it tiny so each round of
    # reads below runs on threads that did not exist in the round before.
    monkeypatch.setattr(trio._core._thread_cache, "IDLE_TIMEOUT", 0.001)
    await sqlite_log.append([new_event() for _ in range(3)])
    most = 0
    for _ in range(12):
        async with trio.open_nursery() as nursery:
            for _ in range(6):
                nursery.start_soon(sqlite_log.read_from, 1)
            nursery.start_soon(sqlite_log.stream_version, "chat:1")
        await trio.sleep(0.03)  # the workers go idle and exit
        most = max(most, open_files(sqlite_log.path))
    assert most <= 1 + 4  # the writer and at most four readers
    readers = sqlite_log.statistics().readers
    assert readers.size == 4 and readers.opened <= 4 and readers.open == readers.idle <= 4
    await sqlite_log.aclose()
    assert open_files(sqlite_log.path) == 0
