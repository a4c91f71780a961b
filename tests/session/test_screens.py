"""The screens outside the wizard: menu, categories, model cards, balance, history, help, language, debug."""

from __future__ import annotations

import pytest

from registry import MENU_CATEGORIES, Registry
from tests.session.chat import Chat
from tests.session.checks import check_message
from trt_actors.events import UiRendered
from trt_actors.events.session import LanguageChosen, ScreenOpened, SessionStarted
from trt_actors.session.texts import Texts
from trt_actors.support import Support


@pytest.fixture(params=["ru", "en"])
def chat(request: pytest.FixtureRequest, registry: Registry) -> Chat:
    return Chat(registry, language_code=request.param)


def test_start_opens_the_menu_with_categories_in_menu_order(chat: Chat, registry: Registry) -> None:
    chat.text("/start")
    assert isinstance(chat.last[0], SessionStarted)
    screen = chat.screen
    assert screen.screen == "menu" and screen.edit_message_id is None
    check_message(screen)
    texts = Texts.of(chat.state.language)
    categories = [texts.category(category) for category in registry.categories()]
    assert chat.labels()[: len(categories)] == categories
    assert [c for c in MENU_CATEGORIES if c in registry.categories()] == list(registry.categories())
    for key in ("btn.balance", "btn.history", "btn.help", "btn.language"):
        assert chat.has_button(texts.plain(key))
    assert "Ann" in screen.text and texts.credits(100) in screen.text


def test_start_payload_records_a_referral_once(registry: Registry) -> None:
    chat = Chat(registry)
    chat.text("/start ref_777")
    started = chat.last[0]
    assert started == SessionStarted(language="ru", start_payload="ref_777", referrer=777)
    chat.text("/start ref_888")
    assert not any(isinstance(event, SessionStarted) for event in chat.last)
    assert chat.state.referrer == 777


@pytest.mark.parametrize("payload", ["ref_42", "<script>", "x" * 65, "ref_abc"])
def test_strange_payloads_are_ignored_safely(registry: Registry, payload: str) -> None:
    chat = Chat(registry, chat_id=42)
    chat.text(f"/start {payload}")
    started = chat.last[0]
    assert isinstance(started, SessionStarted)
    assert started.referrer == 0  # ref_42 is the user themself
    check_message(chat.screen)


def test_the_first_message_of_any_kind_starts_the_session(registry: Registry) -> None:
    chat = Chat(registry, language_code="en-US")
    chat.text("hello")
    assert chat.last[0] == SessionStarted(language="en")
    assert chat.screen.screen == "menu"
    assert chat.state.language == "en"


def test_a_name_with_markup_is_escaped(registry: Registry) -> None:
    chat = Chat(registry, first_name="<b>Eve</b> & co")
    chat.text("/start")
    assert "&lt;b&gt;Eve&lt;/b&gt; &amp; co" in chat.screen.text
    check_message(chat.screen)


def test_every_category_lists_its_models_with_from_prices_and_pages(chat: Chat, registry: Registry) -> None:
    chat.text("/menu")
    texts = Texts.of(chat.state.language)
    for category in registry.categories():
        chat.text("/menu")
        chat.tap(texts.category(category))
        assert chat.screen.screen == "category"
        seen: list[str] = []
        while True:
            check_message(chat.screen)
            models = [label for label in chat.labels() if "·" in label]
            assert 1 <= len(models) <= 8
            seen.extend(models)
            if not chat.has_button(texts.plain("btn.next")):
                break
            chat.tap(texts.plain("btn.next"))
        expected = [
            texts.plain("btn.model", name=getattr(model.name, chat.state.language),
                        price=texts.credits_from(registry.min_price(model)))
            for model in registry.models_in(category)
        ]
        assert seen == expected


def test_pages_go_forward_and_back(synthetic: Registry) -> None:
    chat = Chat(synthetic, language_code="en")
    chat.text("/menu")
    chat.tap(Texts.of("en").category("image_edit"))
    assert "Page 1 of 3" in chat.screen.text and not chat.has_button("◀️ Previous")
    chat.tap("Next")
    chat.tap("Next")
    assert "Page 3 of 3" in chat.screen.text and not chat.has_button("Next")
    assert len([label for label in chat.labels() if label.startswith("Test")]) == 3
    chat.tap("◀️ Previous")
    assert "Page 2 of 3" in chat.screen.text
    chat.tap("Test <test/many-12>")
    chat.tap("◀️ Back")
    assert chat.state.page == 1 and "Page 2 of 3" in chat.screen.text
    chat.tap("◀️ Back")
    assert chat.screen.screen == "menu"


def test_model_card_shows_name_description_price_and_what_is_asked(registry: Registry) -> None:
    chat = Chat(registry, language_code="en")
    chat.text("/menu")
    chat.tap("🧩")
    chat.tap("Nano Banana")
    card = chat.screen
    assert card.screen == "model" and card.edit_message_id == 100
    check_message(card)
    model = registry.model("google/nano-banana-edit")
    assert "<b>" + model.name.en + "</b>" in card.text
    assert "Price: <b>8 credits</b>" in card.text
    assert "You will set: Photos, Prompt, Aspect ratio." in card.text
    assert chat.labels() == ["▶️ Set parameters", "◀️ Back", "🏠 Menu"]
    chat.tap("◀️ Back")
    assert chat.screen.screen == "category" and chat.state.category == "image_edit"


def test_prices_that_depend_on_parameters_say_from(registry: Registry) -> None:
    chat = Chat(registry, language_code="en")
    chat.text("/menu")
    chat.tap("🎬")
    chat.tap("Kling 2.6")
    assert "Price: <b>from 110 credits</b>" in chat.screen.text
    chat.text("/menu")
    chat.tap("🗣")
    chat.tap(chat.labels()[0])
    assert "per 1,000 characters" in chat.screen.text


@pytest.mark.parametrize(
    ("command", "screen"),
    [("/balance", "balance"), ("/history", "history"), ("/help", "help"), ("/lang", "language"),
     ("/debug", "debug"), ("/menu", "menu"), ("/help@trt_bot", "help"), ("/HELP", "help")],
)
def test_commands_open_their_screens_as_new_messages(chat: Chat, command: str, screen: str) -> None:
    chat.text("/start")
    chat.text(command)
    assert chat.screen.screen == screen and chat.screen.edit_message_id is None
    assert ScreenOpened(screen=screen) in chat.last
    check_message(chat.screen)
    assert chat.has_button(Texts.of(chat.state.language).plain("btn.menu")) or screen == "menu"


def test_balance_history_and_help_say_what_they_should(registry: Registry) -> None:
    chat = Chat(registry, language_code="en", balance=7)
    chat.text("/balance")
    assert "7 credits" in chat.screen.text
    chat.tap("📜 History")
    assert "No generations yet" in chat.screen.text and chat.screen.edit_message_id == 100
    chat.tap("💳 Balance")
    assert chat.screen.screen == "balance"
    chat.text("/help")
    assert "/menu" in chat.screen.text
    chat.tap("🏠 Menu")
    assert chat.screen.screen == "menu"


@pytest.mark.parametrize(("language", "faq", "support", "links"), [
    ("en", "When am I charged?", "💬 Support: @shop_support &lt;24/7&gt;", ["📄 Terms", "🔒 Privacy"]),
    ("ru", "Когда списываются кредиты?", "💬 Поддержка: @shop_support &lt;24/7&gt;", ["📄 Условия", "🔒 Конфиденциальность"]),
])
def test_help_answers_the_common_questions_and_gives_the_configured_contact_and_links(
    registry: Registry, language: str, faq: str, support: str, links: list[str],
) -> None:
    configured = Support(contact="@shop_support <24/7>", terms_url="https://example.org/terms",
                         privacy_url="https://example.org/privacy")
    chat = Chat(registry, language_code=language, support=configured)
    chat.text("/help")
    screen = chat.screen
    assert screen.screen == "help" and faq in screen.text and "/topup" in screen.text
    assert support in screen.text  # the owner's text is escaped, never markup
    (row, *_) = screen.buttons
    assert [(b.text, b.url, b.data) for b in row] == [
        (links[0], "https://example.org/terms", None), (links[1], "https://example.org/privacy", None)]
    check_message(screen)
    bare = Chat(registry, language_code=language)  # nothing configured: no contact line, no link buttons
    bare.text("/help")
    assert faq in bare.screen.text and "💬" not in bare.screen.text
    assert all(b.url is None for row in bare.screen.buttons for b in row)


def test_language_can_be_chosen_and_sticks(registry: Registry) -> None:
    chat = Chat(registry, language_code="ru")
    chat.text("/start")
    chat.text("/lang")
    chat.tap("🇬🇧 English")
    assert LanguageChosen(language="en") in chat.last
    assert chat.screen.screen == "menu" and "The bot now speaks English." in chat.screen.text
    chat.text("/balance")
    assert "Balance" in chat.screen.text
    chat.tap("🏠 Menu")
    chat.tap("🌐 Language")
    chat.tap("🇷🇺 Русский")
    assert chat.state.language == "ru" and "Баланс" in chat.screen.text


def test_debug_shows_the_last_cid_for_support(registry: Registry) -> None:
    chat = Chat(registry)
    chat.text("/start")
    previous = chat.screen.dispatch_id.rpartition("/")[0]
    chat.text("/debug")
    assert f"<code>{previous}</code>" in chat.screen.text
    assert chat.screen.dispatch_id.startswith(f"cid-42-{chat.updates}/")
    assert chat.state.last_cid == f"cid-42-{chat.updates}"


def test_unknown_text_and_commands_get_a_hint_and_the_menu(chat: Chat) -> None:
    chat.text("/start")
    chat.text("what is this <b>?")
    assert chat.screen.screen == "menu"
    check_message(chat.screen)
    assert "/help" in chat.screen.text
    chat.text("/frobnicate now")
    assert "/frobnicate" in chat.screen.text and chat.screen.screen == "menu"


@pytest.mark.parametrize("kind", ["sticker", "voice", "dice"])
def test_unsupported_messages_get_a_polite_hint_and_the_current_screen(chat: Chat, kind: str) -> None:
    chat.text("/balance")
    chat.unsupported(kind)
    assert chat.screen.screen == "balance" and chat.domain_events() == []
    assert Texts.of(chat.state.language).kind(kind) in chat.screen.text


def test_photo_outside_the_wizard_is_answered_and_changes_nothing(chat: Chat) -> None:
    chat.text("/start")
    before = chat.state
    chat.photo()
    assert chat.domain_events() == [] and chat.screen.screen == "menu"
    assert chat.state.nonce == before.nonce


def test_every_command_ends_in_exactly_one_render(chat: Chat) -> None:
    for text in ("/start", "hi", "/help", "/lang", "/cancel", "/debug"):
        chat.text(text)
        assert sum(isinstance(event, UiRendered) for event in chat.last) == 1
        assert isinstance(chat.last[-1], UiRendered)


def test_the_menu_keyboard_follows_the_registry_and_language_at_the_same_nonce(
    registry: Registry, synthetic: Registry
) -> None:
    # The menu's rows are drawn once per (registry, language, nonce): two chats
    # at the same point under different registries or languages must each get their own.
    drawn = {}
    for which, catalogue in (("real", registry), ("synthetic", synthetic)):
        for language in ("ru", "en"):
            chat = Chat(catalogue, language_code=language)
            chat.text("/start")
            texts = Texts.of(language)
            assert chat.labels()[: len(catalogue.categories())] == [texts.category(c) for c in catalogue.categories()]
            drawn[which, language] = (chat.state.nonce, tuple(chat.labels()))
    assert len({nonce for nonce, _ in drawn.values()}) == 1
    assert len({labels for _, labels in drawn.values()}) == 4
