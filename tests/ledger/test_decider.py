"""The ledger's decider, rule by rule: holds, captures, voids, expiry, credits, refunds, and retries of each."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
import pytest

from registry import load_valid_registry
from tests.ledger.support import quote
from trt_actors.events import Event
from trt_actors.events.ledger import (
    CaptureRejected,
    Credited,
    HoldCaptured,
    HoldPlaced,
    HoldRejected,
    HoldVoided,
    LedgerEvent,
    RefundCompleted,
    RefundFailed,
    RefundRejected,
    RefundReserved,
    VoidRejected,
)
from trt_actors.events.session import Param
from trt_actors.ledger import (
    Balance,
    Capture,
    CompleteRefund,
    Credit,
    Expire,
    FailRefund,
    LedgerCommand,
    LedgerDecider,
    LedgerState,
    Refund,
    Reserve,
    Void,
    quote_of,
)
from trt_actors.runtime.decider import CommandRejected

USER = 42
DECIDER = LedgerDecider()


def reserve(hold_id: str, amount: int, expires_at: float = 1000.0) -> Reserve:
    return Reserve(user_id=USER, hold_id=hold_id, amount=amount, quote=quote(amount), expires_at=expires_at)


def topup(credit_id: str, amount: int, charge_id: str | None = None, stars: int = 50) -> Credit:
    return Credit(
        user_id=USER, credit_id=credit_id, amount=amount, reason="topup", source=f"{stars} Stars",
        charge_id=charge_id or f"ch-{credit_id}", stars=stars,
    )


class Book:
    """A user's ledger in memory: decide, check each event's stated balance against the fold, fold."""

    def __init__(self) -> None:
        self.state = DECIDER.initial_state()
        self.events: list[Event] = []

    def run(self, command: LedgerCommand) -> Sequence[Event]:
        decided = DECIDER.decide(self.state, command)
        for event in decided:
            self.state = DECIDER.evolve(self.state, event)
            assert isinstance(event, LedgerEvent)
            assert Balance(event.available, event.held) == self.state.balance(), event
        self.events.extend(decided)
        return decided

    def with_credits(self, amount: int) -> Book:
        self.run(topup("c0", amount))
        return self


def test_a_hold_moves_credits_from_available_to_held() -> None:
    book = Book().with_credits(100)
    assert book.run(reserve("h1", 30)) == [
        HoldPlaced(hold_id="h1", amount=30, quote=quote(30), expires_at=1000.0, available=70, held=30)
    ]
    assert book.state.balance() == Balance(available=70, held=30)


def test_a_hold_beyond_the_available_credits_is_rejected_with_what_is_available() -> None:
    book = Book().with_credits(20)
    book.run(reserve("h0", 5))
    assert book.run(reserve("h1", 18)) == [
        HoldRejected(hold_id="h1", amount=18, reason="insufficient", available=15, held=5)
    ]
    assert book.state.balance() == Balance(available=15, held=5)


def test_a_rejected_hold_id_stays_rejected_after_a_top_up() -> None:
    book = Book()
    book.run(reserve("h1", 18))
    book.run(topup("c1", 100))
    assert book.run(reserve("h1", 18)) == []
    assert book.state.holds["h1"].status == "rejected"
    assert book.state.available == 100


def test_a_second_reserve_of_a_hold_records_nothing() -> None:
    book = Book().with_credits(100)
    book.run(reserve("h1", 30))
    assert book.run(reserve("h1", 30)) == []
    assert book.state.held == 30


def test_a_full_capture_spends_the_hold() -> None:
    book = Book().with_credits(100)
    book.run(reserve("h1", 30))
    assert book.run(Capture(user_id=USER, hold_id="h1", amount=30)) == [
        HoldCaptured(hold_id="h1", captured=30, released=0, available=70, held=0)
    ]
    assert (book.state.captured, book.state.holds["h1"].status) == (30, "captured")


def test_a_smaller_capture_releases_the_rest_in_the_same_event() -> None:
    book = Book().with_credits(100)
    book.run(reserve("h1", 30))
    assert book.run(Capture(user_id=USER, hold_id="h1", amount=12)) == [
        HoldCaptured(hold_id="h1", captured=12, released=18, available=88, held=0)
    ]


def test_a_capture_larger_than_the_hold_is_refused_and_the_hold_stays_pending() -> None:
    book = Book().with_credits(100)
    book.run(reserve("h1", 30))
    assert book.run(Capture(user_id=USER, hold_id="h1", amount=31)) == [
        CaptureRejected(hold_id="h1", amount=31, reason="exceeds_hold", available=70, held=30)
    ]
    assert book.state.holds["h1"].status == "pending"
    assert book.run(Capture(user_id=USER, hold_id="h1", amount=30))[0] == HoldCaptured(
        hold_id="h1", captured=30, released=0, available=70, held=0
    )


def test_capture_and_void_of_an_unknown_hold_are_recorded_rejections() -> None:
    book = Book().with_credits(10)
    assert book.run(Capture(user_id=USER, hold_id="nope", amount=5)) == [
        CaptureRejected(hold_id="nope", amount=5, reason="unknown_hold", available=10, held=0)
    ]
    assert book.run(Void(user_id=USER, hold_id="nope", reason="failed")) == [
        VoidRejected(hold_id="nope", reason="unknown_hold", available=10, held=0)
    ]
    assert book.state.balance() == Balance(available=10, held=0)


def test_a_hold_resolves_once_a_repeat_records_nothing_a_conflict_is_rejected() -> None:
    book = Book().with_credits(100)
    book.run(reserve("h1", 30))
    book.run(reserve("h2", 20))
    book.run(Capture(user_id=USER, hold_id="h1", amount=30))
    book.run(Void(user_id=USER, hold_id="h2", reason="failed"))
    assert book.run(Capture(user_id=USER, hold_id="h1", amount=30)) == []
    assert book.run(Capture(user_id=USER, hold_id="h1", amount=10)) == []
    assert book.run(Void(user_id=USER, hold_id="h2", reason="failed")) == []
    assert book.run(Void(user_id=USER, hold_id="h1", reason="failed")) == [
        VoidRejected(hold_id="h1", reason="captured", available=70, held=0)
    ]
    assert book.run(Capture(user_id=USER, hold_id="h2", amount=20)) == [
        CaptureRejected(hold_id="h2", amount=20, reason="voided", available=70, held=0)
    ]
    assert book.state.balance() == Balance(available=70, held=0)


def test_a_rejected_hold_can_be_neither_captured_nor_voided() -> None:
    book = Book()
    book.run(reserve("h1", 5))
    assert book.run(Capture(user_id=USER, hold_id="h1", amount=5)) == [
        CaptureRejected(hold_id="h1", amount=5, reason="hold_rejected", available=0, held=0)
    ]
    assert book.run(Void(user_id=USER, hold_id="h1", reason="failed")) == [
        VoidRejected(hold_id="h1", reason="hold_rejected", available=0, held=0)
    ]


def test_a_void_releases_the_whole_hold() -> None:
    book = Book().with_credits(100)
    book.run(reserve("h1", 30))
    assert book.run(Void(user_id=USER, hold_id="h1", reason="failed")) == [
        HoldVoided(hold_id="h1", amount=30, reason="failed", available=100, held=0)
    ]


def test_expire_voids_every_hold_due_and_only_those() -> None:
    book = Book().with_credits(100)
    book.run(reserve("h1", 10, expires_at=50.0))
    book.run(reserve("h2", 20, expires_at=200.0))
    book.run(reserve("h3", 30, expires_at=60.0))
    assert book.run(Expire(user_id=USER, now=40.0)) == []
    assert book.run(Expire(user_id=USER, now=60.0)) == [
        HoldVoided(hold_id="h1", amount=10, reason="expired", available=50, held=50),
        HoldVoided(hold_id="h3", amount=30, reason="expired", available=80, held=20),
    ]
    assert list(book.state.pending()) == ["h2"]
    assert book.run(Expire(user_id=USER, now=60.0)) == []


def test_a_credit_is_recorded_once_by_its_id_and_by_its_stars_charge() -> None:
    book = Book()
    assert book.run(topup("c1", 550, charge_id="ch-9", stars=250)) == [
        Credited(credit_id="c1", amount=550, reason="topup", source="250 Stars", charge_id="ch-9", stars=250,
                 available=550, held=0)
    ]
    assert book.run(topup("c1", 550, charge_id="ch-9", stars=250)) == []
    assert book.run(topup("other-id", 550, charge_id="ch-9", stars=250)) == []
    assert book.state.available == 550


def test_bonuses_and_adjustments_carry_no_charge() -> None:
    book = Book()
    book.run(Credit(user_id=USER, credit_id="welcome:42", amount=20, reason="welcome"))
    book.run(Credit(user_id=USER, credit_id="admin:1", amount=5, reason="adjustment", source="admin 7"))
    assert book.state.balance() == Balance(available=25, held=0)


@pytest.mark.parametrize(
    ("command", "reason"),
    [
        (reserve("h", 0), "bad_amount"),
        (Reserve(user_id=USER, hold_id="h", amount=10, quote=quote(12), expires_at=1.0), "bad_amount"),
        (Capture(user_id=USER, hold_id="h", amount=0), "bad_amount"),
        (Void(user_id=USER, hold_id="h", reason=""), "no_reason"),
        (Credit(user_id=USER, credit_id="c", amount=-5, reason="welcome"), "bad_amount"),
        (Credit(user_id=USER, credit_id="c", amount=5, reason="gift"), "bad_reason"),
        (Credit(user_id=USER, credit_id="c", amount=5, reason="topup"), "bad_payment"),
        (Credit(user_id=USER, credit_id="c", amount=5, reason="topup", charge_id="ch"), "bad_payment"),
        (Credit(user_id=USER, credit_id="c", amount=5, reason="welcome", charge_id="ch"), "bad_payment"),
        (Refund(user_id=USER, refund_id="r", credit_id="c0", amount=0), "bad_amount"),
        (CompleteRefund(user_id=USER, refund_id="never"), "unknown_refund"),
        (FailRefund(user_id=USER, refund_id="never", error="x"), "unknown_refund"),
    ],
)
def test_malformed_commands_are_refused_and_record_nothing(command: LedgerCommand, reason: str) -> None:
    book = Book().with_credits(100)
    with pytest.raises(CommandRejected) as refused:
        book.run(command)
    assert refused.value.reason == reason


def test_a_refund_removes_the_credits_then_completes() -> None:
    book = Book()
    book.run(topup("c1", 100, charge_id="ch-1"))
    assert book.run(Refund(user_id=USER, refund_id="r1", credit_id="c1", amount=100)) == [
        RefundReserved(refund_id="r1", credit_id="c1", amount=100, charge_id="ch-1", available=0, held=0)
    ]
    assert book.run(Refund(user_id=USER, refund_id="r1", credit_id="c1", amount=100)) == []
    assert book.run(CompleteRefund(user_id=USER, refund_id="r1")) == [
        RefundCompleted(refund_id="r1", credit_id="c1", amount=100, available=0, held=0)
    ]
    assert book.run(CompleteRefund(user_id=USER, refund_id="r1")) == []
    with pytest.raises(CommandRejected, match="completed already"):
        book.run(FailRefund(user_id=USER, refund_id="r1", error="late"))
    assert (book.state.refunded, book.state.available) == (100, 0)


def test_a_failed_refund_gives_the_credits_back() -> None:
    book = Book()
    book.run(topup("c1", 100))
    book.run(Refund(user_id=USER, refund_id="r1", credit_id="c1", amount=100))
    assert book.run(FailRefund(user_id=USER, refund_id="r1", error="CHARGE_ALREADY_REFUNDED")) == [
        RefundFailed(refund_id="r1", credit_id="c1", amount=100, error="CHARGE_ALREADY_REFUNDED", available=100,
                     held=0)
    ]
    assert book.run(FailRefund(user_id=USER, refund_id="r1", error="again")) == []
    assert (book.state.refunded, book.state.credits["c1"].refunded) == (0, 0)
    assert book.run(Refund(user_id=USER, refund_id="r2", credit_id="c1", amount=100))[0].type_name() == (
        "RefundReserved"
    )


def test_a_refund_is_refused_when_the_credits_were_spent() -> None:
    book = Book()
    book.run(topup("c1", 100))
    book.run(reserve("h1", 30))
    assert book.run(Refund(user_id=USER, refund_id="r1", credit_id="c1", amount=100)) == [
        RefundRejected(refund_id="r1", credit_id="c1", amount=100, reason="spent", available=70, held=30)
    ]
    book.run(Void(user_id=USER, hold_id="h1", reason="failed"))
    assert book.run(Refund(user_id=USER, refund_id="r1", credit_id="c1", amount=100)) == []
    assert book.state.refunds["r1"].status == "rejected"


@pytest.mark.parametrize(
    ("credit_id", "amount", "reason"),
    [("nope", 10, "unknown_credit"), ("welcome", 10, "not_a_payment"), ("c1", 50, "partial"),
     ("c1", 150, "partial"), ("c2", 100, "already_refunded")],
)
def test_a_refund_names_a_top_up_and_returns_the_whole_of_it_once(credit_id: str, amount: int, reason: str) -> None:
    # Telegram's refundStarPayment returns a whole charge: refunding part of a top-up would hand back
    # every Star for some of the credits, and a second refund of one charge would take credits for nothing.
    book = Book()
    book.run(topup("c1", 100))
    book.run(topup("c2", 100))
    book.run(Credit(user_id=USER, credit_id="welcome", amount=50, reason="welcome"))
    book.run(Refund(user_id=USER, refund_id="r0", credit_id="c2", amount=100))
    (event,) = book.run(Refund(user_id=USER, refund_id="r1", credit_id=credit_id, amount=amount))
    assert isinstance(event, RefundRejected) and event.reason == reason


def test_a_state_round_trips_through_a_snapshot_in_order() -> None:
    book = Book().with_credits(100)
    for n in range(5):
        book.run(reserve(f"h{n}", 5, expires_at=float(10 - n)))
    book.run(Capture(user_id=USER, hold_id="h2", amount=3))
    book.run(Refund(user_id=USER, refund_id="r1", credit_id="c0", amount=10))
    restored = msgspec.json.decode(msgspec.json.encode(book.state), type=LedgerState)
    assert restored == book.state
    assert DECIDER.decide(restored, Expire(user_id=USER, now=100.0)) == DECIDER.decide(
        book.state, Expire(user_id=USER, now=100.0)
    )


def test_a_registry_quote_becomes_the_quote_a_hold_records() -> None:
    registry = load_valid_registry()
    params = {"prompt": "a cat", "resolution": "4K"}
    priced = registry.quote("nano-banana-pro", params)
    recorded = quote_of(priced, params)
    assert (recorded.model_id, recorded.credits, recorded.rule) == ("nano-banana-pro", priced.credits, priced.rule)
    assert recorded.kie_credits == str(priced.kie_credits) and recorded.markup == str(priced.markup)
    assert recorded.params == (Param(name="prompt", value="a cat"), Param(name="resolution", value="4K"))
