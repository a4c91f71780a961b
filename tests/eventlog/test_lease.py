"""The lease of the active instance and the fence it puts on writing: two logs on one store, one writer at a time."""

from __future__ import annotations

import pytest

from eventlog import NotLeaseHolder, open_log
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
