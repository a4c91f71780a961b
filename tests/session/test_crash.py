"""When decide has a bug: crashed() still answers, in the user's language, from any state, as a new message."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from registry import Registry
from tests.session.chat import Chat
from tests.session.checks import check_message
from trt_actors.events import UiRendered
from trt_actors.session import ButtonPressed, PhotoReceived, SessionDecider, SessionState, TextReceived, Unsupported
from trt_actors.session.callback_data import OpenMenu, Tap, decode
from trt_actors.session.state import Draft, Offer
from trt_actors.session.texts import TEXTS_VERSION

COMMON: dict[str, Any] = {"chat_id": 42, "user_id": 42, "cid": "cid-crash", "update_id": 9, "ts": 1.0}


def _only_render(events: list[Any]) -> UiRendered:
    assert len(events) == 1 and isinstance(events[0], UiRendered)
    rendered: UiRendered = events[0]
    return rendered


def test_the_answer_is_one_new_message_in_the_users_language(registry: Registry) -> None:
    chat = Chat(registry, language_code="en")
    chat.text("/start")
    press = ButtonPressed(callback_query_id="q", data="1.0.m", message_id=100, language_code="en", **COMMON)
    rendered = _only_render(chat.decider.crashed(chat.state, press))
    assert rendered.screen == "error" and rendered.dispatch_id == "cid-crash/0"
    assert rendered.edit_message_id is None  # even for a tap: never an edit
    assert rendered.text == "⚠️ Something went wrong. Please try again."
    assert (rendered.registry_version, rendered.texts_version) == (registry.version, TEXTS_VERSION)
    check_message(rendered)
    assert [decode(button.data or "") for row in rendered.buttons for button in row] == [
        Tap(nonce=chat.state.nonce, action=OpenMenu())
    ]


@pytest.mark.parametrize(
    ("state_language", "language_code", "expected"),
    [("ru", "en", "Что-то пошло не так"), ("en", None, "Something went wrong"), ("", "en-GB", "Something went wrong"),
     ("", None, "Что-то пошло не так"), ("", "de", "Что-то пошло не так"), ("xx", "en", "Something went wrong")],
)
def test_the_language_comes_from_the_state_else_from_telegram_else_russian(
    registry: Registry, state_language: str, language_code: str | None, expected: str
) -> None:
    decider = SessionDecider(registry)
    command = TextReceived(text="hi", language_code=language_code, **COMMON)
    rendered = _only_render(decider.crashed(SessionState(language=state_language), command))
    assert expected in rendered.text
    check_message(rendered)


def test_the_menu_button_leads_back_to_the_menu(registry: Registry) -> None:
    chat = Chat(registry, language_code="en")
    chat.text("/help")
    crash = chat.decider.crashed(chat.state, TextReceived(text="/help", **COMMON))
    chat.state = chat.decider.evolve(chat.state, crash[0])
    chat.events.extend(crash)
    chat.tap("🏠 Menu")
    assert chat.rejected() is None and chat.screen.screen == "menu"


def test_a_state_that_breaks_decide_does_not_break_the_answer(registry: Registry) -> None:
    decider = SessionDecider(registry)
    broken = SessionState(started=True, language="en", screen="menu", nonce=-1)  # no button can carry it
    command = Unsupported(kind="sticker", **COMMON)
    with pytest.raises(ValueError, match="never negative"):
        decider.decide(broken, command)
    rendered = _only_render(decider.crashed(broken, command))
    assert rendered.text.startswith("⚠️ Something went wrong") and rendered.buttons == ()
    check_message(rendered)


@pytest.mark.parametrize(
    "broken",
    [
        SessionState(language=None, nonce="7", draft="not a draft", offer=3),  # type: ignore[arg-type]
        SessionState(screen="wizard", draft=Draft(model_id="gone", step=99), offer=Offer("x", -1, "", ""), nonce=2**400),
        msgspec.structs.replace(SessionState(), language=["en"], nonce=True),
    ],
    ids=["wrong types", "impossible wizard", "a list for a language"],
)
def test_any_inconsistent_state_gets_an_answer(registry: Registry, broken: SessionState) -> None:
    decider = SessionDecider(registry)
    for command in (
        TextReceived(text="hi", language_code="en", **COMMON),
        PhotoReceived(file_id="f", file_unique_id="u", width=1, height=1, **COMMON),
        ButtonPressed(callback_query_id="q", data="junk", message_id=7, **COMMON),
        Unsupported(kind="sticker", **COMMON),
    ):
        rendered = _only_render(decider.crashed(broken, command))
        assert rendered.screen == "error" and rendered.dispatch_id == "cid-crash/0"
        assert rendered.buttons == () or len(rendered.buttons[0][0].data or "") <= 64
        check_message(rendered)


def test_a_command_that_cannot_even_be_read_still_gets_an_answer(registry: Registry) -> None:
    class Hostile:
        def __getattr__(self, name: str) -> object:
            raise RuntimeError(f"no {name} for you")

    rendered = _only_render(SessionDecider(registry).crashed(Hostile(), Hostile()))  # type: ignore[arg-type]
    assert rendered.dispatch_id == "/0" and "Что-то пошло не так" in rendered.text and rendered.buttons == ()


def test_a_broken_cid_is_made_writable(registry: Registry) -> None:
    command = TextReceived(text="hi", **{**COMMON, "cid": "c\ud800"})
    rendered = _only_render(SessionDecider(registry).crashed(SessionState(), command))
    assert rendered.dispatch_id == "c\ufffd/0"
    rendered.dispatch_id.encode("utf-8")


def test_the_answer_changes_nothing_but_the_remembered_cid(registry: Registry) -> None:
    chat = Chat(registry, language_code="en")
    chat.text("/start")
    before = chat.state
    after = chat.decider.evolve(before, chat.decider.crashed(before, TextReceived(text="x", **COMMON))[0])
    assert after == msgspec.structs.replace(before, last_cid="cid-crash")
