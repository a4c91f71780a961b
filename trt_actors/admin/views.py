"""What the desk reads before it decides: a user's profile, the stats, and who is blocked. Reads, no writes.

The shell runs these and puts the result into the command; the decider
records what it used (``AdminLookedUp.profile``, ``StatsShown.stats``), so
the log keeps every input even though the reads themselves are not replayed.
The stats and a lookup by @username scan the log by event type: fine for a
person at a desk, not for a hot path.

Example::

    blocks = await BlockList.load(log)
    profile = await read_profile(log, ledger, "@ann", blocked=blocks.is_blocked)
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Final

from eventlog import EventStore, RecordedEvent
from trt_actors.actors.ledger import Ledger
from trt_actors.actors.session_region import session_stream
from trt_actors.events import Event, UpdateReceived
from trt_actors.events.admin import (
    AdminStats,
    JobLine,
    LedgerLine,
    ModelCount,
    ModelSwitched,
    PaymentLine,
    UserBlocked,
    UserProfile,
    UserUnblocked,
)
from trt_actors.events.jobs import JobFailed, JobRequested
from trt_actors.events.ledger import (
    Credited,
    Debited,
    HoldCaptured,
    HoldPlaced,
    HoldVoided,
    RefundCompleted,
    RefundReserved,
)
from trt_actors.events.session import SessionStarted
from trt_actors.ledger import ledger_stream

__all__ = ["BlockList", "ModelSwitches", "read_profile", "read_stats"]

_SHOWN: Final = 5
_PAGE: Final = 5_000
_DAY: Final = 86_400.0


async def _all_of(log: EventStore, *kinds: type[Event]) -> list[RecordedEvent]:
    found: list[RecordedEvent] = []
    seq = 1
    while page := await log.read_from(seq, _PAGE, types=[kind.type_name() for kind in kinds]):
        found.extend(page)
        seq = page[-1].seq + 1
    return found


class BlockList:
    """Who an admin blocked, as the log says (``UserBlocked`` / ``UserUnblocked``, last one wins)."""

    def __init__(self, blocked: set[int] | None = None) -> None:
        self._blocked = blocked or set()

    @classmethod
    async def load(cls, log: EventStore) -> BlockList:
        blocks = cls()
        for recorded in await _all_of(log, UserBlocked, UserUnblocked):
            blocks.apply(recorded.event)
        return blocks

    def apply(self, event: Event) -> None:
        """Take a committed ``UserBlocked`` or ``UserUnblocked`` into account (anything else changes nothing)."""
        if isinstance(event, UserBlocked):
            self._blocked.add(event.user_id)
        elif isinstance(event, UserUnblocked):
            self._blocked.discard(event.user_id)

    def is_blocked(self, user_id: int) -> bool:
        return user_id in self._blocked

    def __len__(self) -> int:
        return len(self._blocked)


class ModelSwitches:
    """Which models an admin switched off, as the log says (``ModelSwitched``, last one wins per model)."""

    def __init__(self) -> None:
        self._off: set[str] = set()
        self._disabled: tuple[str, ...] = ()

    @classmethod
    async def load(cls, log: EventStore) -> ModelSwitches:
        switches = cls()
        for recorded in await _all_of(log, ModelSwitched):
            switches.apply(recorded.event)
        return switches

    def apply(self, event: Event) -> None:
        """Take a committed ``ModelSwitched`` into account (anything else changes nothing)."""
        if isinstance(event, ModelSwitched):
            (self._off.discard if event.enabled else self._off.add)(event.model_id)
            self._disabled = tuple(sorted(self._off))

    def disabled(self) -> tuple[str, ...]:
        """The models switched off, sorted (what the sessions are told with each update)."""
        return self._disabled


async def _user_of(log: EventStore, target: str) -> tuple[int, str, str]:
    """The user ``target`` names (an id, or an @username the user had in an update), their username and name."""
    wanted = target.removeprefix("@").casefold()
    found = (0, "", "")
    for recorded in await _all_of(log, UpdateReceived):
        if recorded.user_id is None or not isinstance(recorded.event, UpdateReceived):
            continue
        if target.isdigit() and recorded.user_id != int(target):
            continue
        if not target.isdigit() and wanted not in recorded.event.body.casefold():
            continue  # cheap: most updates do not mention the name at all
        sender = _sender(recorded.event.body)
        if target.isdigit() or str(sender.get("username", "")).casefold() == wanted:
            found = (recorded.user_id, str(sender.get("username", "")), str(sender.get("first_name", "")))
    return found


def _sender(body: str) -> dict[str, object]:
    update = json.loads(body)
    for kind in ("message", "callback_query", "edited_message", "pre_checkout_query"):
        part = update.get(kind)
        sender = part.get("from") if isinstance(part, dict) else None
        if isinstance(sender, dict):
            return {str(key): value for key, value in sender.items()}
    return {}


async def read_profile(log: EventStore, ledger: Ledger, target: str, *,
                       blocked: Callable[[int], bool]) -> UserProfile:
    """``target``'s balance, holds, recent ledger, orders and Stars payments (``found=False``: no such user)."""
    user, username, first_name = await _user_of(log, target)
    if not user and target.isdigit():
        started = await log.read_stream(session_stream(int(target)), 1, 5)
        user = int(target) if any(isinstance(r.event, SessionStarted) for r in started) else 0
    if not user:
        return UserProfile(user_id=int(target) if target.isdigit() else 0, found=False)
    state = await ledger.state(user)
    recorded = await log.read_stream(ledger_stream(user), 1, 1_000_000)
    entries = tuple(_line(r) for r in recorded[-_SHOWN:])
    jobs = tuple(JobLine(job_id=hold_id, model_id=_model_of(recorded, hold_id), credits=hold.amount, status=hold.status)
                 for hold_id, hold in list(state.holds.items())[-_SHOWN:])
    stars = {r.event.credit_id: r.event.stars for r in recorded if isinstance(r.event, Credited)}
    payments = tuple(PaymentLine(credit_id=credit_id, stars=stars.get(credit_id, 0), credits=credit.amount,
                                 charge_id=credit.charge_id, refunded=credit.refunded)
                     for credit_id, credit in state.credits.items() if credit.reason == "topup")
    return UserProfile(user_id=user, found=True, username=username, first_name=first_name, available=state.available,
                       held=state.held, pending_holds=len(state.pending()), blocked=blocked(user), entries=entries,
                       jobs=jobs, payments=payments[-_SHOWN:])


def _model_of(recorded: list[RecordedEvent], hold_id: str) -> str:
    return next((r.event.quote.model_id for r in recorded if isinstance(r.event, HoldPlaced)
                 and r.event.hold_id == hold_id), "")


def _line(recorded: RecordedEvent) -> LedgerLine:
    event = recorded.event
    change = 0
    operation = ""
    match event:
        case HoldPlaced(hold_id=operation, amount=amount):
            change = -amount
        case HoldCaptured(hold_id=operation, released=released):
            change = released
        case HoldVoided(hold_id=operation, amount=amount):
            change = amount
        case Credited(credit_id=operation, amount=amount):
            change = amount
        case Debited(debit_id=operation, amount=amount):
            change = -amount
        case RefundReserved(refund_id=operation, amount=amount):
            change = -amount
    return LedgerLine(type=recorded.type, change=change, operation_id=operation, ts=recorded.ts)


async def read_stats(log: EventStore, now: float, kie_credits: Callable[[], Awaitable[float]] | None = None
                     ) -> AdminStats:
    """The figures of the whole bot at ``now`` (the KIE balance asked of KIE, None when it does not answer)."""
    users = {r.user_id for r in await _all_of(log, SessionStarted) if r.user_id}
    seen: dict[int, float] = {}
    for recorded in await _all_of(log, UpdateReceived):
        if recorded.user_id:
            seen[recorded.user_id] = max(seen.get(recorded.user_id, 0.0), recorded.ts)
    money = await _all_of(log, Credited, Debited, HoldCaptured, RefundCompleted)
    topups = [r.event for r in money if isinstance(r.event, Credited) and r.event.reason == "topup"]
    refunds = [r.event for r in money if isinstance(r.event, RefundCompleted)]
    adjusted = sum(1 for r in money if isinstance(r.event, Debited)
                   or (isinstance(r.event, Credited) and r.event.reason == "adjustment"))
    models: dict[str, list[int]] = {}
    requested: dict[str, str] = {}
    for recorded in await _all_of(log, JobRequested, JobFailed):
        if isinstance(recorded.event, JobRequested):
            requested[recorded.stream] = recorded.event.model_id
            models.setdefault(recorded.event.model_id, [0, 0])[0] += 1
        elif recorded.stream in requested:
            models[requested[recorded.stream]][1] += 1
    balance: float | None = None
    if kie_credits is not None:
        try:
            balance = await kie_credits()
        except Exception:  # noqa: BLE001 - the stats show "unknown" rather than fail
            balance = None
    return AdminStats(
        at=now, users=len(users),
        active_day=sum(1 for ts in seen.values() if now - ts < _DAY),
        active_week=sum(1 for ts in seen.values() if now - ts < 7 * _DAY),
        topups=len(topups), topup_stars=sum(t.stars for t in topups), topup_credits=sum(t.amount for t in topups),
        spent=sum(r.event.captured for r in money if isinstance(r.event, HoldCaptured)),
        refunds=len(refunds), refunded_credits=sum(r.amount for r in refunds), adjusted=adjusted,
        models=tuple(ModelCount(model_id=model, jobs=jobs, failed=failed)
                     for model, (jobs, failed) in sorted(models.items())),
        kie_credits=balance,
    )
