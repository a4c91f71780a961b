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

The ledger's and the job runner's decisions are not replayed yet (their
commands are not all rebuilt from the log); ``skipped`` counts them.

Example::

    result = await replay_chain(log, "u700000031-42d4521a", decider=SessionDecider(load_valid_registry()))
    print(result.summary())
"""

from __future__ import annotations

from dataclasses import dataclass, field

import msgspec

from eventlog import RecordedEvent, SQLiteEventLog
from trt_actors.actors.intake import UpdateMeta
from trt_actors.actors.job_reactions import job_report_for
from trt_actors.actors.ledger_reactions import report_of
from trt_actors.actors.session_region import command_for
from trt_actors.events import CODEC, Event, UpdateReceived
from trt_actors.jobs import JobDecider, JobState
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
        return f"cid {self.cid}: {self.decisions} session decision(s) replayed, {verdict}" + (
            f"; {self.skipped} decision(s) of other actors not replayed" if self.skipped else "")


async def replay_chain(log: SQLiteEventLog, cid: str, *, decider: SessionDecider) -> ReplayResult:
    """Replay every session decision of chain ``cid`` (see the module docstring)."""
    chain = await log.read_cid(cid)
    by_id = {recorded.event_id: recorded for recorded in chain}
    result = ReplayResult(cid)
    groups: dict[tuple[str, str], list[RecordedEvent]] = {}
    for recorded in chain:
        if recorded.stream.startswith("chat:"):
            groups.setdefault((recorded.stream, recorded.causation or ""), []).append(recorded)
    # The ledger's and the job runner's decisions (one per stream and cause) are counted, not replayed yet.
    result.skipped = len({(r.stream, r.causation) for r in chain if r.stream.startswith(("ledger:", "job:"))})
    for (stream, cause_id), decided in groups.items():
        cause = by_id.get(cause_id)
        command = await _command(log, cause) if cause is not None else None
        if cause is None or command is None:
            result.skipped += 1
            continue
        first = decided[0].version
        earlier = await log.read_stream(stream, 1, first - 1) if first > 1 else []
        state = fold(decider, decider.initial_state(), [r.event for r in earlier])
        produced = decider.decide(state, command)
        result.decisions += 1
        divergence = _compare(stream, cause, [r.event for r in decided], produced)
        if divergence is not None:
            result.divergences.append(divergence)
    return result


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


def _compare(stream: str, cause: RecordedEvent, recorded: list[Event], replayed: list[Event]) -> Divergence | None:
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
