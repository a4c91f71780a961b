"""The chaos run, short and seeded: a few users, two kills, every kind of fault; every invariant must hold.

The long worlds are ``python bench/chaos.py`` (see ``docs/reliability.md``).
"""

from __future__ import annotations

from pathlib import Path

from tests.e2e.chaos import Chaos, chaos_run, judge


async def test_a_short_chaos_world_keeps_every_promise(tmp_path: Path) -> None:
    outcome = await chaos_run(tmp_path, Chaos(seed=11, duration=20.0, users=5, kills=2))
    problems = await judge(outcome)
    assert problems == [], "\n".join(problems)
    counts = outcome.counts
    # The world was one: the bot died twice and was taken over, users ordered and paid, faults were injected.
    assert counts["SIGKILL"] + counts["SIGTERM"] == 2 and counts["takeovers"] == 2
    assert counts["orders confirmed"] > 0 and counts["telegram faults"] > 0
    assert counts["forged KIE callbacks"] > 0 and counts["forged KIE callbacks accepted"] == 0
    assert outcome.settled
