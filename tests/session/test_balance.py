"""The balance a session shows is the ledger's last report (BalanceSeen), never a field of a command."""

from __future__ import annotations

from registry import Registry
from tests.session.chat import Chat
from tests.session.test_confirmation import _to_confirmation
from trt_actors.events.session import ConfirmationOffered


def test_without_a_report_the_balance_is_zero(registry: Registry) -> None:
    chat = Chat(registry, language_code="en", balance=0)
    chat.text("/start")
    assert "Balance: <b>0 credits</b>" in chat.screen.text


def test_menu_and_balance_screen_show_the_last_report(registry: Registry) -> None:
    chat = Chat(registry, language_code="en", balance=0)
    chat.see_balance(12)
    chat.text("/start")
    assert "Balance: <b>12 credits</b>" in chat.screen.text
    chat.see_balance(30, held=8)
    chat.text("/balance")
    assert "<b>Balance</b>: 30 credits" in chat.screen.text and "Held for orders in progress: 8 credits" in chat.screen.text
    chat.see_balance(38)
    chat.text("/balance")
    assert "38 credits" in chat.screen.text and "Held" not in chat.screen.text


def test_the_confirmation_reads_the_balance_from_the_state(registry: Registry) -> None:
    chat = Chat(registry, language_code="en", balance=50)
    offered = _to_confirmation(chat, registry)
    assert offered.balance == 50 and "Balance: 50 credits → 42 credits" in chat.screen.text
    confirm = chat.button("✅ Confirm").data
    nonce = chat.state.nonce
    chat.see_balance(3)
    assert chat.state.nonce == nonce
    chat.text("go on then")
    assert "you have 3 credits" in chat.screen.text and chat.button("✅ Confirm").data == confirm
    chat.tap("✅ Confirm")
    assert chat.rejected() is None and chat.screen.screen == "order.reserving"


def test_the_same_commands_after_other_reports_show_other_balances(registry: Registry) -> None:
    rich, poor = Chat(registry, language_code="en", balance=1000), Chat(registry, language_code="en", balance=2)
    for chat in (rich, poor):
        _to_confirmation(chat, registry)
    assert [command for command in rich.commands] == [command for command in poor.commands]
    offers = [chat.last[-2] for chat in (rich, poor)]
    assert all(isinstance(offer, ConfirmationOffered) for offer in offers)
    assert [offer.balance for offer in offers if isinstance(offer, ConfirmationOffered)] == [1000, 2]
    assert "→" in rich.screen.text and "Not enough credits" in poor.screen.text
