"""The ledger's shell over a real log: envelopes, retries, refusals, users dropped and rebuilt."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest

from eventlog import CommitFailed, NewEvent, SQLiteEventLog
from tests.actors.conftest import RefusingLog
from tests.ledger.support import quote
from trt_actors.actors.ledger import Ledger
from trt_actors.events import CODEC
from trt_actors.events.ledger import HoldPlaced
from trt_actors.ledger import Balance, Capture, Credit, Reserve
from trt_actors.runtime import CommandMeta, CommandRejected

ANN, BOB = 7, 8


def meta(command_id: str, cid: str = "u1", causation: str | None = "update:1:0:1") -> CommandMeta:
    return CommandMeta(command_id=command_id, cid=cid, ts=1_700_000_000.0, causation=causation, chat_id=ANN)


def welcome(user: int, amount: int = 50) -> Credit:
    return Credit(user_id=user, credit_id=f"welcome:{user}", amount=amount, reason="welcome")


def reserve(hold_id: str, amount: int, user: int = ANN) -> Reserve:
    return Reserve(user_id=user, hold_id=hold_id, amount=amount, quote=quote(amount), expires_at=1_700_003_600.0)


@pytest.fixture
async def log(tmp_path: Path) -> AsyncIterator[SQLiteEventLog]:
    async with SQLiteEventLog.open(tmp_path / "ledger.sqlite3", codec=CODEC) as opened:
        yield opened


async def test_events_carry_the_chain_of_what_asked_and_the_users_id(log: SQLiteEventLog) -> None:
    async with Ledger.open(log) as ledger:
        await ledger.run(welcome(ANN), meta("grant"))
        executed = await ledger.run(reserve("c1", 18), meta("confirm:1", cid="u2", causation="chat:7/u2/3"))
    (recorded,) = executed.events
    assert isinstance(recorded.event, HoldPlaced) and recorded.event.quote == quote(18)
    assert (recorded.stream, recorded.event_id, recorded.version) == ("ledger:7", "ledger:7/confirm:1/0", 2)
    assert (recorded.cid, recorded.causation, recorded.user_id, recorded.chat_id) == ("u2", "chat:7/u2/3", ANN, ANN)


async def test_a_retry_appends_nothing_whether_its_command_id_or_its_hold_id_is_known(log: SQLiteEventLog) -> None:
    async with Ledger.open(log) as ledger:
        await ledger.run(welcome(ANN), meta("grant"))
        await ledger.run(reserve("c1", 18), meta("confirm:1"))
        assert (await ledger.run(reserve("c1", 18), meta("confirm:1"))).duplicate
        assert (await ledger.run(reserve("c1", 18), meta("confirm:again"))).events == ()
        await ledger.run(Capture(user_id=ANN, hold_id="c1", amount=18), meta("job:1"))
        assert (await ledger.run(Capture(user_id=ANN, hold_id="c1", amount=18), meta("job:1:again"))).events == ()
        state = await ledger.state(ANN)
    assert await log.stream_version("ledger:7") == 3
    assert (state.holds["c1"].status, state.balance()) == ("captured", Balance(available=32, held=0))


async def test_a_malformed_command_is_refused_and_records_nothing(log: SQLiteEventLog) -> None:
    async with Ledger.open(log) as ledger:
        with pytest.raises(CommandRejected, match="positive"):
            await ledger.run(Capture(user_id=ANN, hold_id="c1", amount=0), meta("bad"))
        assert ledger.statistics().crashes == 0 and ledger.statistics().live == 1
    assert await log.stream_version("ledger:7") == 0


async def test_users_past_max_live_are_dropped_and_rebuilt_from_the_log(log: SQLiteEventLog) -> None:
    async with Ledger.open(log, max_live=1, snapshot_every=2) as ledger:
        for n in range(3):
            await ledger.run(welcome(ANN) if n == 0 else reserve(f"a{n}", 5), meta(f"ann-{n}"))
            await ledger.run(welcome(BOB) if n == 0 else reserve(f"b{n}", 7, user=BOB), meta(f"bob-{n}"))
        assert await ledger.balance(ANN) == Balance(available=40, held=10)
        assert await ledger.balance(BOB) == Balance(available=36, held=14)
        statistics = ledger.statistics()
    assert (statistics.live, statistics.evictions, statistics.activations) == (1, 7, 8)
    async with Ledger.open(log) as reopened:
        assert await reopened.balance(ANN) == Balance(available=40, held=10)
        assert (await reopened.run(reserve("a1", 5), meta("ann-1"))).duplicate


def _a_hold(events: Sequence[NewEvent]) -> bool:
    return isinstance(events[0].event, HoldPlaced)


async def test_a_user_whose_append_failed_is_rebuilt_from_what_was_committed(log: SQLiteEventLog) -> None:
    async with Ledger.open(RefusingLog(log, 1, refuse=_a_hold)) as ledger:  # type: ignore[arg-type]
        await ledger.run(welcome(ANN), meta("grant"))
        with pytest.raises(CommitFailed):
            await ledger.run(reserve("c1", 18), meta("confirm:1"))
        assert ledger.statistics().crashes == 1
        assert await ledger.balance(ANN) == Balance(available=50, held=0)
        await ledger.run(reserve("c1", 18), meta("confirm:1"))
        assert await ledger.balance(ANN) == Balance(available=32, held=18)
