"""What the job runner reports becomes the order's progress, a failure message with "Try again", and /history."""

from __future__ import annotations

import pytest

from registry import Registry
from tests.session.chat import Chat
from tests.session.checks import check_message
from tests.session.test_confirmation import _to_confirmation
from trt_actors.events import Event, UiRendered
from trt_actors.events.session import (
    BalanceSeen,
    ConfirmationOffered,
    GenerationRequested,
    JobSeen,
    ResultResendRequested,
)
from trt_actors.session.job_reports import PROGRESS_STEP


def _confirmed(chat: Chat, registry: Registry) -> str:
    """Walk to the confirmation, confirm, let the ledger place the hold; the order's job id."""
    _to_confirmation(chat, registry)
    chat.tap("✅")
    chat.settle()
    requested = [event for event in chat.events if isinstance(event, GenerationRequested)][-1]
    return requested.confirmation_id


def _renders(events: list[Event]) -> list[UiRendered]:
    return [event for event in events if isinstance(event, UiRendered)]


def test_the_order_message_follows_the_job_in_place_without_moving_the_screen(registry: Registry) -> None:
    chat = Chat(registry, language_code="en", balance=50)
    job = _confirmed(chat, registry)
    chat.text("/menu")
    nonce, screen = chat.state.nonce, chat.state.screen
    on_the_menu = chat.buttons()[0].data or ""

    shown = []
    for event, elapsed in [("JobRequested", 0.1), ("JobSubmitted", 1.0), ("JobPolled", 16.0), ("JobSucceeded", 40.0),
                           ("ResultDelivered", 42.0)]:
        heard = chat.job(event, job, elapsed=elapsed)
        assert isinstance(heard[0], JobSeen) and heard[0].event == event
        (rendered,) = _renders(heard)
        assert rendered.edit_message_id == 100  # the confirmation message, never a new one
        check_message(rendered)
        shown.append((rendered.screen, rendered.text))
    assert [screen for screen, _ in shown] == [
        "job.queued", "job.generating", "job.generating", "job.delivering", "job.done"]
    assert "generating… 0:16" in shown[2][1] and "/menu" in shown[2][1]
    assert "8 credits charged" in shown[-1][1]
    # The progress is not a screen change: the menu the user is on keeps working.
    assert (chat.state.nonce, chat.state.screen) == (nonce, screen)
    chat.press(on_the_menu, message_id=200)
    assert chat.rejected() is None
    request = chat.state.request(job)
    assert request is not None and request.job == "done"


def test_progress_is_redrawn_only_every_step_and_a_repeat_records_nothing(registry: Registry) -> None:
    chat = Chat(registry, language_code="en", balance=50)
    job = _confirmed(chat, registry)
    chat.job("JobSubmitted", job, elapsed=1.0)
    assert chat.job("JobSubmitted", job, elapsed=1.0) == []
    assert chat.job("JobPolled", job, elapsed=PROGRESS_STEP - 1.0) == []
    first = chat.job("JobPolled", job, elapsed=PROGRESS_STEP + 1.0)
    assert len(_renders(first)) == 1
    assert chat.job("JobPolled", job, elapsed=PROGRESS_STEP + 1.0) == []
    assert chat.job("JobPolled", job, elapsed=2 * PROGRESS_STEP) == []
    second = _renders(chat.job("JobPolled", job, elapsed=2 * PROGRESS_STEP + 2.0))
    assert len(second) == 1 and second[0].dispatch_id != _renders(first)[0].dispatch_id
    chat.job("ResultDelivered", job, elapsed=50.0, message_ids=(7,))
    assert chat.job("JobPolled", job, elapsed=80.0) == []  # a poll reported after the end changes nothing


@pytest.mark.parametrize(("language", "reason", "words", "back", "retry"), [
    ("en", "generation_failed", "the generation failed at the provider", "8 credits reserved for it are back",
     "🔁 Try again"),
    ("en", "deadline", "it took longer than allowed", "nothing was charged", "🔁 Try again"),
    ("en", "kie_balance_empty", "temporarily unavailable", "are back on your balance", "🔁 Try again"),
    ("ru", "rejected_input", "провайдер не принял входные данные", "вернулись на баланс", "🔁 Попробовать снова"),
    ("ru", "unsubmitted", "связь с провайдером оборвалась", "ничего не списано", "🔁 Попробовать снова"),
])
def test_a_failure_says_what_happened_that_the_credits_are_back_and_offers_to_try_again(
    registry: Registry, language: str, reason: str, words: str, back: str, retry: str
) -> None:
    chat = Chat(registry, language_code=language, balance=50)
    job = _confirmed(chat, registry)
    chat.job("JobSubmitted", job)
    edited, note = _renders(chat.job("JobFailed", job, elapsed=30.0, reason=reason))
    assert edited.edit_message_id == 100 and edited.screen == "job.failed"
    assert note.edit_message_id is None and note.screen == "job.failed_note"
    assert words in note.text and back in note.text and job in note.text
    assert chat.has_button(retry)
    check_message(edited)
    check_message(note)
    # The ledger's void of a failed job says nothing more: the note said it.
    heard = chat.report("HoldVoided", job, 8, available=50, reason=reason)
    assert [type(event) for event in heard] == [BalanceSeen]


def test_try_again_reopens_the_same_order_as_a_new_confirmation_even_from_an_old_message(registry: Registry) -> None:
    chat = Chat(registry, language_code="en", balance=50)
    job = _confirmed(chat, registry)
    ordered = chat.state.request(job)
    assert ordered is not None and ordered.draft is not None
    chat.job("JobFailed", job, reason="generation_failed")
    retry = chat.button("🔁 Try again").data or ""
    chat.text("/balance")  # the nonce moves on: the note's button is now from an older screen
    chat.press(retry, message_id=300)
    assert chat.rejected() is None
    offered = [event for event in chat.last if isinstance(event, ConfirmationOffered)]
    assert len(offered) == 1 and offered[0].confirmation_id != job
    assert offered[0].params == ordered.draft.params and offered[0].credits == ordered.credits
    assert chat.screen.edit_message_id == 300 and chat.has_button("✅ Confirm")


def test_a_user_with_max_jobs_running_is_told_to_wait_and_can_confirm_when_one_ends(registry: Registry) -> None:
    chat = Chat(registry, language_code="en", balance=500, max_jobs=1)
    job = _confirmed(chat, registry)
    chat.job("JobSubmitted", job)
    _to_confirmation(chat, registry)
    confirm = chat.button("✅ Confirm").data or ""
    chat.press(confirm)
    assert chat.rejected() == "too_many_jobs"
    assert "1 generations running; at most 1 at once" in chat.screen.text
    assert not [event for event in chat.last if isinstance(event, GenerationRequested)]
    chat.job("ResultDelivered", job, elapsed=20.0)
    chat.press(confirm)
    assert chat.rejected() is None
    assert [event for event in chat.last if isinstance(event, GenerationRequested)]


def test_history_lists_orders_and_sends_a_delivered_result_again_or_repeats_it(registry: Registry) -> None:
    chat = Chat(registry, language_code="en", balance=500)
    done = _confirmed(chat, registry)
    chat.job("JobRequested", done, elapsed=0.5)
    chat.job("ResultDelivered", done, elapsed=30.0, message_ids=(501,))
    failed = _confirmed(chat, registry)
    chat.job("JobFailed", failed, reason="deadline")
    chat.text("/history")
    text = chat.screen.text
    assert text.index(failed) < text.index(done)  # newest first
    assert "✅ delivered" in text and "❌ failed, refunded" in text and "8 credits" in text and "UTC" in text
    assert chat.labels()[:5] == ["🔁 Repeat 1", "💡 Price 1", "📤 Send again 2", "🔁 Repeat 2", "💡 Price 2"]
    check_message(chat.screen)

    chat.tap("📤 Send again 2")
    assert chat.rejected() is None
    assert [event for event in chat.last if isinstance(event, ResultResendRequested)] == [
        ResultResendRequested(job_id=done)]
    assert "Sending the result again" in chat.screen.text

    chat.tap("🔁 Repeat 1")
    assert chat.rejected() is None and chat.has_button("✅ Confirm")


def test_a_forged_resend_of_an_undelivered_order_is_refused(registry: Registry) -> None:
    chat = Chat(registry, language_code="en", balance=500)
    job = _confirmed(chat, registry)
    chat.job("JobFailed", job, reason="deadline")
    chat.text("/history")
    chat.press(f"1.{_base36(chat.state.nonce)}.rs.{job}")
    assert chat.rejected() == "not_resendable"
    assert not [event for event in chat.last if isinstance(event, ResultResendRequested)]
    chat.press(f"1.{_base36(chat.state.nonce)}.re.ffffffffff")
    assert chat.rejected() == "unknown_order"


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, digit = divmod(number, 36)
        out = digits[digit] + out
        if not number:
            return out


def test_why_this_price_names_the_quote_the_hold_and_the_charge_or_the_refund(registry: Registry) -> None:
    chat = Chat(registry, language_code="en", balance=500)
    done = _confirmed(chat, registry)
    chat.job("ResultDelivered", done, elapsed=30.0, message_ids=(501,))
    on_done = chat.button("💡 Why this price").data or ""  # on the finished order's message
    failed = _confirmed(chat, registry)
    chat.job("JobFailed", failed, elapsed=20.0, reason="deadline")
    ordered = chat.state.request(done)
    rule = ordered.rule if ordered is not None else ""
    chat.text("/menu")  # the buttons are older now: they still work (they name their order)
    chat.press(on_done, message_id=120)
    assert chat.rejected() is None and chat.screen.edit_message_id == 120
    text = chat.screen.text
    assert "Why 8 credits" in text and done in text and f"rule «{rule}»" in text and rule
    assert "8 credits reserved on" in text and "8 credits charged on" in text and "delivered" in text
    check_message(chat.screen)
    chat.text("/history")
    chat.tap("💡 Price 1")
    assert "8 credits returned on" in chat.screen.text and "it took longer than allowed" in chat.screen.text
    chat.press(f"1.0.wp.{'f' * 10}")
    assert chat.rejected() == "unknown_order"


def test_the_holds_news_arriving_after_the_jobs_never_draws_over_its_progress(registry: Registry) -> None:
    chat = Chat(registry, language_code="en", balance=50)
    _to_confirmation(chat, registry)
    chat.tap("✅")
    job = [event for event in chat.events if isinstance(event, GenerationRequested)][-1].confirmation_id
    chat.job("JobRequested", job, elapsed=0.1)
    chat.job("ResultDelivered", job, elapsed=0.5, message_ids=(7,))
    assert chat.screen.screen == "job.done"
    heard = chat.settle()  # the ledger's HoldPlaced (and what follows) only now
    assert any(isinstance(event, BalanceSeen) and event.event == "HoldPlaced" for event in heard)
    assert not [event for event in heard if isinstance(event, UiRendered) and event.screen == "order.reserved"]
