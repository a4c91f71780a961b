"""A user's ledger as a timeline: every movement with its cause, running balances, and the audit's verdict.

The movements and the closure checks are :func:`trt_actors.ledger.audit.audit`'s
for that user (the whole log is read: a payment, a job's end and an admin's
request name a movement's cause). The running balances are folded here from
each movement's change, from zero; next to them stands the balance each
event states. Where the two differ the row is marked: the audit reports it
as a ``balance_mismatch`` too.
"""

from __future__ import annotations

from collections.abc import Sequence

from trt_actors.console.markup import Html, el, join, moment
from trt_actors.console.search import Sender, href
from trt_actors.ledger.audit_report import AuditReport, Movement

__all__ = ["RunningBalance", "ledger_page", "running_balances"]


class RunningBalance:
    """The balance after one movement, folded from the changes before it (and its own)."""

    __slots__ = ("available", "held")

    def __init__(self, available: int, held: int) -> None:
        self.available = available
        self.held = held


def running_balances(movements: Sequence[Movement]) -> list[RunningBalance]:
    """For each movement, the available and held credits once it is applied, starting from nothing."""
    available = held = 0
    out = []
    for move in movements:
        available += move.change
        held += move.held_change
        out.append(RunningBalance(available, held))
    return out


def _what(move: Movement) -> str:
    operation = move.hold_id or move.refund_id or move.credit_id
    parts = [move.type, operation]
    if move.reason:
        parts.append(f"({move.reason})")
    if move.model_id:
        parts.append(f"{move.model_id} by rule {move.rule!r}, registry {move.registry_version}")
    if move.charge_id:
        parts.append(f"Stars charge {move.charge_id}")
    if move.detail:
        parts.append(f"· {move.detail}")
    return " ".join(part for part in parts if part)


def _row(move: Movement, running: RunningBalance) -> Html:
    stated = (move.available, move.held)
    agrees = stated == (running.available, running.held)
    cause = join(move.cause or "—", " ",
                 el("a", {"href": href("trace", cid=move.cid)}, "chain")) if move.cid else move.cause
    return el(
        "tr", {"id": f"move-{move.seq}"},
        el("td", {"class": "n"}, move.seq), el("td", moment(move.ts)), el("td", _what(move)), el("td", cause),
        el("td", {"class": "n"}, f"{move.change:+d}"), el("td", {"class": "n"}, f"{move.held_change:+d}"),
        el("td", {"class": "n"}, move.spent or ""),
        el("td", {"class": "n running"}, running.available), el("td", {"class": "n"}, running.held),
        el("td", {"class": "n" if agrees else "n bad"}, f"{move.available} / {move.held}"),
    )


def ledger_page(user_id: int, report: AuditReport, sender: Sender | None) -> tuple[str, Html]:
    """The page's title and body: who the user is, the timeline, the closure checks, the totals."""
    name = f" @{sender.username}" if sender is not None and sender.username else ""
    title = f"User {user_id}{name}"
    who = join(
        "First name: ", el("bdi", sender.first_name) if sender is not None else "unknown", " · ",
        el("a", {"href": href("chat", id=user_id)}, "the chat as the user saw it"),
    )
    movements = report.movements
    balances = running_balances(movements)
    header = el("tr", [el("th", label) for label in (
        "seq", "time (UTC)", "movement", "cause", "available ±", "held ±", "spent", "running available",
        "running held", "stated available / held")])
    rows = [_row(move, running) for move, running in zip(movements, balances)]
    last = balances[-1] if balances else RunningBalance(0, 0)
    summary = report.summary
    checks = (el("p", {"class": "ok"}, "Every closure check passed for this user.") if report.passed else
              el("ul", [el("li", {"class": "bad"}, violation.line()) for violation in report.violations]))
    totals = el("p", {"id": "totals"},
                f"Running balance: {last.available} available, {last.held} held. "
                f"Audit: {summary.available} available, {summary.held} held; credited {summary.credited}, "
                f"spent {summary.spent}, refunded {summary.refunded}; {summary.holds} holds "
                f"({summary.captured} captured, {summary.voided} voided, {summary.pending} pending).")
    return title, join(
        el("p", who),
        el("h2", "Ledger timeline"),
        el("table", {"id": "ledger"}, header, rows) if rows else el("p", "No credit has moved for this user."),
        totals,
        el("h2", "Closure checks (audit)"),
        checks,
    )
