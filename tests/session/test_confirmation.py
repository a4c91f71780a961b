"""The confirmation screen, the confirm button, and what a second tap does."""

from __future__ import annotations

from registry import Registry
from tests.session.chat import Chat
from tests.session.checks import check_message
from tests.session.test_wizard import open_model
from trt_actors.events import CallbackAccepted, CallbackRejected
from trt_actors.events.session import (
    ConfirmationAccepted,
    ConfirmationOffered,
    DraftRestored,
    Files,
    GenerationRequested,
    Param,
)
from trt_actors.session import HOLD_SECONDS
from trt_actors.session.callback_data import Confirm, encode
from trt_actors.session.decider import confirmation_id


def _to_confirmation(chat: Chat, registry: Registry) -> ConfirmationOffered:
    open_model(chat, registry, "google/nano-banana-edit")
    chat.tap(chat.labels()[0])
    chat.photo()
    chat.photo()
    chat.tap(chat.labels()[0])
    chat.text("make it <b>snowy</b> & bright " + "very " * 100)
    chat.tap("16:9")
    offered = chat.last[-2]
    assert isinstance(offered, ConfirmationOffered)
    return offered


def test_confirmation_shows_model_parameters_price_and_balance(registry: Registry) -> None:
    chat = Chat(registry, language_code="en", balance=50)
    offered = _to_confirmation(chat, registry)
    screen = chat.screen
    check_message(screen)
    assert screen.screen == "confirm" and screen.edit_message_id == 100
    assert f"Model: <b>{registry.model('google/nano-banana-edit').name.en}</b>" in screen.text
    assert "Photos: 2 📷" in screen.text
    assert "make it &lt;b&gt;snowy&lt;/b&gt; &amp; bright" in screen.text and "…" in screen.text
    assert "Aspect ratio: 16:9" in screen.text
    assert "Price: <b>8 credits</b>" in screen.text and "Balance: 50 credits → 42 credits" in screen.text
    assert offered.confirmation_id == confirmation_id(f"cid-42-{chat.updates}")
    assert offered.model_id == "google/nano-banana-edit" and offered.credits == 8 and offered.balance == 50
    assert offered.params[1] == Param(name="aspect_ratio", value="16:9")
    assert offered.files == (Files(name="image_urls", file_ids=(f"file-{chat.updates - 4}", f"file-{chat.updates - 3}")),)
    assert chat.labels()[0] == "✅ Confirm · 8 credits"
    assert chat.button("✅ Confirm").data == encode(chat.state.nonce, Confirm(confirmation_id=offered.confirmation_id))


def test_insufficient_balance_is_said_clearly_and_the_ledger_has_the_last_word(registry: Registry) -> None:
    chat = Chat(registry, language_code="en", balance=3)
    offered = _to_confirmation(chat, registry)
    assert "Not enough credits: the order costs 8 credits and you have 3 credits." in chat.screen.text
    assert "→" not in chat.screen.text and chat.has_button("⭐ Top up")
    chat.tap("✅ Confirm")
    assert chat.screen.screen == "order.reserving"
    chat.settle()
    assert [event for event in chat.last if isinstance(event, DraftRestored)] == [
        DraftRestored(confirmation_id=offered.confirmation_id)
    ]
    topup = chat.screen
    assert topup.screen == "topup" and topup.edit_message_id == 100
    assert "it costs 8 credits and you have 3 credits. 5 credits more are needed." in topup.text
    assert chat.books.state.held == 0 and chat.state.held == 0
    check_message(topup)


def test_confirm_asks_for_the_hold_once_and_a_double_tap_is_rejected(registry: Registry) -> None:
    chat = Chat(registry, language_code="en")
    offered = _to_confirmation(chat, registry)
    confirm = chat.button("✅ Confirm").data or ""
    chat.press(confirm)
    assert chat.last[0] == CallbackAccepted(action="confirm")
    requested, accepted = chat.domain_events()
    assert accepted == ConfirmationAccepted(confirmation_id=offered.confirmation_id, model_id=offered.model_id,
                                            credits=8)
    assert isinstance(requested, GenerationRequested)
    assert (requested.confirmation_id, requested.model_id, requested.credits) == (offered.confirmation_id,
                                                                                  offered.model_id, 8)
    assert (requested.params, requested.files, requested.message_id) == (offered.params, offered.files, 100)
    assert requested.expires_at == chat.commands[-1].ts + HOLD_SECONDS
    assert (requested.quote.credits, requested.quote.rule, requested.quote.registry_version) == (
        8, offered.rule, offered.registry_version)
    assert dict((param.name, param.value) for param in requested.quote.params) == {
        param.name: param.value for param in offered.params}
    reserving = chat.screen
    assert reserving.screen == "order.reserving" and reserving.edit_message_id == 100
    assert "Reserving 8 credits" in reserving.text and f"<code>{offered.confirmation_id}</code>" in reserving.text
    check_message(reserving)
    before = chat.state
    chat.press(confirm)
    assert chat.verdict() == CallbackRejected(reason_code="already_confirmed", data=confirm)
    assert chat.domain_events() == [] and chat.state.nonce == before.nonce
    assert chat.screen.screen == "order.reserving" and "already confirmed" in chat.screen.text
    chat.tap("🏠 Menu")
    assert chat.screen.screen == "menu"
    chat.press(confirm)
    assert chat.rejected() == "already_confirmed"


def test_the_confirmation_shown_twice_still_confirms_once(registry: Registry) -> None:
    chat = Chat(registry, language_code="en")
    offered = _to_confirmation(chat, registry)
    confirm = chat.button("✅ Confirm").data or ""
    chat.text("go on then")
    assert "Tap «Confirm»" in chat.screen.text and chat.button("✅ Confirm").data == confirm
    chat.press(confirm, message_id=101)
    chat.press(confirm, message_id=100)
    accepted = [event for event in chat.events if isinstance(event, ConfirmationAccepted)]
    assert [event.confirmation_id for event in accepted] == [offered.confirmation_id]


def test_an_old_confirmation_is_stale_after_going_back(registry: Registry) -> None:
    chat = Chat(registry, language_code="en")
    first = _to_confirmation(chat, registry)
    old = chat.button("✅ Confirm").data or ""
    chat.tap("◀️ Back")
    chat.tap("1:1")
    second = chat.last[-2]
    assert isinstance(second, ConfirmationOffered) and second.confirmation_id != first.confirmation_id
    chat.press(old)
    assert chat.rejected() == "stale_screen"
    assert chat.screen.screen == "confirm" and second.confirmation_id in (chat.button("✅ Confirm").data or "")


def test_forged_confirmation_id_with_the_right_nonce_is_refused(registry: Registry) -> None:
    chat = Chat(registry, language_code="en")
    _to_confirmation(chat, registry)
    chat.press(encode(chat.state.nonce, Confirm(confirmation_id="ffffffffff")))
    assert chat.rejected() == "unknown_confirmation" and chat.screen.screen == "confirm"
    assert "not the one on this screen" in chat.screen.text
    assert chat.domain_events() == []
