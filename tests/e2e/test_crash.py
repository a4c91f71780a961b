"""SIGKILL with updates in flight across several chats: after the restart every recorded update is decided exactly once."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import trio

from trt_actors.limits import Rate
from tests.e2e.support import bot_process

ROOT = Path(__file__).resolve().parents[2]


def _undecided(path: Path) -> tuple[int, list[str], dict[str, int]]:
    """(updates recorded, event ids of private-chat updates with no screen, screens per update)."""
    conn = sqlite3.connect(path)
    try:
        updates = [row[0] for row in conn.execute("SELECT event_id FROM events WHERE type = 'UpdateReceived'")]
        screens: dict[str, int] = {}
        for causation, count in conn.execute(
            "SELECT causation, COUNT(*) FROM events WHERE type = 'UiRendered' AND stream LIKE 'chat:%' GROUP BY causation"
        ):
            screens[causation] = count
    finally:
        conn.close()
    return len(updates), [u for u in updates if u not in screens], screens


@pytest.mark.parametrize("seed", [1, 2])
async def test_updates_recorded_before_a_sigkill_are_decided_exactly_once_after_the_restart(
    tmp_path: Path, seed: int
) -> None:
    db = tmp_path / "bot.sqlite3"
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.e2e.crash_child", str(db)],
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
