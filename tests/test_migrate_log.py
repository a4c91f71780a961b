"""``migrate-log``: a log copied from SQLite to PostgreSQL with every event, position and table intact, then proved."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import trio

from eventlog import NewEvent, Snapshot, open_log
from eventlog.errors import EventLogError
from eventlog.moving import copy_log
from trt_actors.events import CODEC, CallbackRejected

ROOT = Path(__file__).resolve().parent.parent


def _event(n: int, *, opens: str | None = None, closes: str | None = None) -> NewEvent:
    return NewEvent(event_id=f"e{n}", stream=f"chat:{n % 3}", event=CallbackRejected(reason_code="stale", data=f"d{n}"),
                    cid=f"c{n // 4}", ts=1_700_000_000.25 + n, causation=None if n == 0 else f"e{n - 1}",
                    chat_id=n % 3, user_id=100 + n, opens=opens, closes=closes)


async def _source(path: Path) -> None:
    async with open_log(path, codec=CODEC) as log:
        await log.append([_event(n) for n in range(7)])
        await log.append([_event(7, opens="job:a"), _event(8, opens="job:b")])
        await log.append([_event(9, closes="job:a")])
        await log.save_snapshot(Snapshot(stream="chat:1", version=2, state=b"\x00state", ts=5.0))
        await log.save_checkpoint("router", 9)


async def test_a_copy_reads_back_the_same_events_positions_snapshots_checkpoints_and_open_items(
    tmp_path: Path, postgres_url: str
) -> None:
    source = tmp_path / "trt.sqlite3"
    await _source(source)
    report = await trio.to_thread.run_sync(lambda: copy_log(f"sqlite:{source}", postgres_url))
    assert report.events == 10
    assert report.rows == {"snapshots": 1, "checkpoints": 1, "open_items": 1}
    async with open_log(source, codec=CODEC, readonly=True) as old, open_log(postgres_url, codec=CODEC) as new:
        assert await new.read_from(1, 100) == await old.read_from(1, 100)
        assert await new.read_cid("c1") == await old.read_cid("c1")
        assert await new.load_snapshot("chat:1") == await old.load_snapshot("chat:1")
        assert await new.load_checkpoint("router") == 9
        assert [i.item for i in await new.open_items("job:")] == ["job:b"]
        assert await new.commit_times("c0") == await old.commit_times("c0")
        [position] = await new.append([_event(10)])  # the copy goes on where the source stopped
        assert (position.seq, position.version) == (11, 4)


async def test_a_target_that_holds_a_log_is_refused_and_left_as_it_was(tmp_path: Path, postgres_url: str) -> None:
    source = tmp_path / "trt.sqlite3"
    await _source(source)
    async with open_log(postgres_url, codec=CODEC) as target:
        await target.append([_event(50)])
    with pytest.raises(EventLogError, match="already holds a log"):
        await trio.to_thread.run_sync(lambda: copy_log(f"sqlite:{source}", postgres_url))
    async with open_log(postgres_url, codec=CODEC, readonly=True) as target:
        assert [r.event_id for r in await target.read_from(1)] == ["e50"]


async def test_a_source_that_is_not_a_log_is_a_sentence(tmp_path: Path, postgres_url: str) -> None:
    with pytest.raises(EventLogError, match="no event log"):
        await trio.to_thread.run_sync(lambda: copy_log(str(tmp_path / "missing.sqlite3"), postgres_url))


async def test_the_command_copies_and_never_prints_the_password(tmp_path: Path, postgres_url: str) -> None:
    source = tmp_path / "trt.sqlite3"
    await _source(source)
    with_password = postgres_url.replace("postgresql://postgres@", "postgresql://postgres:hunter2-secret@")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    first = subprocess.run([sys.executable, "main.py", "migrate-log", "--from", f"sqlite:{source}", "--to",
                            with_password], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert first.returncode == 0, first.stderr
    assert "copied 10 events" in first.stdout and "checksum" in first.stdout
    again = subprocess.run([sys.executable, "main.py", "migrate-log", "--from", str(source), "--to", with_password],
                           cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert again.returncode == 2 and "already holds a log" in again.stderr
    for output in (first.stdout, first.stderr, again.stdout, again.stderr):
        assert "hunter2-secret" not in output
