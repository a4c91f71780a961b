"""Every acknowledged append survives SIGKILL of the process; the log stays consistent."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import trio

from eventlog import SQLiteEventLog
from tests.eventlog.conftest import new_event
from trt_actors.events import CODEC

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
async def test_acknowledged_appends_survive_sigkill(tmp_path: Path, seed: int) -> None:
    path = tmp_path / "log.sqlite3"
    kill_after = random.Random(seed).randint(20, 400)  # acknowledged appends before the kill
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.eventlog.durability_child", str(path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    acknowledged: list[tuple[int, int]] = []
    assert child.stdout is not None
    for line in child.stdout:
        a, r = map(int, line.split())
        acknowledged.append((a, r))
        if len(acknowledged) >= kill_after:
            child.send_signal(signal.SIGKILL)
            break
    # Lines already written by the child before the kill were acknowledged too.
    rest = child.stdout.read()
    for line in rest.splitlines():
        left, _, right = line.partition(" ")
        if left.isdigit() and right.isdigit():
            acknowledged.append((int(left), int(right)))
    child.wait()
    assert child.returncode == -signal.SIGKILL, child.stderr.read() if child.stderr else ""
    assert len(acknowledged) >= kill_after

    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    ids = {row[0] for row in conn.execute("SELECT event_id FROM events")}
    for a, r in acknowledged:
        for i in range(1 + r % 3):
            assert f"a{a}-r{r}-{i}" in ids, f"acknowledged append a{a} r{r} is missing after the crash"
    # Batches are atomic: a batch is either whole or absent.
    by_cid: dict[str, int] = {}
    for (cid,) in conn.execute("SELECT cid FROM events"):
        by_cid[cid] = by_cid.get(cid, 0) + 1
    for cid, count in by_cid.items():
        r = int(cid.split("-r")[1])
        assert count == 1 + r % 3, f"batch {cid} is partial: {count} events"
    seqs = [row[0] for row in conn.execute("SELECT seq FROM events ORDER BY seq")]
    assert seqs == list(range(1, len(seqs) + 1))
    for (stream,) in conn.execute("SELECT DISTINCT stream FROM events"):
        versions = [v for (v,) in conn.execute("SELECT version FROM events WHERE stream = ? ORDER BY version", (stream,))]
        assert versions == list(range(1, len(versions) + 1))
    conn.close()

    # The log reopens and carries on from where it was.
    async with SQLiteEventLog.open(path, codec=CODEC) as log:
        before = len(seqs)
        assert len(await log.read_from(1, limit=10**6)) == before
        [pos] = await log.append([new_event(stream="chat:0")])
        assert pos.seq == before + 1
        with trio.fail_after(5):
            assert (await log.read_stream("chat:0"))[-1].version == pos.version
