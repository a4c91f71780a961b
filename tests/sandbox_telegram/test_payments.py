"""Telegram Stars: invoice checks, pre-checkout within 10 s, successful_payment, refund once, transactions."""

from __future__ import annotations

from typing import Any

import pytest
import trio

from trt_actors.sandbox.clock import VirtualClock
from trt_actors.sandbox.telegram import PaymentOutcome, TelegramEmulator

from .conftest import Api

INVOICE: dict[str, Any] = {
    "chat_id": 1001,
    "title": "100 credits",
    "description": "Top up your balance",
    "payload": "topup:100:abc",
    "currency": "XTR",
    "prices": [{"label": "100 credits", "amount": 50}],
}


async def _paying(ann: Any, outcomes: list[PaymentOutcome]) -> None:
    outcomes.append(await ann.pay())


async def test_full_payment_and_refund(emu: TelegramEmulator, api: Api) -> None:
    ann = emu.user(1001, "Ann")
    invoice = await api.ok("sendInvoice", **INVOICE, provider_token="")
    assert invoice["invoice"] == {"title": "100 credits", "description": "Top up your balance",
                                  "start_parameter": "", "currency": "XTR", "total_amount": 50}
    record = ann.last_message()
    assert record.kind == "invoice" and record.invoice is not None and record.invoice.payload == "topup:100:abc"
    assert record.buttons[0][0].pay
    outcomes: list[PaymentOutcome] = []
    async with trio.open_nursery() as nursery:
        nursery.start_soon(_paying, ann, outcomes)
        [update] = await api.ok("getUpdates", timeout=5, allowed_updates=["message", "pre_checkout_query"])
        query = update["pre_checkout_query"]
        assert (query["currency"], query["total_amount"], query["invoice_payload"]) == ("XTR", 50, "topup:100:abc")
        assert query["from"]["id"] == 1001
        await api.ok("answerPreCheckoutQuery", pre_checkout_query_id=query["id"], ok=True)
    [outcome] = outcomes
    assert outcome.status == "paid" and outcome.telegram_payment_charge_id
    [paid] = await api.ok("getUpdates", offset=update["update_id"] + 1)
    payment = paid["message"]["successful_payment"]
    assert payment["telegram_payment_charge_id"] == outcome.telegram_payment_charge_id
    assert (payment["currency"], payment["total_amount"], payment["invoice_payload"]) == ("XTR", 50, "topup:100:abc")
    assert await api.ok("getMyStarBalance") == {"amount": 50}

    charge = outcome.telegram_payment_charge_id
    assert await api.ok("refundStarPayment", user_id=1001, telegram_payment_charge_id=charge) is True
    assert await api.fails("refundStarPayment", user_id=1001, telegram_payment_charge_id=charge) == (
        "Bad Request: CHARGE_ALREADY_REFUNDED"
    )
    assert await api.fails("refundStarPayment", user_id=1001, telegram_payment_charge_id="nope") == (
        "Bad Request: CHARGE_NOT_FOUND"
    )
    [refunded] = await api.ok("getUpdates", offset=paid["update_id"] + 1)
    assert refunded["message"]["refunded_payment"]["telegram_payment_charge_id"] == charge
    transactions = (await api.ok("getStarTransactions"))["transactions"]
    assert [(t["id"], t["amount"], "source" in t, "receiver" in t) for t in transactions] == [
        (charge, 50, True, False),
        (charge, 50, False, True),
    ]
    assert transactions[0]["source"]["user"]["id"] == 1001
    assert await api.ok("getMyStarBalance") == {"amount": 0}


async def test_second_payment_gets_a_fresh_charge_id(emu: TelegramEmulator, api: Api) -> None:
    ann = emu.user(1001, "Ann")
    await api.ok("sendInvoice", **INVOICE)
    charges = []
    for _ in range(2):
        outcomes: list[PaymentOutcome] = []
        async with trio.open_nursery() as nursery:
            nursery.start_soon(_paying, ann, outcomes)
            updates = await api.ok("getUpdates", timeout=5, allowed_updates=["message", "pre_checkout_query"])
            query = updates[-1]["pre_checkout_query"]
            await api.ok("answerPreCheckoutQuery", pre_checkout_query_id=query["id"], ok=True)
            await api.ok("getUpdates", offset=updates[-1]["update_id"] + 1)
        charges.append(outcomes[0].telegram_payment_charge_id)
    assert charges[0] != charges[1]


async def test_declined_and_timed_out_payments(emu: TelegramEmulator, api: Api, clock: VirtualClock) -> None:
    ann = emu.user(1001, "Ann")
    await api.ok("sendInvoice", **INVOICE)
    outcomes: list[PaymentOutcome] = []
    async with trio.open_nursery() as nursery:
        nursery.start_soon(_paying, ann, outcomes)
        [update] = await api.ok("getUpdates", timeout=5)
        query_id = update["pre_checkout_query"]["id"]
        assert await api.fails("answerPreCheckoutQuery", pre_checkout_query_id=query_id, ok=False) == (
            "Bad Request: error_message is required when ok is False"
        )
        await api.ok("answerPreCheckoutQuery", pre_checkout_query_id=query_id, ok=False, error_message="Sold out")
    assert outcomes[-1] == PaymentOutcome("declined", query_id, error_message="Sold out")

    async with trio.open_nursery() as nursery:
        nursery.start_soon(_paying, ann, outcomes)
        [late] = await api.ok("getUpdates", offset=update["update_id"] + 1, timeout=5)
        await clock.advance(10)
    assert outcomes[-1].status == "timeout" and outcomes[-1].error_message == "BOT_PRECHECKOUT_TIMEOUT"
    assert await api.fails("answerPreCheckoutQuery", pre_checkout_query_id=late["pre_checkout_query"]["id"], ok=True) == (
        "Bad Request: query is too old and response timeout expired or query ID is invalid"
    )
    assert emu.star_transactions() == []


async def test_pre_checkout_not_in_allowed_updates_times_out(emu: TelegramEmulator, api: Api, clock: VirtualClock) -> None:
    ann = emu.user(1001, "Ann")
    await api.ok("sendInvoice", **INVOICE)
    assert await api.ok("getUpdates", allowed_updates=["message", "callback_query"]) == []
    outcomes: list[PaymentOutcome] = []
    async with trio.open_nursery() as nursery:
        nursery.start_soon(_paying, ann, outcomes)
        await trio.testing.wait_all_tasks_blocked()
        assert await api.ok("getUpdates") == []  # the query is dropped, as Telegram does
        await clock.advance(10)
    assert outcomes[0].status == "timeout"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"currency": "USD"}, "CURRENCY_INVALID"),
        ({"provider_token": "284685063:TEST:abc"}, "PAYMENT_PROVIDER_INVALID"),
        ({"prices": [{"label": "a", "amount": 1}, {"label": "b", "amount": 2}]}, "STARS_INVOICE_INVALID"),
        ({"prices": [{"label": "a", "amount": 0}]}, "STARS_INVOICE_INVALID"),
        ({"title": "t" * 33}, "INVOICE_TITLE_INVALID"),
        ({"payload": "p" * 129}, "INVOICE_PAYLOAD_INVALID"),
        ({"max_tip_amount": 5}, "STARS_INVOICE_INVALID"),
    ],
)
async def test_invoice_checks(emu: TelegramEmulator, api: Api, change: dict[str, Any], reason: str) -> None:
    emu.user(1001, "Ann")
    assert await api.fails("sendInvoice", **{**INVOICE, **change}) == f"Bad Request: {reason}"


async def test_create_invoice_link(api: Api) -> None:
    params = {key: value for key, value in INVOICE.items() if key != "chat_id"}
    link = await api.ok("createInvoiceLink", **params)
    assert link.startswith("https://t.me/$")
