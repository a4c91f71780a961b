"""``python main.py replay CID``: re-run a chain's session decisions offline and compare them with the log.

A session decides from its state and one command. Both are in the log: the
state is the fold of the chat's stream before the decision, and the command
is what the decision's cause says — the recorded update (a text, a tap, a
payment), or the ledger's or the job's event the session heard of. Replay
rebuilds each command exactly as the router and the reactors did, runs
today's :class:`~trt_actors.session.SessionDecider` on the recorded state, and
compares the events it makes with the events recorded, field by field. Every
input of a decision is a recorded field (see ``tests/test_pure_deciders.py``),
so a difference is a change of behaviour, and :class:`Divergence` names the
event and the field.

The ledger's decisions are replayed too: those the reactors ask for (a hold
for an order, a top-up, a welcome credit, a referral bonus, a promo code's
credit, an admin's adjustment, a job's capture or
void, a refund's outcome as Telegram answered it) and those it makes on its own (a hold's
expiry, whose clock reading is the decision's time; an admin's refund). So are
the job runner's: a job opened for a placed hold, the ledger's answer about
it, and each of the runner's own steps, whose inputs (KIE's and Telegram's
answers, the clock, the jitter that placed a poll) are fields of the events
that step recorded. Only a report or an upload that ended a job at its
deadline is counted in ``skipped``: which running state KIE reported, or which
URLs the upload host gave, is not kept, and no other input gives that outcome.

Example::

    result = await replay_chain(log, "u700000031-42d4521a", decider=SessionDecider(load_valid_registry()))
    print(result.summary())
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec

from eventlog import EventLog, RecordedEvent
from trt_actors.actors.intake import UpdateMeta
from trt_actors.actors.job_reactions import hold_outcome_for, job_report_for, request_for, settlement_for
from trt_actors.actors.ledger_reactions import ledger_request_for, report_of
from trt_actors.actors.admin_desk import adjustment_for
from trt_actors.events.admin import AdjustmentAsked
from trt_actors.actors.promo_reactions import promo_credit_for, promo_report_for, redemption_for
from trt_actors.actors.referrals import bonus_for, friend_report_for
from trt_actors.actors.session_region import command_for
from trt_actors.events import CODEC, Event, UpdateReceived
from trt_actors.config import DEFAULT_JOB_DEADLINES
from trt_actors.events.jobs import (
    JobFailed,
    JobFilesUploaded,
    JobLate,
    JobPolled,
    JobRetryScheduled,
    JobSubmitted,
    JobSucceeded,
    ResultDelivered,
)
from trt_actors.events.ledger import (
    Credited,
    HoldPlaced,
    RefundCompleted,
    RefundFailed,
    RefundRejected,
    RefundReserved,
)
from trt_actors.events.session import InputBlocked, InputThrottled, ModelsSeen, SessionStarted
from trt_actors.promo import PromoDecider
from trt_actors.jobs import JobDecider, JobState
from trt_actors.jobs.commands import (
    JobCommand,
    RecordCreated,
    RecordDelivery,
    RecordKieError,
    RecordReport,
    RecordUploads,
    Recover,
    Submit,
    TaskReport,
    Tick,
)
from trt_actors.ledger import (
    CompleteRefund,
    GrantFree,
    Expire,
    FailRefund,
    LedgerCommand,
    LedgerDecider,
    Refund,
)
from trt_actors.runtime.decider import fold
from trt_actors.session import SessionCommand, SessionDecider, SessionState
from trt_actors.session.commands import USER_COMMANDS, blocked, throttled
from trt_actors.telegram import Update

__all__ = ["Divergence", "ReplayResult", "chains", "ledger_own_command", "replay_chain", "runner_command"]

_UPDATE = msgspec.json.Decoder(Update)


@dataclass(frozen=True)
class Divergence:
    """The first difference of one decision: which event (its index and type) and which field, both ways."""

    stream: str
    cause: str
    index: int
    event: str
    field: str
    recorded: object
    replayed: object

    def line(self) -> str:
        return (f"{self.stream}, decision on {self.cause}: event {self.index} ({self.event}), field {self.field!r}: "
                f"recorded {self.recorded!r}, replayed {self.replayed!r}")


@dataclass
class ReplayResult:
    """What replaying a chain found."""

    cid: str
    decisions: int = 0
    skipped: int = 0
    divergences: list[Divergence] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        return not self.divergences

    def summary(self) -> str:
        verdict = "identical" if self.identical else f"{len(self.divergences)} decision(s) differ"
        return f"cid {self.cid}: {self.decisions} decision(s) replayed, {verdict}" + (
            f"; {self.skipped} decision(s) not replayed (the log does not hold their whole input)"
            if self.skipped else "")


async def replay_chain(log: EventLog, cid: str, *, decider: SessionDecider, welcome_credits: int = 0,
                       deadlines: Mapping[str, float] = DEFAULT_JOB_DEADLINES, referral_bonus: int = 0,
                       referral_free: int = 0,
                       jobs: JobDecider | None = None) -> ReplayResult:
    """Replay every session, ledger and job decision of chain ``cid`` (see the module docstring).

    ``welcome_credits``, ``deadlines``, ``referral_bonus`` and ``referral_free`` are the
    configuration the bot ran with (``WELCOME_CREDITS``, ``JOB_DEADLINES``,
    ``REFERRAL_BONUS``): they shape the commands.
    ``jobs`` is the job decider to replay with (today's by default).
    """
    chain = await log.read_cid(cid)
    by_id = {recorded.event_id: recorded for recorded in chain}
    result = ReplayResult(cid)
    decisions: dict[str, list[RecordedEvent]] = {}  # one decision's events share their id up to the last "/"
    for recorded in chain:
        if recorded.stream.startswith(("chat:", "ledger:", "job:", "promo:")):
            decisions.setdefault(recorded.event_id.rpartition("/")[0], []).append(recorded)
    ledger, jobs, promos = LedgerDecider(), jobs or JobDecider(), PromoDecider()
    deadline = _deadline_of(deadlines)
    folded: dict[str, tuple[int, Any]] = {}  # stream -> (version, state): each stream is read once per chain

    async def before(stream: str, version: int, initial: object, evolve: Callable[[Any, Event], Any]) -> Any:
        at, state = folded.get(stream, (0, initial))
        if at >= version:
            at, state = 0, initial
        for recorded in await log.read_stream(stream, at + 1, version - 1 - at) if version - 1 > at else ():
            state = evolve(state, recorded.event)
        folded[stream] = (version - 1, state)
        return state

    for key, decided in decisions.items():
        stream, first = decided[0].stream, decided[0].version
        cause = by_id.get(decided[0].causation or "")
        produced: Sequence[Event] | None = None
        if stream.startswith("chat:"):
            if cause is not None and (asked := await _command(log, cause, decided[0].event)) is not None:
                chat_state = await before(stream, first, decider.initial_state(), decider.evolve)
                produced = decider.decide(chat_state, _with_switches(asked, chat_state, decided[0].event))
        elif stream.startswith("promo:"):
            redeem = redemption_for(cause) if cause is not None else None
            if redeem is not None:
                produced = promos.decide(await before(stream, first, promos.initial_state(), promos.evolve), redeem)
        elif stream.startswith("ledger:"):
            user = int(stream.removeprefix("ledger:"))
            if cause is None:
                ordered = ledger_own_command(key.removeprefix(stream + "/"), [r.event for r in decided],
                                             decided[0].ts, user)
            elif isinstance(cause.event, Credited) and cause.event.reason == "topup":  # a referral bonus
                bonuses = await bonus_for(log, cause, referral_bonus, referral_free)
                kind = type(decided[0].event).__name__  # a user gets a credit and a grant: one decision each
                ordered = next((given for given in bonuses if given.user_id == user
                                and (kind == "FreeGranted") == isinstance(given, GrantFree)), None)
            else:
                ordered = _ledger_command(cause, welcome_credits, decided[0].event)
            if ordered is not None:
                produced = ledger.decide(await before(stream, first, ledger.initial_state(), ledger.evolve), ordered)
        else:
            state: JobState = await before(stream, first, jobs.initial_state(), jobs.evolve)
            if cause is None:
                command = runner_command(key.removeprefix(stream + "/"), [r.event for r in decided], decided[0].ts,
                                         state)
            elif isinstance(cause.event, HoldPlaced):
                command = request_for(cause, chain, decider.registry, deadline)
            else:
                command = hold_outcome_for(cause)
            if command is not None:
                produced = jobs.decide(state, command)
        if produced is None:
            result.skipped += 1
            continue
        result.decisions += 1
        what = f"{cause.type} {cause.event_id}" if cause is not None else key.removeprefix(stream + "/")
        divergence = _compare(stream, what, [r.event for r in decided], produced)
        if divergence is not None:
            result.divergences.append(divergence)
    return result


CHAIN_STARTS: tuple[str, ...] = ("UpdateReceived", "HoldVoided", "RefundReserved", "RefundRejected")
"""The events that can start a chain: an update, and what the ledger does on its own (an expiry, an admin's
refund). ``replay --all`` replays the chains of every one of them."""


async def chains(log: EventLog, *, since: float | None = None) -> list[str]:
    """Every chain of ``log`` that ``replay --all`` replays (started at or after ``since``), in log order."""
    first: dict[str, float] = {}
    for recorded in await log.read_from(1, limit=10_000_000, types=list(CHAIN_STARTS)):
        first.setdefault(recorded.cid, recorded.ts)
    return [cid for cid, ts in first.items() if since is None or ts >= since]


def _deadline_of(deadlines: Mapping[str, float]) -> Callable[[str], float]:
    return lambda category: deadlines.get(category, deadlines.get("other", 2400.0))


def runner_command(kind: str, decided: Sequence[Event], now: float, state: JobState) -> JobCommand | None:
    """The command the job runner gave for one of its own decisions, from the events it made.

    ``kind`` is the end of the decision's command id (``v7:report-poll``,
    ``late:...``), ``now`` the clock reading it was made at (its events'
    ``ts``), ``state`` the job before it. The runner's inputs are KIE's and
    Telegram's answers, the clock and a jitter draw, and each is recorded on
    the events the decision made. None when they do not hold its whole input:
    a report or an upload that ended the job at its deadline (which running
    state KIE reported, or which URLs the upload host gave, is not kept).
    """
    job, first = state.job_id, decided[0]
    name = kind.partition(":")[2] if kind.startswith("v") else kind.partition(":")[0]
    match name, first:
        case "uploads", JobFilesUploaded(files=files):
            return RecordUploads(job_id=job, files=files, now=now)
        case "submit", _:
            return Submit(job_id=job, now=now)
        case "created", JobSubmitted(task_id=task_id):
            return RecordCreated(job_id=job, task_id=task_id, now=now)
        case "recover" | "no-answer" | "lost-answer" | "unreadable-answer", _:
            found = first.task_id if isinstance(first, JobSubmitted) and first.recovered else ""
            return Recover(job_id=job, now=now, found_task_id=found)
        case "tick", _:
            return Tick(job_id=job, now=now)
        case "delivered", ResultDelivered(message_ids=message_ids):
            return RecordDelivery(job_id=job, message_ids=message_ids, now=now)
        case "report-poll" | "report-callback" | "late", _:
            source = "poll" if name == "report-poll" else "callback"
            return _report_command(first, state, source, now)
        case "unsent" | "payload", _:
            return _error_command("createTask", first, job, now, sent=name != "unsent")
        case _ if name.startswith("error-"):
            return _error_command(name.removeprefix("error-"), first, job, now, sent=True)
    return None


def _report_command(first: Event, state: JobState, source: str, now: float) -> RecordReport | None:
    task = state.task_id
    match first:
        case JobPolled(task_id=task_id, state=running, jitter=float() as jitter):
            return RecordReport(job_id=state.job_id, report=TaskReport(task_id=task_id, state=running, source=source),
                                now=now, jitter=jitter)
        case JobSucceeded(task_id=task_id, result_urls=urls) | JobLate(task_id=task_id, result_urls=urls):
            report = TaskReport(task_id=task_id, state="success", result_urls=urls, source=source)
        case JobFailed(reason="generation_failed", code=code, message=message):
            report = TaskReport(task_id=task, state="fail", fail_code=code, fail_msg=message, source=source)
        case JobFailed(reason="empty_result", message=message):
            report = TaskReport(task_id=task, state="success", fail_msg=message, source=source)
        case _:
            return None
    return RecordReport(job_id=state.job_id, report=report, now=now, jitter=0.0)  # a jitter places only a poll


def _error_command(call: str, first: Event, job: str, now: float, *, sent: bool) -> RecordKieError | None:
    match first:
        case JobRetryScheduled(code=code, message=message, jitter=float() as jitter, sent=was_sent):
            return RecordKieError(job_id=job, call=call, code=code, message=message, now=now, jitter=jitter,
                                  sent=was_sent)
        case JobFailed(code=code, message=message) if code.lstrip("-").isdigit():
            return RecordKieError(job_id=job, call=call, code=int(code), message=message, now=now, jitter=0.0,
                                  sent=sent)
    return None


def ledger_own_command(kind: str, decided: Sequence[Event], now: float, user: int) -> LedgerCommand | None:
    """The ledger command of a decision nothing recorded caused, from the events it made.

    ``kind`` is the end of its command id: ``expire:<user>:<time>`` (the hold
    expiry's sweep, whose clock reading is the decision's ``now``) or
    ``refund:<refund id>`` (an admin's refund: the top-up and the amount are on
    its ``RefundReserved`` or ``RefundRejected``).
    """
    first = decided[0]
    if kind.startswith("expire:"):
        return Expire(user_id=user, now=now)
    match first:
        case RefundReserved(refund_id=refund_id, credit_id=credit_id, amount=amount) | RefundRejected(
                refund_id=refund_id, credit_id=credit_id, amount=amount) if kind == f"refund:{refund_id}":
            return Refund(user_id=user, refund_id=refund_id, credit_id=credit_id, amount=amount)
    return None


def _ledger_command(cause: RecordedEvent, welcome_credits: int, first: Event) -> LedgerCommand | None:
    """The ledger command a recorded event asked for, built by the reactions' own functions; ``first`` is the
    first event the decision made (a refund's outcome is Telegram's answer, recorded there)."""
    user = cause.user_id or 0
    match cause.event, first:
        case RefundReserved(refund_id=refund_id), RefundCompleted():
            return CompleteRefund(user_id=user, refund_id=refund_id)
        case RefundReserved(refund_id=refund_id), RefundFailed(error=error):
            return FailRefund(user_id=user, refund_id=refund_id, error=error)
    if isinstance(cause.event, AdjustmentAsked):
        return adjustment_for(cause.event)
    return settlement_for(cause) or promo_credit_for(cause) or ledger_request_for(cause, welcome_credits)


async def _command(log: EventLog, cause: RecordedEvent, first: Event) -> SessionCommand | None:
    """The command the decision caused by ``cause`` was given, rebuilt as the router or a reactor built it.

    ``first`` is the decision's first event: an update the rate limit turned away was decided as
    ``Throttled``, and the limiter's verdict is on its ``InputThrottled``; one from a blocked user as
    ``Blocked`` (``InputBlocked``).
    """
    event = cause.event
    if isinstance(event, UpdateReceived):
        meta = UpdateMeta(cid=cause.cid, update_id=event.update_id, event_id=cause.event_id, ts=cause.ts,
                          chat_id=cause.chat_id, user_id=cause.user_id)
        command = command_for(_UPDATE.decode(event.body), meta)
        if command is not None and isinstance(first, InputThrottled):
            return throttled(command, kind=first.kind, retry_at=first.retry_at, notify=first.notified)
        if command is not None and isinstance(first, InputBlocked):
            return blocked(command, kind=first.kind)
        return command
    if cause.stream.startswith("ledger:"):
        return report_of(cause)
    if cause.stream.startswith("promo:"):
        return promo_report_for(cause)
    if isinstance(event, SessionStarted):
        return await friend_report_for(log, cause)
    if cause.stream.startswith("job:"):
        requested = await log.read_stream(cause.stream, 1, 1)
        jobs = JobDecider()
        order: JobState = fold(jobs, jobs.initial_state(), [r.event for r in requested])
        return job_report_for(cause, order)
    return None


def _with_switches(command: SessionCommand, state: SessionState, first: Event) -> SessionCommand:
    """A user's command as the sessions gave it: with the models switched off then, which the decision recorded
    (``ModelsSeen``) when they had changed, and which are otherwise the ones the session already knew."""
    if not isinstance(command, USER_COMMANDS):
        return command
    disabled = first.disabled if isinstance(first, ModelsSeen) else state.disabled
    return msgspec.structs.replace(command, disabled=disabled)


def _compare(stream: str, what: str, recorded: Sequence[Event], replayed: Sequence[Event]) -> Divergence | None:
    for index in range(max(len(recorded), len(replayed))):
        old = recorded[index] if index < len(recorded) else None
        new = replayed[index] if index < len(replayed) else None
        if old is not None and new is not None and CODEC.encode(old) == CODEC.encode(new):
            continue
        if old is None or new is None or type(old) is not type(new):
            return Divergence(stream, what, index, type(old or new).__name__, "(the event itself)",
                              type(old).__name__ if old else None, type(new).__name__ if new else None)
        before, after = msgspec.structs.asdict(old), msgspec.structs.asdict(new)
        name = next((key for key in before if before[key] != after.get(key)), "(its encoding)")
        return Divergence(stream, what, index, type(old).__name__, name, before[name], after.get(name))
    return None
