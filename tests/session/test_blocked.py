"""A user an admin blocked: one polite answer, then nothing, and nothing decided; back to normal once unblocked."""

from __future__ import annotations

import msgspec
import pytest

from registry import Registry
from tests.session.chat import Chat
from trt_actors.events import UiRendered
from trt_actors.events.session import InputBlocked
from tests.session.test_wizard import walk_to_confirmation
from trt_actors.events.session import GenerationRequested, ModelsSeen
from trt_actors.session import ButtonPressed, TextReceived
from trt_actors.session.commands import blocked
from trt_actors.session.texts import Texts
from trt_actors.support import Support


def _blocked_text(chat: Chat, text: str) -> list[object]:
    command = TextReceived(text=text, **chat._common())
    return list(chat.send(blocked(command, kind="messages")))


@pytest.mark.parametrize("language", ["en", "ru"])
def test_a_blocked_user_gets_one_answer_then_silence_and_their_input_changes_nothing(
    registry: Registry, language: str,
) -> None:
    chat = Chat(registry, language_code=language, support=Support(contact="@shop_support"))
    chat.text("/start")
    before = chat.state
    first = _blocked_text(chat, "/balance")
    assert [type(event) for event in first] == [InputBlocked, UiRendered]
    answer = first[-1]
    assert isinstance(answer, UiRendered) and answer.screen == "blocked" and answer.buttons == ()
    assert Texts.of(language).say("blocked.text") in answer.text and "@shop_support" in answer.text
    assert answer.edit_message_id is None
    assert _blocked_text(chat, "/topup") == [InputBlocked(kind="messages", notified=False)]
    assert (chat.state.screen, chat.state.nonce, chat.state.draft) == (before.screen, before.nonce, before.draft)


def test_after_an_unblock_the_user_is_served_and_a_new_block_is_answered_again(registry: Registry) -> None:
    chat = Chat(registry, language_code="en")
    chat.text("/start")
    _blocked_text(chat, "hello")
    assert chat.state.blocked_told
    chat.text("/balance")  # unblocked: served as anyone
    assert chat.screen.screen == "balance" and not chat.state.blocked_told
    again = _blocked_text(chat, "hello")
    assert [type(event) for event in again] == [InputBlocked, UiRendered]


def test_a_model_switched_off_is_seen_once_then_neither_confirmed_nor_listed(registry: Registry) -> None:
    chat = Chat(registry, language_code="en", balance=100)
    walk_to_confirmation(chat, registry, "z-image")
    confirm = chat.button("✅").data or ""
    switched = ("z-image",)
    tap = ButtonPressed(callback_query_id="q", data=confirm, message_id=100, **chat._common())
    refused = chat.send(msgspec.structs.replace(tap, disabled=switched))
    assert refused[0] == ModelsSeen(disabled=switched) and chat.state.disabled == switched
    assert not [event for event in refused if isinstance(event, GenerationRequested)]
    assert chat.rejected() is not None
    menu = chat.send(msgspec.structs.replace(TextReceived(text="/menu", **chat._common()), disabled=switched))
    assert not [event for event in menu if isinstance(event, ModelsSeen)]  # recorded once, while it stays so
    category = chat.button(Texts.of("en").category("text_to_image")).data or ""
    chat.send(msgspec.structs.replace(ButtonPressed(callback_query_id="q", data=category, message_id=100,
                                                    **chat._common()), disabled=switched))
    assert chat.screen.screen == "category"
    assert not any(label.startswith("Z-Image") for label in chat.labels())
    back = chat.send(TextReceived(text="/menu", **chat._common()))  # switched on again: () differs, recorded
    assert back[0] == ModelsSeen(disabled=())
