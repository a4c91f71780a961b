"""Durable checkpoints: saved through the writer, never moving backwards, there after a reopen."""

from __future__ import annotations

import trio

from eventlog import EventLog, open_log
from tests.eventlog.conftest import new_event
from trt_actors.events import CODEC


async def test_a_checkpoint_moves_forward_only_and_survives_a_reopen(target: str) -> None:
    async with open_log(target, codec=CODEC) as log:
        assert await log.load_checkpoint("reactor:ledger") == 0
        await log.save_checkpoint("reactor:ledger", 7)
        await log.save_checkpoint("reactor:ledger", 3)  # lower: nothing changes
        await log.save_checkpoint("reactor:outbox", 2)
        assert await log.load_checkpoint("reactor:ledger") == 7
        await log.save_checkpoint("reactor:ledger", 9)
    async with open_log(target, codec=CODEC) as log:
        assert await log.load_checkpoint("reactor:ledger") == 9
        assert await log.load_checkpoint("reactor:outbox") == 2


async def test_checkpoints_share_commits_with_appends(log: EventLog) -> None:
    async with trio.open_nursery() as nursery:
        for n in range(20):
            nursery.start_soon(log.append, [new_event(stream=f"chat:{n}")])
            nursery.start_soon(log.save_checkpoint, f"reactor:{n % 4}", n)
    assert log.statistics().writer.batches < 40
    assert [await log.load_checkpoint(f"reactor:{k}") for k in range(4)] == [16, 17, 18, 19]
