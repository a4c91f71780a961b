"""Unknown, stale and forged button data: answered, recorded as CallbackRejected, current screen again, nothing else."""

from __future__ import annotations

import msgspec
import pytest

from registry import Registry
from tests.session.chat import Chat
from tests.session.checks import check_message
from tests.session.test_wizard import open_model
from trt_actors.events import CallbackRejected, UiRendered
from trt_actors.events.session import SessionStarted
from trt_actors.session import SessionState
from trt_actors.session.callback_data import (
    Action,
    ChooseValue,
    FinishImages,
    OpenCategory,
    OpenModel,
    SkipRest,
    SkipStep,
    StartDraft,
    TurnPage,
    encode,
)


def _same_but_cid(chat: Chat, before: SessionState) -> None:
    """Nothing changed but the cid remembered for /debug."""
    assert msgspec.structs.replace(chat.state, last_cid="") == msgspec.structs.replace(before, last_cid="")


def _expect_rejection(chat: Chat, data: str, reason: str, *, message_id: int | None = 100) -> None:
    before = chat.state
    screen = chat.screen.screen
    events = chat.press(data, message_id=message_id)
    assert events[0] == CallbackRejected(reason_code=reason, data=data[:128])
    assert len(events) == 2 and isinstance(events[1], UiRendered)
    assert events[1].screen == screen and events[1].edit_message_id == message_id
    check_message(events[1])
    _same_but_cid(chat, before)


@pytest.mark.parametrize(
    ("data", "reason"),
    [("", "malformed"), ("hello", "malformed"), ("9.1.m", "unknown_version"), ("1.1.teleport", "unknown_action"),
     ("1.1.o." + "x" * 100, "oversized"), ("1.1.v.01", "malformed"), ("sk:1a2b3c", "malformed"),
     ("set_param:prompt:x", "malformed")],
)
def test_garbage_is_rejected_with_its_reason(registry: Registry, data: str, reason: str) -> None:
    chat = Chat(registry, language_code="en")
    chat.text("/start")
    _expect_rejection(chat, data, reason)
    assert "does not work here" in chat.screen.text


def test_a_button_from_an_older_screen_is_stale(registry: Registry) -> None:
    chat = Chat(registry, language_code="en")
    chat.text("/start")
    old_balance = chat.button("💳 Balance").data or ""
    chat.tap("🎨")
    _expect_rejection(chat, old_balance, "stale_screen")
    assert "out of date" in chat.screen.text and chat.screen.screen == "category"


def test_a_stale_tap_on_an_inaccessible_message_sends_a_new_one(registry: Registry) -> None:
    chat = Chat(registry, language_code="en")
    chat.text("/start")
    _expect_rejection(chat, "1.0.m", "stale_screen", message_id=None)


def _at(chat: Chat, action: Action) -> str:
    return encode(chat.state.nonce, action)


def test_well_formed_taps_that_do_not_fit_the_screen_are_refused(registry: Registry) -> None:
    chat = Chat(registry, language_code="en")
    chat.text("/start")
    _expect_rejection(chat, _at(chat, ChooseValue(index=0)), "not_your_step")
    _expect_rejection(chat, _at(chat, StartDraft()), "not_your_step")
    _expect_rejection(chat, _at(chat, TurnPage(page=1)), "not_your_step")
    _expect_rejection(chat, _at(chat, OpenCategory(category="other")), "unknown_category")
    _expect_rejection(chat, _at(chat, OpenCategory(category="nope")), "unknown_category")
    _expect_rejection(chat, _at(chat, OpenModel(model_id="nope/x")), "unknown_model")
    chat.tap("🎨")
    _expect_rejection(chat, _at(chat, TurnPage(page=5)), "bad_value")
    open_model(chat, registry, "z-image")
    chat.tap("▶️ Set parameters")
    _expect_rejection(chat, _at(chat, FinishImages()), "not_your_step")
    _expect_rejection(chat, _at(chat, SkipStep()), "not_your_step")  # the prompt is required
    _expect_rejection(chat, _at(chat, ChooseValue(index=0)), "not_your_step")
    chat.text("a fox")
    _expect_rejection(chat, _at(chat, ChooseValue(index=99)), "bad_value")
    _expect_rejection(chat, _at(chat, SkipRest()), "not_your_step")  # last step: nothing after it


def test_skipping_is_refused_once_photos_arrived(registry: Registry) -> None:
    chat = Chat(registry, language_code="en")
    open_model(chat, registry, "nano-banana-pro")
    chat.tap("▶️ Set parameters")
    chat.text("a fox")
    chat.photo()
    assert not chat.has_button("⏭")
    _expect_rejection(chat, _at(chat, SkipStep()), "not_your_step")
    _expect_rejection(chat, _at(chat, SkipRest()), "not_your_step")


def test_a_forged_tap_as_the_first_update_starts_the_session_and_shows_the_menu(registry: Registry) -> None:
    chat = Chat(registry, language_code="en")
    events = chat.press("1.0.o.z-image")
    assert isinstance(events[0], SessionStarted)
    assert events[1] == CallbackRejected(reason_code="stale_screen", data="1.0.o.z-image")
    assert chat.screen.screen == "menu"


def test_a_model_that_left_the_registry_is_refused(registry: Registry, synthetic: Registry) -> None:
    chat = Chat(registry, language_code="en")
    open_model(chat, registry, "z-image")
    chat.tap("▶️ Set parameters")
    moved = Chat(synthetic, language_code="en")
    moved.state, moved.events = chat.state, list(chat.events)
    before = moved.state
    moved.press(_at(moved, ChooseValue(index=0)))
    assert moved.rejected() == "unknown_model" and moved.screen.screen == "menu"
    _same_but_cid(moved, before)
    moved.text("a fox")
    assert moved.screen.screen == "menu"
