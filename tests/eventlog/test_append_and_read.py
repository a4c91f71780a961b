from __future__ import annotations

import sqlite3
from collections.abc import Callable

import pytest
import trio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventlog import (
    EventLog,
    EventLogClosed,
    EventLogError,
    NewEvent,
    Position,
    RecordedEvent,
    Snapshot,
    SQLiteEventLog,
    VersionConflict,
    open_log,
)
from tests.eventlog.conftest import engine_of, new_event
from tests.strategies import any_event
from trt_actors.events import CODEC

# ``fresh_target`` makes a new log for each example, so sharing the maker between examples is safe.
EACH_EXAMPLE_ITS_OWN_LOG = [HealthCheck.function_scoped_fixture]

# A batch: a list of (stream, cid, event).
batches = st.lists(
    st.lists(
        st.tuples(st.sampled_from(["chat:1", "chat:2", "ledger:7", "job:a"]), st.sampled_from(["c1", "c2", "c3"]), any_event()),
        min_size=1,
        max_size=5,
    ),
    min_size=1,
    max_size=6,
)


def _envelope(r: RecordedEvent) -> tuple[object, ...]:
    return (r.event_id, r.stream, r.cid, r.ts, r.causation, r.chat_id, r.user_id, r.event)


def _new(e: NewEvent) -> tuple[object, ...]:
    return (e.event_id, e.stream, e.cid, e.ts, e.causation, e.chat_id, e.user_id, e.event)


@settings(max_examples=25, deadline=None, suppress_health_check=EACH_EXAMPLE_ITS_OWN_LOG)
@given(batches)
async def test_batches_read_back_identically_by_stream_cid_and_seq(
    fresh_target: Callable[[], str], spec: list[list[tuple[str, str, object]]]
) -> None:
    async with open_log(fresh_target(), codec=CODEC) as log:
        appended: list[NewEvent] = []
        for b, batch in enumerate(spec):
            events = [
                NewEvent(event_id=f"b{b}-{i}", stream=s, cid=c, event=e, ts=float(b), chat_id=b, user_id=i)  # type: ignore[arg-type]
                for i, (s, c, e) in enumerate(batch)
            ]
            positions = await log.append(events)
            assert [p.event_id for p in positions] == [e.event_id for e in events]
            appended.extend(events)

        everything = await log.read_from(1, limit=10_000)
        assert [_envelope(r) for r in everything] == [_new(e) for e in appended]
        seqs = [r.seq for r in everything]
        assert seqs == sorted(set(seqs)) and seqs == list(range(1, len(appended) + 1))

        for stream in {e.stream for e in appended}:
            read = await log.read_stream(stream)
            assert [_envelope(r) for r in read] == [_new(e) for e in appended if e.stream == stream]
            assert [r.version for r in read] == list(range(1, len(read) + 1))
            assert await log.stream_version(stream) == len(read)
        for cid in {e.cid for e in appended}:
            read = await log.read_cid(cid)
            assert [_envelope(r) for r in read] == [_new(e) for e in appended if e.cid == cid]


@settings(max_examples=20, deadline=None, suppress_health_check=EACH_EXAMPLE_ITS_OWN_LOG)
@given(batches, st.data())
async def test_reappending_is_idempotent_and_returns_the_original_positions(
    fresh_target: Callable[[], str], spec: list[list[tuple[str, str, object]]], data: st.DataObject
) -> None:
    async with open_log(fresh_target(), codec=CODEC) as log:
        sent: list[tuple[list[NewEvent], list[Position]]] = []
        for b, batch in enumerate(spec):
            events = [
                NewEvent(event_id=f"b{b}-{i}", stream=s, cid=c, event=e, ts=0.0)  # type: ignore[arg-type]
                for i, (s, c, e) in enumerate(batch)
            ]
            sent.append((events, await log.append(events)))
        total = len(await log.read_from(1, 10_000))
        events, first = data.draw(st.sampled_from(sent))
        again = await log.append(events)
        assert [(p.seq, p.stream, p.version) for p in again] == [(p.seq, p.stream, p.version) for p in first]
        assert all(p.duplicate for p in again)
        assert len(await log.read_from(1, 10_000)) == total


async def test_idempotency_survives_a_reopen(target: str) -> None:
    event = new_event(event_id="update:42")
    async with open_log(target, codec=CODEC) as log:
        [first] = await log.append([event])
    async with open_log(target, codec=CODEC) as log:
        [again] = await log.append([event])
        assert again.duplicate and (again.seq, again.version) == (first.seq, first.version)
        assert len(await log.read_from(1)) == 1


@settings(max_examples=20, deadline=None, suppress_health_check=EACH_EXAMPLE_ITS_OWN_LOG)
@given(st.integers(min_value=1, max_value=6), st.integers(min_value=0, max_value=8))
async def test_a_stale_expected_version_is_a_conflict_and_writes_nothing(
    fresh_target: Callable[[], str], existing: int, expected: int
) -> None:
    async with open_log(fresh_target(), codec=CODEC) as log:
        await log.append([new_event("chat:9") for _ in range(existing)])
        attempt = [new_event("chat:9"), new_event("chat:10")]
        if expected == existing:
            positions = await log.append(attempt, expected={"chat:9": expected})
            assert [p.version for p in positions] == [existing + 1, 1]
        else:
            with pytest.raises(VersionConflict) as caught:
                await log.append(attempt, expected={"chat:9": expected})
            assert (caught.value.stream, caught.value.expected, caught.value.actual) == ("chat:9", expected, existing)
            assert await log.stream_version("chat:9") == existing
            assert await log.stream_version("chat:10") == 0


async def test_a_conflict_fails_only_its_own_request_and_concurrent_ones_commit(log: EventLog) -> None:
    await log.append([new_event("chat:1")])
    results: dict[str, object] = {}

    async def good(i: int) -> None:
        results[f"good{i}"] = await log.append([new_event(f"chat:{100 + i}")])

    async def stale() -> None:
        try:
            await log.append([new_event("chat:1")], expected={"chat:1": 0})
        except VersionConflict as exc:
            results["stale"] = exc

    async with trio.open_nursery() as nursery:
        for i in range(10):
            nursery.start_soon(good, i)
        nursery.start_soon(stale)
    assert isinstance(results["stale"], VersionConflict)
    assert [await log.stream_version(f"chat:{100 + i}") for i in range(10)] == [1] * 10
    assert await log.stream_version("chat:1") == 1


async def test_one_event_id_twice_in_one_append_is_refused(log: EventLog) -> None:
    event = new_event()
    with pytest.raises(EventLogError, match="appears twice"):
        await log.append([event, event])
    assert await log.read_from(1) == []


async def test_empty_append_writes_nothing(log: EventLog) -> None:
    assert await log.append([]) == []
    assert log.statistics().writer.batches == 0


async def test_read_stream_from_a_version_and_with_a_limit(log: EventLog) -> None:
    await log.append([new_event("chat:5") for _ in range(10)])
    assert [r.version for r in await log.read_stream("chat:5", from_version=4, limit=3)] == [4, 5, 6]
    assert await log.read_stream("chat:404") == []


async def test_snapshots_keep_the_newest(log: EventLog) -> None:
    assert await log.load_snapshot("chat:1") is None
    await log.save_snapshot(Snapshot(stream="chat:1", version=5, state=b"five", ts=1.0))
    await log.save_snapshot(Snapshot(stream="chat:1", version=3, state=b"three", ts=2.0))
    assert await log.load_snapshot("chat:1") == Snapshot(stream="chat:1", version=5, state=b"five", ts=1.0)
    await log.save_snapshot(Snapshot(stream="chat:1", version=9, state=b"nine", ts=3.0))
    snap = await log.load_snapshot("chat:1")
    assert snap is not None and snap.version == 9 and snap.state == b"nine"


async def test_a_closed_log_refuses_appends(target: str) -> None:
    async with open_log(target, codec=CODEC) as log:
        pass
    with pytest.raises(EventLogClosed, match="closed"):
        await log.append([new_event()])


async def test_the_file_is_wal_with_full_sync_and_the_designed_indexes(sqlite_log: SQLiteEventLog) -> None:
    await sqlite_log.append([new_event()])
    conn = sqlite3.connect(sqlite_log.path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    indexes = {row[1]: row[2] for row in conn.execute("PRAGMA index_list(events)")}
    assert indexes["events_event_id"] == 1 and indexes["events_stream_version"] == 1
    assert {"events_cid", "events_type_seq"} <= set(indexes)
    assert "events_type" not in indexes  # (type, seq) covers it; one index less to update per insert
    assert [row[2] for row in conn.execute("PRAGMA index_info(events_type_seq)")] == ["type", "seq"]
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


async def test_a_newer_schema_is_refused_with_a_sentence(target: str) -> None:
    async with open_log(target, codec=CODEC):
        pass
    write_schema_99(target)
    with pytest.raises(EventLogError, match="newer version of trt-actors"):
        async with open_log(target, codec=CODEC):
            pass


def write_schema_99(target: str) -> None:
    """Mark the log at ``target`` as migrated by a future version."""
    conn = engine_of(target).connect_writer()
    conn.execute("INSERT INTO schema_migrations (version, name) VALUES (99, 'from the future')")
    conn.close()
