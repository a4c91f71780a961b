"""Eras of update ids: a redelivery is a duplicate; an id from another bot or another era is not."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import trio
from hypothesis import given
from hypothesis import strategies as st

from eventlog import SQLiteEventLog
from trt_actors.actors.eras import RETENTION, EraState, place
from trt_actors.actors.receiver import UpdateReceiver
from trt_actors.events import UpdateEraStarted, UpdateReceived
from trt_actors.sandbox.telegram import TelegramEmulator
from trt_actors.telegram import TelegramClient

from .conftest import BOT_ID, TOKEN, events_of


def test_ids_at_or_above_the_confirmed_offset_stay_in_the_era() -> None:
    state = EraState(era=3, confirmed=100, newest_id=120, newest_ts=1000.0)
    assert place(state, BOT_ID, [100, 120, 121], now=1001.0).era == 3
    assert place(state, BOT_ID, [100], now=1001.0).started is None


def test_an_id_below_the_confirmed_offset_starts_a_new_era() -> None:
    state = EraState(era=3, confirmed=100, newest_id=120, newest_ts=1000.0)
    placed = place(state, BOT_ID, [1, 2], now=1001.0)
    assert placed.era == 4 and placed.started == UpdateEraStarted(
        bot_id=BOT_ID, era=4, first_update_id=1, reason="below-confirmed-offset",
        confirmed_offset=100, newest_update_id=120, newest_ts=1000.0, decided_at=1001.0,
    )


def test_a_known_id_after_telegrams_retention_starts_a_new_era_and_a_higher_one_does_not() -> None:
    state = EraState(era=0, newest_id=500, newest_ts=0.0)
    later = RETENTION + 1
    assert place(state, BOT_ID, [480], now=later).started is not None
    assert place(state, BOT_ID, [501], now=later).started is None
    assert place(state, BOT_ID, [480], now=RETENTION - 1).started is None  # could be a redelivery


@given(st.lists(st.integers(min_value=1, max_value=10**9), min_size=1, max_size=20), st.integers(0, 10**9))
def test_placing_the_same_batch_twice_gives_the_same_era(ids: list[int], confirmed: int) -> None:
    state = EraState(era=1, confirmed=confirmed)
    assert place(state, BOT_ID, ids, now=5.0) == place(state, BOT_ID, ids, now=5.0)


@asynccontextmanager
async def polling_bot(log: SQLiteEventLog, token: str = TOKEN) -> AsyncIterator[TelegramEmulator]:
    """A fresh emulator (update ids start at 1 again) and a receiver polling it."""
    bot_id = int(token.partition(":")[0])
    async with TelegramEmulator.serve(token=token) as emu, TelegramClient(emu.api_base, token, timeout=5.0) as tg:
        tg.long_poll_margin = 3.0
        receiver = UpdateReceiver(log, tg, bot_id=bot_id, poll_timeout=1)
        async with trio.open_nursery() as nursery:
            await nursery.start(receiver.run_polling)
            yield emu
            with trio.fail_after(5):
                await emu.wait_updates_taken()
                while receiver.offset is None or receiver.intake.eras.state.confirmed != receiver.offset:
                    await trio.sleep(0.01)  # the next poll confirmed the last batch
            nursery.cancel_scope.cancel()


async def wait_received(log: SQLiteEventLog, count: int) -> list[str]:
    with trio.fail_after(5):
        while len(received := await events_of(log, UpdateReceived)) < count:
            await trio.sleep(0.01)
    return [r.event_id for r in received]


async def test_a_second_run_whose_update_ids_start_again_is_recorded_not_dropped(log: SQLiteEventLog) -> None:
    async with polling_bot(log) as emu:
        await emu.user(1001, "Ann").send_text("first run")
        first = await wait_received(log, 1)
    async with polling_bot(log) as emu:  # a new emulator: its update ids start at 1 again
        await emu.user(1001, "Ann").send_text("second run")
        both = await wait_received(log, 2)
    [only] = first
    update_id = only.rpartition(":")[2]
    assert only == f"update:{BOT_ID}:0:{update_id}" and both == [*first, f"update:{BOT_ID}:1:{update_id}"]
    [era] = await events_of(log, UpdateEraStarted)
    assert isinstance(era.event, UpdateEraStarted) and era.event.reason == "below-confirmed-offset"
    assert era.stream == f"intake:{BOT_ID}"


async def test_two_bots_on_one_log_keep_their_update_ids_apart(log: SQLiteEventLog) -> None:
    other = "654321:OTHER-token-0123456789abcdefXYZ"
    async with polling_bot(log) as emu:
        await emu.user(1001, "Ann").send_text("to the first bot")
        await wait_received(log, 1)
    async with polling_bot(log, other) as emu:
        await emu.user(1001, "Ann").send_text("to the second bot")
        ids = await wait_received(log, 2)
    update_id = ids[0].rpartition(":")[2]
    assert ids == [f"update:{BOT_ID}:0:{update_id}", f"update:654321:0:{update_id}"]
    assert await events_of(log, UpdateEraStarted) == []
