"""What an audit found (:class:`AuditReport`), and how it reads for people and for tools: a table, CSV or JSON.

:func:`trt_actors.ledger.audit.audit` makes the report. The table lists the
movements, then one line per violation (or "every check passed"), then the
summary. CSV holds the movements only, one row each with every field (the
violations are lines for a person: :meth:`Violation.line`). JSON holds the
whole report.

Example::

    report = audit(events, now=time.time())
    print(render_table(report))
    raise SystemExit(0 if report.passed else 1)
"""

from __future__ import annotations

import csv
import datetime
import io

import msgspec

__all__ = [
    "AdminAction",
    "AuditReport",
    "AuditSummary",
    "Movement",
    "Violation",
    "render_csv",
    "render_json",
    "render_table",
    "summary_line",
]


class Movement(msgspec.Struct, frozen=True, kw_only=True):
    """One credit movement and its chain (see :mod:`trt_actors.ledger.audit`).

    ``change`` is what it did to the available credits, ``held_change`` to the
    held ones, ``spent`` what a capture took for good; ``available`` and
    ``held`` are the balance the event states after it.
    """

    seq: int
    ts: float
    stream: str
    user_id: int | None
    event_id: str
    type: str
    change: int
    held_change: int
    spent: int
    available: int
    held: int
    cid: str
    causation: str | None
    cause: str = ""
    update_id: int | None = None
    hold_id: str = ""
    credit_id: str = ""
    refund_id: str = ""
    reason: str = ""
    detail: str = ""
    model_id: str = ""
    rule: str = ""
    registry_version: str = ""
    charge_id: str = ""


class Violation(msgspec.Struct, frozen=True, kw_only=True):
    """A closure check that failed: where (``stream``, ``seq``, ``event_id``; empty for a payment) and why."""

    check: str
    stream: str
    message: str
    seq: int = 0
    event_id: str = ""

    def line(self) -> str:
        """One line for a person: ``ledger:42 seq 118: hold 'c1' was voided already (resolved_twice)``."""
        where = f"{self.stream} seq {self.seq}" if self.seq else self.stream
        return f"{where}: {self.message} ({self.check})"


class AuditSummary(msgspec.Struct, frozen=True, kw_only=True):
    """The totals over the streams audited, as folded from their events."""

    users: int
    events: int
    movements: int
    holds: int
    captured: int
    voided: int
    pending: int
    credited: int
    spent: int
    refunded: int
    available: int
    held: int
    payments: int


class AdminAction(msgspec.Struct, frozen=True, kw_only=True):
    """What an admin asked of the desk (``action``: the event's type) about ``target`` (a user, a code, a
    model, a broadcast), and the details in words."""

    seq: int
    event_id: str
    ts: float
    admin_id: int
    action: str
    target: str
    detail: str = ""

    def line(self) -> str:
        return f"seq {self.seq}: admin {self.admin_id} {self.action} {self.target} {self.detail}".rstrip()


class AuditReport(msgspec.Struct, frozen=True, kw_only=True):
    """What :func:`audit` found; ``passed`` when no closure check failed. ``admin_actions`` lists every request
    an admin made at the desk (adjustments, refunds, blocks, model switches, promo codes, broadcasts)."""

    now: float
    movements: tuple[Movement, ...]
    violations: tuple[Violation, ...]
    summary: AuditSummary
    admin_actions: tuple[AdminAction, ...] = ()

    @property
    def passed(self) -> bool:
        return not self.violations


_COLUMNS = ("seq", "time (UTC)", "user", "movement", "avail ±", "held ±", "avail", "held", "id", "why", "cid")


def _time(ts: float) -> str:
    return datetime.datetime.fromtimestamp(ts, datetime.UTC).strftime("%Y-%m-%d %H:%M:%S")


def _why(move: Movement) -> str:
    """The movement's reason in a few words: the quote of a hold, the source of a credit, the charge of a refund."""
    parts: list[str] = []
    if move.model_id:
        parts.append(f"{move.model_id} [{move.rule}] v{move.registry_version}")
    if move.spent:
        parts.append(f"spent {move.spent}")
    parts.extend(part for part in (move.reason, move.detail) if part)
    if move.charge_id:
        parts.append(f"charge {move.charge_id}")
    if move.cause:
        parts.append(f"after {move.cause}")
    return "; ".join(parts)


def _row(move: Movement) -> tuple[str, ...]:
    return (
        str(move.seq),
        _time(move.ts),
        "" if move.user_id is None else str(move.user_id),
        move.type,
        f"{move.change:+d}",
        f"{move.held_change:+d}",
        str(move.available),
        str(move.held),
        move.hold_id or move.refund_id or move.credit_id,
        _why(move),
        move.cid if move.update_id is None else f"{move.cid} (update {move.update_id})",
    )


def summary_line(summary: AuditSummary) -> str:
    return (
        f"{summary.users} users, {summary.events} ledger events, {summary.movements} movements; "
        f"holds {summary.holds} ({summary.captured} captured, {summary.voided} voided, {summary.pending} pending); "
        f"credited {summary.credited}, spent {summary.spent}, refunded {summary.refunded}; "
        f"now available {summary.available}, held {summary.held}; {summary.payments} Stars payments"
    )


def render_table(report: AuditReport) -> str:
    """Movements in aligned columns, then the violations (or that every check passed), then the summary."""
    rows = [_COLUMNS, *(_row(move) for move in report.movements)]
    widths = [max(len(row[column]) for row in rows) for column in range(len(_COLUMNS))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.append("")
    if report.violations:
        lines.append(f"{len(report.violations)} violations:")
        lines.extend(violation.line() for violation in report.violations)
    else:
        lines.append("every check passed")
    if report.admin_actions:
        lines.append(f"{len(report.admin_actions)} admin actions:")
        lines.extend(action.line() for action in report.admin_actions)
    lines.append(summary_line(report.summary))
    return "\n".join(lines)


def render_csv(report: AuditReport) -> str:
    """One row per movement, a header with every field of :class:`Movement`."""
    names = [info.name for info in msgspec.structs.fields(Movement)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(names)
    for move in report.movements:
        writer.writerow(["" if value is None else value for value in msgspec.structs.astuple(move)])
    return out.getvalue()


def render_json(report: AuditReport) -> str:
    """The whole report, indented, with ``passed`` beside it."""
    document = {"passed": report.passed, **msgspec.to_builtins(report)}
    return msgspec.json.format(msgspec.json.encode(document), indent=2).decode("utf-8")
