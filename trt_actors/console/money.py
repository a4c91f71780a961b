"""Top-ups and refunds: every Stars payment credited, and every refund with where it got to."""

from __future__ import annotations

from dataclasses import dataclass

from eventlog import RecordedEvent
from trt_actors.console.markup import Html, el, join, moment
from trt_actors.console.search import href
from trt_actors.events.ledger import (
    Credited,
    RefundCompleted,
    RefundFailed,
    RefundRejected,
    RefundReserved,
)

__all__ = ["MONEY_EVENTS_READ", "money_page"]

MONEY_EVENTS_READ = (Credited, RefundReserved, RefundCompleted, RefundFailed, RefundRejected)
"""The event types :func:`money_page` needs."""


@dataclass
class _Refund:
    asked: RecordedEvent
    credit_id: str
    amount: int
    charge_id: str = ""
    status: str = "reserved"
    detail: str = ""


def _user_link(recorded: RecordedEvent) -> Html:
    user = recorded.stream.removeprefix("ledger:")
    return el("a", {"href": href("user", id=user)}, user)


def money_page(events: list[RecordedEvent]) -> tuple[str, Html]:
    """The title and body: the top-ups, then the refunds (both oldest first)."""
    topups: list[Html] = []
    refunds: dict[str, _Refund] = {}
    for recorded in events:
        event = recorded.event
        match event:
            case Credited(reason="topup"):
                topups.append(el(
                    "tr", el("td", moment(recorded.ts)), el("td", _user_link(recorded)),
                    el("td", {"class": "n"}, event.stars), el("td", {"class": "n"}, event.amount),
                    el("td", el("a", {"href": href("trace", cid=recorded.cid)}, event.charge_id)),
                    el("td", event.credit_id),
                ))
            case RefundReserved(refund_id=refund_id):
                refunds[refund_id] = _Refund(recorded, event.credit_id, event.amount, event.charge_id)
            case RefundRejected(refund_id=refund_id):
                refunds[refund_id] = _Refund(recorded, event.credit_id, event.amount, status="rejected",
                                             detail=event.reason)
            case RefundCompleted(refund_id=refund_id) if refund_id in refunds:
                refunds[refund_id].status = "completed"
            case RefundFailed(refund_id=refund_id, error=error) if refund_id in refunds:
                refunds[refund_id].status, refunds[refund_id].detail = "failed", error
    refund_rows = [el(
        "tr", el("td", moment(refund.asked.ts)), el("td", _user_link(refund.asked)),
        el("td", el("a", {"href": href("trace", cid=refund.asked.cid)}, refund_id)),
        el("td", refund.credit_id), el("td", refund.charge_id), el("td", {"class": "n"}, refund.amount),
        el("td", {"class": "bad" if refund.status in ("failed", "rejected") else None}, refund.status),
        el("td", refund.detail),
    ) for refund_id, refund in refunds.items()]
    top_header = el("tr", [el("th", label) for label in (
        "time (UTC)", "user", "Stars", "credits", "Stars charge (its chain)", "credit")])
    refund_header = el("tr", [el("th", label) for label in (
        "asked (UTC)", "user", "refund (its chain)", "of credit", "Stars charge", "credits", "status", "why")])
    return "Top-ups and refunds", join(
        el("h2", f"Top-ups ({len(topups)})"),
        el("table", {"id": "topups"}, top_header, topups) if topups else el("p", "No top-up yet."),
        el("h2", f"Refunds ({len(refund_rows)})"),
        el("table", {"id": "refunds"}, refund_header, refund_rows) if refund_rows else el("p", "No refund yet."),
    )
