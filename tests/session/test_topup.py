"""Telegram Stars top-ups: the packages, the invoice asked for, the payment matched against it, and the receipt."""

from __future__ import annotations

import pytest

from registry import Registry
from tests.session.chat import Chat
from tests.session.checks import check_message
from trt_actors.events import CallbackRejected, UiRendered
from trt_actors.events.ledger import Credited
from trt_actors.events.session import InvoiceRequested, PaymentRejected, TopUpPaid
from trt_actors.session.callback_data import BuyPackage, encode
from trt_actors.session.payments import PAYMENT_REJECTIONS, topup_id
from trt_actors.session.state import INVOICES_KEPT
from trt_actors.stars import StarsPackage, invoice_payload, parse_payload


def _invoice(chat: Chat, label: str = "250 ⭐") -> InvoiceRequested:
    chat.tap(label)
    found = [event for event in chat.last if isinstance(event, InvoiceRequested)]
    assert len(found) == 1, chat.last
    return found[0]


def _topped_up(chat: Chat, charge_id: str = "stx-1") -> InvoiceRequested:
    """Open the packages, take 250 ⭐, pay, and let the ledger answer."""
    chat.text("/topup")
    invoice = _invoice(chat)
    chat.pay(invoice.payload, 250, charge_id=charge_id)
    chat.settle()
    return invoice


def _credits(chat: Chat) -> list[Credited]:
    return [event for event in chat.books.events if isinstance(event, Credited) and event.reason == "topup"]


@pytest.mark.parametrize("way", ["/topup", "balance", "menu", "/start topup"])
def test_the_packages_are_one_tap_or_one_command_away(registry: Registry, way: str) -> None:
    chat = Chat(registry, language_code="en")
    chat.text("/menu")
    if way.startswith("/"):  # "/start topup" is the link a forwarded invoice shows in place of Pay
        chat.text(way)
    elif way == "balance":
        chat.tap("💳 Balance")
        chat.tap("⭐ Top up")
    else:
        chat.tap("⭐ Top up")
    screen = chat.screen
    check_message(screen)
    assert screen.screen == "topup" and "Top up with Telegram Stars" in screen.text
    assert chat.labels()[:3] == ["50 ⭐ → 100 credits", "250 ⭐ → 550 credits", "1000 ⭐ → 2400 credits"]


@pytest.mark.parametrize(("language", "title", "description"), [
    ("en", "550 credits", "550 credits for AI generations in this bot, paid with 250 Telegram Stars."),
    ("ru", "550 кредитов", "550 кредитов на генерации нейросетями в этом боте, оплата 250 Telegram Stars."),
])
def test_a_package_tap_asks_for_an_invoice_in_the_users_language(
    registry: Registry, language: str, title: str, description: str
) -> None:
    chat = Chat(registry, language_code=language)
    chat.text("/topup")
    invoice = _invoice(chat)
    tapped = chat.commands[-1].cid
    assert invoice == InvoiceRequested(topup_id=topup_id(tapped, chat.chat_id), stars=250, credits=550,
                                       payload=invoice_payload(topup_id(tapped, chat.chat_id), StarsPackage(250, 550)),
                                       title=title, description=description)
    assert parse_payload(invoice.payload) == (invoice.topup_id, 250, 550)
    assert chat.screen.screen == "topup" and chat.screen.edit_message_id == 100 and "⬇️" in chat.screen.text
    assert chat.state.invoice(invoice.topup_id) is not None


def test_a_package_no_longer_sold_shows_the_packages_again(registry: Registry) -> None:
    chat = Chat(registry, language_code="en", packages=(StarsPackage(50, 100), StarsPackage(250, 600)))
    chat.text("/topup")
    old = encode(chat.state.nonce, BuyPackage(stars=250, credits=550))
    chat.press(old)
    assert chat.verdict() == CallbackRejected(reason_code="package_gone", data=old)
    assert not any(isinstance(event, InvoiceRequested) for event in chat.events)
    assert chat.screen.screen == "topup" and "no longer offered" in chat.screen.text
    assert chat.labels()[:2] == ["50 ⭐ → 100 credits", "250 ⭐ → 600 credits"]


def test_offered_invoices_are_bounded(registry: Registry) -> None:
    chat = Chat(registry, language_code="en")
    chat.text("/topup")
    for _ in range(INVOICES_KEPT + 3):
        _invoice(chat, "50 ⭐")
    assert len(chat.state.invoices) == INVOICES_KEPT


def test_a_payment_records_the_top_up_and_the_ledgers_receipt_follows(registry: Registry) -> None:
    chat = Chat(registry, language_code="en", balance=100)
    chat.text("/topup")
    invoice = _invoice(chat)
    nonce = chat.state.nonce
    paid = chat.pay(invoice.payload, 250, charge_id="stx-1")
    assert paid == [TopUpPaid(topup_id=invoice.topup_id, charge_id="stx-1", stars=250, credits=550)]
    assert chat.state.nonce == nonce and chat.state.charges == ("stx-1",)
    chat.settle()
    receipt = chat.screen
    check_message(receipt)
    assert receipt.screen == "ledger.topup" and receipt.edit_message_id is None
    assert "+550 credits</b> (250 ⭐). Balance: <b>650 credits</b>." in receipt.text
    assert [credit.charge_id for credit in _credits(chat)] == ["stx-1"]
    chat.tap("💳 Balance")
    assert chat.rejected() is None and "⭐ Top-up 250 ⭐: +550" in chat.screen.text


def test_the_same_charge_twice_is_rejected_and_credits_once(registry: Registry) -> None:
    chat = Chat(registry, language_code="en", balance=100)
    invoice = _topped_up(chat)
    chat.pay(invoice.payload, 250, charge_id="stx-1")
    assert chat.payment_rejected() == "already_credited"
    assert chat.screen.screen == "balance" and "already credited" in chat.screen.text
    assert "650 credits" in chat.screen.text
    chat.settle()
    assert len(_credits(chat)) == 1 and chat.state.balance == 650


def _tampered(chat: Chat, case: str) -> tuple[str, int, str]:
    """(payload, Stars paid, currency) of a payment that must credit nothing."""
    offered = _invoice(chat)
    if case == "wrong_currency":
        return offered.payload, 250, "USD"
    if case == "unknown_payload":
        return "hello", 250, "XTR"
    if case == "unknown_topup":
        return invoice_payload("t0000000000", StarsPackage(250, 550)), 250, "XTR"
    if case == "payload_mismatch":
        return invoice_payload(offered.topup_id, StarsPackage(250, 99_999)), 250, "XTR"
    if case == "amount_mismatch":
        return offered.payload, 1, "XTR"
    assert case == "topup_already_paid"
    chat.pay(offered.payload, 250, charge_id="stx-first")
    chat.settle()
    return offered.payload, 250, "XTR"


@pytest.mark.parametrize("case", ["wrong_currency", "unknown_payload", "unknown_topup", "payload_mismatch",
                                  "amount_mismatch", "topup_already_paid"])
@pytest.mark.parametrize("language", ["en", "ru"])
def test_a_payment_that_matches_no_offer_is_recorded_said_and_credits_nothing(
    registry: Registry, case: str, language: str
) -> None:
    chat = Chat(registry, language_code=language, balance=100)
    chat.text("/topup")
    payload, stars, currency = _tampered(chat, case)
    before = len(_credits(chat))
    chat.pay(payload, stars, charge_id="stx-<odd>", currency=currency)
    rejected = [event for event in chat.last if isinstance(event, PaymentRejected)]
    assert [(event.reason_code, event.charge_id) for event in rejected] == [(case, "stx-<odd>")]
    assert case in PAYMENT_REJECTIONS and payload in rejected[0].detail
    assert not any(isinstance(event, TopUpPaid) for event in chat.last)
    message = chat.screen
    check_message(message)
    assert message.edit_message_id is None and "<code>stx-&lt;odd&gt;</code>" in message.text
    assert ("support will sort it out" if language == "en" else "поддержка во всём разберётся") in message.text
    chat.settle()
    assert len(_credits(chat)) == before


def test_a_payment_without_a_charge_id_is_refused(registry: Registry) -> None:
    chat = Chat(registry, language_code="en")
    chat.text("/topup")
    invoice = _invoice(chat)
    chat.pay(invoice.payload, 250, charge_id="")
    assert chat.payment_rejected() == "no_charge_id"


def test_a_receipt_is_a_message_of_its_own_and_a_repeated_report_sends_no_second(registry: Registry) -> None:
    chat = Chat(registry, language_code="en", balance=0)
    _topped_up(chat)
    credited = chat.commands[-1]
    assert credited.update_id == 0 and chat.screen.screen == "ledger.topup"
    assert chat.send(credited) == []
    dispatch_ids = [event.dispatch_id for event in chat.events if isinstance(event, UiRendered)]
    assert len(dispatch_ids) == len(set(dispatch_ids))
