"""The pre-checkout answerer against the emulator: decided, recorded, then answered inside Telegram's window."""

from __future__ import annotations

import json
import time

import trio

from eventlog import NewEvent, SQLiteEventLog
from tests.actors.conftest import BOT_ID, events_of
from trt_actors.actors.checkout import Checkout
from trt_actors.actors.ledger import Ledger
from trt_actors.events import UpdateReceived
from trt_actors.events.payments import PreCheckoutAnswered
from trt_actors.sandbox.telegram import TelegramEmulator
from trt_actors.stars import DEFAULT_PACKAGES, invoice_payload
from trt_actors.telegram import TelegramClient

ANN = 7


async def pre_checkout(log: SQLiteEventLog, update_id: int, payload: str, amount: int) -> None:
    """Append a ``pre_checkout_query`` as the receiver records it (stream ``inbox:user:<id>``)."""
    body = {"update_id": update_id, "pre_checkout_query": {
        "id": f"pcq-{update_id}", "from": {"id": ANN, "is_bot": False, "first_name": "Ann"},
        "currency": "XTR", "total_amount": amount, "invoice_payload": payload,
    }}
    await log.append([NewEvent(
        event_id=f"update:{BOT_ID}:0:{update_id}", stream=f"inbox:user:{ANN}",
        event=UpdateReceived(update_id=update_id, kind="pre_checkout_query", body=json.dumps(body)),
        cid=f"u{update_id}", ts=time.time(), user_id=ANN,
    )])


async def test_an_answer_still_unsent_when_the_window_closes_is_given_up_and_the_decision_stays_recorded(
    log: SQLiteEventLog, emu: TelegramEmulator, tg: TelegramClient
) -> None:
    emu.faults.delay("answerPreCheckoutQuery", seconds=4.0)
    async with Ledger.open(log) as ledger, trio.open_nursery() as nursery:
        checkout = Checkout(log, tg, ledger, packages=DEFAULT_PACKAGES, window=1.0)
        await nursery.start(checkout.run)
        package = DEFAULT_PACKAGES[0]
        with trio.fail_after(3.0):  # well before the emulator would answer
            await pre_checkout(log, 1, invoice_payload(f"u{ANN}-t1", package), package.stars)
            while checkout.late == 0:
                await trio.sleep(0.02)
        (answered,) = await events_of(log, PreCheckoutAnswered)
        assert isinstance(answered.event, PreCheckoutAnswered) and answered.event.ok
        assert (checkout.answered, checkout.refused, checkout.late) == (0, 0, 1)
        nursery.cancel_scope.cancel()
