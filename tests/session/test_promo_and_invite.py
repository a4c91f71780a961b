"""Promo codes and "Invite friends" in the session: what is recorded, what the user reads, in both languages."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from registry import Registry
from tests.session.chat import Chat
from tests.session.checks import check_message
from trt_actors.events import UiRendered
from trt_actors.events.promo import PromoEntered
from trt_actors.events.session import BalanceSeen, FriendJoined, PromoAnswered
from trt_actors.invitations import Invitations
from trt_actors.session import FriendReported, PromoReported, SessionDecider
from trt_actors.session.texts import Texts


def _report(chat: Chat, outcome: str, reason: str = "", operation_id: str = "promo:SPRING/e1/0") -> list[object]:
    return list(chat.send(PromoReported(chat_id=chat.chat_id, user_id=chat.chat_id, cid=chat.commands[-1].cid,
                                        update_id=0, ts=chat.now(), code="SPRING", outcome=outcome,
                                        operation_id=operation_id, reason=reason, credits=50 if not reason else 0)))


@pytest.mark.parametrize("language", ["en", "ru"])
def test_a_promo_code_is_asked_for_once_typed_and_its_refusal_is_said(registry: Registry, language: str) -> None:
    chat = Chat(registry, language_code=language)
    texts = Texts.of(language)
    chat.text("/balance")
    chat.tap(texts.plain("btn.promo"))
    assert chat.screen.screen == "promo" and texts.say("promo.prompt") in chat.screen.text
    chat.text("  spring ")
    assert [event for event in chat.last if isinstance(event, PromoEntered)] == [PromoEntered(code="SPRING")]
    assert chat.screen.screen == "balance" and "SPRING" in chat.screen.text
    refused = _report(chat, "refused", "expired")
    assert [type(event).__name__ for event in refused] == ["PromoAnswered", "UiRendered"]
    message = refused[-1]
    assert isinstance(message, UiRendered) and message.edit_message_id is None
    assert message.text == texts.say("promo.refused_expired", code="SPRING")
    check_message(message)
    assert _report(chat, "refused", "expired") == []  # the reactor delivered it again: nothing more


def test_a_redeemed_code_is_said_by_the_ledgers_credit_not_twice(registry: Registry) -> None:
    chat = Chat(registry, language_code="en", balance=0)
    chat.text("/promo SPRING")
    redeemed = _report(chat, "redeemed", operation_id="promo:SPRING/e2/0")
    assert [type(event) for event in redeemed] == [PromoAnswered]
    heard = chat.report("Credited", "promo:SPRING:42", 50, 50, reason="promo")
    assert isinstance(heard[0], BalanceSeen) and heard[0].change == 50
    assert "Promo code <code>SPRING</code>: <b>+50 credits</b>" in chat.renders(heard)[-1].text
    chat.text("/balance")
    assert "🎟 Promo code: +50" in chat.screen.text


def test_a_promo_command_without_a_code_opens_the_promo_screen(registry: Registry) -> None:
    chat = Chat(registry, language_code="en")
    chat.text("/promo")
    assert chat.screen.screen == "promo"
    assert not [event for event in chat.last if isinstance(event, PromoEntered)]


@pytest.mark.parametrize("language", ["en", "ru"])
def test_invite_friends_shows_the_link_the_bonus_and_what_it_earned(registry: Registry, language: str) -> None:
    chat = Chat(registry, language_code=language)
    chat.decider = SessionDecider(registry, invitations=Invitations(bot_username="trt_shop_bot", bonus=50))
    texts = Texts.of(language)
    chat.text("/start")
    chat.tap(texts.plain("btn.invite"))
    link = "https://t.me/trt_shop_bot?start=ref_42"
    assert chat.screen.screen == "invite" and f"<code>{link}</code>" in chat.screen.text
    assert texts.say("invite.bonus", bonus=texts.credits(50)) in chat.screen.text
    assert texts.say("invite.counts", invited=0, paid=0, earned=texts.credits(0)) in chat.screen.text
    share = next(button.url for row in chat.screen.buttons for button in row if button.url)
    assert share is not None and parse_qs(urlsplit(share).query)["url"] == [link]
    for friend in (7, 8, 7):  # the second report of 7 is the reactor delivering again
        chat.send(FriendReported(chat_id=42, user_id=42, cid=f"friend-{friend}", update_id=0, ts=chat.now(),
                                 friend_id=friend))
    assert [e.friend_id for e in chat.events if isinstance(e, FriendJoined)] == [7, 8]
    chat.report("Credited", "referral:7:inviter", 50, 150, reason="referral")
    chat.text("/invite")
    assert texts.say("invite.counts", invited=2, paid=1, earned=texts.credits(50)) in chat.screen.text
    check_message(chat.screen)


def test_without_the_bots_username_the_link_is_not_promised(registry: Registry) -> None:
    chat = Chat(registry, language_code="en")
    chat.text("/invite")
    assert Texts.of("en").say("invite.not_ready") in chat.screen.text
    assert not any(button.url for row in chat.screen.buttons for button in row)
    assert Texts.of("en").say("invite.no_bonus") in chat.screen.text
