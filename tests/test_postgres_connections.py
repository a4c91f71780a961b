"""A PostgreSQL log outlives its connections: the server dropping them (a restart, a failover) costs a retry, not the bot."""

from __future__ import annotations

import psycopg

from eventlog import CommitFailed, NewEvent, open_log
from trt_actors.events import CODEC, CallbackRejected


def _event(n: int) -> NewEvent:
    return NewEvent(event_id=f"e{n}", stream="chat:1", event=CallbackRejected(reason_code="stale", data=f"d{n}"),
                    cid=f"c{n}", ts=1_700_000_000.0 + n)


def _drop_connections(url: str) -> int:
    """Terminate every other session of this database, as a server restart would (but the listener's)."""
    with psycopg.connect(url, autocommit=True) as admin:
        (count,) = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid() AND query NOT LIKE 'LISTEN%'"
        ).fetchone() or (0,)
        return int(count)


async def test_reads_go_on_after_the_server_dropped_the_pool_s_connections(postgres_url: str) -> None:
    async with open_log(postgres_url, codec=CODEC) as log:
        await log.append([_event(1)])
        assert [r.event_id for r in await log.read_stream("chat:1")] == ["e1"]
        assert _drop_connections(postgres_url) >= 2  # the reader's and the writer's
        assert [r.event_id for r in await log.read_stream("chat:1")] == ["e1"]
        assert log.statistics().readers.opened == 2


async def test_an_append_after_the_writer_s_connection_dropped_fails_once_then_the_log_writes_again(
    postgres_url: str,
) -> None:
    async with open_log(postgres_url, codec=CODEC) as log:
        await log.append([_event(1)])
        _drop_connections(postgres_url)
        try:
            [first] = await log.append([_event(2)])
        except CommitFailed:  # the batch met the dead connection: nothing of it was written, retrying is safe
            [first] = await log.append([_event(2)])
        assert (first.seq, first.duplicate) == (2, False)
        assert log.healthy
        [again] = await log.append([_event(2)])
        assert again.duplicate
        assert log.statistics().writer.reconnects <= 1
        assert [r.event_id for r in await log.read_stream("chat:1")] == ["e1", "e2"]


async def test_a_malformed_notification_does_not_stop_a_log_from_hearing_the_next_commit(postgres_url: str) -> None:
    import trio

    async with open_log(postgres_url, codec=CODEC) as writer, open_log(postgres_url, codec=CODEC,
                                                                          readonly=True) as follower:
        with psycopg.connect(postgres_url, autocommit=True) as other:
            (schema,) = other.execute("SELECT current_schema()").fetchone() or ("",)
            for payload in ("garbage", f"{schema}", f"{schema} x", f"{schema} notanumber t", f"{schema}  "):
                other.execute("SELECT pg_notify('trt_events', %s)", (payload,))
        await trio.sleep(0.3)
        await writer.append([_event(1)])
        with trio.fail_after(0.8):  # well inside the once-a-second look at the head: heard by notification
            async for recorded in follower.subscribe(1):
                assert recorded.event_id == "e1"
                break
