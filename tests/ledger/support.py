"""What the ledger tests share: a quote, a recorded Stars payment, a job's end, the whole log in order."""

from __future__ import annotations

import json

from eventlog import EventStore, NewEvent, RecordedEvent
from trt_actors.events import Event, UpdateReceived
from trt_actors.events.jobs import CaptureAsked, JobFailed, JobSucceeded, VoidAsked
from trt_actors.events.ledger import Quote
from trt_actors.events.session import Param


def quote(credits: int) -> Quote:
    return Quote(
        model_id="nano-banana-pro",
        credits=credits,
        rule="per_value resolution=1K",
        registry_version="2026-06-30.test",
        kie_credits="9",
        markup="2.0",
        params=(Param(name="prompt", value="a fox"),),
    )


def payment(user_id: int, update_id: int, charge_id: str, stars: int, ts: float = 1_700_000_000.0) -> NewEvent:
    """The update carrying a ``successful_payment``, as the receiver records it (stream ``inbox:<chat>``)."""
    body = {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(ts),
            "chat": {"id": user_id, "type": "private"},
            "from": {"id": user_id, "is_bot": False, "first_name": "Ann"},
            "successful_payment": {
                "currency": "XTR",
                "total_amount": stars,
                "invoice_payload": f"topup:{charge_id}",
                "telegram_payment_charge_id": charge_id,
                "provider_payment_charge_id": f"{user_id}_{update_id}",
            },
        },
    }
    return NewEvent(
        event_id=f"update:1:0:{update_id}",
        stream=f"inbox:{user_id}",
        event=UpdateReceived(update_id=update_id, kind="message", body=json.dumps(body)),
        cid=f"u{update_id}",
        ts=ts,
        chat_id=user_id,
        user_id=user_id,
    )


async def read_all(log: EventStore) -> list[RecordedEvent]:
    """Every event of the log, in order, page by page."""
    events: list[RecordedEvent] = []
    while page := await log.read_from(events[-1].seq + 1 if events else 1):
        events.extend(page)
    return events


async def job_ended(log: EventStore, user: int, hold_id: str, amount: int, *, succeeded: bool,
                    ts: float = 1_700_000_000.0) -> str:
    """The job of ``hold_id`` ends and asks the ledger to capture (or void) its hold; the ask's event id.

    The audit accepts a capture only at the request of a job that succeeded,
    and a void (other than an expiry) only at the request of one that failed:
    pass the returned id as the ``Capture``'s or ``Void``'s causation.
    """
    stream, outcome = f"job:{hold_id}", "succeeded" if succeeded else "failed"
    ended: Event = (JobSucceeded(task_id="t", result_urls=("https://x/r.png",), at=ts, source="poll") if succeeded
                    else JobFailed(reason="generation_failed", at=ts))
    ask: Event = (CaptureAsked(hold_id=hold_id, user_id=user, amount=amount) if succeeded
                  else VoidAsked(hold_id=hold_id, user_id=user, reason="generation_failed"))
    positions = await log.append([
        NewEvent(event_id=f"{stream}:{outcome}", stream=stream, event=ended, cid=f"job-{hold_id}", ts=ts, user_id=user),
        NewEvent(event_id=f"{stream}:{outcome}:ask", stream=stream, event=ask, cid=f"job-{hold_id}", ts=ts,
                 user_id=user),
    ])
    return positions[-1].event_id
