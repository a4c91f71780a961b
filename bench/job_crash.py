"""Chaos for jobs: the bot SIGKILLed at every point of a job, over many seeds; every order must end right.

    python bench/job_crash.py                 # 10 seeds x 6 points (about 5 minutes)
    python bench/job_crash.py --seeds 50      # longer

Each run (see ``tests/e2e/job_crash.py``) confirms four orders (image, image
edit with two photos, video, speech), SIGKILLs ``python main.py run`` when a
job reaches the point (plus a random delay from the seed), restarts it on the
same log, and judges: each order delivered-and-charged or refunded-and-told,
never both, never charged twice, never a second KIE task, the audit clean.
Prints one line per run and a summary; exits 1 if any run broke a promise.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import trio

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.e2e.job_crash import POINTS, crash_run, judge  # noqa: E402
from tests.e2e.books import read_log  # noqa: E402
from trt_actors.events.jobs import JobFailed, ResultDelivered  # noqa: E402


async def main(seeds: int) -> int:
    broken = 0
    endings: Counter[str] = Counter()
    started = time.perf_counter()
    for seed in range(1, seeds + 1):
        for point in POINTS:
            with tempfile.TemporaryDirectory(prefix="trt-job-crash-") as folder:
                outcome = await crash_run(Path(folder) / "bot.sqlite3", point, seed)
                problems = await judge(outcome)
                events = await read_log(outcome.db)
                ended = Counter("delivered" if isinstance(r.event, ResultDelivered) else f"failed:{r.event.reason}"
                                for r in events if isinstance(r.event, ResultDelivered | JobFailed))
                endings.update(ended)
                tasks = sum(outcome.tasks_per_job.values())
                print(f"seed {seed:3d} {point:14s} jobs at the kill: {outcome.killed_after}\n"
                      f"{'':19s}ended: {dict(ended)}, KIE tasks {tasks}: {'OK' if not problems else 'BROKEN'}",
                      flush=True)
                for problem in problems:
                    print(f"    {problem}", flush=True)
                broken += bool(problems)
    runs = seeds * len(POINTS)
    print(f"\n{runs} runs in {time.perf_counter() - started:.0f} s: {runs - broken} kept every promise, {broken} broke one")
    print("jobs ended: " + ", ".join(f"{name} {count}" for name, count in endings.most_common()))
    return 1 if broken else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=10)
    sys.exit(trio.run(main, parser.parse_args().seeds))
