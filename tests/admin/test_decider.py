"""The admin desk's pure decider: what each ask records, and every refusal recorded with nothing else, in both
languages."""

from __future__ import annotations

import pytest

from trt_actors.admin.commands import ActionReport, AdminTap, AdminText, DeskCommand
from trt_actors.admin.decider import DeskDecider
from trt_actors.admin.state import DeskState
from trt_actors.admin.texts import CATALOGUES
from trt_actors.events import Event, UiRendered
from trt_actors.events.admin import (
    AdjustmentAsked,
    AdminActionReported,
    AdminInputRejected,
    AdminPrompted,
    BroadcastAsked,
    BroadcastPreviewed,
    PaymentLine,
    RefundAsked,
    UserProfile,
)
from trt_actors.runtime.decider import fold

DECIDER = DeskDecider()
ANN = UserProfile(user_id=42, found=True, username="ann", available=120,
                  payments=(PaymentLine(credit_id="topup:t1", stars=50, credits=100, charge_id="ch1"),))


class Desk:
    def __init__(self, language: str = "en") -> None:
        self.state: DeskState = DECIDER.initial_state()
        self.language = language
        self.n = 0

    def send(self, command: DeskCommand) -> list[Event]:
        events = DECIDER.decide(self.state, command)
        self.state = fold(DECIDER, self.state, events)
        return events

    def text(self, text: str, profile: UserProfile | None = None) -> list[Event]:
        self.n += 1
        return self.send(AdminText(admin_id=7, chat_id=7, cid=f"c{self.n}", update_id=self.n, ts=1e9 + self.n,
                                   language_code=self.language, text=text, profile=profile))

    def tap(self, data: str) -> list[Event]:
        self.n += 1
        return self.send(AdminTap(admin_id=7, chat_id=7, cid=f"c{self.n}", update_id=self.n, ts=1e9 + self.n,
                                  language_code=self.language, callback_query_id="q", data=data))


def _kinds(events: list[Event]) -> list[str]:
    return [type(event).__name__ for event in events if not isinstance(event, AdminPrompted)]


def _screen(events: list[Event]) -> UiRendered:
    rendered = [event for event in events if isinstance(event, UiRendered)]
    assert len(rendered) == 1
    return rendered[0]


def test_both_catalogues_have_the_same_keys() -> None:
    assert CATALOGUES["en"].keys() == CATALOGUES["ru"].keys()


@pytest.mark.parametrize(("language", "title"), [("en", "Admin desk"), ("ru", "Панель администратора")])
def test_the_menu_in_the_admins_language(language: str, title: str) -> None:
    screen = _screen(Desk(language).text("/admin"))
    assert screen.screen == "admin.menu" and screen.dispatch_id == "c1/0"
    assert title in screen.text
    assert all(button.data and button.data.startswith("a.") for row in screen.buttons for button in row)


@pytest.mark.parametrize(("text", "profile", "reason"), [
    ("/admin adjust 42 +50", ANN, "no_reason"),
    ("/admin adjust 42 +0 nothing", ANN, "bad_amount"),
    ("/admin adjust 42 -500 too much", ANN, "insufficient"),
    ("/admin adjust 43 +5 who", UserProfile(user_id=43, found=False), "unknown_user"),
    ("/admin refund 42 topup:nope", ANN, "unknown_payment"),
    ("/admin block 42", ANN, "no_reason"),
    ("/admin promo SP!NG 5 5 5", None, "bad_code"),
    ("/admin promo SPRING 0 5 5", None, "bad_promo"),
    ("/admin broadcast <b>x</i>", None, "bad_html"),
    ("/admin frobnicate", None, "unknown_command"),
    ("hello", None, "no_prompt"),
])
def test_bad_input_is_refused_recorded_and_nothing_else(text: str, profile: UserProfile | None, reason: str) -> None:
    events = Desk().text(text, profile)
    assert _kinds(events) == ["AdminInputRejected", "UiRendered"]
    refused = events[-2]
    assert isinstance(refused, AdminInputRejected) and refused.reason_code == reason and refused.admin_id == 7


def test_a_refund_of_spent_credits_is_refused() -> None:
    spent = UserProfile(user_id=42, found=True, available=60, payments=ANN.payments)
    events = Desk().text("/admin refund 42 topup:t1", spent)
    assert [e.reason_code for e in events if isinstance(e, AdminInputRejected)] == ["spent"]


def test_requests_name_the_admin_and_take_their_ids_from_the_cid() -> None:
    desk = Desk()
    adjusted = desk.text("/admin adjust 42 -20 duplicate bonus", ANN)
    refund = desk.text("/admin refund 42 topup:t1", ANN)
    asked = [e for e in adjusted + refund if isinstance(e, AdjustmentAsked | RefundAsked)]
    assert [(type(e).__name__, e.admin_id, e.user_id) for e in asked] == [("AdjustmentAsked", 7, 42),
                                                                         ("RefundAsked", 7, 42)]
    assert isinstance(asked[0], AdjustmentAsked) and (asked[0].amount, asked[0].reason) == (-20, "duplicate bonus")
    assert isinstance(asked[1], RefundAsked) and (asked[1].credit_id, asked[1].amount) == ("topup:t1", 100)


def test_a_broadcast_is_previewed_then_sent_once_and_a_stale_send_is_refused() -> None:
    desk = Desk()
    preview = desk.text("/admin broadcast <b>News</b>")
    previewed = next(e for e in preview if isinstance(e, BroadcastPreviewed))
    screen = _screen(preview)
    send = next(b.data for row in screen.buttons for b in row if b.data and b.data.startswith("a.bo."))
    assert send == f"a.bo.{previewed.broadcast_id}"
    sent = desk.tap(send)
    assert [e.text for e in sent if isinstance(e, BroadcastAsked)] == ["<b>News</b>"]
    again = desk.tap(send)
    assert [e.reason_code for e in again if isinstance(e, AdminInputRejected)] == ["stale"]


def test_a_prompt_takes_the_next_text_and_is_closed_by_it() -> None:
    desk = Desk()
    desk.tap("a.aj.42")
    assert (desk.state.prompt, desk.state.subject) == ("adjust", 42)
    events = desk.text("+15 goodwill", ANN)
    assert [(e.amount, e.reason) for e in events if isinstance(e, AdjustmentAsked)] == [(15, "goodwill")]
    assert desk.state.prompt == ""


def test_a_report_is_recorded_and_told_under_its_own_dispatch_id() -> None:
    desk = Desk()
    desk.text("/admin")
    events = desk.send(ActionReport(admin_id=7, chat_id=7, cid="c9", ts=1e9, action="adjustment",
                                    operation_id="adjust:ab", outcome="Credited", available=170))
    assert [type(e) for e in events] == [AdminActionReported, UiRendered]
    screen = _screen(events)
    assert screen.dispatch_id.startswith("c9/admin.") and "170" in screen.text


def test_a_known_model_is_switched_and_an_unknown_one_refused() -> None:
    from trt_actors.events.admin import ModelSwitched

    decider = DeskDecider(frozenset({"z-image"}))  # the desk switches only the models it is given
    state = decider.initial_state()
    off = decider.decide(state, AdminText(admin_id=7, chat_id=7, cid="c1", update_id=1, ts=1e9, language_code="en",
                                          text="/admin model z-image off"))
    assert [e for e in off if isinstance(e, ModelSwitched)] == [ModelSwitched(admin_id=7, model_id="z-image",
                                                                              enabled=False)]
    unknown = decider.decide(state, AdminText(admin_id=7, chat_id=7, cid="c2", update_id=2, ts=1e9,
                                              language_code="en", text="/admin model nope on"))
    assert [e.reason_code for e in unknown if isinstance(e, AdminInputRejected)] == ["unknown_model"]


def test_the_preview_of_a_broadcast_of_telegrams_full_length_stays_within_it() -> None:
    from trt_actors.broadcast import html_problem

    text = "x" * 4096
    screen = _screen(Desk().text(f"/admin broadcast {text}"))
    assert html_problem(screen.text) is None and text in screen.text
    assert any(b.data and b.data.startswith("a.bo.") for row in screen.buttons for b in row)
