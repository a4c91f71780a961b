"""The session's side of the rate limits: a turned-away update is recorded and answered once per burst, and a
user past RATE_GENERATIONS is told when the next Confirm is taken."""

from __future__ import annotations

import pytest

from registry import Registry
from tests.session.chat import Chat
from tests.session.checks import check_message
from tests.session.test_confirmation import _to_confirmation
from tests.session.test_job_reports import _confirmed
from trt_actors.events import UiRendered
from trt_actors.events.session import GenerationRequested, InputThrottled
from trt_actors.limits import Rate
from trt_actors.session.commands import Throttled


@pytest.mark.parametrize(("language", "kind", "said"), [
    ("en", "messages", "Too many messages at once. I will read the next one in 40 s."),
    ("ru", "taps", "Слишком много нажатий подряд. Кнопки снова заработают через 40 с."),
])
def test_a_turned_away_update_is_recorded_and_only_the_first_of_a_burst_answered(
    registry: Registry, language: str, kind: str, said: str,
) -> None:
    chat = Chat(registry, language_code=language)
    chat.text("/menu")
    state = chat.state
    common = chat._common()
    first = chat.send(Throttled(**common, kind=kind, retry_at=common["ts"] + 40, notify=True))
    assert first[0] == InputThrottled(kind=kind, retry_at=common["ts"] + 40, notified=True)
    (answer,) = [event for event in first if isinstance(event, UiRendered)]
    assert said in answer.text and answer.edit_message_id is None
    check_message(answer)
    later = chat.send(Throttled(**chat._common(), kind=kind, retry_at=chat.now() + 39, notify=False))
    assert [type(event) for event in later] == [InputThrottled]  # recorded, not answered
    assert chat.state.screen == state.screen and chat.state.nonce == state.nonce  # nothing else moved


def test_past_the_generation_limit_a_confirm_is_refused_until_the_oldest_order_leaves_the_window(
    registry: Registry,
) -> None:
    chat = Chat(registry, language_code="en", balance=1_000, generations=Rate(2, 600.0))
    first = _confirmed(chat, registry)
    _confirmed(chat, registry)
    _to_confirmation(chat, registry)
    confirm = chat.button("✅ Confirm").data or ""
    chat.press(confirm)
    assert chat.rejected() == "too_many_generations"
    assert "You have confirmed 2 generations in a short time" in chat.screen.text and "min." in chat.screen.text
    assert not [event for event in chat.last if isinstance(event, GenerationRequested)]
    chat.job("JobFailed", first, reason="generation_failed")  # a refunded order is not a paid one
    chat.settle()
    chat.press(confirm)
    assert chat.rejected() is None and [event for event in chat.last if isinstance(event, GenerationRequested)]
    _to_confirmation(chat, registry)
    chat.press(chat.button("✅ Confirm").data or "")
    assert chat.rejected() == "too_many_generations"
    chat.wait(600)
    _to_confirmation(chat, registry)
    chat.press(chat.button("✅ Confirm").data or "")
    assert chat.rejected() is None
