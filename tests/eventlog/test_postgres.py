"""The log on PostgreSQL where one file has no counterpart: several instances on one database, and the server's ways.

Several instances append at once and the log stays dense and commit-ordered;
followers see every instance's events once and in order, also when a
transaction that took its number first commits last; what PostgreSQL text
cannot hold is refused alone; instances starting together migrate once;
passwords stay out of sight; the server's settings do not change the
numbering. (Connections the server drops: tests/test_postgres_connections.py.)

Every test has a schema of its own in the run's server (``url``). Where
another process's writer is needed in the middle of its transaction, the
test takes the log's write lock itself (:func:`write_lock_held`).
"""

from __future__ import annotations

import socket
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import partial
from urllib.parse import quote

import msgspec
import pytest
import trio

from eventlog import (
    Append,
    CommitFailed,
    EventLog,
    EventLogError,
    NewEvent,
    Position,
    RecordedEvent,
    Snapshot,
    VersionConflict,
    open_log,
    postgres,
)
from eventlog.engine import Connection
from eventlog.postgres import SCHEMA_VERSION
from tests.eventlog.conftest import engine_of, new_event, wait_until, write_lock_held
from tests.postgres_server import Server
from trt_actors.events import CODEC

PASSWORD = "s3cret-Pw"


@pytest.fixture
def url(postgres_url: str) -> str:
    """An empty schema of the test's own: the logs the test opens there are instances of one log."""
    return postgres_url


def sql(url: str, statement: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    """Run one statement on a connection of the test's own; its rows."""
    conn = engine_of(url).connect_writer()
    try:
        rows: list[tuple[object, ...]] = conn.execute(statement, params).fetchall()
        return rows
    finally:
        conn.close()


def insert_as_another_writer(conn: Connection, event: NewEvent) -> None:
    """Append ``event`` as another process's writer does: numbered from the head it finds under the write lock."""
    conn.execute(
        "INSERT INTO events (seq, event_id, stream, version, type, ts, cid, payload, committed_at)"
        " SELECT COALESCE(MAX(seq), 0) + 1, ?, ?, (SELECT COALESCE(MAX(version), 0) + 1 FROM events WHERE stream = ?),"
        " ?, ?, ?, ?, ? FROM events",
        (event.event_id, event.stream, event.stream, CODEC.type_of(event.event), event.ts, event.cid,
         CODEC.encode(event.event), time.time()),
    )


def listening_since(url: str, since: datetime) -> int:
    """How many connections opened since ``since`` wait for the log's notifications (a log's listener each)."""
    [(count,)] = sql(
        url,
        "SELECT COUNT(*) FROM pg_stat_activity WHERE query = 'LISTEN trt_events' AND state = 'idle'"
        " AND backend_start >= ?",
        (since,),
    )
    assert isinstance(count, int)
    return count


def server_now(url: str) -> datetime:
    [(now,)] = sql(url, "SELECT clock_timestamp()")
    assert isinstance(now, datetime)
    return now


async def follow(log: EventLog, into: list[RecordedEvent], total: int, *, page: int = 500, pause: float = 0.0) -> None:
    """Collect what a subscription from seq 1 yields, until ``total`` events."""
    async for recorded in log.subscribe(page=page):
        into.append(recorded)
        if pause:
            await trio.sleep(pause)
        if len(into) == total:
            return


# -- several instances on one database ---------------------------------------------


async def test_three_instances_appending_at_once_number_the_log_densely_in_commit_order(url: str) -> None:
    positions: list[Position] = []

    async def appender(log: EventLog, name: str, n: int) -> None:
        for round_ in range(8):
            batch = [new_event(stream=f"chat:{(n + round_) % 5}", cid=f"{name}{n}") for _ in range(1 + (n + round_) % 3)]
            positions.extend(await log.append(batch))

    async with open_log(url, codec=CODEC) as a, open_log(url, codec=CODEC) as b, open_log(url, codec=CODEC) as c:
        with trio.fail_after(30):
            async with trio.open_nursery() as nursery:
                for name, log in (("a", a), ("b", b), ("c", c)):
                    for n in range(10):
                        nursery.start_soon(appender, log, name, n)
        total = len(positions)
        assert sorted(p.seq for p in positions) == list(range(1, total + 1))  # no gap, no seq given twice
        assert not any(p.duplicate for p in positions)
        everything = await b.read_from(1, limit=10_000)
        assert [r.seq for r in everything] == list(range(1, total + 1))
        assert {r.event_id: (r.seq, r.stream, r.version) for r in everything} == {
            p.event_id: (p.seq, p.stream, p.version) for p in positions
        }
        for stream in {p.stream for p in positions}:
            read = await c.read_stream(stream)
            assert [r.version for r in read] == list(range(1, len(read) + 1))
            seqs = [r.seq for r in read]
            assert seqs == sorted(seqs)  # a stream's versions follow the commit order
        assert all(log.statistics().writer.events > 0 for log in (a, b, c))


async def test_followers_see_every_instance_s_events_once_and_in_order_while_they_append(url: str) -> None:
    """The gap-aware reader: a follower never skips an event, whichever instance committed it."""
    tasks, rounds = 6, 15
    total = 2 * sum(1 + (n + r) % 2 for n in range(tasks) for r in range(rounds))
    by_reader: list[RecordedEvent] = []
    by_writer: list[RecordedEvent] = []  # fed its own commits in memory, reads the other's
    by_laggard: list[RecordedEvent] = []  # falls behind, reads pages of the log

    async def appender(log: EventLog, name: str, n: int) -> None:
        for round_ in range(rounds):
            await log.append([new_event(stream=f"chat:{n}", cid=f"{name}{n}") for _ in range(1 + (n + round_) % 2)])

    async with (
        open_log(url, codec=CODEC) as a,
        open_log(url, codec=CODEC) as b,
        open_log(url, codec=CODEC, readonly=True) as reader,
    ):
        with trio.fail_after(30):
            async with trio.open_nursery() as nursery:
                nursery.start_soon(follow, reader, by_reader, total)
                nursery.start_soon(follow, a, by_writer, total)
                nursery.start_soon(partial(follow, page=7, pause=0.002), b, by_laggard, total)
                async with trio.open_nursery() as writers:
                    for n in range(tasks):
                        writers.start_soon(appender, a, "a", n)
                        writers.start_soon(appender, b, "b", n)
        everything = await reader.read_from(1, limit=10_000)
    assert [r.seq for r in everything] == list(range(1, total + 1))
    for seen in (by_reader, by_writer, by_laggard):
        assert [(r.seq, r.event_id) for r in seen] == [(r.seq, r.event_id) for r in everything]


async def test_another_instance_s_commits_are_read_once_and_handed_to_every_waiting_follower(url: str) -> None:
    """Several instances: each runs many followers (a reactor per actor and unit). A commit of another instance
    is read once and fed to all of them, not read by each; every follower still sees every event in order."""
    commits, followers = 30, 12
    seen: list[list[RecordedEvent]] = [[] for _ in range(followers)]
    async with open_log(url, codec=CODEC) as a, open_log(url, codec=CODEC) as b:
        subscriptions = [b.subscribe() for _ in range(followers)]

        async def collect(index: int) -> None:
            async for recorded in subscriptions[index]:
                seen[index].append(recorded)
                if len(seen[index]) == commits:
                    return

        with trio.fail_after(30):
            async with trio.open_nursery() as nursery:
                for index in range(followers):
                    nursery.start_soon(collect, index)
                for n in range(commits):
                    await a.append([new_event(stream=f"chat:{n}")])
                    await trio.sleep(0.01)  # the followers are waiting when the next commit comes
    assert all([r.seq for r in events] == list(range(1, commits + 1)) for events in seen)
    fed = [subscription.feeds for subscription in subscriptions]
    assert min(fed) >= commits // 2, fed  # handed over in memory, not each read by itself


async def test_a_transaction_that_holds_the_write_lock_makes_the_others_wait_and_number_after_it(url: str) -> None:
    """The trap of a plain sequence: a transaction numbered first commits last, behind a reader that moved on.

    Here a transaction takes its numbers only under the log's write lock, so
    while another process's writer is in the middle of one (it holds seq 2,
    uncommitted) an instance's append waits instead of committing seq 3
    before it; then it numbers after it, and the follower sees 1, 2, 3.
    """
    seen: list[RecordedEvent] = []
    async with open_log(url, codec=CODEC) as log, open_log(url, codec=CODEC, readonly=True) as reader:
        await log.append([new_event(stream="chat:1", event_id="first")])
        positions: list[Position] = []

        async def append() -> None:
            positions.extend(await log.append([new_event(stream="chat:1", event_id="late")]))

        with trio.fail_after(10):
            async with trio.open_nursery() as nursery:
                nursery.start_soon(follow, reader, seen, 3)
                await wait_until(lambda: len(seen) == 1)
                with write_lock_held(url) as other:
                    insert_as_another_writer(other, new_event(stream="chat:2", event_id="numbered-first"))
                    nursery.start_soon(append)
                    await wait_until(lambda: log.statistics().writer.queued == 0 and log.statistics().waiting_appenders == 1)
                    await trio.sleep(0.2)  # a while: nothing may move meanwhile
                    assert not positions and [r.event_id for r in seen] == ["first"]
                # "numbered-first" commits here, without a notification of its own; the append follows it.
    assert [(p.seq, p.event_id) for p in positions] == [(3, "late")]
    assert [(r.seq, r.event_id) for r in seen] == [(1, "first"), (2, "numbered-first"), (3, "late")]


async def test_a_follower_hears_another_instance_s_commit_without_waiting_for_a_look_at_the_head(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(postgres, "_POLL_SECONDS", 3600.0)  # no look at the head: only a notification can tell
    since = server_now(url)
    seen: list[RecordedEvent] = []
    async with open_log(url, codec=CODEC) as log, open_log(url, codec=CODEC, readonly=True) as reader:
        with trio.fail_after(10):
            async with trio.open_nursery() as nursery:
                nursery.start_soon(follow, reader, seen, 2)
                await wait_until(lambda: listening_since(url, since) == 2)  # both listeners have said LISTEN
                await log.append([new_event(event_id="told")])
                await wait_until(lambda: len(seen) == 1)
                await log.append([new_event(event_id="told again")])
    assert [r.event_id for r in seen] == ["told", "told again"]


async def test_a_commit_whose_notification_was_lost_reaches_followers_by_the_look_at_the_head(url: str) -> None:
    seen: list[RecordedEvent] = []
    async with open_log(url, codec=CODEC):
        pass
    async with open_log(url, codec=CODEC, readonly=True) as reader:
        with trio.fail_after(10):
            async with trio.open_nursery() as nursery:
                nursery.start_soon(follow, reader, seen, 1)
                with write_lock_held(url) as other:  # commits without notifying anyone
                    insert_as_another_writer(other, new_event(event_id="quiet"))
    assert [(r.seq, r.event_id) for r in seen] == [(1, "quiet")]


async def test_an_event_id_one_instance_recorded_is_a_duplicate_for_another(url: str) -> None:
    async with open_log(url, codec=CODEC) as a, open_log(url, codec=CODEC) as b:
        event = new_event(stream="chat:7", event_id="update:1")
        [first] = await a.append([event])
        [again] = await b.append([event])
        assert again == Position(first.seq, "chat:7", first.version, "update:1", duplicate=True)

        redelivered = new_event(stream="chat:8", event_id="update:2")
        positions: list[Position] = []

        async def deliver(log: EventLog) -> None:
            positions.extend(await log.append([redelivered]))

        async with trio.open_nursery() as nursery:
            for _ in range(10):
                nursery.start_soon(deliver, a)
                nursery.start_soon(deliver, b)
        assert {(p.seq, p.version) for p in positions} == {(2, 1)}
        assert sum(not p.duplicate for p in positions) == 1
        assert [r.event_id for r in await a.read_from(1)] == ["update:1", "update:2"]


async def test_an_expected_version_is_checked_against_what_another_instance_appended(url: str) -> None:
    async with open_log(url, codec=CODEC) as a, open_log(url, codec=CODEC) as b:
        await a.append([new_event(stream="ledger:7")], expected={"ledger:7": 0})  # a now knows the stream at 1
        await b.append([new_event(stream="ledger:7")], expected={"ledger:7": 1})
        with pytest.raises(VersionConflict) as caught:
            await a.append([new_event(stream="ledger:7")], expected={"ledger:7": 1})
        assert (caught.value.expected, caught.value.actual) == (1, 2)
        [position] = await a.append([new_event(stream="ledger:7")], expected={"ledger:7": 2})
        assert (position.seq, position.version) == (3, 3)

        # Both decide from version 3 at once: one of them wins, the other is told.
        outcomes: list[object] = []

        async def charge(log: EventLog) -> None:
            [result] = await log.append_batch([Append(events=[new_event(stream="ledger:7")], expected={"ledger:7": 3})])
            outcomes.append(result)

        async with trio.open_nursery() as nursery:
            nursery.start_soon(charge, a)
            nursery.start_soon(charge, b)
        assert sorted(type(o).__name__ for o in outcomes) == ["VersionConflict", "list"]
        assert [r.version for r in await b.read_stream("ledger:7")] == [1, 2, 3, 4]


# -- what PostgreSQL text cannot hold ------------------------------------------------


def _with(**fields: str) -> Callable[[EventLog], Awaitable[object]]:
    return lambda log: log.append([msgspec.structs.replace(new_event(), **fields)])


NULS = [
    pytest.param(_with(event_id="update:\x00"), id="event_id"),
    pytest.param(_with(stream="chat:\x00"), id="stream"),
    pytest.param(_with(cid="c\x00"), id="cid"),
    pytest.param(_with(causation="e\x00"), id="causation"),
    pytest.param(_with(opens="job:\x00"), id="opens"),
    pytest.param(_with(closes="job:\x00"), id="closes"),
    pytest.param(
        lambda log: log.save_snapshot(Snapshot(stream="chat:\x00", version=1, state=b"", ts=0.0)),
        id="snapshot",
    ),
    pytest.param(
        lambda log: log.save_checkpoint("reactor:\x00", 1),
        id="checkpoint",
    ),
]


@pytest.mark.parametrize("bad", NULS)
async def test_a_nul_character_is_refused_alone_and_the_rest_of_its_group_commit_commits(
    url: str, bad: Callable[[EventLog], Awaitable[object]]
) -> None:
    outcomes: dict[str, object] = {}

    async def run(name: str, request: Callable[[EventLog], Awaitable[object]]) -> None:
        try:
            outcomes[name] = await request(log)
        except EventLogError as exc:
            outcomes[name] = exc

    def good(log: EventLog) -> Awaitable[object]:
        return log.append([new_event()])

    async with open_log(url, codec=CODEC) as log:
        with trio.fail_after(10):
            async with trio.open_nursery() as nursery:
                with write_lock_held(url):  # the writer waits with the first append; the rest queue as one batch
                    nursery.start_soon(run, "first", good)
                    await wait_until(lambda: log.statistics().writer.queued == 0 and "first" not in outcomes
                                     and log.statistics().waiting_appenders == 1)
                    nursery.start_soon(run, "good", good)
                    nursery.start_soon(run, "bad", bad)
                    nursery.start_soon(run, "also good", good)
                    await wait_until(lambda: log.statistics().writer.queued + ("bad" in outcomes) == 3)
        refused = outcomes["bad"]
        assert type(refused) is EventLogError and "NUL" in str(refused)
        assert all(isinstance(outcomes[name], list) for name in ("first", "good", "also good")), outcomes
        assert log.statistics().writer.batches == 2
        assert len(await log.read_from(1)) == 3
        assert log.healthy


# -- opening ----------------------------------------------------------------------------


async def test_instances_opening_a_fresh_schema_together_migrate_it_once(postgres_server: Server) -> None:
    async def instance(url: str, opened: list[EventLog]) -> None:
        async with open_log(url, codec=CODEC) as log:
            opened.append(log)
            await wait_until(lambda: len(opened) == 4)  # all four open at once
            await log.append([new_event()])

    for _ in range(3):  # a race: a few fresh schemas
        url = postgres_server.fresh()
        opened: list[EventLog] = []
        with trio.fail_after(20):
            async with trio.open_nursery() as nursery:
                for _ in range(4):
                    nursery.start_soon(instance, url, opened)
        assert sql(url, "SELECT version, COUNT(*) FROM schema_migrations GROUP BY version ORDER BY version") == [
            (version, 1) for version in range(1, SCHEMA_VERSION + 1)
        ]
        assert sql(url, "SELECT seq FROM events ORDER BY seq") == [(1,), (2,), (3,), (4,)]


async def test_reading_a_schema_that_holds_no_log_is_refused_with_a_sentence_and_creates_nothing(url: str) -> None:
    with pytest.raises(EventLogError, match="holds no event log") as caught:
        async with open_log(url, codec=CODEC, readonly=True):
            pass
    assert type(caught.value) is EventLogError
    assert sql(url, "SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema()") == [(0,)]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


SPELLINGS = ["in the address", "as a parameter"]


def _with_password(url: str, spelling: str) -> str:
    if spelling == "in the address":
        return url.replace("postgresql://postgres@", f"postgresql://postgres:{PASSWORD}@", 1)
    return f"{url}{'&' if '?' in url else '?'}password={PASSWORD}"


@pytest.mark.parametrize("spelling", SPELLINGS)
async def test_a_password_never_shows_in_statistics_or_errors(url: str, spelling: str) -> None:
    async with open_log(_with_password(url, spelling), codec=CODEC) as log:  # the test server trusts its user
        await log.append([new_event()])
        assert PASSWORD not in log.statistics().path and "postgresql://postgres" in log.statistics().path
        assert PASSWORD not in log.where
    unreachable = _with_password(f"postgresql://postgres@127.0.0.1:{_closed_port()}/trt", spelling)
    for readonly in (False, True):
        with pytest.raises(EventLogError, match="cannot connect to the event log at") as caught:
            async with open_log(unreachable, codec=CODEC, readonly=readonly):
                pass
        assert PASSWORD not in str(caught.value)


async def test_a_failover_address_of_several_hosts_is_shown_without_its_password(url: str) -> None:
    """libpq's way to name a primary and its standby: ``postgresql://user:pw@db1:5432,db2:5432/trt``."""
    hosts = f"127.0.0.1:{_closed_port()},127.0.0.1:{_closed_port()}"
    with pytest.raises(EventLogError, match="cannot connect to the event log at") as caught:
        async with open_log(f"postgresql://postgres:{PASSWORD}@{hosts}/trt", codec=CODEC):
            pass
    assert PASSWORD not in str(caught.value) and hosts in str(caught.value)


async def test_a_schema_the_address_names_but_the_server_lacks_is_refused_with_a_sentence(url: str) -> None:
    missing = url.replace("search_path%3D", "search_path%3Dno_such_schema_", 1)
    for readonly in (False, True):
        with pytest.raises(EventLogError) as caught:
            async with open_log(missing, codec=CODEC, readonly=readonly):
                pass
        assert "no_such_schema_" in str(caught.value)


# -- the server's ways ----------------------------------------------------------------


async def test_instances_agree_on_seq_when_the_database_defaults_to_repeatable_read(url: str) -> None:
    """An operator's ``ALTER DATABASE … SET default_transaction_isolation`` must not change how the log numbers."""
    strict = url.replace("options=", "options=" + quote("-cdefault_transaction_isolation=repeatable\\ read "), 1)
    failures: list[CommitFailed] = []

    async def appender(log: EventLog, n: int) -> None:
        for _ in range(10):
            try:
                await log.append([new_event(stream=f"chat:{n}")])
            except CommitFailed as exc:
                failures.append(exc)

    async with open_log(strict, codec=CODEC) as a, open_log(strict, codec=CODEC) as b, open_log(strict, codec=CODEC) as c:
        [(isolation,)] = sql(strict, "SHOW default_transaction_isolation")
        assert isolation == "repeatable read"
        with trio.fail_after(30):
            async with trio.open_nursery() as nursery:
                for n in range(8):
                    for log in (a, b, c):
                        nursery.start_soon(appender, log, n)
        assert len(failures) == 0, f"{len(failures)} appends failed, the first: {failures[0]}"
        assert [r.seq for r in await a.read_from(1, limit=1000)] == list(range(1, 3 * 8 * 10 + 1))


async def test_closing_a_log_does_not_wait_out_the_listener_s_look_at_the_head(url: str) -> None:
    async with open_log(url, codec=CODEC) as log:
        await log.append([new_event()])
        await trio.sleep(0.1)  # the listener has heard the append and waits for the next
        closing = time.monotonic()
    assert time.monotonic() - closing < 0.5


async def test_the_schema_has_the_designed_indexes(url: str) -> None:
    async with open_log(url, codec=CODEC) as log:
        await log.append([new_event()])
    indexes = {str(name): str(definition) for name, definition in sql(
        url,
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'events'",
    )}
    assert "UNIQUE" in indexes["events_event_id"] and "UNIQUE" in indexes["events_stream_version"]
    assert indexes["events_stream_version"].endswith("(stream, version)")
    assert indexes["events_cid"].endswith("(cid)")
    assert indexes["events_type_seq"].endswith("(type, seq)")
    [(collation,)] = sql(url, "SELECT collation_name FROM information_schema.columns WHERE table_schema ="
                              " current_schema() AND table_name = 'open_items' AND column_name = 'item'")
    assert collation == "C"  # a prefix is one range of the primary key, in SQLite's binary order
