"""Session memory: what one live session costs, and what a passivated chat leaves behind.

    python bench/sessions.py              # 100,000 chats (a few minutes)
    python bench/sessions.py --quick      # 10,000 chats

Every chat writes ``/start`` to its session through the real sessions, shell,
decider and SQLite log (durable appends). Memory is measured with
``tracemalloc`` (Python allocations, which is what a session is made of), after
a full garbage collection, at three moments:

1. before any chat (the region, the registry, the log open);
2. with every chat's session live (its shell and folded state in memory,
   with the lock that keeps one command at a time), in sessions that never
   passivate;
3. in second sessions over the same chats, each session rebuilt from its
   snapshot and stream, after every one of them was passivated (idle timeout),
   when only what the process keeps per chat, if anything, remains.

Per live session = (2 - 1) / chats; per passivated chat = (3 - its own 1) / chats.
``tracemalloc`` slows Python down, so no timing here is meaningful.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import trio

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eventlog import SQLiteEventLog  # noqa: E402
from registry import load_valid_registry  # noqa: E402
from trt_actors.actors.intake import Parsed, parse_update, update_events  # noqa: E402
from trt_actors.actors.session_region import Sessions  # noqa: E402
from trt_actors.events import CODEC  # noqa: E402

IDLE = 3.0


def _update(chat: int) -> bytes:
    user = {"id": chat, "is_bot": False, "first_name": "U", "language_code": "en"}
    message = {"message_id": 1, "date": 1, "chat": {"id": chat, "type": "private"}, "from": user, "text": "/start"}
    return json.dumps({"update_id": chat, "message": message}).encode()


def _traced() -> int:
    gc.collect()
    current, _ = tracemalloc.get_traced_memory()
    return current


async def _start_all(sessions: Sessions, chats: int, workers: int) -> float:
    started = time.perf_counter()
    next_chat = iter(range(1, chats + 1))

    async def worker() -> None:
        for chat in next_chat:
            parsed = parse_update(_update(chat), source="polling", ts=float(chat))
            assert isinstance(parsed, Parsed)
            meta, _ = update_events(parsed, bot_id=1, era=0)
            await sessions.route(parsed.update, meta)

    async with trio.open_nursery() as nursery:
        for _ in range(workers):
            nursery.start_soon(worker)
    return time.perf_counter() - started


async def measure(chats: int, workers: int) -> dict[str, float]:
    registry = load_valid_registry()
    tracemalloc.start()
    with tempfile.TemporaryDirectory() as directory:
        async with SQLiteEventLog.open(Path(directory) / "sessions.sqlite3", codec=CODEC) as log:
            async with Sessions.open(log, registry, idle_timeout=None, max_live=None) as sessions:
                before = _traced()
                took = await _start_all(sessions, chats, workers)
                live = sessions.statistics().live
                with_live = _traced()
            async with Sessions.open(log, registry, idle_timeout=IDLE, max_live=None) as sessions:
                again = _traced()
                await _start_all(sessions, chats, workers)  # a duplicate now: rebuilt, nothing appended
                with trio.fail_after(IDLE * 20 + chats / 500):
                    while sessions.statistics().live:
                        await trio.sleep(0.5)
                passivated = _traced()
                passivations = sessions.statistics().passivations
    tracemalloc.stop()
    return {
        "chats": chats,
        "live_at_peak": live,
        "seconds_to_activate": took,
        "bytes_per_live_session": (with_live - before) / chats,
        "bytes_per_passivated_chat": (passivated - again) / chats,
        "passivations": passivations,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10,000 chats instead of 100,000")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    chats = 10_000 if args.quick else 100_000
    figures = trio.run(measure, chats, 64)
    print(f"{platform.python_implementation()} {platform.python_version()}, {platform.machine()}")
    print(f"chats: {figures['chats']:,} (live at the peak: {figures['live_at_peak']:,.0f}); "
          f"passivations: {figures['passivations']:,.0f}")
    print(f"memory per live session:     {figures['bytes_per_live_session'] / 1024:8.1f} KiB")
    print(f"memory per passivated chat:  {figures['bytes_per_passivated_chat']:8.0f} bytes")
    if args.json is not None:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
