"""Event-log benchmarks: durable group-commit appends, replay, and cid lookup, on SQLite and PostgreSQL.

    python bench/eventlog.py                           # SQLite (about two minutes)
    python bench/eventlog.py --postgres URL            # SQLite and PostgreSQL side by side (about five minutes)
    python bench/eventlog.py --quick [--postgres URL]  # smaller sizes, for a smoke check

With ``--postgres postgresql://user@host:port/db`` the run creates a database
of its own on that server (``trt_bench_<pid>``; the role needs CREATEDB),
gives every log and baseline a fresh schema in it, and drops it at the end
(a run killed with SIGKILL leaves it behind: drop it by hand). SQLite's files
go to a temporary folder under the working directory, removed at the end.

Every figure is measured in the same run on this machine and set beside its
store's raw baseline, the same rows written the fastest plain way in one
transaction on the same schema (SQLite: ``executemany`` with the log's
pragmas; PostgreSQL: ``COPY events (...) FROM STDIN``, and ``executemany``,
which psycopg pipelines, for comparison):

1. append: many concurrent trio appenders, events with ~200-byte payloads,
   through ``log.append`` (durable, group commit) with 1, 3 and 10 events
   per append; and through ``append_batch``, where each call carries ten
   one-event appends (what a receiver does with a page of updates).
2. replay: the log's subscription decoding into ``RecordedEvent`` **vs** a
   raw ``SELECT`` of every row with a msgspec decode of each payload.
3. cid lookup: ``read_cid`` in a log of 1,000,000 events (built with one
   ``executemany`` or ``COPY``), p50, p99 and max.
4. alone: one-event appends one after another with nothing to share their
   commit (the latency a lone update pays), and a ``SELECT 1`` (the cost of
   one statement: a function call for SQLite, a round trip for PostgreSQL).

Throughput figures (1 and 2, and each raw baseline) are the best of three
rounds (``--rounds N``), the stores taking turns, each round on fresh logs:
the best is the run least disturbed by other work on the machine, and taking
turns spreads that work over both stores alike. Progress goes to stderr; the
table of figures to stdout, with the load average seen over each store's part.

The script is one file so that it stays one command: the stores (where a
fresh log lives, and the raw baselines), the log's side (the same code for
both stores, through ``open_log``), and the table.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import msgspec
import psycopg
import trio

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eventlog import Append, NewEvent, is_postgres, open_log, redacted  # noqa: E402
from eventlog.postgres import PostgresConnection, PostgresEngine  # noqa: E402
from eventlog.schema import migrate  # noqa: E402
from trt_actors.events import CODEC, CallbackRejected  # noqa: E402

PAYLOAD_DATA = "x" * 150  # with the type tag and field names, ~200 bytes of JSON
COLUMNS = "seq, event_id, stream, version, type, ts, cid, causation, chat_id, user_id, payload"
INSERT = f"INSERT INTO events ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
SELECT_ALL = f"SELECT {COLUMNS} FROM events ORDER BY seq"
APPENDS = ((100, 1), (1000, 1), (1000, 3), (1000, 10))  # (appenders, events per append)
BATCH_CALLERS, BATCH_APPENDS = 100, 10
BIG_STREAMS = 50_000
PER_CID = 5
LOOKUPS = 2000
LONE = 300

Row = tuple[object, ...]


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


def raw_rows(events: list[NewEvent]) -> list[Row]:
    """The rows the log would write for ``events`` appended in order to an empty log, encoded in advance."""
    versions: dict[str, int] = {}
    rows: list[Row] = []
    for seq, e in enumerate(events, start=1):
        versions[e.stream] = versions.get(e.stream, 0) + 1
        rows.append((seq, e.event_id, e.stream, versions[e.stream], CODEC.type_of(e.event), e.ts, e.cid,
                     e.causation, e.chat_id, e.user_id, CODEC.encode(e.event)))
    return rows


def big_log_pages(total: int, page: int = 50_000) -> Iterator[list[Row]]:
    """The rows of a log of ``total`` events over 50,000 streams, chains of five events, a page at a time.

    Event n is the (n // 50,000 + 1)-th event of stream chat:(n % 50,000), in chain cid-(n // 5).
    """
    for first in range(0, total, page):
        rows: list[Row] = []
        for n in range(first, min(total, first + page)):
            e = make_event(n, stream=f"chat:{n % BIG_STREAMS}", cid=f"cid-{n // PER_CID}")
            rows.append((n + 1, e.event_id, e.stream, n // BIG_STREAMS + 1, CODEC.type_of(e.event), e.ts, e.cid,
                         None, e.chat_id, e.user_id, CODEC.encode(e.event)))
        yield rows


def payload_decoder() -> msgspec.json.Decoder[Any]:
    return msgspec.json.Decoder(CODEC._union)


# -- the stores: where a fresh log lives, and the raw baselines -----------------------------------


class Store(Protocol):
    """One kind of database under test: fresh places for logs, and the plain writes and reads to compare with."""

    name: str

    def describe(self) -> str: ...

    def fresh(self, label: str) -> str:
        """A target for ``open_log`` that holds nothing yet."""
        ...

    def raw_appends(self, rows: list[Row]) -> dict[str, float]:
        """events/s of each plain way of writing ``rows`` in one transaction; the first is the raw baseline."""
        ...

    def raw_replay(self, target: str) -> float: ...

    def round_trip(self) -> list[float]:
        """Milliseconds of each of many ``SELECT 1``, sorted: what one statement costs before any work."""
        ...

    def load(self, target: str, pages: Iterator[list[Row]]) -> None:
        """Write ``pages`` into a new log at ``target`` in one transaction (to build the big log)."""
        ...

    def size(self, target: str) -> int: ...

    def discard(self, target: str) -> None:
        """Remove the log at ``target`` (to keep a run's disk use to one log at a time)."""
        ...


class SQLiteStore:
    """Each log a new file in ``folder``, in WAL mode with ``synchronous=FULL`` as the log opens it."""

    name = "SQLite"

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def describe(self) -> str:
        return f"SQLite {sqlite3.sqlite_version}: a file under {Path.cwd()}, WAL, synchronous=FULL"

    def fresh(self, label: str) -> str:
        return str(self.folder / f"{label}.sqlite3")

    def _connect(self, target: str, synchronous: str) -> sqlite3.Connection:
        conn = sqlite3.connect(target, isolation_level=None)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute(f"PRAGMA synchronous = {synchronous}")
        migrate(conn)
        return conn

    def raw_appends(self, rows: list[Row]) -> dict[str, float]:
        target = self.fresh("raw-executemany")
        conn = self._connect(target, "FULL")
        started = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(INSERT, rows)
        conn.execute("COMMIT")
        elapsed = time.perf_counter() - started
        conn.close()
        self.discard(target)
        return {"executemany": len(rows) / elapsed}

    def raw_replay(self, target: str) -> float:
        decoder = payload_decoder()
        conn = sqlite3.connect(target)
        started = time.perf_counter()
        count = 0
        for row in conn.execute(SELECT_ALL):
            decoder.decode(row[10])
            count += 1
        elapsed = time.perf_counter() - started
        conn.close()
        return count / elapsed

    def round_trip(self) -> list[float]:
        conn = sqlite3.connect(":memory:")
        timings = _timed(lambda: conn.execute("SELECT 1").fetchone())
        conn.close()
        return timings

    def load(self, target: str, pages: Iterator[list[Row]]) -> None:
        conn = self._connect(target, "OFF")
        conn.execute("BEGIN")
        for rows in pages:
            conn.executemany(INSERT, rows)
        conn.execute("COMMIT")
        conn.close()

    def size(self, target: str) -> int:
        return Path(target).stat().st_size

    def discard(self, target: str) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(target + suffix).unlink(missing_ok=True)


class PostgresStore:
    """Each log a new schema in a database of the run's own (see :meth:`created`), with the server's settings."""

    name = "PostgreSQL"

    def __init__(self, url: str, settings: dict[str, str]) -> None:
        self.url = url
        self.settings = settings

    @classmethod
    @contextmanager
    def created(cls, server: str) -> Iterator[PostgresStore]:
        """A database ``trt_bench_<pid>`` on the server at ``server``, dropped on the way out whatever happens."""
        name = f"trt_bench_{os.getpid()}"
        try:
            admin = psycopg.connect(server, autocommit=True)
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
        except psycopg.Error as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            sys.exit(f"cannot create a database on the PostgreSQL server at {redacted(server)} ({first}): "
                     "start the server, or give --postgres a URL whose role may CREATE DATABASE")
        with admin:
            try:
                url = _with(server, path=f"/{name}")
                with psycopg.connect(url) as conn:
                    shown = ("server_version", "fsync", "synchronous_commit", "wal_sync_method", "shared_buffers")
                    settings = {s: str(_one(conn.execute(f"SHOW {s}").fetchone())) for s in shown}
                yield cls(url, settings)
            finally:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def describe(self) -> str:
        s = self.settings
        return (f"PostgreSQL {s['server_version'].split()[0]} at {redacted(self.url)}: fsync {s['fsync']}, "
                f"synchronous_commit {s['synchronous_commit']}, wal_sync_method {s['wal_sync_method']}, "
                f"shared_buffers {s['shared_buffers']}")

    def fresh(self, label: str) -> str:
        schema = label.replace("-", "_")
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        return _with(self.url, options=f"-csearch_path={schema}")

    def discard(self, target: str) -> None:
        with psycopg.connect(target, autocommit=True) as conn:
            schema = _one(conn.execute("SELECT current_schema()").fetchone())
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')

    def _connect(self, target: str) -> psycopg.Connection[Any]:
        """A connection to ``target`` with the log's tables, as the log's own migration makes them."""
        conn = psycopg.connect(target, autocommit=True)
        PostgresEngine(target).migrate(PostgresConnection(conn))
        return conn

    def raw_appends(self, rows: list[Row]) -> dict[str, float]:
        rates: dict[str, float] = {}
        target = self.fresh("raw_copy")
        with self._connect(target) as conn:
            started = time.perf_counter()
            with conn.transaction(), conn.cursor() as cursor, cursor.copy(f"COPY events ({COLUMNS}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            rates["COPY"] = len(rows) / (time.perf_counter() - started)
        self.discard(target)
        target = self.fresh("raw_executemany")
        with self._connect(target) as conn:
            started = time.perf_counter()
            with conn.transaction(), conn.cursor() as cursor:
                cursor.executemany(INSERT.replace("?", "%s"), rows)
            rates["executemany"] = len(rows) / (time.perf_counter() - started)
        self.discard(target)
        return rates

    def raw_replay(self, target: str) -> float:
        decoder = payload_decoder()
        with psycopg.connect(target, autocommit=True) as conn:
            started = time.perf_counter()
            count = 0
            for row in conn.execute(SELECT_ALL):
                decoder.decode(row[10])
                count += 1
            return count / (time.perf_counter() - started)

    def round_trip(self) -> list[float]:
        with psycopg.connect(self.url, autocommit=True) as conn:
            return _timed(lambda: conn.execute("SELECT 1").fetchone())

    def load(self, target: str, pages: Iterator[list[Row]]) -> None:
        with self._connect(target) as conn:
            with conn.transaction(), conn.cursor() as cursor, cursor.copy(f"COPY events ({COLUMNS}) FROM STDIN") as copy:
                for rows in pages:
                    for row in rows:
                        copy.write_row(row)
            conn.execute("ANALYZE events")  # what autovacuum does to a table this size within a minute

    def size(self, target: str) -> int:
        with psycopg.connect(target) as conn:
            return int(_one(conn.execute("SELECT pg_total_relation_size('events')").fetchone()))


def _with(url: str, *, path: str | None = None, options: str | None = None) -> str:
    """``url`` naming another database (``path``), or with ``options`` added to its connection options."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    if options is not None:
        query["options"] = f"{query['options']} {options}" if "options" in query else options
    return urlunsplit((parts.scheme, parts.netloc, parts.path if path is None else path,
                       urlencode(query, quote_via=quote), parts.fragment))


def _timed(statement: Callable[[], object], times: int = 1000) -> list[float]:
    timings: list[float] = []
    for _ in range(times):
        started = time.perf_counter()
        statement()
        timings.append((time.perf_counter() - started) * 1000)
    return sorted(timings)


def _one(row: tuple[Any, ...] | None) -> Any:
    assert row is not None
    return row[0]


# -- the log's side, the same code for both stores ---------------------------------------------


async def log_append(target: str, events: list[NewEvent], appenders: int, per_append: int) -> tuple[float, float]:
    """events/s through ``append`` from ``appenders`` trio tasks, and the mean events per commit."""
    async with open_log(target, codec=CODEC) as log:
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


async def log_append_batch(target: str, events: list[NewEvent], callers: int, per_call: int) -> tuple[float, float]:
    """events/s through ``append_batch`` of ``per_call`` one-event appends from ``callers`` tasks."""
    async with open_log(target, codec=CODEC) as log:
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


async def lone_appends(target: str, events: list[NewEvent]) -> list[float]:
    """Milliseconds of each of ``events`` appended alone, one after another (nothing to share a commit with), sorted."""
    timings: list[float] = []
    async with open_log(target, codec=CODEC) as log:
        for event in events:
            started = time.perf_counter()
            await log.append([event])
            timings.append((time.perf_counter() - started) * 1000)
    return sorted(timings)


async def log_replay(target: str) -> float:
    async with open_log(target, codec=CODEC) as log:
        head = log.statistics().writer.head_seq  # nothing appends while we replay
        started = time.perf_counter()
        count = 0
        async for _ in log.subscribe(from_seq=1, page=5000):
            count += 1
            if count == head:
                break
        return count / (time.perf_counter() - started)


async def cid_lookups(target: str, chains: int, lookups: int) -> list[float]:
    """Milliseconds of each of ``lookups`` ``read_cid`` calls for random chains, sorted."""
    rng = random.Random(7)
    timings: list[float] = []
    async with open_log(target, codec=CODEC, readonly=True) as log:
        for _ in range(lookups):
            cid = f"cid-{rng.randrange(chains)}"
            started = time.perf_counter()
            chain = await log.read_cid(cid)
            timings.append((time.perf_counter() - started) * 1000)
            assert len(chain) == PER_CID and all(r.cid == cid for r in chain)
    return sorted(timings)


# -- one store's run, and the table ------------------------------------------------------------


class Best(msgspec.Struct):
    """The best figure of each throughput measurement over the rounds so far (the least disturbed by other work)."""

    raw: dict[str, float] = {}
    appends: dict[str, tuple[float, float]] = {}  # label: events/s, mean events per commit
    raw_replay: float = 0.0
    log_replay: float = 0.0

    def keep_raw(self, way: str, rate: float) -> None:
        self.raw[way] = max(rate, self.raw.get(way, 0.0))

    def keep_append(self, label: str, rate: float, per_commit: float) -> None:
        if rate > self.appends.get(label, (0.0, 0.0))[0]:
            self.appends[label] = (rate, per_commit)


class Figures(msgspec.Struct):
    """What one store measured: its best throughputs, then the big log's and the lone appends' latencies."""

    store: str
    best: Best
    big_events: int
    build_seconds: float
    big_bytes: int
    lookups_ms: list[float]
    lone_ms: list[float]
    round_trip_ms: list[float]


class Progress:
    """One line on stderr per measurement, and the load average seen after each, by store."""

    def __init__(self) -> None:
        self.loads: dict[str, list[float]] = {}

    def note(self, store: str, what: str, figure: str) -> None:
        self.loads.setdefault(store, []).append(os.getloadavg()[0])
        print(f"  {store:<10}  {what:<52} {figure}", file=sys.stderr, flush=True)


def measure_round(store: Store, events: list[NewEvent], rows: list[Row], number: int, best: Best,
                  progress: Progress) -> None:
    """One round of the throughput figures (raw and log appends, replay) on fresh logs, kept in ``best``."""
    tag = f"round {number}: "
    for way, rate in store.raw_appends(rows).items():
        best.keep_raw(way, rate)
        progress.note(store.name, f"{tag}append, raw {way}", f"{rate:,.0f} events/s")
    for appenders, per_append in APPENDS:
        target = store.fresh(f"r{number}_a{appenders}_{per_append}")
        rate, per_commit = trio.run(log_append, target, events, appenders, per_append)
        label = f"append, {appenders} appenders x {per_append} event{'s' if per_append > 1 else ''}"
        best.keep_append(label, rate, per_commit)
        progress.note(store.name, tag + label, f"{rate:,.0f} events/s, {per_commit:,.0f} per commit")
        if (appenders, per_append) == (1000, 3):
            raw_replay = store.raw_replay(target)
            best.raw_replay = max(best.raw_replay, raw_replay)
            progress.note(store.name, f"{tag}replay, raw SELECT + msgspec decode", f"{raw_replay:,.0f} events/s")
            subscribed = trio.run(log_replay, target)
            best.log_replay = max(best.log_replay, subscribed)
            progress.note(store.name, f"{tag}replay, log subscription", f"{subscribed:,.0f} events/s")
        store.discard(target)
    target = store.fresh(f"r{number}_batch")
    rate, per_commit = trio.run(log_append_batch, target, events, BATCH_CALLERS, BATCH_APPENDS)
    label = f"append_batch, {BATCH_CALLERS} callers x {BATCH_APPENDS} appends"
    best.keep_append(label, rate, per_commit)
    progress.note(store.name, tag + label, f"{rate:,.0f} events/s, {per_commit:,.0f} per commit")
    store.discard(target)


def measure_latencies(store: Store, events: list[NewEvent], big_n: int, best: Best, progress: Progress) -> Figures:
    """Lone appends, a statement, and ``read_cid`` in a big log; with ``best``, everything the store measured."""
    target = store.fresh("lone")
    lone = trio.run(lone_appends, target, events[:LONE])
    store.discard(target)
    progress.note(store.name, f"{LONE} appends alone, one event each", f"p50 {statistics.median(lone):.3f} ms")
    round_trip = store.round_trip()
    progress.note(store.name, "SELECT 1", f"p50 {statistics.median(round_trip):.3f} ms")

    big = store.fresh("big")
    started = time.perf_counter()
    store.load(big, big_log_pages(big_n))
    built = time.perf_counter() - started
    progress.note(store.name, f"built a log of {big_n:,} events", f"{built:.1f} s")
    timings = trio.run(cid_lookups, big, big_n // PER_CID, LOOKUPS)
    progress.note(store.name, f"{LOOKUPS:,} read_cid", f"p50 {statistics.median(timings):.3f} ms")
    size = store.size(big)
    store.discard(big)
    return Figures(store=store.name, best=best, big_events=big_n, build_seconds=built, big_bytes=size,
                   lookups_ms=timings, lone_ms=lone, round_trip_ms=round_trip)


def table(runs: Sequence[Figures]) -> list[str]:
    """Every store's figures side by side: events/s, their share of each of the store's raw baselines, per commit."""
    heads = {f.store: ["events/s", "of raw", *(f"of {way}" for way in list(f.best.raw)[1:]), "per commit"] for f in runs}

    def cells(f: Figures, rate: float | None, of: Sequence[float], per_commit: float | None = None) -> list[str]:
        shares = [f"{rate / base:.1%}" if rate is not None else "" for base in of]
        shares += [""] * (len(heads[f.store]) - 2 - len(shares))
        return ["—" if rate is None else f"{rate:,.0f}", *shares, "" if per_commit is None else f"{per_commit:,.0f}"]

    rows: list[tuple[str, list[list[str]]]] = [("", [heads[f.store] for f in runs])]
    widest = sorted(runs, key=lambda f: -len(f.best.raw))  # the store with the most baselines sets their order
    for way in dict.fromkeys(way for f in widest for way in f.best.raw):
        rows.append((f"append, raw {way}, one transaction",
                     [cells(f, f.best.raw.get(way), list(f.best.raw.values())) for f in runs]))
    for label in runs[0].best.appends:
        rows.append((label, [cells(f, f.best.appends[label][0], list(f.best.raw.values()), f.best.appends[label][1])
                             for f in runs]))
    rows.append(("replay, raw SELECT + msgspec decode", [cells(f, f.best.raw_replay, [f.best.raw_replay]) for f in runs]))
    rows.append(("replay, log subscription -> RecordedEvent",
                 [cells(f, f.best.log_replay, [f.best.raw_replay]) for f in runs]))

    label_width = max(len(label) for label, _ in rows)
    widths = {f.store: [max(len(c), 9) for c in heads[f.store]] for f in runs}
    blocks = {f.store: len("  ".join(" " * w for w in widths[f.store])) for f in runs}
    lines = [(" " * label_width + "    " + "    ".join(f.store.center(blocks[f.store]) for f in runs)).rstrip()]
    for label, per_store in rows:
        joined = ("  ".join(c.rjust(w) for c, w in zip(row, widths[f.store], strict=True))
                  for f, row in zip(runs, per_store, strict=True))
        lines.append((f"{label:<{label_width}}    " + "    ".join(joined)).rstrip())
    for f in runs:
        lines += [
            "",
            f"{f.store}:",
            f"  cid lookup (5-event chain) in {f.big_events:,} events ({f.big_bytes / 2**20:,.0f} MiB, built in "
            f"{f.build_seconds:.0f} s), read_cid: {_spread(f.lookups_ms)}",
            f"  one append alone (one event, nothing to share its commit): {_spread(f.lone_ms)}",
            f"  one statement (SELECT 1): {_spread(f.round_trip_ms)}",
        ]
    return lines


def _spread(ms: list[float]) -> str:
    """The p50, p99 and max of sorted milliseconds."""
    return f"p50 {statistics.median(ms):.3f} ms, p99 {ms[int(len(ms) * 0.99)]:.3f} ms, max {ms[-1]:.3f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes for a smoke check")
    parser.add_argument("--postgres", metavar="URL",
                        help="also measure PostgreSQL on the server at URL (postgresql://user@host:port/db)")
    parser.add_argument("--rounds", type=int, metavar="N",
                        help="rounds of the throughput figures, the best of each kept (default 3; 1 with --quick)")
    args = parser.parse_args()
    if args.rounds is not None and args.rounds < 1:
        parser.error(f"--rounds takes a number of rounds, 1 or more (got {args.rounds})")
    rounds = args.rounds or (1 if args.quick else 3)
    if args.postgres is not None and not is_postgres(args.postgres):
        parser.error(f"--postgres takes a postgresql:// URL, such as postgresql://postgres@127.0.0.1:5432/postgres "
                     f"(got {args.postgres!r})")
    appends_n = 20_000 if args.quick else 100_000
    big_n = 100_000 if args.quick else 1_000_000
    progress = Progress()
    start_load = os.getloadavg()[0]
    lines = [
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"payload {len(CODEC.encode(make_event(0, 'chat:0', 'c').event))} bytes of JSON per event, "
        f"{appends_n:,} events per append run, best of {rounds} round{'s' if rounds > 1 else ''}",
    ]
    with ExitStack() as stack:
        stores: list[Store] = [SQLiteStore(Path(stack.enter_context(tempfile.TemporaryDirectory(dir=Path.cwd()))))]
        if args.postgres is not None:  # created first, so that a server that cannot be used is told at once
            stores.append(stack.enter_context(PostgresStore.created(args.postgres)))
        lines += [store.describe() for store in stores]
        events = [make_event(n, stream=f"chat:{n % 1000}", cid=f"cid-{n // 3}") for n in range(appends_n)]
        rows = raw_rows(events)
        best = {store.name: Best() for store in stores}
        for number in range(1, rounds + 1):  # the stores take turns, so that other work disturbs both alike
            for store in stores:
                measure_round(store, events, rows, number, best[store.name], progress)
        runs = [measure_latencies(store, events, big_n, best[store.name], progress) for store in stores]
    seen = ", ".join(f"{min(loads):.2f}-{max(loads):.2f} over {store}'s part" for store, loads in progress.loads.items())
    lines.append(f"load average (1 min, this run's own work included): {start_load:.2f} at the start, {seen}")
    lines.append("of raw: share of the store's raw baseline (SQLite: executemany; PostgreSQL: COPY); replay: of raw SELECT")
    print("\n".join(lines) + "\n")
    print("\n".join(table(runs)))


if __name__ == "__main__":
    main()
