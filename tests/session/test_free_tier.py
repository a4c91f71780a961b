"""The free tier in the session: what the screens say is left today, the free confirmation, and the ledger's rule.

The session counts the free orders it remembers, the ledger the free holds it
placed; both with :func:`trt_actors.free_tier.free_left`. These tests drive a
chat and its user's ledger (the real pure deciders) and check that the list,
the card, the confirmation and the ledger never disagree.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry import Registry
from tests.session.chat import Chat
from tests.session.checks import check_message
from tests.session.test_wizard import answer_step
from trt_actors.events.ledger import HoldPlaced, HoldRejected
from trt_actors.events.session import ConfirmationOffered, GenerationRequested
from trt_actors.free_tier import FreeTier
from trt_actors.ledger import Capture, GrantFree, Reserve, Void
from trt_actors.session import SessionDecider
from trt_actors.session.texts import Texts

FREE_MODEL = "z-image"


def _list_label(chat: Chat, registry: Registry) -> str:
    """The free model's button on its category list, reached from the menu."""
    model = registry.model(FREE_MODEL)
    texts = Texts.of(chat.state.language or chat.language_code or "ru")
    chat.text("/menu")
    chat.tap(texts.category(model.category))
    name = getattr(model.name, texts.language)
    labels = [label for label in chat.labels() if label.startswith(f"{name} · ")]
    assert len(labels) == 1, chat.labels()
    return labels[0]


def _left_on_list(chat: Chat, registry: Registry) -> int | None:
    """What the list says is left today (None: it shows the price instead)."""
    found = re.search(r"\((\d+) (?:left today|осталось)|осталось (\d+) сегодня", _list_label(chat, registry))
    return None if found is None else int(found[1] or found[2])


def _to_confirmation(chat: Chat, registry: Registry) -> ConfirmationOffered:
    label = _list_label(chat, registry)
    chat.tap(label)
    assert chat.screen.screen == "model"
    chat.tap(Texts.of(chat.state.language).plain("btn.start"))
    for _ in range(10):
        if chat.screen.screen == "confirm":
            break
        answer_step(chat)
    assert chat.screen.screen == "confirm"
    check_message(chat.screen)
    offered = [event for event in chat.events if isinstance(event, ConfirmationOffered)]
    return offered[-1]


def _confirm(chat: Chat) -> GenerationRequested:
    chat.tap("✅")
    asked = [event for event in chat.last if isinstance(event, GenerationRequested)]
    assert len(asked) == 1, chat.last
    return asked[0]


def _settle_hold(chat: Chat, hold_id: str, outcome: str) -> None:
    """The job's end, as the ledger hears it: capture (success) or void (failure); the session hears the report."""
    books = chat.books
    command = Capture(user_id=chat.chat_id, hold_id=hold_id, amount=books.state.holds[hold_id].amount) \
        if outcome == "captured" else Void(user_id=chat.chat_id, hold_id=hold_id, reason="kie_failed")
    for event in books.run(command):
        chat.send(books.report(event, chat_id=chat.chat_id, cid=chat.commands[-1].cid, ts=chat.now()))


@pytest.mark.parametrize("language", ["en", "ru"])
def test_a_free_model_is_offered_free_while_free_generations_are_left(registry: Registry, language: str) -> None:
    chat = Chat(registry, language_code=language, balance=10, free=FreeTier(per_day=2), max_jobs=10)
    texts = Texts.of(language)
    assert "🎁" in _list_label(chat, registry) and _left_on_list(chat, registry) == 2
    offered = _to_confirmation(chat, registry)
    assert offered.credits == 0 and offered.free_day == FreeTier().day(chat.now())
    assert texts.plain("btn.confirm_free") in chat.labels()
    assert ("2 free left today" if language == "en" else "осталось 2 бесплатных") in chat.screen.text
    asked = _confirm(chat)
    assert (asked.credits, asked.free_day, asked.free_per_day) == (0, offered.free_day, 2)
    assert asked.quote.credits == registry.quote(FREE_MODEL, {p.name: p.value for p in asked.params}).credits
    heard = chat.settle()
    placed = [event for event in chat.books.events if isinstance(event, HoldPlaced)]
    assert [(hold.amount, hold.free_day) for hold in placed] == [(0, offered.free_day)]
    assert chat.books.state.available == 10 and chat.state.balance == 10
    assert texts.plain("price.free") in chat.renders(heard)[-1].text
    assert _left_on_list(chat, registry) == 1


@pytest.mark.parametrize("language", ["en", "ru"])
def test_once_the_days_free_generations_are_taken_the_price_applies(registry: Registry, language: str) -> None:
    chat = Chat(registry, language_code=language, balance=10, free=FreeTier(per_day=1), max_jobs=10)
    texts = Texts.of(language)
    _to_confirmation(chat, registry)
    _confirm(chat)
    chat.settle()
    assert _left_on_list(chat, registry) is None  # the list shows the price again
    chat.tap(_list_label(chat, registry))
    assert texts.say("model.free_used") in chat.screen.text
    offered = _to_confirmation(chat, registry)
    price = registry.quote(FREE_MODEL, {p.name: p.value for p in offered.params}).credits
    assert (offered.credits, offered.free_day) == (price, "")
    assert texts.plain("btn.confirm", price=texts.credits(price)) in chat.labels()
    _confirm(chat)
    chat.settle()
    assert chat.books.state.available == 10 - price


def test_a_failed_free_generation_gives_the_free_use_back_and_a_success_consumes_it(registry: Registry) -> None:
    chat = Chat(registry, language_code="en", balance=10, free=FreeTier(per_day=1), max_jobs=10)
    _to_confirmation(chat, registry)
    failed = _confirm(chat)
    chat.settle()
    assert _left_on_list(chat, registry) is None
    _settle_hold(chat, failed.confirmation_id, "voided")
    assert _left_on_list(chat, registry) == 1
    _to_confirmation(chat, registry)
    succeeded = _confirm(chat)
    chat.settle()
    _settle_hold(chat, succeeded.confirmation_id, "captured")
    assert _left_on_list(chat, registry) is None
    assert chat.books.state.available == 10 and chat.books.state.captured == 0


def test_the_day_turns_in_the_configured_time_zone(registry: Registry) -> None:
    tier = FreeTier(per_day=1, timezone="Europe/Moscow")
    chat = Chat(registry, language_code="en", balance=10, free=tier, max_jobs=10)
    # 1_700_000_000 is 2023-11-14 22:13 UTC, already 2023-11-15 01:13 in Moscow (UTC+3)
    assert tier.day(chat.now()) == "2023-11-15" and FreeTier().day(chat.now()) == "2023-11-14"
    _to_confirmation(chat, registry)
    _confirm(chat)
    chat.settle()
    assert _left_on_list(chat, registry) is None
    chat.wait(21 * 3600)  # 22:xx in Moscow: still the same day there
    assert _left_on_list(chat, registry) is None
    chat.wait(3 * 3600)  # past midnight in Moscow
    assert _left_on_list(chat, registry) == 1


def test_a_free_confirmation_no_longer_free_at_the_tap_is_offered_again_at_its_price(registry: Registry) -> None:
    chat = Chat(registry, language_code="en", balance=10, free=FreeTier(per_day=1), max_jobs=10)
    offered = _to_confirmation(chat, registry)
    assert offered.credits == 0
    chat.decider = SessionDecider(registry, max_jobs=10)  # the owner turned the free tier off meanwhile
    chat.tap("✅")
    assert chat.rejected() == "price_changed"
    again = [event for event in chat.last if isinstance(event, ConfirmationOffered)]
    assert len(again) == 1 and again[0].credits > 0 and not again[0].free_day
    assert Texts.of("en").say("notice.free_used_up") in chat.screen.text
    assert not any(isinstance(event, GenerationRequested) for event in chat.last)


def test_the_ledger_refusing_a_free_order_brings_it_back_at_its_price(registry: Registry) -> None:
    chat = Chat(registry, language_code="en", balance=10, free=FreeTier(per_day=1), max_jobs=10)
    _to_confirmation(chat, registry)
    first = _confirm(chat)
    # another device's order took today's free generation first: the ledger knows, this session does not
    chat.books.run(Reserve(user_id=chat.chat_id, hold_id="other-device", amount=0, quote=first.quote,
                           expires_at=first.expires_at, free_day=first.free_day, free_per_day=first.free_per_day))
    chat.settle()
    refused = [event for event in chat.books.events if isinstance(event, HoldRejected)]
    assert [event.reason for event in refused] == ["free_used_up"]
    assert chat.screen.screen == "confirm" and chat.screen.edit_message_id == 100
    offered = [event for event in chat.last if isinstance(event, ConfirmationOffered)]
    assert len(offered) == 1 and offered[0].credits > 0 and not offered[0].free_day
    assert Texts.of("en").say("notice.free_used_up") in chat.screen.text


_STEPS = st.lists(st.sampled_from(["order", "order_later", "settle", "fail", "succeed", "hours"]),
                  min_size=1, max_size=14)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=_STEPS, per_day=st.integers(min_value=1, max_value=3), hours=st.integers(min_value=1, max_value=30))
def test_the_screens_the_confirmation_and_the_ledger_never_disagree(
        registry: Registry, steps: list[str], per_day: int, hours: int) -> None:
    tier = FreeTier(per_day=per_day)
    chat = Chat(registry, language_code="en", balance=100, free=tier, max_jobs=1000)
    for step in steps:
        if step in ("order", "order_later"):
            shown = _left_on_list(chat, registry)
            offered = _to_confirmation(chat, registry)
            # the list, the confirmation and the rule the session applies agree
            assert (offered.credits == 0) == (shown is not None and shown > 0)
            if offered.free_day:
                assert f"{shown} free left today" in chat.screen.text
            _confirm(chat)
            if step == "order":
                chat.settle()
        elif step == "settle":
            chat.settle()
        elif step in ("fail", "succeed"):
            chat.settle()
            pending = [hold_id for hold_id, hold in chat.books.state.pending().items()]
            if pending:
                _settle_hold(chat, pending[0], "captured" if step == "succeed" else "voided")
        else:
            chat.wait(hours * 3600)
        # a free order the session offered free is never refused by the ledger
        assert not [event for event in chat.books.events
                    if isinstance(event, HoldRejected) and event.reason == "free_used_up"]
    chat.settle()
    today = tier.day(chat.now())
    shown = _left_on_list(chat, registry)
    assert (shown or 0) == tier.left(chat.books.state.free_days(), today) == tier.left(chat.state.free_days(), today)


def test_granted_free_generations_are_offered_once_the_days_are_taken(registry: Registry) -> None:
    from trt_actors.free_tier import BONUS

    chat = Chat(registry, language_code="en", balance=10, free=FreeTier(per_day=1), max_jobs=10)
    chat.books.run(GrantFree(user_id=chat.chat_id, grant_id="referral:42:free", count=1, reason="referral"))
    granted = chat.books.events[-1]
    chat.send(chat.books.report(granted, chat_id=chat.chat_id, cid="ledger", ts=chat.now()))
    assert chat.state.free_granted == 1 and _left_on_list(chat, registry) == 2
    days = []
    for _ in range(3):
        offered = _to_confirmation(chat, registry)
        days.append(offered.free_day)
        _confirm(chat)
        chat.settle()
    assert days == [FreeTier().day(chat.now()), BONUS, ""]
    assert not [event for event in chat.books.events if isinstance(event, HoldRejected)
                and event.reason == "free_used_up"]


def test_without_a_daily_free_tier_granted_generations_still_count(registry: Registry) -> None:
    chat = Chat(registry, language_code="en", balance=10, max_jobs=10)  # FREE_PER_DAY=0
    chat.books.run(GrantFree(user_id=chat.chat_id, grant_id="referral:42:free", count=1, reason="referral"))
    chat.send(chat.books.report(chat.books.events[-1], chat_id=chat.chat_id, cid="ledger", ts=chat.now()))
    offered = _to_confirmation(chat, registry)
    assert offered.credits == 0 and offered.free_day == "bonus"
