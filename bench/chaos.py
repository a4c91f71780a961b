"""Chaos of the whole business: users doing every story while bots die and Telegram and KIE misbehave.

    python bench/chaos.py                              # seeds 1-5, 120 s each, 12 users, 6 kills
    python bench/chaos.py --seed 7 --duration 600 --users 30 --kills 20
    python bench/chaos.py --webhook                    # updates by webhook through a failover proxy
    python bench/chaos.py --postgres URL --shards 4 --instances 3   # three instances sharing the chats

Each world (see ``tests/e2e/chaos.py``) runs two ``python main.py run``
processes on one SQLite log against the Telegram and KIE emulators, kills the
active one at random moments, injects Telegram's 429s (with their bans) and
5xx, KIE's 429s, 5xx, failed tasks and duplicate, late, lost and forged
callbacks, then stops the faults, lets the bot settle and checks every
invariant. With ``--shards`` the instances share the chats of a PostgreSQL
log (each world on a fresh schema of ``--postgres``) and any one of them may
be the one killed. Prints the counts of each world and what broke; writes JSON to
``bench/out/chaos.json``; exits 1 if any world broke a promise.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import trio

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.e2e.chaos import Chaos, chaos_run, judge  # noqa: E402

OUT = Path(__file__).resolve().parent / "out" / "chaos.json"


def fresh_schema(url: str, seed: int) -> str:
    """A URL of ``url``'s server whose ``search_path`` is a new, empty schema for one world."""
    import psycopg

    schema = f"chaos_{seed}_{int(time.time())}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return f"{url}{'&' if '?' in url else '?'}options={quote(f'-csearch_path={schema}')}"


async def main(seeds: list[int], duration: float, users: int, kills: int, webhook: bool, shards: int,
               instances: int, postgres: str | None) -> int:
    worlds = []
    for seed in seeds:
        chaos = Chaos(seed=seed, duration=duration, users=users, kills=kills, webhook=webhook, shards=shards,
                      instances=instances, postgres=fresh_schema(postgres, seed) if postgres else None)
        started = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="trt-chaos-") as folder:
            outcome = await chaos_run(Path(folder), chaos)
            problems = await judge(outcome)
        took = time.perf_counter() - started
        print(f"seed {seed}: {duration:.0f} s of users, {took:.0f} s in all: "
              f"{'every invariant held' if not problems else f'{len(problems)} broken'}", flush=True)
        for name, count in sorted(outcome.counts.items()):
            print(f"    {name}: {count}")
        for problem in problems:
            print(f"  BROKEN {problem}")
        worlds.append({"seed": seed, "webhook": webhook, "shards": shards, "instances": instances,
                       "store": "postgresql" if postgres else "sqlite", "duration": duration, "users": users, "kills": kills, "seconds": round(took),
                       "counts": dict(sorted(outcome.counts.items())), "problems": problems})
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps({"worlds": worlds}, indent=2, ensure_ascii=False) + "\n")
    broken = sum(bool(world["problems"]) for world in worlds)
    print(f"\n{len(worlds)} worlds: {len(worlds) - broken} kept every promise, {broken} broke one; JSON in {OUT}")
    return 1 if broken else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, action="append", help="a world's seed (repeat it; default 1-5)")
    parser.add_argument("--duration", type=float, default=120.0, help="seconds the users act")
    parser.add_argument("--users", type=int, default=12)
    parser.add_argument("--kills", type=int, default=6, help="how many times the active instance dies")
    parser.add_argument("--webhook", action="store_true", help="webhook through a failover proxy, not long polling")
    parser.add_argument("--shards", type=int, default=1, help="SHARDS: above 1 the instances share the chats")
    parser.add_argument("--instances", type=int, default=2, help="bot processes at once")
    parser.add_argument("--postgres", help="the log on this PostgreSQL server (a fresh schema per world)")
    args = parser.parse_args()
    if args.shards > 1 and not args.postgres:
        parser.error("--shards above 1 needs --postgres URL: instances share the chats through PostgreSQL")
    sys.exit(trio.run(main, args.seed or [1, 2, 3, 4, 5], args.duration, args.users, args.kills, args.webhook,
                      args.shards, args.instances, args.postgres))
