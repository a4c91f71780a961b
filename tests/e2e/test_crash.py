"""SIGKILL with updates in flight across several chats: after the restart every recorded update is decided exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import trio

from trt_actors.limits import Rate
from tests.e2e.conftest import SQLITE_ONLY
from tests.e2e.stores import rows
from tests.e2e.support import bot_process

ROOT = Path(__file__).resolve().parents[2]


def _undecided(db: str) -> tuple[int, list[str], dict[str, int]]:
    """(updates recorded, event ids of private-chat updates with no screen, screens per update)."""
    updates = [row[0] for row in rows(db, "SELECT event_id FROM events WHERE type = 'UpdateReceived'")]
    screens: dict[str, int] = {str(causation): int(count) for causation, count in rows(
        db, "SELECT causation, COUNT(*) FROM events WHERE type = 'UiRendered' AND stream LIKE 'chat:%' GROUP BY causation")}
    return len(updates), [u for u in updates if u not in screens], screens


@SQLITE_ONLY  # heavy (15 s); on PostgreSQL, test_handover's SIGKILL of the active instance under load is this story
@pytest.mark.parametrize("seed", [1, 2])
async def test_updates_recorded_before_a_sigkill_are_decided_exactly_once_after_the_restart(
    log_target: str, seed: int
) -> None:
    db = log_target
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.e2e.crash_child", db],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert child.stdout is not None
    kill_at = time.monotonic() + 2.5 + 0.7 * seed  # past the first checkpoints, with a backlog in flight
    for line in child.stdout:
        if line.startswith("sent") and time.monotonic() >= kill_at:
            child.send_signal(signal.SIGKILL)
            break
    child.wait()
    assert child.returncode == -signal.SIGKILL, child.stderr.read() if child.stderr else ""
    recorded, undecided, _ = _undecided(db)
    assert recorded > 50, f"the child recorded only {recorded} updates before the kill"

    # The same log, a new process (a fresh emulator: nothing new arrives, only what was recorded is there).
    async with bot_process(db, rate_messages=Rate(10_000, 1.0)):  # as the child ran: no limit
        with trio.fail_after(60):
            while undecided:
                await trio.sleep(0.05)
                _, undecided, _ = _undecided(db)
    recorded_after, undecided, screens = _undecided(db)
    assert recorded_after == recorded and not undecided
    doubled = {update: count for update, count in screens.items() if count != 1}
    assert not doubled, f"updates decided more than once: {doubled}"
