"""Pending holds are open items in the log, and the expiry sweep voids the ones past their time, once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from eventlog import SQLiteEventLog
from tests.ledger.support import quote
from trt_actors.actors.ledger import Ledger
from trt_actors.actors.ledger_reactions import HOLD_ITEM_PREFIX, HoldExpiry
from trt_actors.events import CODEC
from trt_actors.events.ledger import HoldVoided
from registry import load_valid_registry
from trt_actors.ledger import Balance, Capture, Credit, Expire, Reserve, Void
from trt_actors.replay import chains, ledger_own_command, replay_chain
from trt_actors.session import SessionDecider
from trt_actors.runtime import CommandMeta

ANN, BOB = 7, 8
T0 = 1_700_000_000.0


def meta(command_id: str, user: int) -> CommandMeta:
    return CommandMeta(command_id=command_id, cid=f"cid-{command_id}", ts=T0, causation=None, chat_id=user, user_id=user)


@pytest.fixture
async def log(tmp_path: Path) -> AsyncIterator[SQLiteEventLog]:
    async with SQLiteEventLog.open(tmp_path / "expiry.sqlite3", codec=CODEC) as opened:
        yield opened


async def test_a_hold_opens_an_item_that_its_capture_or_void_closes(log: SQLiteEventLog) -> None:
    async with Ledger.open(log) as ledger:
        await ledger.run(Credit(user_id=ANN, credit_id="w", amount=100, reason="welcome"), meta("w", ANN))
        for hold in ("h1", "h2", "h3"):
            await ledger.run(Reserve(user_id=ANN, hold_id=hold, amount=10, quote=quote(10), expires_at=T0 + 60),
                             meta(hold, ANN))
        assert [item.item for item in await log.open_items(HOLD_ITEM_PREFIX)] == ["hold:h1", "hold:h2", "hold:h3"]
        await ledger.run(Capture(user_id=ANN, hold_id="h1", amount=10), meta("c1", ANN))
        await ledger.run(Void(user_id=ANN, hold_id="h3", reason="cancelled"), meta("v3", ANN))
    assert [(item.item, item.stream) for item in await log.open_items(HOLD_ITEM_PREFIX)] == [("hold:h2", "ledger:7")]


async def test_the_sweep_voids_only_expired_holds_records_the_clock_and_closes_their_items(log: SQLiteEventLog) -> None:
    now = [T0]
    async with Ledger.open(log) as ledger:
        for user in (ANN, BOB):
            await ledger.run(Credit(user_id=user, credit_id=f"w{user}", amount=100, reason="welcome"), meta(f"w{user}", user))
        await ledger.run(Reserve(user_id=ANN, hold_id="soon", amount=30, quote=quote(30), expires_at=T0 + 60),
                         meta("soon", ANN))
        await ledger.run(Reserve(user_id=BOB, hold_id="later", amount=40, quote=quote(40), expires_at=T0 + 3600),
                         meta("later", BOB))
        expiry = HoldExpiry(log, ledger, clock=lambda: now[0])
        assert await expiry.sweep() == 0  # nothing is due yet
        now[0] = T0 + 61
        assert await expiry.sweep() == 1
        assert await expiry.sweep() == 0  # nothing left to expire: no second void
        assert await ledger.balance(ANN) == Balance(available=100, held=0)
        assert await ledger.balance(BOB) == Balance(available=60, held=40)
    (voided,) = [r for r in await log.read_stream("ledger:7") if isinstance(r.event, HoldVoided)]
    assert voided.event == HoldVoided(hold_id="soon", amount=30, reason="expired", available=100, held=0)
    assert voided.ts == T0 + 61  # the clock reading the decision was made at is recorded
    assert [item.item for item in await log.open_items(HOLD_ITEM_PREFIX)] == ["hold:later"]


async def test_replay_rebuilds_the_sweeps_decision_from_the_clock_reading_it_recorded(
    log: SQLiteEventLog,
) -> None:
    now = [T0]
    async with Ledger.open(log) as ledger:
        await ledger.run(Credit(user_id=ANN, credit_id="w", amount=100, reason="welcome"), meta("w", ANN))
        await ledger.run(Reserve(user_id=ANN, hold_id="soon", amount=30, quote=quote(30), expires_at=T0 + 60),
                         meta("soon", ANN))
        now[0] = T0 + 61
        assert await HoldExpiry(log, ledger, clock=lambda: now[0]).sweep() == 1
    (cid,) = [c for c in await chains(log) if c.startswith("expiry:")]  # --all finds the sweep's chain
    replayed = await replay_chain(log, cid, decider=SessionDecider(load_valid_registry()))
    assert replayed.identical and (replayed.decisions, replayed.skipped) == (1, 0)
    # The command is the sweep's own: its clock reading is the time its events were decided at.
    (voided,) = [r for r in await log.read_cid(cid) if isinstance(r.event, HoldVoided)]
    kind = voided.event_id.removeprefix("ledger:7/").rpartition("/")[0]
    assert ledger_own_command(kind, [voided.event], voided.ts, ANN) == Expire(user_id=ANN, now=T0 + 61)
