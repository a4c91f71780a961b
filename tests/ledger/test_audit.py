"""The audit read model: it passes on a real log, and names the right events on a copy that was tampered with."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import msgspec
import pytest

from eventlog import NewEvent, RecordedEvent, SQLiteEventLog
from tests.ledger.support import job_ended, payment, quote, read_all
from trt_actors.actors.ledger import Ledger
from trt_actors.events import CODEC, Event
from trt_actors.events.ledger import Credited, HoldCaptured, HoldPlaced, HoldVoided
from trt_actors.ledger import (
    Capture,
    CompleteRefund,
    Credit,
    LedgerCommand,
    Refund,
    Reserve,
    Void,
)
from trt_actors.ledger.audit import EXPIRY_GRACE, audit
from trt_actors.ledger.audit_report import AuditReport, render_csv, render_json, render_table
from trt_actors.runtime import CommandMeta

ANN, BOB = 7, 8
T0 = 1_700_000_000.0
NOW = T0 + 100


def topup(user: int, charge: str, amount: int, stars: int) -> Credit:
    return Credit(user_id=user, credit_id=f"stars:{charge}", amount=amount, reason="topup", source=f"{stars} Stars",
                  charge_id=charge, stars=stars)


def reserve(user: int, hold_id: str, amount: int, expires_at: float = T0 + 3600) -> Reserve:
    return Reserve(user_id=user, hold_id=hold_id, amount=amount, quote=quote(amount), expires_at=expires_at)


async def write_good_log(path: Path) -> None:
    """Two users' top-ups, a welcome bonus, holds captured whole and in part, voided, pending, and a refund."""
    async with SQLiteEventLog.open(path, codec=CODEC) as log, Ledger.open(log) as ledger:
        step = 0

        async def run(command: LedgerCommand, cid: str = "", causation: str | None = None) -> None:
            nonlocal step
            step += 1
            meta = CommandMeta(command_id=f"cmd-{step}", cid=cid or f"c{step}", ts=T0 + step, causation=causation)
            await ledger.run(command, meta)

        for update_id, charge, stars, amount in ((1001, "ch-1", 250, 550), (1002, "ch-2", 50, 100)):
            (position,) = await log.append([payment(ANN, update_id, charge, stars, ts=T0)])
            await run(topup(ANN, charge, amount, stars), cid=f"u{update_id}", causation=position.event_id)
        await run(Credit(user_id=BOB, credit_id="welcome:8", amount=20, reason="welcome"))
        await run(reserve(ANN, "h1", 18), cid="u2001")
        await run(Capture(user_id=ANN, hold_id="h1", amount=18), cid="u2001",
                  causation=await job_ended(log, ANN, "h1", 18, succeeded=True))
        await run(reserve(ANN, "h2", 30), cid="u2002")
        await run(Void(user_id=ANN, hold_id="h2", reason="generation_failed"), cid="u2002",
                  causation=await job_ended(log, ANN, "h2", 30, succeeded=False))
        await run(reserve(ANN, "h3", 40), cid="u2003")
        await run(Capture(user_id=ANN, hold_id="h3", amount=25), cid="u2003",
                  causation=await job_ended(log, ANN, "h3", 25, succeeded=True))
        await run(reserve(BOB, "h4", 10, expires_at=T0 + 500), cid="u2004")
        await run(Refund(user_id=ANN, refund_id="r1", credit_id="stars:ch-2", amount=100), cid="admin-1")
        await run(CompleteRefund(user_id=ANN, refund_id="r1"), cid="admin-1")


@pytest.fixture
async def good_log(tmp_path: Path) -> Path:
    path = tmp_path / "good.sqlite3"
    await write_good_log(path)
    return path


def tampered_copy(good: Path, *statements: tuple[str, tuple[object, ...]]) -> Path:
    """A copy of the closed log ``good`` with raw SQL applied to it, as someone editing the file would."""
    copy = good.with_name("copy.sqlite3")
    with sqlite3.connect(good) as source, sqlite3.connect(copy) as target:
        source.backup(target)
        for sql, params in statements:
            target.execute(sql, params)
    return copy


def altered(good: Path, event_id: str, **changes: object) -> tuple[str, tuple[object, ...]]:
    """The SQL that rewrites the payload of ``event_id`` with some fields changed."""
    with sqlite3.connect(good) as conn:
        (payload,) = conn.execute("SELECT payload FROM events WHERE event_id = ?", (event_id,)).fetchone()
    fields = {**json.loads(payload), **changes}
    return "UPDATE events SET payload = ? WHERE event_id = ?", (json.dumps(fields).encode(), event_id)


async def read(path: Path) -> list[RecordedEvent]:
    async with SQLiteEventLog.open_readonly(path, codec=CODEC) as log:
        return await read_all(log)


def findings(report: AuditReport) -> set[tuple[str, str]]:
    return {(violation.check, violation.event_id) for violation in report.violations}


def event_id_of(events: Sequence[RecordedEvent], kind: type, hold_or_credit: str) -> str:
    for recorded in events:
        if isinstance(recorded.event, kind) and hold_or_credit in msgspec.structs.astuple(recorded.event):
            return recorded.event_id
    raise LookupError(hold_or_credit)


async def test_a_good_log_passes_with_every_movement_and_its_chain(good_log: Path) -> None:
    report = audit(await read(good_log), now=NOW)
    assert report.passed, [violation.line() for violation in report.violations]
    assert [(move.type, move.change, move.held_change, move.spent) for move in report.movements] == [
        ("Credited", 550, 0, 0),
        ("Credited", 100, 0, 0),
        ("Credited", 20, 0, 0),
        ("HoldPlaced", -18, 18, 0),
        ("HoldCaptured", 0, -18, 18),
        ("HoldPlaced", -30, 30, 0),
        ("HoldVoided", 30, -30, 0),
        ("HoldPlaced", -40, 40, 0),
        ("HoldCaptured", 15, -40, 25),
        ("HoldPlaced", -10, 10, 0),
        ("RefundReserved", -100, 0, 0),
        ("RefundCompleted", 0, 0, 0),
    ]
    paid = report.movements[0]
    assert (paid.charge_id, paid.update_id, paid.cause, paid.user_id) == ("ch-1", 1001, "UpdateReceived", ANN)
    captured = report.movements[4]
    assert (captured.hold_id, captured.model_id, captured.rule, captured.registry_version, captured.cid) == (
        "h1", "nano-banana-pro", "per_value resolution=1K", "2026-06-30.test", "u2001"
    )
    assert report.movements[10].charge_id == "ch-2"
    summary = report.summary
    assert (summary.users, summary.holds, summary.captured, summary.voided, summary.pending) == (2, 4, 2, 1, 1)
    assert (summary.credited, summary.spent, summary.refunded, summary.payments) == (670, 43, 100, 2)
    assert (summary.available, summary.held) == (670 - 43 - 10 - 100, 10)


async def test_a_hold_left_pending_past_its_expiry_is_a_violation(good_log: Path) -> None:
    events = await read(good_log)
    placed = next(r for r in events if isinstance(r.event, HoldPlaced) and r.event.hold_id == "h4")
    assert audit(events, now=T0 + 499, grace=0).passed
    assert audit(events, now=T0 + 500 + EXPIRY_GRACE - 1).passed  # the bot's sweep has not come round yet
    assert findings(audit(events, now=T0 + 500 + EXPIRY_GRACE)) == {("hold_expired", placed.event_id)}
    report = audit(events, now=T0 + 500, grace=0)
    assert findings(report) == {("hold_expired", placed.event_id)}
    assert report.violations[0].line() == (
        f"ledger:8 seq {placed.seq}: hold 'h4' expired at {T0 + 500:.0f} and is still pending (hold_expired)"
    )


async def test_a_deleted_event_shows_as_a_version_gap_and_a_balance_that_no_longer_adds_up(good_log: Path) -> None:
    events = await read(good_log)
    placed = event_id_of(events, HoldPlaced, "h2")
    voided = event_id_of(events, HoldVoided, "h2")
    report = audit(await read(tampered_copy(good_log, ("DELETE FROM events WHERE event_id = ?", (placed,)))), now=NOW)
    assert findings(report) == {("version_gap", voided), ("unknown_hold", voided), ("balance_mismatch", voided)}
    assert not report.passed


async def test_a_deleted_first_event_is_a_gap_from_version_zero(good_log: Path) -> None:
    events = await read(good_log)
    credited = event_id_of(events, Credited, "welcome:8")
    copy = tampered_copy(good_log, ("DELETE FROM events WHERE event_id = ?", (credited,)))
    report = audit(await read(copy), now=NOW, user=BOB)
    (placed,) = [r.event_id for r in events if r.stream == "ledger:8" and r.version == 2]
    assert findings(report) == {("version_gap", placed), ("balance_mismatch", placed)}
    assert report.violations[0].line().endswith("version 2 follows version 0: an event was deleted (version_gap)")


async def test_an_altered_capture_is_found_where_it_was_altered_and_nowhere_else(good_log: Path) -> None:
    events = await read(good_log)
    capture = event_id_of(events, HoldCaptured, "h1")
    report = audit(await read(tampered_copy(good_log, altered(good_log, capture, captured=8))), now=NOW)
    assert findings(report) == {("amounts_do_not_add_up", capture), ("balance_mismatch", capture)}
    lines = [violation.line() for violation in report.violations]
    assert any("captured 8 + released 0 of hold 'h1' is not its 18" in line for line in lines), lines


async def test_an_altered_balance_figure_is_found_on_that_event_alone(good_log: Path) -> None:
    events = await read(good_log)
    credit = event_id_of(events, Credited, "stars:ch-1")
    report = audit(await read(tampered_copy(good_log, altered(good_log, credit, available=5550))), now=NOW)
    assert findings(report) == {("balance_mismatch", credit)}
    assert "states available 5550, held 0; the amounts of the stream give 550, 0" in report.violations[0].line()


async def test_an_altered_top_up_amount_is_a_mismatch_and_a_payment_check_notices_an_altered_charge(
    good_log: Path,
) -> None:
    events = await read(good_log)
    credit = event_id_of(events, Credited, "stars:ch-1")
    report = audit(await read(tampered_copy(good_log, altered(good_log, credit, amount=5500))), now=NOW)
    assert findings(report) == {("balance_mismatch", credit)}
    report = audit(await read(tampered_copy(good_log, altered(good_log, credit, charge_id="ch-x"))), now=NOW)
    assert findings(report) == {("credit_without_payment", credit), ("charge_not_credited", "")}
    report = audit(await read(tampered_copy(good_log, altered(good_log, credit, stars=25))), now=NOW)
    assert findings(report) == {("stars_mismatch", credit)}


async def test_events_moved_out_of_order_show_as_a_rewritten_stream(good_log: Path) -> None:
    events = await read(good_log)
    ann = [n for n, r in enumerate(events) if r.stream == "ledger:7"]
    swapped = list(events)
    swapped[ann[3]], swapped[ann[4]] = events[ann[4]], events[ann[3]]
    lines = [violation.line() for violation in audit(swapped, now=NOW).violations if violation.check == "version_gap"]
    assert lines == [
        f"ledger:7 seq {events[ann[4]].seq}: version 5 follows version 3: an event was deleted (version_gap)",
        f"ledger:7 seq {events[ann[3]].seq}: version 4 comes after version 5: the stream was rewritten (version_gap)",
    ]


def test_a_balance_stated_below_zero_is_a_violation_once_as_it_goes_under() -> None:
    def recorded(version: int, event: Event) -> RecordedEvent:
        return RecordedEvent(version, f"e{version}", "ledger:9", version, event.type_name(), T0, "c", None, None, 9,
                             event)

    report = audit([
        recorded(1, Credited(credit_id="c1", amount=10, reason="welcome", available=10, held=0)),
        recorded(2, HoldPlaced(hold_id="h1", amount=15, quote=quote(15), expires_at=NOW, available=-5, held=15)),
        recorded(3, HoldPlaced(hold_id="h2", amount=1, quote=quote(1), expires_at=NOW, available=-6, held=16)),
    ], now=NOW - 1)
    assert findings(report) == {("negative_balance", "e2")}


def restream(events: Sequence[RecordedEvent]) -> list[RecordedEvent]:
    """``events`` renumbered as a log would hold them: seq in order, versions counted per stream."""
    versions: dict[str, int] = {}
    out: list[RecordedEvent] = []
    for seq, recorded in enumerate(events, start=1):
        versions[recorded.stream] = versions.get(recorded.stream, 0) + 1
        out.append(msgspec.structs.replace(recorded, seq=seq, version=versions[recorded.stream]))
    return out


async def test_a_hold_resolved_twice_or_captured_beyond_its_amount_is_a_violation(good_log: Path) -> None:
    events = await read(good_log)
    (index,) = [n for n, r in enumerate(events) if isinstance(r.event, HoldCaptured) and r.event.hold_id == "h1"]
    again = msgspec.structs.replace(events[index], event_id="again")
    report = audit(restream([*events[: index + 1], again, *events[index + 1:]]), now=NOW)
    assert ("resolved_twice", "again") in findings(report)
    over = msgspec.structs.replace(
        events[index], event=HoldCaptured(hold_id="h1", captured=20, released=0, available=532, held=0)
    )
    report = audit(restream([*events[:index], over, *events[index + 1:]]), now=NOW)
    assert ("capture_exceeds_hold", over.event_id) in findings(report)


async def test_a_stars_charge_credited_twice_or_never_is_a_violation(good_log: Path) -> None:
    events = await read(good_log)
    first = next(r for r in events if isinstance(r.event, Credited) and r.event.charge_id == "ch-1")
    twice = msgspec.structs.replace(first, stream="ledger:8", event_id="twice", user_id=BOB)
    report = audit(restream([*events, twice]), now=NOW)
    assert ("charge_credited_twice", "twice") in findings(report)
    report = audit([r for r in events if r.event_id != first.event_id], now=NOW)
    assert ("charge_not_credited", "") in findings(report)


async def test_user_and_since_narrow_the_listing_not_the_checks(good_log: Path) -> None:
    events = await read(good_log)
    bob = audit(events, now=NOW, user=BOB)
    assert bob.passed and {move.stream for move in bob.movements} == {"ledger:8"}
    assert (bob.summary.users, bob.summary.payments) == (1, 0)
    whole = audit(events, now=NOW)
    later = audit(events, now=NOW, since=T0 + 10)
    assert later.movements == tuple(move for move in whole.movements if move.ts >= T0 + 10)
    assert len(later.movements) == 3
    assert msgspec.structs.replace(later.summary, movements=len(whole.movements)) == whole.summary


async def test_the_report_renders_as_a_table_csv_and_json(good_log: Path) -> None:
    report = audit(await read(good_log), now=NOW)
    table = render_table(report).splitlines()
    assert table[0].split()[:3] == ["seq", "time", "(UTC)"]
    assert len(table) == 1 + len(report.movements) + 3 and table[-2] == "every check passed"
    assert table[-1].startswith("2 users, 12 ledger events, 12 movements; holds 4 (2 captured, 1 voided, 1 pending)")
    assert "nano-banana-pro [per_value resolution=1K] v2026-06-30.test; spent 18" in table[5]
    rows = list(csv.DictReader(io.StringIO(render_csv(report))))
    assert len(rows) == len(report.movements) and rows[0]["charge_id"] == "ch-1" and rows[0]["change"] == "550"
    document = json.loads(render_json(report))
    assert document["passed"] is True and len(document["movements"]) == 12 and document["violations"] == []
    broken = audit(await read(tampered_copy(good_log, ("DELETE FROM events WHERE seq = 3", ()))), now=NOW)
    lines = render_table(broken).splitlines()
    assert lines[-2 - len(broken.violations)] == f"{len(broken.violations)} violations:"
    assert json.loads(render_json(broken))["passed"] is False


def test_a_referral_bonus_not_caused_by_a_top_up_is_a_violation() -> None:
    def recorded(seq: int, stream: str, version: int, event: Event, causation: str | None = None) -> RecordedEvent:
        return RecordedEvent(seq, f"e{seq}", stream, version, event.type_name(), T0, "c", causation, None,
                             int(stream.removeprefix("ledger:")), event)

    topup = Credited(credit_id="topup:t1", amount=100, reason="topup", source="50 Stars", charge_id="ch1", stars=50,
                     available=100, held=0)
    report = audit([
        recorded(1, "ledger:8", 1, topup),
        recorded(2, "ledger:8", 2, Credited(credit_id="referral:8", amount=20, reason="referral", available=120,
                                            held=0), causation="e1"),
        recorded(3, "ledger:7", 1, Credited(credit_id="referral:8:inviter", amount=20, reason="referral",
                                            available=20, held=0), causation="e1"),
        recorded(4, "ledger:7", 2, Credited(credit_id="referral:9:inviter", amount=20, reason="referral",
                                            available=40, held=0), causation="e2"),  # caused by a bonus, not a top-up
    ], now=NOW)
    assert {(check, event) for check, event in findings(report) if check == "referral_without_top_up"} == {
        ("referral_without_top_up", "e4")}
    inviter = audit([recorded(1, "ledger:8", 1, topup),
                     recorded(2, "ledger:7", 1, Credited(credit_id="referral:8:inviter", amount=20, reason="referral",
                                                         available=20, held=0), causation="e1")], now=NOW, user=7)
    assert not [v for v in inviter.violations if v.check == "referral_without_top_up"]  # one user's audit too


async def test_a_payment_without_a_charge_id_or_of_no_stars_took_nothing_and_asks_for_no_credit(
    good_log: Path,
) -> None:
    """A ``successful_payment`` Telegram could not have sent (no charge id, 0 Stars: a fuzzer's, a forger's) is
    rejected by the session and credits nothing; the books still close. A real one never credited still fails."""
    events = await read(good_log)
    last = events[-1]

    def recorded(offset: int, new: NewEvent) -> RecordedEvent:
        return RecordedEvent(last.seq + offset, new.event_id, new.stream, offset, "UpdateReceived", new.ts, new.cid,
                             None, new.chat_id, new.user_id, new.event)

    bogus = [recorded(1, payment(ANN, 9001, "", 0)), recorded(2, payment(ANN, 9002, "", 50)),
             recorded(3, payment(ANN, 9003, "ch-zero", 0))]
    assert audit([*events, *bogus], now=NOW).passed
    real = recorded(4, payment(ANN, 9004, "ch-real", 50))
    assert ("charge_not_credited", "") in findings(audit([*events, *bogus, real], now=NOW))
