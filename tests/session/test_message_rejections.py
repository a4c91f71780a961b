"""Messages the session cannot use: each records MessageRejected with its reason code, then shows why."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from registry import InputField, Registry
from registry.model import Catalogue
from tests.session.chat import Chat
from tests.session.checks import check_message
from tests.session.conftest import _model
from tests.session.test_wizard import open_model
from trt_actors.events import UiRendered
from trt_actors.events.session import (
    ImageAdded,
    ImagesCompleted,
    MessageRejected,
    ScreenOpened,
    SessionStarted,
)
from trt_actors.session.callback_data import OpenModel, encode
from trt_actors.session import decider
from trt_actors.session.decider import MESSAGE_REJECTIONS
from trt_actors.session.state import SessionState

def _expect(chat: Chat, reason: str, detail: str = "", *, screen: str | None = None, changes: bool = False) -> None:
    """The last command recorded exactly one MessageRejected(reason, detail), before its one UiRendered."""
    events = chat.last
    rejected = [index for index, event in enumerate(events) if isinstance(event, MessageRejected)]
    assert len(rejected) == 1, events
    assert events[rejected[0]] == MessageRejected(reason_code=reason, detail=detail)
    assert isinstance(events[-1], UiRendered) and rejected[0] < len(events) - 1
    assert sum(isinstance(event, UiRendered) for event in events) == 1
    assert events[-1].edit_message_id is None
    check_message(events[-1])
    if screen is not None:
        assert events[-1].screen == screen
    if not changes:
        assert chat.domain_events() == []


def _unchanged(chat: Chat, before: SessionState) -> None:
    assert msgspec.structs.replace(chat.state, last_cid="") == msgspec.structs.replace(before, last_cid="")


def _to_step(chat: Chat, registry: Registry, model_id: str, *answers: str) -> None:
    open_model(chat, registry, model_id)
    chat.tap("▶️ Set parameters")
    for answer in answers:
        chat.text(answer)


@pytest.mark.parametrize("kind", ["sticker", "voice", "dice"])
def test_an_unsupported_kind(registry: Registry, kind: str) -> None:
    chat = Chat(registry, language_code="en")
    chat.text("/balance")
    before = chat.state
    chat.unsupported(kind)
    _expect(chat, "unsupported_kind", kind, screen="balance")
    _unchanged(chat, before)


def test_an_unsupported_kind_as_the_first_message_starts_the_session_first(registry: Registry) -> None:
    chat = Chat(registry, language_code="en")
    chat.unsupported("sticker")
    assert isinstance(chat.last[0], SessionStarted) and isinstance(chat.last[1], MessageRejected)
    _expect(chat, "unsupported_kind", "sticker", screen="menu", changes=True)


def test_text_outside_any_step(registry: Registry) -> None:
    chat = Chat(registry, language_code="en")
    chat.text("/start")
    chat.text("what is this <b>?")
    _expect(chat, "unknown_text", screen="menu", changes=True)
    assert chat.domain_events() == [ScreenOpened(screen="menu")]
    assert "did not understand" in chat.screen.text


@pytest.mark.parametrize("where", ["menu", "wizard"])
def test_an_unknown_command(registry: Registry, where: str) -> None:
    chat = Chat(registry, language_code="en")
    if where == "wizard":
        _to_step(chat, registry, "z-image")
    else:
        chat.text("/start")
    chat.text("/frobnicate@trt_bot now")
    _expect(chat, "unknown_command", "/frobnicate", changes=where == "menu")
    assert "/frobnicate" in chat.screen.text
    assert chat.screen.screen == ("step.text" if where == "wizard" else "menu")


@pytest.mark.parametrize("message", ["text", "photo"])
def test_a_message_for_a_model_that_left_the_registry(registry: Registry, synthetic: Registry, message: str) -> None:
    chat = Chat(registry, language_code="en")
    _to_step(chat, registry, "topaz/image-upscale")
    moved = Chat(synthetic, language_code="en")
    moved.state, moved.events = chat.state, list(chat.events)
    if message == "text":
        moved.text("a fox")
    else:
        moved.photo()
    _expect(moved, "unknown_model", "topaz/image-upscale", screen="menu", changes=True)
    assert "not available any more" in moved.screen.text


def test_text_on_the_confirmation_screen(synthetic: Registry) -> None:
    chat = Chat(synthetic, language_code="en")
    _to_step(chat, synthetic, "test/no-questions")
    assert chat.screen.screen == "confirm"
    before = chat.state
    chat.text("go on then")
    _expect(chat, "awaiting_confirmation", screen="confirm")
    _unchanged(chat, before)
    assert "Tap «Confirm»" in chat.screen.text


def test_text_when_every_step_is_answered_but_there_is_no_price(gappy: Registry) -> None:
    chat = Chat(gappy, language_code="en")
    chat.text("/start")
    chat.press(encode(chat.state.nonce, OpenModel(model_id="test/gaps")))
    chat.tap("▶️ Set parameters")
    chat.text("a fox")
    chat.tap("XL")
    chat.text("and now?")
    _expect(chat, "no_open_step", screen="unpriced")


def test_text_on_a_photo_step(registry: Registry) -> None:
    chat = Chat(registry, language_code="en")
    _to_step(chat, registry, "topaz/image-upscale")
    chat.text("here it is")
    _expect(chat, "photo_expected", "image_url", screen="step.image")
    assert "send a photo" in chat.screen.text


def test_text_on_an_audio_step(synthetic: Registry) -> None:
    chat = Chat(synthetic, language_code="en")
    _to_step(chat, synthetic, "test/numbers", "a fox", "3")
    chat.text("here is my voice")
    _expect(chat, "media_expected", "voice_sample", screen="step.audio")


def test_typed_text_that_matches_no_button(registry: Registry) -> None:
    chat = Chat(registry, language_code="en")
    _to_step(chat, registry, "kling-2.6/text-to-video", "a fox")
    chat.text("maybe")
    _expect(chat, "not_a_choice", "sound", screen="step.yes_no")
    assert "choose with the buttons" in chat.screen.text


@pytest.mark.parametrize(
    ("text", "reason", "words"),
    [("   ", "empty_text", "empty"), ("x" * 1001, "text_too_long", "the limit is 1000")],
)
def test_a_text_step_refuses(registry: Registry, text: str, reason: str, words: str) -> None:
    chat = Chat(registry, language_code="en")
    _to_step(chat, registry, "z-image")
    before = chat.state
    chat.text(text)
    _expect(chat, reason, "prompt", screen="step.text")
    _unchanged(chat, before)
    assert words in chat.screen.text


def test_a_text_shorter_than_the_step_needs(synthetic: Registry) -> None:
    chat = Chat(synthetic, language_code="en")
    _to_step(chat, synthetic, "test/numbers")
    chat.text("ab")
    _expect(chat, "text_too_short", "prompt", screen="step.text")


def test_a_text_the_field_itself_refuses(synthetic: Registry) -> None:
    styled = _model("test/styled", "text_to_image", (
        InputField(name="style", type="string", ask="text", required=True, enum=("calm", "wild")),
    ))
    registry = Registry(Catalogue(format=1, prices_as_of="2026-01-01", models=(styled,)))
    chat = Chat(registry, language_code="en")
    chat.text("/start")
    chat.press(encode(chat.state.nonce, OpenModel(model_id="test/styled")))
    chat.tap("▶️ Set parameters")
    chat.text("sleepy")
    _expect(chat, "value_not_allowed", "style", screen="step.text")
    chat.text("wild")
    assert chat.message_rejected() is None and chat.screen.screen == "confirm"


@pytest.mark.parametrize(
    ("text", "reason"),
    [("many", "not_a_number"), ("nan", "not_a_number"), ("1e999", "not_a_number"),
     ("2.5", "not_an_integer"), ("0", "out_of_range"), ("51", "out_of_range")],
)
def test_a_number_step_refuses(synthetic: Registry, text: str, reason: str) -> None:
    chat = Chat(synthetic, language_code="en")
    _to_step(chat, synthetic, "test/numbers", "a fox")
    assert chat.screen.screen == "step.number"
    chat.text(text)
    _expect(chat, reason, "steps", screen="step.number")


@pytest.mark.parametrize("where", ["menu", "text step"])
def test_a_photo_where_none_is_wanted(registry: Registry, where: str) -> None:
    chat = Chat(registry, language_code="en")
    if where == "menu":
        chat.text("/start")
    else:
        _to_step(chat, registry, "z-image")
    before = chat.state
    chat.photo(caption="look")
    _expect(chat, "photo_not_expected", "menu" if where == "menu" else "prompt")
    _unchanged(chat, before)
    assert "A photo is not expected here." in chat.screen.text


def test_a_caption_no_step_takes_is_recorded_as_not_used(registry: Registry) -> None:
    chat = Chat(registry, language_code="en")
    _to_step(chat, registry, "grok-imagine/image-to-image")
    chat.photo(caption="the first of many")
    assert isinstance(chat.last[0], ImageAdded)
    _expect(chat, "caption_not_used", "caption:image_urls", screen="step.images", changes=True)
    _to_step(chat, registry, "topaz/image-upscale")
    chat.photo(caption="make it big")
    assert [type(event) for event in chat.domain_events()] == [ImageAdded, ImagesCompleted]
    _expect(chat, "caption_not_used", "caption:image_url", screen="step.buttons", changes=True)
    chat.photo(caption="   ")
    assert chat.rejected_message() == "photo_not_expected"


def test_a_caption_the_next_text_step_refuses(registry: Registry) -> None:
    chat = Chat(registry, language_code="en")
    _to_step(chat, registry, "kling/v2-1-standard")
    chat.photo(caption="x" * 5001)
    assert [type(event) for event in chat.domain_events()] == [ImageAdded, ImagesCompleted]
    _expect(chat, "text_too_long", "caption:prompt", screen="step.text", changes=True)
    assert "limit is 5000" in chat.screen.text


def test_used_messages_record_no_rejection(registry: Registry) -> None:
    chat = Chat(registry, language_code="en")
    for text in ("/start", "/help", "/lang en", "/cancel", "/balance"):
        chat.text(text)
        assert chat.message_rejected() is None, text
    _to_step(chat, registry, "kling/v2-1-standard")
    chat.photo(caption="the cat jumps")
    assert chat.message_rejected() is None and chat.screen.screen == "step.buttons"


def test_every_reason_code_is_documented_and_tested_here() -> None:
    tests = Path(__file__).read_text(encoding="utf-8")
    documented = decider.__doc__ or ""
    for code in MESSAGE_REJECTIONS:
        assert f"``{code}``" in documented, code
        assert f'"{code}"' in tests, code


@pytest.mark.parametrize("text", ["/promo ab", "/promo SPRING!!", "/promo " + "A" * 10_000, "/promo весна"])
def test_a_promo_code_that_cannot_be_one(registry: Registry, text: str) -> None:
    chat = Chat(registry, language_code="en")
    chat.text("/balance")
    chat.text(text)
    _expect(chat, "bad_promo_code", text.removeprefix("/promo ")[:64], screen="promo", changes=True)
    assert [type(event).__name__ for event in chat.domain_events()] == ["ScreenOpened"]  # nothing asked of promos
    assert "That is not a promo code" in chat.screen.text
