"""How jobs meet the ledger, the sessions and the admins: durable reactions, no call in between.

Each is a :class:`~trt_actors.runtime.Reactor` (a checkpoint that moves only
after the target committed the outcome; command ids derived from event ids):

* :class:`JobRequests` (lanes: users): a placed hold (``HoldPlaced``) becomes
  a job, its order read from the ``GenerationRequested`` that asked for the
  hold, its deadline the hold's time plus the category's. A hold the ledger
  no longer has pending (voided by expiry before the job was asked for) opens
  no job.
* :class:`JobSettlements` (lanes: users): ``CaptureAsked`` → ``Capture``,
  ``VoidAsked`` → ``Void``, on the job's user's ledger.
* :class:`HoldOutcomes` (lanes: users): the ledger's answer about a job's hold
  (``HoldCaptured``, ``HoldVoided``, ``CaptureRejected``, ``VoidRejected``)
  goes back to the job as ``RecordHoldOutcome``; so does a void the ledger
  decided itself (expiry), which ends a job that was still waiting.
* :class:`JobReports` (lanes: chats): the job's steps become ``JobReported``
  for the chat's session, which words them.
* :class:`AdminAlerts`: our KIE balance ran out (a 402) or a result came that
  will not be delivered (``JobLate``): each admin (``ADMIN_IDS``) is told,
  the balance alert once an hour at most (``AdminAlerted`` is recorded first).
* :class:`Resends`: ``ResultResendRequested`` from /history sends a delivered
  result again from its recorded URLs.

Example::

    root.start("job-requests", JobRequests(log, runner, ledger, registry).run)
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Collection, Hashable, Sequence


from eventlog import EventStore, NewEvent, RecordedEvent
from trt_actors.events import Event
from registry import Registry
from trt_actors.actors.jobs import JobRunner
from trt_actors.actors.ledger import Ledger
from trt_actors.events.jobs import (
    CaptureAsked,
    JobFailed,
    JobLate,
    JobPolled,
    JobRequested,
    JobSubmitted,
    JobSucceeded,
    ResultDelivered,
    VoidAsked,
)
from trt_actors.events.ledger import CaptureRejected, HoldCaptured, HoldPlaced, HoldVoided, VoidRejected
from trt_actors.events.ops import AdminAlerted
from trt_actors.events.session import GenerationRequested, ResultResendRequested
from trt_actors.jobs import STREAM_PREFIX, JobDecider, JobState, RecordHoldOutcome, RequestJob, job_stream
from trt_actors.ledger import Capture, Void
from trt_actors.runtime import CommandMeta, CommandRejected, Executed, Reactor, fold
from trt_actors.runtime.reactor import Reacting, reaction_meta
from trt_actors.session.commands import JobReported
from trt_actors.telegram import BadRequest, Forbidden, TelegramAPIError, TelegramClient

__all__ = ["AdminAlerts", "HoldOutcomes", "JobReports", "JobRequests", "JobSettlements", "Resends", "hold_outcome_for",
           "job_report_for", "request_for", "settlement_for"]

log = logging.getLogger(__name__)

SessionRun = Callable[[JobReported, CommandMeta], Awaitable[Executed]]


def _reactor(name: str, log: EventStore, types: Collection[type[Event]], handle: Callable[..., Awaitable[None]], *,
             key: Callable[[RecordedEvent], Hashable], select: Callable[[RecordedEvent], bool] | None = None,
             max_attempts: int | None = None) -> Reactor:
    return Reactor(name, log, types=[kind.type_name() for kind in types], handle=handle, key=key, select=select,
                   workers=16, max_attempts=max_attempts)


def _is_job(recorded: RecordedEvent) -> bool:
    return recorded.stream.startswith(STREAM_PREFIX)



class JobRequests(Reacting):
    """``HoldPlaced`` → a job for the order it holds (see the module docstring)."""

    def __init__(self, log: EventStore, runner: JobRunner, ledger: Ledger, registry: Registry) -> None:
        self._log = log
        self._runner = runner
        self._ledger = ledger
        self._registry = registry
        self.reactor = _reactor("job-requests", log, (HoldPlaced,), self._handle,
                                key=lambda recorded: recorded.user_id,
                                select=lambda recorded: recorded.user_id is not None)

    async def command_for(self, recorded: RecordedEvent) -> RequestJob | None:
        """The job a placed hold asks for, read from the order that asked for the hold; None if there is none."""
        return request_for(recorded, await self._log.read_cid(recorded.cid), self._registry,
                           self._runner.limits.deadline)

    async def _handle(self, lane: Hashable, events: Sequence[RecordedEvent]) -> None:
        for recorded in events:
            placed = recorded.event
            assert isinstance(placed, HoldPlaced) and recorded.user_id is not None
            hold = (await self._ledger.state(recorded.user_id)).holds.get(placed.hold_id)
            if hold is None or hold.status != "pending":
                existing = await self._runner.state(placed.hold_id)
                if existing.status == "new":
                    continue  # voided (expired) before its job was asked for: nothing to run
            command = await self.command_for(recorded)
            if command is not None:
                await self._runner.request(command, reaction_meta(recorded, chat_id=command.chat_id))


class JobSettlements(Reacting):
    """``CaptureAsked`` / ``VoidAsked`` → the ledger's ``Capture`` / ``Void``."""

    def __init__(self, log: EventStore, ledger: Ledger) -> None:
        self._ledger = ledger
        self.reactor = _reactor("job-settlements", log, (CaptureAsked, VoidAsked), self._handle,
                                key=lambda recorded: recorded.user_id, select=_is_job)

    async def _handle(self, lane: Hashable, events: Sequence[RecordedEvent]) -> None:
        for recorded in events:
            command = settlement_for(recorded)
            if command is not None:
                await self._ledger.run(command, reaction_meta(recorded, user_id=command.user_id))


def settlement_for(recorded: RecordedEvent) -> Capture | Void | None:
    """The ledger command a job's ``CaptureAsked`` or ``VoidAsked`` asks for; None for any other event."""
    match recorded.event:
        case CaptureAsked(hold_id=hold_id, user_id=user, amount=amount):
            return Capture(user_id=user, hold_id=hold_id, amount=amount)
        case VoidAsked(hold_id=hold_id, user_id=user, reason=reason):
            return Void(user_id=user, hold_id=hold_id, reason=reason)
    return None


class HoldOutcomes(Reacting):
    """The ledger's answers about holds → ``RecordHoldOutcome`` for the job that holds them."""

    def __init__(self, log: EventStore, runner: JobRunner) -> None:
        self._runner = runner
        self.reactor = _reactor("hold-outcomes", log, (HoldCaptured, HoldVoided, CaptureRejected, VoidRejected),
                                self._handle, key=lambda recorded: recorded.user_id,
                                select=lambda recorded: recorded.stream.startswith("ledger:"))

    async def _handle(self, lane: Hashable, events: Sequence[RecordedEvent]) -> None:
        for recorded in events:
            command = hold_outcome_for(recorded)
            if command is None:
                continue
            try:
                await self._runner.record(command, reaction_meta(recorded))
            except CommandRejected as refused:  # an answer the job never asked for: nothing to record
                log.info("hold %s: %s", command.job_id, refused)


def request_for(placed: RecordedEvent, chain: Sequence[RecordedEvent], registry: Registry,
                deadline: Callable[[str], float]) -> RequestJob | None:
    """The job the placed hold ``placed`` asks for, from the order of ``chain`` that asked for the hold.

    None when no confirmation asked for it (an admin's hold, a test's). Pure:
    ``replay`` builds the same command from the same recorded events.
    """
    hold = placed.event
    assert isinstance(hold, HoldPlaced) and placed.user_id is not None
    order = next((r for r in chain if r.event_id == placed.causation and isinstance(r.event, GenerationRequested)),
                 None)
    if order is None or order.chat_id is None:
        return None
    requested = order.event
    assert isinstance(requested, GenerationRequested)
    try:
        category = registry.model(requested.model_id).category
    except KeyError:
        category = "other"  # the model is gone: the job fails at its submission, and the hold is voided
    return RequestJob(
        job_id=hold.hold_id, user_id=placed.user_id, chat_id=order.chat_id, model_id=requested.model_id,
        category=category, params=requested.params, files=requested.files, credits=hold.amount,
        hold_expires_at=hold.expires_at, deadline_at=placed.ts + deadline(category),
        now=placed.ts, message_id=requested.message_id, language=requested.language,
    )


def hold_outcome_for(recorded: RecordedEvent) -> RecordHoldOutcome | None:
    """The job's command for the ledger's answer ``recorded`` about a hold; None for any other ledger event."""
    match recorded.event:
        case HoldCaptured(hold_id=hold_id):
            outcome, reason = "captured", ""
        case HoldVoided(hold_id=hold_id, reason=reason):
            outcome = "voided"
        case CaptureRejected(hold_id=hold_id, reason=reason):
            outcome = "capture_rejected"
        case VoidRejected(hold_id=hold_id, reason=reason):
            outcome = "void_rejected"
        case _:
            return None
    return RecordHoldOutcome(job_id=hold_id, outcome=outcome, reason=reason, now=recorded.ts)


_REPORTED = (JobRequested, JobSubmitted, JobPolled, JobSucceeded, ResultDelivered, JobFailed)


class JobReports(Reacting):
    """Job events → ``JobReported`` for the chat's session."""

    def __init__(self, log: EventStore, runner: JobRunner, run_session: SessionRun) -> None:
        self._log = log
        self._runner = runner
        self._run = run_session
        self._orders: OrderedDict[str, JobState] = OrderedDict()
        self.reactor = _reactor("job-reports", log, _REPORTED, self._handle,
                                key=lambda recorded: recorded.chat_id,
                                select=lambda recorded: _is_job(recorded) and recorded.chat_id is not None,
                                max_attempts=None)  # a user is never left without the news of a job

    async def _order(self, job_id: str) -> JobState:
        """The job's order (model, price, message): it never changes, so it is read once and kept."""
        order = self._orders.get(job_id)
        if order is None:
            order = await self._runner.state(job_id)
            if not order.job_id:
                # The runner's shell may not have folded its own JobRequested yet (the commit reaches this
                # reactor before the appender resumes): the order is that event, read from the log.
                requested = await self._log.read_stream(job_stream(job_id), 1, 1)
                order = fold(JobDecider(), JobState(), [r.event for r in requested])
            if not order.job_id:
                return order  # no job yet: nothing to keep
            self._orders[job_id] = order
            while len(self._orders) > 1_000:
                self._orders.popitem(last=False)
        return order

    async def _handle(self, lane: Hashable, events: Sequence[RecordedEvent]) -> None:
        for recorded in events:
            command = job_report_for(recorded, await self._order(recorded.stream.removeprefix(STREAM_PREFIX)))
            if command is not None:
                await self._run(command, reaction_meta(recorded))


def job_report_for(recorded: RecordedEvent, order: JobState) -> JobReported | None:
    """What the chat's session hears of a job event, given the job's order (its state once requested)."""
    if not order.job_id or recorded.chat_id is None or recorded.user_id is None:
        return None
    event = recorded.event
    reason = ""
    message_ids: tuple[int, ...] = ()
    results = 0
    match event:
        case JobFailed():
            reason = event.reason
        case ResultDelivered():
            message_ids = event.message_ids
        case JobSucceeded():
            results = len(event.result_urls)
    return JobReported(
        chat_id=recorded.chat_id, user_id=recorded.user_id, cid=recorded.cid, update_id=0, ts=recorded.ts,
        event=recorded.type, job_id=recorded.stream.removeprefix(STREAM_PREFIX), model_id=order.model_id,
        credits=order.credits, message_id=order.message_id, elapsed=max(0.0, recorded.ts - order.requested_at),
        reason=reason, message_ids=message_ids, result_count=results,
    )


ALERT_STREAM = "ops:alerts"
BALANCE_ALERT_EVERY = 3600.0


class AdminAlerts(Reacting):
    """KIE balance empty, results that will not be delivered → a message to every admin."""

    def __init__(self, log: EventStore, tg: TelegramClient, admin_ids: Collection[int]) -> None:
        self._log = log
        self._tg = tg
        self._admins = tuple(sorted(admin_ids))
        self.sent = 0
        self.reactor = _reactor("admin-alerts", log, (JobFailed, JobLate), self._handle,
                                key=lambda recorded: "alerts", select=_is_job, max_attempts=5)

    async def _handle(self, lane: Hashable, events: Sequence[RecordedEvent]) -> None:
        for recorded in events:
            match recorded.event:
                case JobFailed(kie_balance_empty=True):
                    # Once an hour at most: the alert's id names the hour, so a second append is a duplicate.
                    hour = int(recorded.ts // BALANCE_ALERT_EVERY)
                    await self._alert(recorded, f"alert:kie_balance_empty:{hour}", "kie_balance_empty",
                                      "⚠️ KIE balance is empty: generations fail with 402 and users get their "
                                      "credits back. Top up the KIE account.")
                case JobLate(task_id=task, result_urls=urls, reason=reason):
                    job_id = recorded.stream.removeprefix(STREAM_PREFIX)
                    await self._alert(recorded, f"alert:late:{recorded.event_id}", "late_result",
                                      f"ℹ️ Job {job_id}: KIE task {task} finished with {len(urls)} result(s) "
                                      f"that will not be delivered ({reason}).")

    async def _alert(self, recorded: RecordedEvent, alert_id: str, kind: str, text: str) -> None:
        if not self._admins:
            return
        (position,) = await self._log.append([NewEvent(
            event_id=alert_id, stream=ALERT_STREAM, event=AdminAlerted(kind=kind, text=text, admins=self._admins),
            cid=recorded.cid, ts=recorded.ts, causation=recorded.event_id,
        )])
        if position.duplicate:
            return  # alerted already (this hour, or before a restart)
        for admin in self._admins:
            try:
                await self._tg.send_message(admin, text)
                self.sent += 1
            except TelegramAPIError as error:
                log.warning("admin %s could not be alerted: %s", admin, error)


class Resends(Reacting):
    """``ResultResendRequested`` (a tap in /history) → the delivered result sent again from its recorded URLs."""

    def __init__(self, log: EventStore, runner: JobRunner) -> None:
        self._runner = runner
        self.resent = 0
        self.reactor = _reactor("resends", log, (ResultResendRequested,), self._handle,
                                key=lambda recorded: recorded.chat_id, max_attempts=5)

    async def _handle(self, lane: Hashable, events: Sequence[RecordedEvent]) -> None:
        for recorded in events:
            asked = recorded.event
            assert isinstance(asked, ResultResendRequested)
            try:
                sent = await self._runner.resend(asked.job_id)
            except (Forbidden, BadRequest) as error:  # blocked, or KIE no longer keeps the files
                log.info("job %s: the result could not be sent again (%s)", asked.job_id, error)
                continue
            self.resent += bool(sent)
