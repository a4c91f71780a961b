"""Confirm → hold: what the ledger is asked for, what its answer does to the confirmation message, and the refusals."""

from __future__ import annotations

from decimal import Decimal

import msgspec

from registry import Registry, load_valid_registry
from tests.session.chat import Chat
from tests.session.checks import check_message
from tests.session.test_confirmation import _to_confirmation
from tests.session.test_wizard import walk_to_confirmation
from trt_actors.events import CallbackRejected, UiRendered
from trt_actors.events.session import (
    BalanceSeen,
    ConfirmationAccepted,
    ConfirmationOffered,
    DraftRestored,
    GenerationRequested,
    InvoiceRequested,
    Param,
    ScreenOpened,
)
from trt_actors.ledger import quote_of
from trt_actors.session import SessionDecider
from trt_actors.session.orders import CONFIRMATION_SECONDS
from trt_actors.session.turn import short_hash
from trt_actors.session.wizard import quote_params


def _requested(chat: Chat) -> GenerationRequested:
    found = [event for event in chat.events if isinstance(event, GenerationRequested)]
    assert found, "nothing was requested"
    return found[-1]


def test_the_hold_asked_for_carries_the_registrys_quote_of_the_order(registry: Registry) -> None:
    chat = Chat(registry, language_code="en", balance=500)
    walk_to_confirmation(chat, registry, "nano-banana-pro")
    draft = chat.state.draft
    assert draft is not None
    chat.tap("✅ Confirm")
    requested = _requested(chat)
    assert requested.quote == quote_of(registry.quote("nano-banana-pro", quote_params(draft)), quote_params(draft))
    assert [type(event) for event in chat.domain_events()] == [GenerationRequested, ConfirmationAccepted]


def test_a_placed_hold_turns_the_confirmation_into_reserved(registry: Registry) -> None:
    chat = Chat(registry, language_code="en", balance=50)
    _to_confirmation(chat, registry)
    chat.tap("✅ Confirm")
    confirm_cid = chat.commands[-1].cid
    heard = chat.settle()
    seen, rendered = heard[0], heard[-1]
    assert isinstance(seen, BalanceSeen) and isinstance(rendered, UiRendered)
    assert (seen.available, seen.held, seen.change, seen.event) == (42, 8, -8, "HoldPlaced")
    assert rendered.screen == "order.reserved" and rendered.edit_message_id == 100
    assert rendered.dispatch_id == f"{confirm_cid}/HoldPlaced.{short_hash(_requested(chat).confirmation_id)}"
    assert "Reserved 8 credits" in rendered.text and "queued" in rendered.text
    check_message(rendered)
    assert chat.state.requests[-1].status == "placed" and (chat.state.balance, chat.state.held) == (42, 8)
    chat.tap("💳 Balance")
    assert chat.rejected() is None and "Held for orders in progress: 8 credits" in chat.screen.text


def test_the_answer_to_a_confirmation_whose_message_telegram_hid_is_a_new_message(registry: Registry) -> None:
    chat = Chat(registry, language_code="en", balance=50)
    _to_confirmation(chat, registry)
    chat.press(chat.button("✅ Confirm").data or "", message_id=None)
    assert _requested(chat).message_id is None
    chat.settle()
    assert chat.screen.screen == "order.reserved" and chat.screen.edit_message_id is None


def test_a_refused_hold_brings_the_draft_back_to_confirm_after_a_top_up(registry: Registry) -> None:
    chat = Chat(registry, language_code="en", balance=3)
    _to_confirmation(chat, registry)
    chat.tap("✅ Confirm")
    assert chat.state.draft is None
    chat.settle()
    assert chat.state.screen == "topup" and chat.state.draft is not None and chat.state.offer is None
    assert chat.state.requests[-1].status == "rejected"
    chat.tap("250 ⭐")
    invoice = next(event for event in chat.last if isinstance(event, InvoiceRequested))
    chat.pay(invoice.payload, 250)
    chat.settle()
    assert chat.screen.screen == "ledger.topup" and chat.state.balance == 553
    chat.tap("↩️ Continue")
    offered = chat.last[-2]
    assert isinstance(offered, ConfirmationOffered) and chat.screen.screen == "confirm"
    chat.tap("✅ Confirm")
    chat.settle()
    assert chat.screen.screen == "order.reserved" and chat.state.held == 8


def test_a_refusal_heard_after_the_user_moved_on_edits_the_confirmation_and_leaves_the_screen(
    registry: Registry,
) -> None:
    chat = Chat(registry, language_code="en", balance=3)
    _to_confirmation(chat, registry)
    chat.tap("✅ Confirm")
    requested = _requested(chat)
    chat.text("/help")
    nonce = chat.state.nonce
    chat.report("HoldRejected", requested.confirmation_id, 8, available=3, reason="insufficient")
    assert not any(isinstance(event, ScreenOpened) for event in chat.last)
    assert DraftRestored(confirmation_id=requested.confirmation_id) in chat.last
    assert chat.state.screen == "help" and chat.state.nonce == nonce + 1
    assert chat.screen.screen == "topup" and chat.screen.edit_message_id == 100
    assert "5 credits more are needed" in chat.screen.text
    chat.tap("50 ⭐")
    assert chat.rejected() is None and chat.screen.screen == "topup"


def test_a_refusal_does_not_replace_a_draft_begun_since(registry: Registry) -> None:
    chat = Chat(registry, language_code="en", balance=3)
    _to_confirmation(chat, registry)
    chat.tap("✅ Confirm")
    requested = _requested(chat)
    chat.text("/menu")
    chat.tap("🎨")
    chat.tap(chat.labels()[0])
    chat.tap("▶️")
    draft = chat.state.draft
    chat.report("HoldRejected", requested.confirmation_id, 8, available=3, reason="insufficient")
    assert not any(isinstance(event, DraftRestored) for event in chat.last) and chat.state.draft == draft


def test_an_expired_confirmation_is_refused_and_offered_again_at_todays_price(registry: Registry) -> None:
    chat = Chat(registry, language_code="en", balance=50)
    first = _to_confirmation(chat, registry)
    chat.wait(CONFIRMATION_SECONDS + 1)
    confirm = chat.button("✅ Confirm").data or ""
    chat.press(confirm)
    assert chat.verdict() == CallbackRejected(reason_code="confirmation_expired", data=confirm)
    assert not any(isinstance(event, GenerationRequested | ConfirmationAccepted) for event in chat.events)
    again = chat.last[-2]
    assert isinstance(again, ConfirmationOffered) and again.confirmation_id != first.confirmation_id
    assert again.offered_at == chat.commands[-1].ts and again.credits == first.credits
    assert chat.screen.screen == "confirm" and "has expired" in chat.screen.text
    chat.tap("✅ Confirm")
    assert chat.rejected() is None and _requested(chat).confirmation_id == again.confirmation_id


def test_a_confirmation_from_an_old_log_counts_as_expired(registry: Registry) -> None:
    chat = Chat(registry, language_code="en", balance=50)
    _to_confirmation(chat, registry)
    offer = chat.state.offer
    assert offer is not None
    chat.state = msgspec.structs.replace(chat.state, offer=msgspec.structs.replace(offer, offered_at=0.0))
    chat.tap("✅ Confirm")
    assert chat.rejected() == "confirmation_expired"


def test_a_price_changed_since_the_confirmation_is_refused_and_offered_again(registry: Registry) -> None:
    chat = Chat(registry, language_code="en", balance=50)
    first = _to_confirmation(chat, registry)
    chat.decider = SessionDecider(load_valid_registry(markup=Decimal(3)))
    chat.tap("✅ Confirm")
    assert chat.rejected() == "price_changed"
    again = chat.last[-2]
    assert isinstance(again, ConfirmationOffered) and again.credits == 12 != first.credits
    assert "price has changed" in chat.screen.text and "Price: <b>12 credits</b>" in chat.screen.text
    assert not any(isinstance(event, GenerationRequested) for event in chat.events)


def test_hold_entries_name_the_model_and_the_values_that_priced_it(registry: Registry) -> None:
    chat = Chat(registry, language_code="en", balance=500)
    walk_to_confirmation(chat, registry, "nano-banana-pro")
    chat.tap("✅ Confirm")
    chat.settle()
    seen = chat.last[0]
    assert isinstance(seen, BalanceSeen) and seen.model_id == "nano-banana-pro"
    assert seen.params == (Param(name="resolution", value="1K"),)
    chat.text("/balance")
    name = registry.model("nano-banana-pro").name.en
    assert f"{name}, 1K: −{seen.amount} reserved" in chat.screen.text


def test_captures_and_voids_are_entries_and_a_void_says_so(registry: Registry) -> None:
    chat = Chat(registry, language_code="en", balance=50)
    _to_confirmation(chat, registry)
    chat.tap("✅ Confirm")
    chat.settle()
    hold = _requested(chat).confirmation_id
    captured = chat.report("HoldCaptured", hold, 6, available=44, held=0)
    assert [type(event) for event in captured] == [BalanceSeen]
    assert isinstance(captured[0], BalanceSeen) and captured[0].change == 2
    assert chat.state.requests[-1].status == "captured"
    chat.text("/balance")
    assert "6 charged" in chat.screen.text

    other = Chat(registry, language_code="en", balance=50)
    _to_confirmation(other, registry)
    other.tap("✅ Confirm")
    other.settle()
    hold = _requested(other).confirmation_id
    other.report("HoldVoided", hold, 8, available=50, held=0, reason="expired")
    assert other.screen.screen == "ledger.released" and other.screen.edit_message_id is None
    assert "8 credits</b> are back on your balance" in other.screen.text and "reservation expired" in other.screen.text
    other.text("/balance")
    assert "↩️ Refund: reservation expired: +8" in other.screen.text
