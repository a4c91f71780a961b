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

The ledger's decisions are replayed too, for the commands the reactors
build from recorded events (a hold for an order, a top-up, a welcome credit, a
job's capture or void); an expiry (its clock reading is not in the log yet),
an admin's refund and the job runner's decisions are counted in ``skipped``.

Example::

    result = await replay_chain(log, "u700000031-42d4521a", decider=SessionDecider(load_valid_registry()))
    print(result.summary())
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import msgspec

from eventlog import RecordedEvent, SQLiteEventLog
from trt_actors.actors.intake import UpdateMeta
from trt_actors.actors.job_reactions import job_report_for
from trt_actors.actors.ledger_reactions import report_of, welcome_credit_id
from trt_actors.actors.session_region import command_for
from trt_actors.events import CODEC, Event, UpdateReceived
from trt_actors.events.jobs import CaptureAsked, VoidAsked
from trt_actors.events.session import GenerationRequested, SessionStarted, TopUpPaid
from trt_actors.jobs import JobDecider, JobState
from trt_actors.ledger import Capture, Credit, LedgerCommand, LedgerDecider, Reserve, Void
from trt_actors.runtime.decider import fold
from trt_actors.session import SessionCommand, SessionDecider
from trt_actors.telegram import Update

__all__ = ["Divergence", "ReplayResult", "replay_chain"]

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
            f"; {self.skipped} decision(s) of other actors not replayed" if self.skipped else "")


async def replay_chain(log: SQLiteEventLog, cid: str, *, decider: SessionDecider,
                       welcome_credits: int = 0) -> ReplayResult:
    """Replay every session and ledger decision of chain ``cid`` (see the module docstring)."""
    chain = await log.read_cid(cid)
    by_id = {recorded.event_id: recorded for recorded in chain}
    result = ReplayResult(cid)
    groups: dict[tuple[str, str], list[RecordedEvent]] = {}
    for recorded in chain:
        if recorded.stream.startswith(("chat:", "ledger:", "job:")):
            groups.setdefault((recorded.stream, recorded.causation or ""), []).append(recorded)
    ledger = LedgerDecider()
    for (stream, cause_id), decided in groups.items():
        cause = by_id.get(cause_id)
        produced: Sequence[Event] | None = None
        if cause is not None:
            first = decided[0].version
            earlier = [r.event for r in await log.read_stream(stream, 1, first - 1)] if first > 1 else []
            if stream.startswith("chat:") and (asked := await _command(log, cause)) is not None:
                produced = decider.decide(fold(decider, decider.initial_state(), earlier), asked)
            elif stream.startswith("ledger:") and (ordered := _ledger_command(cause, welcome_credits)) is not None:
                produced = ledger.decide(fold(ledger, ledger.initial_state(), earlier), ordered)
        if cause is None or produced is None:
            result.skipped += 1
            continue
        result.decisions += 1
        divergence = _compare(stream, cause, [r.event for r in decided], produced)
        if divergence is not None:
            result.divergences.append(divergence)
    return result


def _ledger_command(cause: RecordedEvent, welcome_credits: int) -> LedgerCommand | None:
    """The ledger command a recorded event asked for, as the money reactions build it."""
    user = cause.user_id
    match cause.event:
        case GenerationRequested(confirmation_id=hold_id, credits=amount, quote=quote, expires_at=expires_at):
            return Reserve(user_id=user or 0, hold_id=hold_id, amount=amount, quote=quote, expires_at=expires_at)
        case TopUpPaid(topup_id=topup_id, charge_id=charge_id, stars=stars, credits=amount):
            return Credit(user_id=user or 0, credit_id=f"topup:{topup_id}", amount=amount, reason="topup",
                          source=f"{stars} Stars", charge_id=charge_id, stars=stars)
        case SessionStarted() if welcome_credits > 0 and user is not None:
            return Credit(user_id=user, credit_id=welcome_credit_id(user), amount=welcome_credits, reason="welcome",
                          source="WELCOME_CREDITS")
        case CaptureAsked(hold_id=hold_id, user_id=owner, amount=amount):
            return Capture(user_id=owner, hold_id=hold_id, amount=amount)
        case VoidAsked(hold_id=hold_id, user_id=owner, reason=reason):
            return Void(user_id=owner, hold_id=hold_id, reason=reason)
    return None


async def _command(log: SQLiteEventLog, cause: RecordedEvent) -> SessionCommand | None:
    """The command the decision caused by ``cause`` was given, rebuilt as the router or a reactor built it."""
    event = cause.event
    if isinstance(event, UpdateReceived):
        meta = UpdateMeta(cid=cause.cid, update_id=event.update_id, event_id=cause.event_id, ts=cause.ts,
                          chat_id=cause.chat_id, user_id=cause.user_id)
        return command_for(_UPDATE.decode(event.body), meta)
    if cause.stream.startswith("ledger:"):
        return report_of(cause)
    if cause.stream.startswith("job:"):
        requested = await log.read_stream(cause.stream, 1, 1)
        jobs = JobDecider()
        order: JobState = fold(jobs, jobs.initial_state(), [r.event for r in requested])
        return job_report_for(cause, order)
    return None


def _compare(stream: str, cause: RecordedEvent, recorded: Sequence[Event], replayed: Sequence[Event]
             ) -> Divergence | None:
    what = f"{cause.type} {cause.event_id}"
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
