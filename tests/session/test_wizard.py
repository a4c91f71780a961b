"""The parameter wizard, step by step, for every model of every category, in both languages."""

from __future__ import annotations

import pytest

from registry import Model, Registry
from tests.session.chat import Chat
from tests.session.checks import check_message
from tests.session.conftest import _REAL
from trt_actors.events.session import (
    ConfirmationOffered,
    DraftDiscarded,
    DraftStarted,
    DraftStepBack,
    ImageAdded,
    ImagesCompleted,
    Param,
    ParameterSet,
    ParameterSkipped,
)
from trt_actors.session.callback_data import OpenModel, encode
from trt_actors.session.texts import Texts
from trt_actors.session.wizard import steps_of

MODELS = [model for category in _REAL.categories() for model in _REAL.models_in(category)]


def open_model(chat: Chat, registry: Registry, model_id: str) -> None:
    """From anywhere to the card of ``model_id``, through the menu and the category's pages."""
    model = registry.model(model_id)
    chat.text("/menu")
    texts = Texts.of(chat.state.language)
    chat.tap(texts.category(model.category))
    name = getattr(model.name, texts.language)
    label = texts.plain("btn.model", name=name, price=texts.credits_from(registry.min_price(model)))
    while not chat.has_button(label):
        chat.tap(texts.plain("btn.next"))
    chat.tap(label)
    assert chat.screen.screen == "model"


def answer_step(chat: Chat) -> None:
    """Answer whatever step is on screen the simplest legal way."""
    texts = Texts.of(chat.state.language)
    screen = chat.screen.screen
    if screen == "step.text":
        chat.text("a red fox in the snow")
    elif screen == "step.number":
        chat.text("1")
    elif screen in ("step.buttons", "step.yes_no"):
        chat.press(chat.buttons()[0].data or "")
    elif screen in ("step.image", "step.images"):
        chat.photo()
        done = texts.plain("btn.done", count=1)
        if chat.screen.screen == screen and chat.has_button(done):
            chat.tap(done)
    elif chat.has_button(texts.plain("btn.skip")):
        chat.tap(texts.plain("btn.skip"))
    else:
        chat.tap(texts.plain("btn.back"))


def walk_to_confirmation(chat: Chat, registry: Registry, model_id: str) -> list[str]:
    open_model(chat, registry, model_id)
    chat.tap(Texts.of(chat.state.language).plain("btn.start"))
    seen: list[str] = []
    for _ in range(30):
        check_message(chat.screen)
        if chat.screen.screen in ("confirm", "unpriced"):
            return seen
        seen.append(chat.screen.screen)
        answer_step(chat)
    raise AssertionError(f"the wizard of {model_id} never ended: {seen}")


@pytest.mark.parametrize("language", ["ru", "en"])
@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.id)
def test_every_model_walks_to_a_priced_confirmation(registry: Registry, model: Model, language: str) -> None:
    chat = Chat(registry, language_code=language, balance=1000)
    seen = walk_to_confirmation(chat, registry, model.id)
    steps = steps_of(model)
    assert len(seen) == len(steps)
    headers = [f"{k} {'of' if language == 'en' else 'из'} {len(steps)}" for k in range(1, len(steps) + 1)]
    offered = chat.last[-2]
    assert isinstance(offered, ConfirmationOffered)
    quote = registry.quote(model, {param.name: param.value for param in offered.params})
    assert (offered.credits, offered.rule, offered.registry_version) == (quote.credits, quote.rule, registry.version)
    assert chat.screen.screen == "confirm"
    assert Texts.of(language).credits(quote.credits) in chat.screen.text
    assert Texts.of(language).credits(1000 - quote.credits) in chat.screen.text
    assert all(header for header in headers)


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.id)
def test_back_undoes_each_step_and_cancel_works_everywhere(registry: Registry, model: Model) -> None:
    chat = Chat(registry, language_code="en")
    open_model(chat, registry, model.id)
    chat.tap("▶️ Set parameters")
    screens = []
    while chat.screen.screen.startswith("step."):
        assert chat.labels()[-2:] == ["◀️ Back", "✖️ Cancel"]
        screens.append((chat.screen.screen, chat.state.draft.step if chat.state.draft else -1))
        answer_step(chat)
    assert chat.screen.screen == "confirm"
    assert chat.labels()[-2:] == ["◀️ Back", "✖️ Cancel"]
    for screen, step in reversed(screens):
        chat.tap("◀️ Back")
        assert isinstance(chat.domain_events()[0], DraftStepBack)
        assert (chat.screen.screen, chat.state.draft.step if chat.state.draft else -1) == (screen, step)
        assert chat.state.offer is None
    chat.tap("◀️ Back")
    assert chat.domain_events()[0] == DraftDiscarded(reason="back") and chat.screen.screen == "model"
    for answered in range(len(screens) + 1):
        open_model(chat, registry, model.id)
        chat.tap("▶️ Set parameters")
        for _ in range(answered):
            answer_step(chat)
        chat.tap("✖️ Cancel")
        assert chat.domain_events()[0] == DraftDiscarded(reason="cancelled") and chat.screen.screen == "menu"
        assert "Order cancelled." in chat.screen.text and chat.state.draft is None


def test_back_forgets_the_answer_and_shows_the_step_again(registry: Registry) -> None:
    chat = Chat(registry, language_code="en")
    open_model(chat, registry, "google/nano-banana-edit")
    chat.tap("▶️ Set parameters")
    chat.photo()
    chat.photo()
    chat.tap("◀️ Back")
    assert chat.domain_events()[0] == DraftDiscarded(reason="back") and chat.screen.screen == "model"
    chat.tap("▶️ Set parameters")
    chat.photo()
    chat.tap("✅ Done (1)")
    chat.text("first prompt")
    assert chat.state.draft is not None and chat.state.draft.value("prompt") == "first prompt"
    chat.tap("◀️ Back")
    assert chat.domain_events() == [DraftStepBack(clear=("prompt",))]
    assert chat.state.draft is not None and chat.state.draft.value("prompt") is None
    assert chat.screen.screen == "step.text"
    chat.tap("◀️ Back")
    assert chat.domain_events() == [DraftStepBack(clear=("image_urls",))]
    assert chat.state.draft is not None and chat.state.draft.images == ()


def test_text_step_states_its_limit_and_refuses_longer_texts(registry: Registry) -> None:
    chat = Chat(registry, language_code="en")
    open_model(chat, registry, "z-image")
    chat.tap("▶️ Set parameters")
    assert "Up to 1000 characters." in chat.screen.text
    before = chat.state
    chat.text("x" * 1001)
    assert chat.domain_events() == [] and chat.state.nonce == before.nonce
    assert "1001 characters; the limit is 1000" in chat.screen.text
    assert chat.screen.screen == "step.text" and chat.screen.edit_message_id is None
    check_message(chat.screen)
    chat.text("   ")
    assert "empty" in chat.screen.text and chat.domain_events() == []
    chat.text("  <b>a fox</b> & co  ")
    assert ParameterSet(name="prompt", value="<b>a fox</b> & co") in chat.last


def test_enum_buttons_show_prices_where_the_value_changes_the_price(registry: Registry) -> None:
    chat = Chat(registry, language_code="en")
    open_model(chat, registry, "flux-2/pro-text-to-image")
    chat.tap("▶️ Set parameters")
    chat.text("a fox")
    assert chat.screen.screen == "step.buttons"
    assert "The price depends" not in chat.screen.text  # aspect ratio does not change it
    assert "16:9" in chat.labels()
    chat.tap("16:9")
    assert "The price depends on this choice." in chat.screen.text
    prices = registry.value_prices("flux-2/pro-text-to-image", "resolution", {"aspect_ratio": "16:9"})
    assert prices is not None
    assert chat.labels()[:2] == [f"{value} · {amount} credits" for value, amount in prices.items()]
    chat.tap("2K")
    assert ParameterSet(name="resolution", value="2K") in chat.last
    assert chat.screen.screen == "confirm"


def test_yes_no_buttons_and_typed_choices(registry: Registry) -> None:
    chat = Chat(registry, language_code="en")
    open_model(chat, registry, "kling-2.6/text-to-video")
    chat.tap("▶️ Set parameters")
    chat.text("a fox")
    assert chat.screen.screen == "step.yes_no"
    assert chat.labels()[0].startswith("No · ") and chat.labels()[1].startswith("Yes · ")
    chat.text("maybe")
    assert "choose with the buttons" in chat.screen.text and chat.domain_events() == []
    chat.text("yes")
    assert ParameterSet(name="sound", value=True) in chat.last
    chat.text("16:9")
    assert ParameterSet(name="aspect_ratio", value="16:9") in chat.last


def test_optional_steps_offer_the_default_and_defaults_for_the_rest(registry: Registry) -> None:
    chat = Chat(registry, language_code="en")
    open_model(chat, registry, "nano-banana-pro")
    chat.tap("▶️ Set parameters")
    chat.text("a fox")
    assert chat.screen.screen == "step.images" and "Optional" in chat.screen.text
    assert chat.has_button("⏭ Skip") and chat.has_button("⏩ Defaults for the rest")
    chat.tap("⏭ Skip")
    assert chat.domain_events()[0] == ParameterSkipped(name="image_input")
    assert "Default: <b>1:1</b>" in chat.screen.text and chat.has_button("⏭ Default: 1:1")
    chat.tap("⏩ Defaults for the rest")
    assert chat.domain_events()[:2] == [ParameterSkipped(name="aspect_ratio"), ParameterSkipped(name="resolution")]
    assert chat.screen.screen == "confirm"
    assert "Aspect ratio: 1:1 (default)" in chat.screen.text
    offered = chat.last[-2]
    assert isinstance(offered, ConfirmationOffered)
    assert offered.params == (Param(name="prompt", value="a fox"),)


def test_images_count_up_show_done_after_the_minimum_and_stop_at_the_maximum(registry: Registry) -> None:
    chat = Chat(registry, language_code="en")
    open_model(chat, registry, "grok-imagine/image-to-image")
    chat.tap("▶️ Set parameters")
    assert chat.screen.screen == "step.images" and "(from 1 to 5)" in chat.screen.text
    assert not chat.has_button("✅") and not chat.has_button("⏭")
    for count in range(1, 5):
        chat.photo()
        assert isinstance(chat.domain_events()[0], ImageAdded)
        assert f"Received: {count} of 5." in chat.screen.text and chat.has_button(f"✅ Done ({count})")
    chat.photo()
    assert chat.domain_events()[1] == ImagesCompleted(name="image_urls")
    assert "📷 Photo 5 received." in chat.screen.text and chat.screen.screen == "step.text"
    assert chat.state.draft is not None and len(chat.state.draft.images) == 5


def test_a_single_photo_field_moves_on_at_once(registry: Registry) -> None:
    chat = Chat(registry, language_code="en")
    open_model(chat, registry, "topaz/image-upscale")
    chat.tap("▶️ Set parameters")
    assert chat.screen.screen == "step.image"
    chat.text("here it is")
    assert "send a photo" in chat.screen.text and chat.domain_events() == []
    chat.photo()
    assert [type(event) for event in chat.domain_events()] == [ImageAdded, ImagesCompleted]
    assert chat.screen.screen == "step.buttons"
    assert all(label.startswith("×") or label.startswith("⏭") or label.startswith(("◀", "✖"))
               for label in chat.labels())


def test_a_photo_on_a_text_step_is_answered_and_changes_nothing(registry: Registry) -> None:
    chat = Chat(registry)
    open_model(chat, registry, "z-image")
    chat.tap("▶️ Задать параметры")
    chat.photo()
    assert chat.domain_events() == [] and chat.screen.screen == "step.text"
    assert "Фото здесь не требуется." in chat.screen.text


def test_numbers_are_parsed_and_range_checked(synthetic: Registry) -> None:
    chat = Chat(synthetic, language_code="en")
    open_model(chat, synthetic, "test/numbers")
    chat.tap("▶️ Set parameters")
    assert "From 3 to 50 characters." in chat.screen.text
    chat.text("ab")
    assert "at least 3" in chat.screen.text and chat.domain_events() == []
    chat.text("a fox")
    assert chat.screen.screen == "step.number" and "Allowed: from 1 to 50." in chat.screen.text
    for bad, words in [("many", "not a number"), ("2.5", "whole number"), ("0", "out of range"),
                       ("51", "out of range"), ("nan", "not a number"), ("1e999", "not a number")]:
        chat.text(bad)
        assert words in chat.screen.text, bad
        assert chat.domain_events() == []
    chat.text(" 25 ")
    assert ParameterSet(name="steps", value=25) in chat.last
    assert chat.screen.screen == "step.audio"
    chat.tap("⏭ Skip")
    assert "Default: <b>0.5</b>" in chat.screen.text and "Allowed: from 0 to 1." in chat.screen.text
    chat.text("0,7")
    assert ParameterSet(name="guidance", value=0.7) in chat.last


def test_audio_and_video_fields_say_they_cannot_be_sent_yet(synthetic: Registry) -> None:
    chat = Chat(synthetic, language_code="en")
    open_model(chat, synthetic, "test/numbers")
    chat.tap("▶️ Set parameters")
    chat.text("a fox")
    chat.text("3")
    assert chat.screen.screen == "step.audio" and "cannot take audio" in chat.screen.text
    chat.text("here is my voice")
    assert chat.domain_events() == []
    chat.tap("⏭ Skip")
    chat.tap("⏭ Default")
    assert chat.screen.screen == "step.yes_no"
    open_model(chat, synthetic, "test/video-in")
    chat.tap("▶️ Set parameters")
    assert chat.screen.screen == "step.video" and "cannot be ordered here yet" in chat.screen.text
    assert chat.labels() == ["◀️ Back", "✖️ Cancel"]
    chat.text("a video, honest")
    assert chat.domain_events() == []
    chat.tap("◀️ Back")
    assert chat.screen.screen == "model"


def test_a_model_without_questions_goes_straight_to_confirmation(synthetic: Registry) -> None:
    chat = Chat(synthetic, language_code="en")
    open_model(chat, synthetic, "test/no-questions")
    assert "No parameters to set." in chat.screen.text
    chat.tap("▶️ Set parameters")
    assert [type(event) for event in chat.domain_events()] == [DraftStarted, ConfirmationOffered]
    assert chat.screen.screen == "confirm"
    chat.tap("◀️ Back")
    assert chat.screen.screen == "model" and chat.state.draft is None


def test_parameters_without_a_price_cannot_be_confirmed(gappy: Registry) -> None:
    chat = Chat(gappy, language_code="en")
    chat.text("/start")
    chat.press(encode(chat.state.nonce, OpenModel(model_id="test/gaps")))
    chat.tap("▶️ Set parameters")
    chat.text("a fox")
    assert chat.screen.screen == "step.buttons"
    chat.tap("XL")
    assert chat.screen.screen == "unpriced" and "no price" in chat.screen.text
    assert not any(isinstance(event, ConfirmationOffered) for event in chat.last)
    assert chat.labels() == ["◀️ Back", "✖️ Cancel"]
    chat.tap("◀️ Back")
    chat.tap("M")
    assert chat.screen.screen == "confirm"


def test_a_draft_survives_a_detour_and_can_be_resumed(registry: Registry) -> None:
    chat = Chat(registry, language_code="en")
    open_model(chat, registry, "z-image")
    chat.tap("▶️ Set parameters")
    chat.text("a fox")
    chat.text("/balance")
    chat.tap("🏠 Menu")
    assert "Unfinished order" in chat.screen.text
    chat.tap("↩️ Continue")
    assert chat.screen.screen == "step.buttons"
    chat.tap("16:9")
    chat.text("/help")
    chat.text("/menu")
    chat.tap("↩️ Continue")
    assert chat.screen.screen == "confirm" and isinstance(chat.last[-2], ConfirmationOffered)
    open_model(chat, registry, "google/imagen4")
    chat.tap("▶️ Set parameters")
    assert chat.domain_events()[:2] == [DraftDiscarded(reason="replaced"), DraftStarted(model_id="google/imagen4")]


def test_a_caption_on_the_last_photo_answers_the_text_step_after_it(registry: Registry) -> None:
    chat = Chat(registry, language_code="en")
    open_model(chat, registry, "kling/v2-1-standard")
    chat.tap("▶️ Set parameters")
    chat.photo(caption="the cat <jumps>")
    assert [type(event) for event in chat.domain_events()] == [ImageAdded, ImagesCompleted, ParameterSet]
    assert chat.domain_events()[2] == ParameterSet(name="prompt", value="the cat <jumps>")
    assert chat.screen.screen == "step.buttons"
    open_model(chat, registry, "kling/v2-1-standard")
    chat.tap("▶️ Set parameters")
    chat.photo(caption="x" * 5001)
    assert [type(event) for event in chat.domain_events()] == [ImageAdded, ImagesCompleted]
    assert "limit is 5000" in chat.screen.text and chat.screen.screen == "step.text"


def test_lang_takes_the_language_as_an_argument(registry: Registry) -> None:
    chat = Chat(registry, language_code="ru")
    chat.text("/lang en")
    assert chat.state.language == "en" and chat.screen.screen == "menu"
    chat.text("/lang xx")
    assert chat.screen.screen == "language" and chat.state.language == "en"
