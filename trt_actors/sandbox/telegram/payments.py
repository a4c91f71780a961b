"""Telegram Stars: invoices, the pre-checkout handshake, charges, refunds and the bot's Stars ledger.

The flow a simulated user drives with :meth:`TelegramUser.pay`:

1. the bot sent an invoice (``sendInvoice``: currency ``XTR``, exactly one price,
   empty or absent ``provider_token``);
2. the user pays: a ``pre_checkout_query`` update is queued and the emulator waits
   up to 10 s (emulator clock) for ``answerPreCheckoutQuery``;
3. on ``ok=true`` the chat gets a user message with ``successful_payment`` and a fresh
   ``telegram_payment_charge_id``, queued as a ``message`` update.

``refundStarPayment`` refunds a charge once (a second time fails with
``CHARGE_ALREADY_REFUNDED``) and queues a ``refunded_payment`` service message;
``getStarTransactions`` lists payments and refunds, oldest first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import trio

from trt_actors.sandbox.clock import Clock
from trt_actors.sandbox.telegram.chats import Chat, StoredMessage
from trt_actors.sandbox.telegram.errors import BotApiError
from trt_actors.sandbox.telegram.records import PaymentOutcome, StarTransactionRecord
from trt_actors.sandbox.telegram.updates import UpdateQueue

__all__ = ["PRE_CHECKOUT_DEADLINE", "Payments", "check_invoice"]

PRE_CHECKOUT_DEADLINE = 10.0
_QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"


def check_invoice(params: dict[str, Any]) -> dict[str, Any]:
    """Validate a Stars invoice (``sendInvoice``/``createInvoiceLink``); return the ``Invoice`` object."""
    if params.get("provider_token"):
        raise BotApiError.bad_request("PAYMENT_PROVIDER_INVALID")
    if params.get("currency") != "XTR":
        raise BotApiError.bad_request("CURRENCY_INVALID")
    if not 1 <= len(params.get("title", "")) <= 32:
        raise BotApiError.bad_request("INVOICE_TITLE_INVALID")
    if not 1 <= len(params.get("description", "")) <= 255:
        raise BotApiError.bad_request("INVOICE_DESCRIPTION_INVALID")
    if not 1 <= len(str(params.get("payload", "")).encode("utf-8")) <= 128:
        raise BotApiError.bad_request("INVOICE_PAYLOAD_INVALID")
    prices = params.get("prices") or []
    if len(prices) != 1:
        raise BotApiError.bad_request("STARS_INVOICE_INVALID")
    amount = prices[0].get("amount")
    if not isinstance(amount, int) or amount < 1:
        raise BotApiError.bad_request("STARS_INVOICE_INVALID")
    for key in ("max_tip_amount", "suggested_tip_amounts", "need_shipping_address", "is_flexible"):
        if params.get(key):
            raise BotApiError.bad_request("STARS_INVOICE_INVALID")
    period = params.get("subscription_period")
    if period is not None and period != 2_592_000:
        raise BotApiError.bad_request("SUBSCRIPTION_PERIOD_INVALID")
    return {
        "title": params["title"],
        "description": params["description"],
        "start_parameter": params.get("start_parameter", ""),
        "currency": "XTR",
        "total_amount": amount,
    }


@dataclass
class _PreCheckout:
    query_id: str
    created_at: float
    answered: trio.Event = field(default_factory=trio.Event)
    ok: bool = False
    error_message: str | None = None
    closed: bool = False


@dataclass
class _Charge:
    charge_id: str
    user: dict[str, Any]
    amount: int
    payload: str
    date: int
    refunded: bool = False


class Payments:
    """The Stars side of one bot."""

    def __init__(self, clock: Clock, queue: UpdateQueue) -> None:
        self._clock = clock
        self._queue = queue
        self._queries: dict[str, _PreCheckout] = {}
        self._charges: dict[str, _Charge] = {}
        self._ledger: list[StarTransactionRecord] = []
        self._users: dict[int, dict[str, Any]] = {}
        self._counter = 0

    def _next(self) -> int:
        self._counter += 1
        return self._counter

    async def pay(self, user: dict[str, Any], chat: Chat, invoice_message: StoredMessage) -> PaymentOutcome:
        """The user taps Pay on ``invoice_message``; return how it ended."""
        invoice = invoice_message.body.get("invoice")
        if invoice is None or invoice_message.deleted:
            raise ValueError(f"message {invoice_message.message_id} is not an invoice")
        payload = invoice_message.body.get("_payload", "")
        query = _PreCheckout(f"{7_000_000_000_000 + self._next()}", self._clock.now())
        self._queries[query.query_id] = query
        self._queue.push(
            "pre_checkout_query",
            {
                "id": query.query_id,
                "from": user,
                "currency": invoice["currency"],
                "total_amount": invoice["total_amount"],
                "invoice_payload": payload,
            },
        )
        answered = await _wait_on_clock(self._clock, PRE_CHECKOUT_DEADLINE, query.answered)
        query.closed = True
        if not answered:
            return PaymentOutcome("timeout", query.query_id, error_message="BOT_PRECHECKOUT_TIMEOUT")
        if not query.ok:
            return PaymentOutcome("declined", query.query_id, error_message=query.error_message)
        charge_id = f"stxEmu{self._next():08d}{user['id']}"
        date = math.floor(self._clock.now())
        amount = int(invoice["total_amount"])
        self._charges[charge_id] = _Charge(charge_id, user, amount, payload, date)
        self._users[user["id"]] = user
        self._ledger.append(StarTransactionRecord(charge_id, user["id"], amount, date, False, payload))
        message = chat.add(
            date,
            from_bot=False,
            body={
                "successful_payment": {
                    "currency": invoice["currency"],
                    "total_amount": amount,
                    "invoice_payload": payload,
                    "telegram_payment_charge_id": charge_id,
                    "provider_payment_charge_id": f"{user['id']}_{self._counter}",
                }
            },
        )
        self._queue.push("message", message.to_json(chat.as_chat(), user))
        return PaymentOutcome("paid", query.query_id, telegram_payment_charge_id=charge_id)

    def answer_pre_checkout(self, params: dict[str, Any]) -> None:
        """``answerPreCheckoutQuery``: accept or decline a pending payment within the deadline."""
        query = self._queries.get(str(params["pre_checkout_query_id"]))
        ok = bool(params["ok"])
        if not ok and not params.get("error_message"):
            raise BotApiError.bad_request("error_message is required when ok is False")
        if query is None or query.closed or query.answered.is_set():
            raise BotApiError.bad_request(_QUERY_INVALID)
        if self._clock.now() - query.created_at > PRE_CHECKOUT_DEADLINE:
            raise BotApiError.bad_request(_QUERY_INVALID)
        query.ok = ok
        query.error_message = params.get("error_message")
        query.answered.set()

    def refund(self, user_id: int, charge_id: str, chat: Chat | None) -> None:
        """``refundStarPayment``; a second refund of one charge fails with ``CHARGE_ALREADY_REFUNDED``."""
        charge = self._charges.get(charge_id)
        if charge is None or charge.user["id"] != user_id:
            raise BotApiError.bad_request("CHARGE_NOT_FOUND")
        if charge.refunded:
            raise BotApiError.bad_request("CHARGE_ALREADY_REFUNDED")
        charge.refunded = True
        date = math.floor(self._clock.now())
        self._ledger.append(StarTransactionRecord(charge_id, user_id, charge.amount, date, True, charge.payload))
        if chat is not None:
            message = chat.add(
                date,
                from_bot=False,
                body={
                    "refunded_payment": {
                        "currency": "XTR",
                        "total_amount": charge.amount,
                        "invoice_payload": charge.payload,
                        "telegram_payment_charge_id": charge_id,
                    }
                },
            )
            self._queue.push("message", message.to_json(chat.as_chat(), charge.user))

    def transactions(self, offset: int, limit: int) -> dict[str, Any]:
        """The ``StarTransactions`` object, oldest first."""
        items: list[dict[str, Any]] = []
        for record in self._ledger[offset : offset + limit]:
            partner = {
                "type": "user",
                "transaction_type": "invoice_payment",
                "user": self._users.get(record.user_id, {"id": record.user_id, "is_bot": False, "first_name": "?"}),
                "invoice_payload": record.payload,
            }
            item: dict[str, Any] = {"id": record.id, "amount": record.amount, "date": record.date}
            item["receiver" if record.refund else "source"] = partner
            items.append(item)
        return {"transactions": items}

    def balance(self) -> int:
        return sum(-record.amount if record.refund else record.amount for record in self._ledger)

    def ledger(self) -> list[StarTransactionRecord]:
        return list(self._ledger)


async def _wait_on_clock(clock: Clock, seconds: float, event: trio.Event) -> bool:
    """Wait for ``event`` at most ``seconds`` on ``clock``; True if it happened."""
    happened = False
    until = clock.now() + seconds
    async with trio.open_nursery() as nursery:

        async def deadline() -> None:
            await clock.sleep(until - clock.now())
            nursery.cancel_scope.cancel()

        nursery.start_soon(deadline)
        await event.wait()
        happened = True
        nursery.cancel_scope.cancel()
    return happened
