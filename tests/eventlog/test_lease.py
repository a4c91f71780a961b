"""The lease of the active instance and the fence it puts on writing: two logs on one store, one writer at a time."""

from __future__ import annotations

from collections.abc import Awaitable

import pytest
import trio

from eventlog import Append, Lease, NotLeaseHolder, open_log
from tests.eventlog.conftest import new_event
from trt_actors.events import CODEC

T0 = 1_700_000_000.0


async def test_a_free_lease_is_taken_with_epoch_one_and_renewed_and_a_log_that_never_asks_is_not_fenced(
    target: str,
) -> None:
    async with open_log(target, codec=CODEC) as log:
        await log.append([new_event()])  # no lease asked: writing as before
        assert await log.lease() is None
        taken = await log.acquire_lease("a", ttl=10, now=T0)
        assert (taken.holder, taken.epoch, taken.expires_at, taken.mine) == ("a", 1, T0 + 10, True)
        renewed = await log.renew_lease("a", ttl=10, now=T0 + 5)
        assert (renewed.epoch, renewed.expires_at, renewed.mine) == (1, T0 + 15, True)
        again = await log.acquire_lease("a", ttl=10, now=T0 + 6)  # taking it again keeps the epoch
        assert (again.epoch, again.mine) == (1, True)
        await log.append([new_event()])


async def test_a_standby_waits_for_the_lease_then_takes_it_and_the_old_holder_can_never_write_again(
    target: str,
) -> None:
    async with open_log(target, codec=CODEC) as old, open_log(target, codec=CODEC) as new:
        assert (await old.acquire_lease("old", ttl=10, now=T0)).mine
        await old.append([new_event(stream="chat:1"), new_event(stream="chat:1")])
        waiting = await new.acquire_lease("new", ttl=10, now=T0 + 5)
        assert (waiting.holder, waiting.epoch, waiting.mine) == ("old", 1, False)
        with pytest.raises(NotLeaseHolder):  # a standby writes nothing
            await new.append([new_event(stream="chat:2")])

        taken = await new.acquire_lease("new", ttl=10, now=T0 + 11)  # expired: a new epoch
        assert (taken.holder, taken.epoch, taken.mine) == ("new", 2, True)
        with pytest.raises(NotLeaseHolder) as refused:  # whatever the old holder still had in flight
            await old.append([new_event(stream="chat:1")])
        assert (refused.value.held_by, refused.value.epoch) == ("new", 2)
        lost = await old.renew_lease("old", ttl=10, now=T0 + 12)
        assert not lost.mine and lost.holder == "new"
        # The new holder reads the head afresh: its appends follow the old holder's, seq and version.
        (position,) = await new.append([new_event(stream="chat:1")])
        assert (position.seq, position.version) == (3, 3)
        assert old.statistics().writer.unleased == 1 and old.statistics().writer.healthy


async def test_a_released_lease_is_taken_at_once_and_the_instance_that_let_it_go_writes_no_more(
    target: str,
) -> None:
    async with open_log(target, codec=CODEC) as old, open_log(target, codec=CODEC) as new:
        await old.acquire_lease("old", ttl=10, now=T0)
        released = await old.release_lease("old", now=T0 + 1)
        assert (released.expires_at, released.mine) == (0.0, False)
        with pytest.raises(NotLeaseHolder):
            await old.append([new_event()])
        taken = await new.acquire_lease("new", ttl=10, now=T0 + 1)  # long before the ten seconds are up
        assert (taken.holder, taken.epoch, taken.mine) == ("new", 2, True)
        await new.append([new_event()])


async def test_a_restarted_process_on_a_crashed_holders_log_waits_for_the_lease_to_expire(target: str) -> None:
    async with open_log(target, codec=CODEC) as crashed:
        await crashed.acquire_lease("host:1", ttl=10, now=T0)
    # The process died without releasing (closing the log does not release it).
    async with open_log(target, codec=CODEC) as restarted:
        assert not (await restarted.acquire_lease("host:2", ttl=10, now=T0 + 3)).mine
        assert (await restarted.acquire_lease("host:2", ttl=10, now=T0 + 10)).mine


async def test_named_leases_fence_each_write_by_its_own_lease_and_a_refused_one_leaves_the_rest_of_the_batch(
    target: str,
) -> None:
    """Shards: one instance holds ``shard:0``, another ``shard:1``; each writes only under its own, and a write
    under a lost lease fails alone while the writes around it in the same group commit go through."""
    async with open_log(target, codec=CODEC) as a, open_log(target, codec=CODEC) as b:
        assert (await a.acquire_lease("a", ttl=10, now=T0, name="shard:0")).mine
        taken = await b.acquire_lease("b", ttl=10, now=T0, name="shard:1")
        assert (taken.name, taken.holder, taken.epoch, taken.mine) == ("shard:1", "b", 1, True)
        assert not (await b.acquire_lease("b", ttl=10, now=T0 + 1, name="shard:0")).mine  # held, not expired
        await a.append([new_event(stream="chat:0")], fence="shard:0")
        await b.append([new_event(stream="chat:1")], fence="shard:1")
        await b.append([new_event(stream="inbox:0")], fence=None)  # under no lease: any instance may record
        with pytest.raises(NotLeaseHolder) as refused:
            await a.append([new_event(stream="chat:1")], fence="shard:1")
        assert (refused.value.name, refused.value.held_by) == ("shard:1", "b")
        assert "the lease shard:1" in str(refused.value)
        with pytest.raises(NotLeaseHolder):  # nobody ever took the active lease here: not even its default
            await a.append([new_event(stream="chat:0")])

        # One batch, three leases: the write under the lease a lost fails, the others commit.
        async def write(stream: str, fence: str | None) -> str:
            try:
                await a.append([new_event(stream=stream)], fence=fence)
            except NotLeaseHolder:
                return "refused"
            return "written"

        results: dict[str, str] = {}
        async with trio.open_nursery() as nursery:
            for stream, fence in (("chat:0", "shard:0"), ("chat:1", "shard:1"), ("inbox:1", None)):
                nursery.start_soon(_put, results, stream, write(stream, fence))
        assert results == {"chat:0": "written", "chat:1": "refused", "inbox:1": "written"}
        with pytest.raises(NotLeaseHolder):  # a group append is all or nothing under its fence
            await a.append_batch([Append(events=[new_event(stream="chat:1")])], fence="shard:1")
        with pytest.raises(NotLeaseHolder):  # so is a checkpoint
            await a.save_checkpoint("router@shard:1", 3, fence="shard:1")
        await a.save_checkpoint("router@shard:0", 3, fence="shard:0")
        assert await b.load_checkpoint("router@shard:0") == 3

        # The lease a held expires and b takes it: a new epoch, and a can no longer write under it.
        moved = await b.acquire_lease("b", ttl=10, now=T0 + 11, name="shard:0")
        assert (moved.holder, moved.epoch, moved.mine) == ("b", 2, True)
        with pytest.raises(NotLeaseHolder):
            await a.append([new_event(stream="chat:0")], fence="shard:0")
        (position,) = await b.append([new_event(stream="chat:0")], fence="shard:0")
        assert position.version == 3  # a's two writes to the stream before the move are there, in order
        listed = {lease.name: (lease.holder, lease.epoch) for lease in await a.leases("shard:")}
        assert listed == {"shard:0": ("b", 2), "shard:1": ("b", 1)}
        assert (await a.lease("shard:1")) == Lease(holder="b", epoch=1, expires_at=T0 + 10, name="shard:1")


async def _put(results: dict[str, str], key: str, outcome: Awaitable[str]) -> None:
    results[key] = await outcome
