"""What the ledger reports becomes the balance a session shows, its entries, and at most one message."""

from __future__ import annotations

import pytest

from registry import Registry
from tests.session.chat import Chat
from tests.session.checks import check_message
from trt_actors.events import UiRendered
from trt_actors.events.session import BalanceSeen, SessionStarted
from trt_actors.session import LedgerReported, SessionDecider
from trt_actors.session.state import ENTRIES_KEPT


@pytest.mark.parametrize(("reason", "entry"), [
    ("welcome", "🎁 Welcome bonus: +20"),
    ("referral", "🤝 Referral bonus: +20"),
])
def test_bonuses_are_recorded_and_listed_without_a_message_of_their_own(
    registry: Registry, reason: str, entry: str
) -> None:
    chat = Chat(registry, language_code="en", balance=0)
    chat.text("/start")
    heard = chat.report("Credited", f"{reason}:42", 20, available=20, reason=reason)
    assert heard == [BalanceSeen(available=20, event="Credited", operation_id=f"{reason}:42", change=20, amount=20,
                                 reason=reason)]
    chat.text("/balance")
    assert entry in chat.screen.text and "<b>Balance</b>: 20 credits" in chat.screen.text


@pytest.mark.parametrize(("language", "said"), [
    ("en", "Support adjusted your balance: <b>+20 credits</b>. Balance: <b>20 credits</b>."),
    ("ru", "Поддержка изменила ваш баланс: <b>+20 кредитов</b>. Баланс: <b>20 кредитов</b>."),
])
def test_an_adjustment_is_said_with_the_balance_after_it(registry: Registry, language: str, said: str) -> None:
    chat = Chat(registry, language_code=language, balance=0)
    chat.text("/start")
    seen, note = chat.report("Credited", "adjust-1", 20, available=20, reason="adjustment")
    assert isinstance(seen, BalanceSeen) and seen.change == 20
    assert isinstance(note, UiRendered) and note.edit_message_id is None and said in note.text
    check_message(note)


@pytest.mark.parametrize(("event", "reason", "change", "said", "entry"), [
    ("RefundReserved", "", -550, "Refund started: 550 credits removed", "↩️ Stars refund: −550"),
    ("RefundCompleted", "", 0, "Refund done: your Stars were returned", "⭐ Stars returned for 550"),
    ("RefundFailed", "CHARGE_ALREADY_REFUNDED", 550, "refund failed, so 550 credits are back", "Refund failed: +550"),
    ("RefundRejected", "spent", 0, "credits of that top-up were already spent", ""),
])
def test_refunds_are_said_and_listed(
    registry: Registry, event: str, reason: str, change: int, said: str, entry: str
) -> None:
    chat = Chat(registry, language_code="en", balance=600)
    chat.text("/start")
    chat.report(event, "refund-1", 550, available=600 + change, reason=reason)
    seen = chat.last[0]
    assert isinstance(seen, BalanceSeen) and seen.change == change
    assert said in chat.screen.text
    chat.text("/balance")
    if entry:
        assert entry in chat.screen.text
    else:
        assert chat.state.entries == ()


def test_a_repeated_report_records_nothing(registry: Registry) -> None:
    chat = Chat(registry, language_code="en", balance=0)
    chat.text("/start")
    first = chat.report("Credited", "adjust-1", 20, available=20, reason="adjustment")
    assert chat.send(chat.commands[-1]) == [] and len(first) == 2
    assert chat.report("Credited", "adjust-1", 20, available=20, reason="adjustment") == []
    assert len(chat.state.entries) == 1


def test_a_hold_of_another_chat_records_the_balance_and_says_nothing(registry: Registry) -> None:
    chat = Chat(registry, language_code="en", balance=50)
    chat.text("/start")
    heard = chat.report("HoldPlaced", "elsewhere1", 8, available=42, held=8, model_id="google/nano-banana-edit")
    assert [type(event) for event in heard] == [BalanceSeen]
    assert (chat.state.balance, chat.state.held) == (42, 8)


def test_a_report_never_starts_a_session(registry: Registry) -> None:
    chat = Chat(registry, language_code="en", balance=0)
    chat.report("Credited", "adjust-1", 5, available=5, reason="adjustment")
    assert not any(isinstance(event, SessionStarted) for event in chat.events)
    assert chat.state.started is False and chat.screen.screen == "ledger.adjustment"


def test_the_balance_screen_lists_the_last_entries_newest_first(registry: Registry) -> None:
    chat = Chat(registry, language_code="en", balance=0)
    for number in range(1, ENTRIES_KEPT + 4):
        chat.report("Credited", f"adjust-{number}", number, available=number * (number + 1) // 2,
                    reason="adjustment")
    chat.text("/balance")
    lines = [line for line in chat.screen.text.splitlines() if line.startswith("🛠")]
    assert len(lines) == ENTRIES_KEPT and lines[0] == f"🛠 Adjustment: +{ENTRIES_KEPT + 3}"
    assert chat.labels()[0] == "⭐ Top up"
    check_message(chat.screen)


def test_a_crash_on_a_report_answers_nothing(registry: Registry) -> None:
    decider = SessionDecider(registry)
    report = LedgerReported(chat_id=1, user_id=1, cid="c1", update_id=0, ts=0.0, event="Credited",
                            operation_id="x", amount=1, available=1, held=0)
    assert decider.crashed(decider.initial_state(), report) == []
