"""The job's decider: what each command does to a KIE job. Pure: no I/O, no clock, no randomness.

Two kinds of "no", kept apart as in the ledger:

* a **malformed** command (a jitter outside [0, 1], a report about another
  task, a submission outcome for a job not in ``submitting``, uploads that do
  not match the order) is a caller's bug or a forgery: :class:`CommandRejected`
  is raised and nothing is recorded;
* a **business outcome** is an event: a failure (``JobFailed`` + ``VoidAsked``),
  a retry (``JobRetryScheduled``), a late result (``JobLate``).

The rules:

* **One job per confirmation.** A second :class:`RequestJob` records nothing.
* **Persist, then act.** ``JobSubmitting`` is decided (and committed) before
  ``createTask``; only a job in ``submitting`` takes a submission outcome.
  A job found in ``submitting`` after a restart is :class:`Recover`-ed:
  resumed when the shell found its task, voided (``unsubmitted``) otherwise,
  never submitted a second time. A createTask answered 429, 455 or 5xx was
  not created, so the job waits to submit again.
* **One ending.** A job asks for a capture (on success) or a void (on
  failure) exactly once, never both; a terminal job stays terminal.
  Duplicate and late answers record nothing, except a success that comes
  after the job failed, or after the ledger voided its hold: that one is
  recorded as ``JobLate`` (once) for admins, and never delivered.
* **Deadlines.** A job with no result fails (``deadline``) at the first
  command that sees ``now`` at or past its deadline; a success that arrives
  after the deadline but before the job failed is still delivered (its hold
  is still there). A job in ``submitting`` does not expire: its createTask is
  in flight, and only its answer or :class:`Recover` resolves it.
* **Backoff.** Polls follow :data:`POLL_WINDOWS` (by the time since the task
  was created), retries of a failed call :data:`RETRY_WINDOWS` (by the number
  of failures in a row); the command's ``jitter`` places the time in the window.
* **Failures** have a stable reason (:data:`trt_actors.events.jobs.FAILURE_REASONS`);
  402 also flags ``kie_balance_empty``.

Example::

    decider = JobDecider()
    state = decider.initial_state()
    for command in (request, Submit(job_id="c1", now=t), RecordCreated(job_id="c1", task_id="task-9", now=t + 1)):
        for event in decider.decide(state, command):
            state = decider.evolve(state, event)
    assert state.status == "running"
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from trt_actors.events import Event
from trt_actors.events.jobs import (
    CaptureAsked,
    HoldSettled,
    JobFailed,
    JobFilesUploaded,
    JobLate,
    JobPolled,
    JobRequested,
    JobRetryScheduled,
    JobSubmitted,
    JobSubmitting,
    JobSucceeded,
    ResultDelivered,
    VoidAsked,
)
from trt_actors.jobs.commands import (
    CALLS,
    HOLD_OUTCOMES,
    REPORT_SOURCES,
    JobCommand,
    RecordCreated,
    RecordDelivery,
    RecordHoldOutcome,
    RecordKieError,
    RecordReport,
    RecordUploads,
    Recover,
    RequestJob,
    Submit,
    Tick,
)
from trt_actors.jobs.state import (
    DELIVERING,
    FAILED,
    NEW,
    REQUESTED,
    RUNNING,
    SUBMITTING,
    SUCCEEDED,
    JobState,
    evolve,
)
from trt_actors.runtime.decider import CommandRejected

__all__ = ["POLL_WINDOWS", "RETRY_WINDOWS", "JobDecider", "failure_reason", "poll_delay", "retry_delay", "retryable"]

POLL_WINDOWS: Final = ((30.0, 2.0, 3.0), (180.0, 5.0, 10.0), (float("inf"), 15.0, 30.0))
"""``(until, low, high)``: while the task is younger than ``until`` seconds, poll every ``low``–``high`` s."""

RETRY_WINDOWS: Final = ((1, 2.0, 3.0), (3, 5.0, 10.0), (10**9, 15.0, 30.0))
"""``(up_to, low, high)``: the ``up_to``-th failure in a row (or an earlier one) waits ``low``–``high`` s."""

RUNNING_STATES: Final = frozenset({"waiting", "queuing", "generating"})
"""KIE's states of a task that has not finished (:class:`trt_actors.kie.TaskState`)."""


def _within(low: float, high: float, jitter: float) -> float:
    return low + (high - low) * jitter


def poll_delay(age: float, jitter: float) -> float:
    """Seconds until the next poll of a task created ``age`` seconds ago."""
    for until, low, high in POLL_WINDOWS:
        if age < until:
            return _within(low, high, jitter)
    raise AssertionError("the last poll window is unbounded")


def retry_delay(attempt: int, jitter: float) -> float:
    """Seconds before retrying a call that failed ``attempt`` times in a row (from 1)."""
    for up_to, low, high in RETRY_WINDOWS:
        if attempt <= up_to:
            return _within(low, high, jitter)
    raise AssertionError("the last retry window is unbounded")


def retryable(code: int) -> bool:
    """Whether the same KIE call may succeed later: 429 (not queued), 455 (maintenance), 5xx but 501 and 505,
    and 0 (the network)."""
    return code in (0, 429, 455) or (500 <= code < 600 and code not in (501, 505))


def failure_reason(call: str, code: int) -> str:
    """The reason a job fails with when ``call`` answered the terminal ``code``."""
    match code:
        case 402:
            return "kie_balance_empty"
        case 400 | 422:
            return "task_lost" if call == "recordInfo" else "rejected_input"
        case 404:
            return "task_lost" if call == "recordInfo" else "kie_unavailable"
        case 501:
            return "generation_failed"
        case 505:
            return "model_disabled"
    return "kie_unavailable"


def _check_jitter(jitter: float) -> None:
    if not 0.0 <= jitter <= 1.0:
        raise CommandRejected(f"jitter must lie in [0, 1], not {jitter}", reason="bad_jitter")


def _known(state: JobState, job_id: str) -> None:
    if state.status == NEW:
        raise CommandRejected(f"job {job_id!r} was never requested", reason="unknown_job")


def _fail(state: JobState, reason: str, now: float, code: str = "", message: str = "") -> list[Event]:
    return [
        JobFailed(reason=reason, at=now, code=code, message=message, kie_balance_empty=reason == "kie_balance_empty"),
        VoidAsked(hold_id=state.job_id, user_id=state.user_id, reason=reason),
    ]


def _expired(state: JobState, now: float) -> bool:
    """True when the job has no result, is not waiting on a createTask, and its deadline (or its hold) is gone."""
    return state.status in (REQUESTED, RUNNING) and (now >= state.deadline_at or state.hold == "voided")


def _request(state: JobState, command: RequestJob) -> list[Event]:
    if command.credits < 0:  # 0: a free-tier order
        raise CommandRejected(f"job {command.job_id!r} cannot hold a negative price", reason="bad_amount")
    if state.status != NEW:
        return []
    return [JobRequested(
        job_id=command.job_id,
        user_id=command.user_id,
        chat_id=command.chat_id,
        model_id=command.model_id,
        category=command.category,
        params=command.params,
        files=command.files,
        credits=command.credits,
        hold_expires_at=command.hold_expires_at,
        deadline_at=min(command.deadline_at, command.hold_expires_at),
        requested_at=command.now,
        message_id=command.message_id,
        language=command.language,
    )]


def _uploads(state: JobState, command: RecordUploads) -> list[Event]:
    _known(state, command.job_id)
    if state.uploads:
        if command.files == state.uploads:
            return []
        raise CommandRejected(f"job {command.job_id!r} has its uploads already", reason="uploaded")
    if state.status != REQUESTED:
        raise CommandRejected(f"job {command.job_id!r} is {state.status}, past its uploads", reason="not_requested")
    wanted = [(files.name, len(files.file_ids)) for files in state.files]
    got = [(files.name, len(files.urls)) for files in command.files]
    if wanted != got or not all(url for files in command.files for url in files.urls):
        raise CommandRejected(
            f"job {command.job_id!r}: uploads {got} do not match the order's photos {wanted}",
            reason="uploads_mismatch",
        )
    if _expired(state, command.now):
        return _fail(state, "deadline", command.now)
    return [JobFilesUploaded(files=command.files)]


def _submit(state: JobState, command: Submit) -> list[Event]:
    _known(state, command.job_id)
    if state.status != REQUESTED:
        raise CommandRejected(f"job {command.job_id!r} is {state.status}, not waiting to submit", reason="not_requested")
    if state.needs_uploads:
        raise CommandRejected(f"job {command.job_id!r} has photos not uploaded yet", reason="uploads_missing")
    if _expired(state, command.now):
        return _fail(state, "deadline", command.now)
    if command.now < state.next_at:
        raise CommandRejected(
            f"job {command.job_id!r} may submit again at {state.next_at}, not {command.now}", reason="not_due"
        )
    return [JobSubmitting(attempt=state.submissions + 1, at=command.now)]


def _created(state: JobState, command: RecordCreated) -> list[Event]:
    _known(state, command.job_id)
    if not command.task_id:
        raise CommandRejected(f"job {command.job_id!r}: createTask answered no task id", reason="no_task")
    if state.task_id == command.task_id:
        return []
    if state.status != SUBMITTING:
        raise CommandRejected(
            f"job {command.job_id!r} is {state.status}, not submitting: task {command.task_id!r} is not its own",
            reason="not_submitting",
        )
    return [JobSubmitted(task_id=command.task_id, at=command.now)]


def _success(state: JobState, command: RecordReport) -> list[Event]:
    report, now = command.report, command.now
    if state.status == FAILED:
        if state.late:
            return []
        return [JobLate(task_id=report.task_id, result_urls=report.result_urls, reason=f"after_{state.failure}", at=now)]
    if state.status != RUNNING:
        return []
    if state.hold == "voided":
        late = JobLate(task_id=report.task_id, result_urls=report.result_urls, reason="after_hold_voided", at=now)
        return [late, *_fail(state, "deadline", now)]
    if not report.result_urls:
        return _fail(state, "empty_result", now, message=report.fail_msg)
    return [
        JobSucceeded(task_id=report.task_id, result_urls=report.result_urls, at=now, source=report.source),
        CaptureAsked(hold_id=state.job_id, user_id=state.user_id, amount=state.credits),
    ]


def _report(state: JobState, command: RecordReport) -> list[Event]:
    _known(state, command.job_id)
    _check_jitter(command.jitter)
    report, now = command.report, command.now
    if report.source not in REPORT_SOURCES:
        raise CommandRejected(f"a report comes from {sorted(REPORT_SOURCES)}, not {report.source!r}",
                              reason="bad_source")
    if not state.task_id:
        # A job voided unsubmitted may yet have a task at KIE: its success is recorded for admins.
        if state.status == FAILED and report.state == "success":
            return _success(state, command)
        raise CommandRejected(f"job {command.job_id!r} has no task yet", reason="not_submitted")
    if report.task_id != state.task_id:
        raise CommandRejected(
            f"job {command.job_id!r} runs task {state.task_id!r}, not {report.task_id!r}", reason="wrong_task"
        )
    if report.state == "success":
        return _success(state, command)
    if state.status != RUNNING:
        return []
    if report.state == "fail":
        return _fail(state, "generation_failed", now, code=report.fail_code, message=report.fail_msg)
    if report.state not in RUNNING_STATES:
        raise CommandRejected(f"{report.state!r} is no state of a KIE task", reason="bad_state")
    if _expired(state, now):
        return _fail(state, "deadline", now)
    next_poll_at = now + poll_delay(now - state.submitted_at, command.jitter)
    return [JobPolled(task_id=report.task_id, state=report.state, next_poll_at=next_poll_at, at=now,
                      source=report.source, jitter=command.jitter)]


def _kie_error(state: JobState, command: RecordKieError) -> list[Event]:
    _known(state, command.job_id)
    _check_jitter(command.jitter)
    call, code, now = command.call, command.code, command.now
    if call not in CALLS:
        raise CommandRejected(f"{call!r} is not one of the job's KIE calls {sorted(CALLS)}", reason="bad_call")
    if call == "createTask":
        if state.status != SUBMITTING:
            raise CommandRejected(f"job {command.job_id!r} is {state.status}, not submitting", reason="not_submitting")
        if code == 0 and command.sent:
            raise CommandRejected(
                f"job {command.job_id!r}: createTask may have reached KIE; recover the job instead of retrying",
                reason="ambiguous_submit",
            )
    elif state.terminal or state.status in (SUCCEEDED, DELIVERING):
        return []
    elif not (state.status == REQUESTED and state.needs_uploads if call == "upload" else state.status == RUNNING):
        raise CommandRejected(f"job {command.job_id!r} is {state.status}: no {call} of it is due", reason="not_due")
    if not retryable(code):
        return _fail(state, failure_reason(call, code), now, code=str(code), message=command.message)
    if _expired(state, now) or (call == "createTask" and now >= state.deadline_at):
        return _fail(state, "deadline", now, code=str(code), message=command.message)
    attempt = state.attempts + 1
    return [JobRetryScheduled(
        call=call, code=code, message=command.message, attempt=attempt,
        retry_at=now + retry_delay(attempt, command.jitter), at=now, jitter=command.jitter, sent=command.sent,
    )]


def _recover(state: JobState, command: Recover) -> list[Event]:
    _known(state, command.job_id)
    if state.status != SUBMITTING:
        return []
    if command.found_task_id:
        return [JobSubmitted(task_id=command.found_task_id, at=command.now, recovered=True)]
    return _fail(state, "unsubmitted", command.now)


def _tick(state: JobState, command: Tick) -> list[Event]:
    _known(state, command.job_id)
    return _fail(state, "deadline", command.now) if _expired(state, command.now) else []


def _hold_outcome(state: JobState, command: RecordHoldOutcome) -> list[Event]:
    _known(state, command.job_id)
    outcome = command.outcome
    if outcome not in HOLD_OUTCOMES:
        raise CommandRejected(f"{outcome!r} is not one of {sorted(HOLD_OUTCOMES)}", reason="bad_outcome")
    if state.hold != "pending":
        return []
    settled = HoldSettled(outcome=outcome, reason=command.reason)
    if outcome == "voided" and not state.void_asked:
        return _voided_unasked(state, settled, command.now)
    asked = state.capture_asked if outcome.startswith("capture") else state.void_asked
    if not asked:
        raise CommandRejected(f"job {command.job_id!r} asked no {outcome.split('_')[0]}", reason="not_asked")
    if outcome == "capture_rejected":
        return [settled, _withheld(state, f"capture_{command.reason}", command.now)]
    return [settled]


def _withheld(state: JobState, reason: str, now: float) -> JobLate:
    return JobLate(task_id=state.task_id, result_urls=state.result_urls, reason=reason, at=now)


def _voided_unasked(state: JobState, settled: HoldSettled, now: float) -> list[Event]:
    """The ledger voided the hold itself (its expiry sweep): the job cannot be paid for any more.

    A job with its result withholds it (``late``); a job without one fails now
    (its void is asked all the same, so that every failure asks once: the
    ledger answers a second void with nothing); a job in ``submitting`` waits
    for its createTask answer or recovery, and fails at its next command.
    """
    if state.capture_asked:
        return [settled, _withheld(state, "capture_voided", now)]
    if state.status in (REQUESTED, RUNNING):
        return [settled, *_fail(state, "deadline", now)]
    return [settled]


def _delivery(state: JobState, command: RecordDelivery) -> list[Event]:
    _known(state, command.job_id)
    if state.delivered_message_ids:
        return []
    if state.status != DELIVERING:
        raise CommandRejected(f"job {command.job_id!r} is {state.status}, not delivering", reason="not_delivering")
    return [ResultDelivered(message_ids=command.message_ids, at=command.now)]


class JobDecider:
    """One KIE job as a :class:`~trt_actors.runtime.decider.Decider` (see the module docstring)."""

    def initial_state(self) -> JobState:
        return JobState()

    def decide(self, state: JobState, command: JobCommand) -> Sequence[Event]:
        if state.job_id and command.job_id != state.job_id:
            raise CommandRejected(f"command for job {command.job_id!r} sent to job {state.job_id!r}",
                                  reason="wrong_job")
        match command:
            case RequestJob():
                return _request(state, command)
            case RecordUploads():
                return _uploads(state, command)
            case Submit():
                return _submit(state, command)
            case RecordCreated():
                return _created(state, command)
            case RecordReport():
                return _report(state, command)
            case RecordKieError():
                return _kie_error(state, command)
            case Recover():
                return _recover(state, command)
            case Tick():
                return _tick(state, command)
            case RecordHoldOutcome():
                return _hold_outcome(state, command)
            case RecordDelivery():
                return _delivery(state, command)

    def evolve(self, state: JobState, event: Event) -> JobState:
        return evolve(state, event)
