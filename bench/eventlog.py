"""Event-log benchmarks: durable group-commit appends, replay, and cid lookup.

    python bench/eventlog.py            # the full run (about a minute)
    python bench/eventlog.py --quick    # smaller sizes, for a smoke check

Every figure is measured in the same run on this machine and printed with its
ratio to the raw-SQLite baseline:

1. append: many concurrent trio appenders, events with ~200-byte payloads,
   through ``SQLiteEventLog.append`` (synchronous=FULL, group commit) **vs**
   one ``executemany`` of the same pre-encoded rows in one transaction on the
   same schema and pragmas; and through ``append_batch``, where each call
   carries ten one-event appends (what a receiver does with a page of updates).
2. replay: ``read_from`` pages decoded into ``RecordedEvent`` **vs** a raw
   ``SELECT`` scan with a msgspec decode of each payload.
3. cid lookup: ``read_cid`` in a log of 1,000,000 events.
"""

from __future__ import annotations

import argparse
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import trio

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eventlog import Append, NewEvent, SQLiteEventLog  # noqa: E402
from eventlog.schema import migrate  # noqa: E402
from trt_actors.events import CODEC, CallbackRejected  # noqa: E402

PAYLOAD_DATA = "x" * 150  # with the type tag and field names, ~200 bytes of JSON


def make_event(n: int, stream: str, cid: str) -> NewEvent:
    return NewEvent(
        event_id=f"ev-{n}",
        stream=stream,
        event=CallbackRejected(reason_code="stale_screen", data=f"{PAYLOAD_DATA}{n:08d}"),
        cid=cid,
        ts=1_700_000_000.0 + n,
        chat_id=n % 1000,
        user_id=n % 1000,
    )


def raw_rows(events: list[NewEvent], first_seq: int = 1) -> list[tuple[object, ...]]:
    versions: dict[str, int] = {}
    rows: list[tuple[object, ...]] = []
    for i, e in enumerate(events):
        versions[e.stream] = versions.get(e.stream, 0) + 1
        rows.append(
            (first_seq + i, e.event_id, e.stream, versions[e.stream], CODEC.type_of(e.event), e.ts, e.cid,
             e.causation, e.chat_id, e.user_id, CODEC.encode(e.event))
        )
    return rows


def fresh_db(path: Path, synchronous: str = "FULL") -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(f"PRAGMA synchronous = {synchronous}")
    migrate(conn)
    return conn


INSERT = (
    "INSERT INTO events (seq, event_id, stream, version, type, ts, cid, causation, chat_id, user_id, payload)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def bench_raw_append(folder: Path, events: list[NewEvent]) -> float:
    rows = raw_rows(events)
    conn = fresh_db(folder / "raw.sqlite3")
    started = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(INSERT, rows)
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return len(rows) / elapsed


async def bench_log_append(folder: Path, events: list[NewEvent], appenders: int, per_append: int) -> tuple[float, float]:
    async with SQLiteEventLog.open(folder / "log.sqlite3", codec=CODEC) as log:
        chunks = [events[i : i + per_append] for i in range(0, len(events), per_append)]
        queues = [chunks[a::appenders] for a in range(appenders)]

        async def appender(mine: list[list[NewEvent]]) -> None:
            for chunk in mine:
                await log.append(chunk)

        started = time.perf_counter()
        async with trio.open_nursery() as nursery:
            for mine in queues:
                nursery.start_soon(appender, mine)
        elapsed = time.perf_counter() - started
        stats = log.statistics().writer
        return len(events) / elapsed, stats.events / max(1, stats.batches)


async def bench_log_append_batch(folder: Path, events: list[NewEvent], callers: int, per_call: int) -> tuple[float, float]:
    async with SQLiteEventLog.open(folder / "log.sqlite3", codec=CODEC) as log:
        calls = [[Append(events=[e]) for e in events[i : i + per_call]] for i in range(0, len(events), per_call)]
        queues = [calls[c::callers] for c in range(callers)]

        async def caller(mine: list[list[Append]]) -> None:
            for call in mine:
                await log.append_batch(call)

        started = time.perf_counter()
        async with trio.open_nursery() as nursery:
            for mine in queues:
                nursery.start_soon(caller, mine)
        elapsed = time.perf_counter() - started
        stats = log.statistics().writer
        return len(events) / elapsed, stats.events / max(1, stats.batches)


def bench_raw_replay(path: Path) -> float:
    import msgspec

    decoder = msgspec.json.Decoder(CODEC._union)
    conn = sqlite3.connect(path)
    started = time.perf_counter()
    count = 0
    for row in conn.execute(
        "SELECT seq, event_id, stream, version, type, ts, cid, causation, chat_id, user_id, payload FROM events ORDER BY seq"
    ):
        decoder.decode(row[10])
        count += 1
    elapsed = time.perf_counter() - started
    conn.close()
    return count / elapsed


async def bench_log_replay(path: Path) -> float:
    async with SQLiteEventLog.open(path, codec=CODEC) as log:
        head = log.statistics().writer.head_seq  # nothing appends while we replay
        started = time.perf_counter()
        count = 0
        async for _ in log.subscribe(from_seq=1, page=5000):
            count += 1
            if count == head:
                break
        return count / (time.perf_counter() - started)


def build_big_log(path: Path, total: int, per_cid: int) -> list[str]:
    conn = fresh_db(path, synchronous="OFF")
    conn.execute("BEGIN")
    batch: list[NewEvent] = []
    seq = 1
    for n in range(total):
        batch.append(make_event(n, stream=f"chat:{n % 50_000}", cid=f"cid-{n // per_cid}"))
        if len(batch) == 50_000:
            conn.executemany(INSERT, raw_rows_global(batch, seq))
            seq += len(batch)
            batch = []
    if batch:
        conn.executemany(INSERT, raw_rows_global(batch, seq))
    conn.execute("COMMIT")
    conn.close()
    return [f"cid-{i}" for i in range(total // per_cid)]


def raw_rows_global(events: list[NewEvent], first_seq: int) -> list[tuple[object, ...]]:
    # Versions: event n is the (n // 50_000 + 1)-th event of stream chat:(n % 50_000).
    rows: list[tuple[object, ...]] = []
    for i, e in enumerate(events):
        n = first_seq + i - 1
        rows.append(
            (first_seq + i, e.event_id, e.stream, n // 50_000 + 1, CODEC.type_of(e.event), e.ts, e.cid,
             None, e.chat_id, e.user_id, CODEC.encode(e.event))
        )
    return rows


async def bench_cid_lookup(path: Path, cids: list[str], lookups: int) -> list[float]:
    rng = random.Random(7)
    timings: list[float] = []
    async with SQLiteEventLog.open(path, codec=CODEC) as log:
        for _ in range(lookups):
            cid = rng.choice(cids)
            started = time.perf_counter()
            chain = await log.read_cid(cid)
            timings.append((time.perf_counter() - started) * 1000)
            assert chain and all(r.cid == cid for r in chain)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes for a smoke check")
    args = parser.parse_args()
    appends_n = 20_000 if args.quick else 100_000
    big_n = 100_000 if args.quick else 1_000_000

    print(f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, Python {platform.python_version()}, "
          f"SQLite {sqlite3.sqlite_version}")
    payload = len(CODEC.encode(make_event(0, "chat:0", "c").event))
    print(f"payload: {payload} bytes of JSON per event\n")

    with tempfile.TemporaryDirectory(dir=Path.cwd()) as tmp:
        folder = Path(tmp)
        events = [make_event(n, stream=f"chat:{n % 1000}", cid=f"cid-{n // 3}") for n in range(appends_n)]
        raw = bench_raw_append(folder, events)
        print(f"append, raw executemany, one transaction:      {raw:>10,.0f} events/s")
        for appenders, per_append in ((100, 1), (1000, 1), (1000, 3), (1000, 10)):
            sub = folder / f"a{appenders}-{per_append}"
            sub.mkdir()
            rate, mean_batch = trio.run(bench_log_append, sub, events, appenders, per_append)
            print(
                f"append, log, {appenders:>3} appenders x {per_append} event(s):    {rate:>10,.0f} events/s"
                f"  = {rate / raw:5.1%} of raw  (mean {mean_batch:,.0f} events per commit)"
            )
        sub = folder / "batch-100-10"
        sub.mkdir()
        rate, mean_batch = trio.run(bench_log_append_batch, sub, events, 100, 10)
        print(
            f"append_batch, 100 callers x 10 one-event appends: {rate:>7,.0f} events/s"
            f"  = {rate / raw:5.1%} of raw  (mean {mean_batch:,.0f} events per commit)"
        )

        replay_path = folder / "a1000-3" / "log.sqlite3"
        raw_replay = bench_raw_replay(replay_path)
        log_replay = trio.run(bench_log_replay, replay_path)
        print(f"\nreplay, raw SELECT + msgspec decode:           {raw_replay:>10,.0f} events/s")
        print(f"replay, log subscription -> RecordedEvent:     {log_replay:>10,.0f} events/s  = {log_replay / raw_replay:5.1%} of raw")

        started = time.perf_counter()
        big = folder / "big.sqlite3"
        cids = build_big_log(big, big_n, per_cid=5)
        print(f"\ncid lookup: built a log of {big_n:,} events in {time.perf_counter() - started:.1f} s "
              f"({big.stat().st_size / 2**20:,.0f} MiB)")
        timings = trio.run(bench_cid_lookup, big, cids, 2000)
        timings.sort()
        p50 = statistics.median(timings)
        p99 = timings[int(len(timings) * 0.99)]
        print(f"cid lookup (5-event chain), read_cid:          p50 {p50:.3f} ms, p99 {p99:.3f} ms, max {timings[-1]:.3f} ms")


if __name__ == "__main__":
    main()
