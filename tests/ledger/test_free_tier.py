"""Free-tier holds in the ledger: 0 credits, counted per day, consumed only by a capture, refused once the day's are
taken; and the audit on a real log that holds them."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from eventlog import SQLiteEventLog
from tests.ledger.support import job_ended, quote, read_all
from trt_actors.actors.ledger import Ledger
from trt_actors.events import CODEC, Event
from trt_actors.events.ledger import HoldCaptured, HoldPlaced, HoldRejected, HoldVoided
from trt_actors.ledger import Capture, Credit, LedgerCommand, LedgerDecider, LedgerState, Reserve, Void
from trt_actors.ledger.audit import audit
from trt_actors.runtime import CommandMeta
from trt_actors.runtime.decider import CommandRejected, fold

USER = 42
DECIDER = LedgerDecider()
DAY = "2026-12-05"


def free(hold_id: str, day: str = DAY, per_day: int = 2, amount: int = 0) -> Reserve:
    return Reserve(user_id=USER, hold_id=hold_id, amount=amount, quote=quote(8), expires_at=1000.0, free_day=day,
                   free_per_day=per_day)


def run(state: LedgerState, *commands: LedgerCommand) -> tuple[LedgerState, list[Event]]:
    events: list[Event] = []
    for command in commands:
        decided = list(DECIDER.decide(state, command))
        state = fold(DECIDER, state, decided)
        events.extend(decided)
    return state, events


def test_a_free_hold_holds_no_credits_and_counts_on_its_day() -> None:
    state, events = run(LedgerState(), Credit(user_id=USER, credit_id="c", amount=5, reason="adjustment"),
                        free("h1"))
    placed = events[-1]
    assert isinstance(placed, HoldPlaced)
    assert (placed.amount, placed.free_day, placed.available, placed.held) == (0, DAY, 5, 0)
    assert placed.quote.credits == 8  # what it would have cost
    assert state.free_days() == [DAY] and state.available == 5


def test_the_days_free_generations_run_out_and_a_new_day_has_its_own() -> None:
    state, events = run(LedgerState(), free("h1"), free("h2"), free("h3"), free("h4", day="2026-12-06"))
    assert [type(event).__name__ for event in events] == ["HoldPlaced", "HoldPlaced", "HoldRejected", "HoldPlaced"]
    refused = events[2]
    assert isinstance(refused, HoldRejected) and refused.reason == "free_used_up" and refused.amount == 0
    assert sorted(state.free_days()) == [DAY, DAY, "2026-12-06"]


def test_a_void_gives_the_free_use_back_and_a_capture_of_nothing_consumes_it() -> None:
    state, events = run(LedgerState(), free("h1", per_day=1), Void(user_id=USER, hold_id="h1", reason="failed"),
                        free("h2", per_day=1), Capture(user_id=USER, hold_id="h2", amount=0), free("h3", per_day=1))
    kinds = [type(event) for event in events]
    assert kinds == [HoldPlaced, HoldVoided, HoldPlaced, HoldCaptured, HoldRejected]
    captured = events[3]
    assert isinstance(captured, HoldCaptured) and (captured.captured, captured.released) == (0, 0)
    assert state.free_days() == [DAY] and state.captured == 0 and state.available == 0


def test_a_retried_free_hold_decides_nothing_new() -> None:
    state, _ = run(LedgerState(), free("h1", per_day=1))
    assert list(DECIDER.decide(state, free("h1", per_day=1))) == []
    assert list(DECIDER.decide(state, Capture(user_id=USER, hold_id="h1", amount=0)))  # but it can be captured


@pytest.mark.parametrize("command", [free("h1", amount=8), free("h1", per_day=0), free("h1", per_day=21)],
                         ids=["credits", "no-free-tier", "too-many"])
def test_a_malformed_free_hold_is_refused(command: Reserve) -> None:
    with pytest.raises(CommandRejected) as refused:
        DECIDER.decide(LedgerState(), command)
    assert refused.value.reason == "bad_amount"


def test_a_capture_of_credits_from_a_free_hold_is_refused() -> None:
    state, _ = run(LedgerState(), free("h1"))
    (rejected,) = DECIDER.decide(state, Capture(user_id=USER, hold_id="h1", amount=3))
    assert type(rejected).__name__ == "CaptureRejected"
    with pytest.raises(CommandRejected):
        DECIDER.decide(LedgerState(), Capture(user_id=USER, hold_id="nope", amount=0))


async def test_the_audit_passes_on_a_log_with_free_holds_and_flags_one_that_took_credits(tmp_path: Path) -> None:
    path = tmp_path / "free.sqlite3"
    async with SQLiteEventLog.open(path, codec=CODEC) as log, Ledger.open(log) as ledger:
        step = 0

        async def execute(command: Capture | Credit | Reserve | Void, causation: str | None = None) -> None:
            nonlocal step
            step += 1
            await ledger.run(command, CommandMeta(command_id=f"cmd-{step}", cid=f"c{step}", ts=1000.0 + step,
                                                  causation=causation))

        await execute(Credit(user_id=USER, credit_id="welcome:42", amount=5, reason="welcome"))
        await execute(free("h1"))
        await execute(Capture(user_id=USER, hold_id="h1", amount=0),
                      causation=await job_ended(log, USER, "h1", 0, succeeded=True))
        await execute(free("h2"))
        await execute(Void(user_id=USER, hold_id="h2", reason="generation_failed"),
                      causation=await job_ended(log, USER, "h2", 0, succeeded=False))
        events = await read_all(log)
    report = audit(events, now=2000.0)
    assert report.violations == ()
    forged = [recorded for recorded in events if isinstance(recorded.event, HoldPlaced)][0]
    assert isinstance(forged.event, HoldPlaced)
    took = HoldPlaced(hold_id="h1", amount=3, quote=forged.event.quote, expires_at=1000.0, available=2, held=3,
                      free_day=DAY)
    tampered = [msgspec.structs.replace(recorded, event=took) if recorded is forged else recorded
                for recorded in events]
    assert "quote_mismatch" in {violation.check for violation in audit(tampered, now=2000.0).violations}


def test_granted_free_generations_are_used_after_the_days_and_counted_apart() -> None:
    from trt_actors.events.ledger import FreeGranted
    from trt_actors.free_tier import BONUS
    from trt_actors.ledger import GrantFree

    grant = GrantFree(user_id=USER, grant_id="referral:42:free", count=2, reason="referral")
    state, events = run(LedgerState(), grant, grant, free("b1", day=BONUS, per_day=0), free("b2", day=BONUS),
                        free("b3", day=BONUS), Void(user_id=USER, hold_id="b1", reason="failed"),
                        free("b4", day=BONUS))
    kinds = [type(event).__name__ for event in events]
    assert kinds == ["FreeGranted", "HoldPlaced", "HoldPlaced", "HoldRejected", "HoldVoided", "HoldPlaced"]
    assert isinstance(events[0], FreeGranted) and state.free_granted == 2  # the retried grant gave nothing more
    with pytest.raises(CommandRejected):
        DECIDER.decide(state, GrantFree(user_id=USER, grant_id="g", count=0, reason="referral"))
    with pytest.raises(CommandRejected):
        DECIDER.decide(state, GrantFree(user_id=USER, grant_id="g", count=1, reason="because"))
