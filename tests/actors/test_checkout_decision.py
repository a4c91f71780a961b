"""The pre-checkout answer: only what the payload, the configured packages and the ledger say."""

from __future__ import annotations

import pytest

from trt_actors.actors.checkout import decide_pre_checkout, refusal_text
from trt_actors.stars import StarsPackage, invoice_payload
from trt_actors.telegram import PreCheckoutQuery, User

PACKAGES = (StarsPackage(50, 100), StarsPackage(250, 550))
ANN = User(id=7, is_bot=False, first_name="Ann", language_code="ru")


def query(payload: str, amount: int = 250, currency: str = "XTR") -> PreCheckoutQuery:
    return PreCheckoutQuery(id="q1", from_=ANN, currency=currency, total_amount=amount, invoice_payload=payload)


def nothing_paid(topup_id: str) -> bool:
    return False


@pytest.mark.parametrize("topup", ["u7-t3f2a9c1b0d", "t-1"])  # made for the payer; an id naming nobody
def test_a_known_package_at_its_price_goes_through(topup: str) -> None:
    answer = decide_pre_checkout(query(invoice_payload(topup, PACKAGES[1])), PACKAGES, nothing_paid)
    assert (answer.ok, answer.topup_id, answer.stars, answer.credits, answer.reason) == (True, topup, 250, 550, "")


@pytest.mark.parametrize(
    ("the_query", "reason"),
    [
        (query("topup:250:550:t 1"), "unknown_payload"),  # forged: not one of ours
        (query("something else entirely"), "unknown_payload"),
        (query(invoice_payload("t-1", StarsPackage(250, 550)), currency="USD"), "wrong_currency"),
        (query(invoice_payload("t-1", StarsPackage(100, 9999)), amount=100), "package_gone"),
        (query(invoice_payload("t-1", StarsPackage(250, 550)), amount=1), "amount_mismatch"),
        (query(invoice_payload("u8-t1", StarsPackage(250, 550))), "not_yours"),  # made for user 8, forwarded to 7
    ],
)
def test_a_query_that_does_not_match_what_was_offered_is_refused(the_query: PreCheckoutQuery, reason: str) -> None:
    answer = decide_pre_checkout(the_query, PACKAGES, nothing_paid)
    assert (answer.ok, answer.reason) == (False, reason)


def test_a_top_up_the_ledger_already_credited_is_refused_and_the_ledgers_answer_recorded() -> None:
    answer = decide_pre_checkout(query(invoice_payload("t-1", PACKAGES[1])), PACKAGES, lambda topup: topup == "t-1")
    assert (answer.ok, answer.reason, answer.already_paid) == (False, "already_paid", True)


def test_refusals_speak_the_users_language() -> None:
    assert "пакета" in refusal_text("package_gone", "ru-RU")
    assert "package" in refusal_text("package_gone", "en")
    assert "другому" in refusal_text("not_yours", "ru") and "someone else" in refusal_text("not_yours", "en")
    assert refusal_text("no such reason", None) == refusal_text("unknown_payload", "en")
