"""The state of one job, and how each event changes it (a pure fold).

A job's ``status`` follows one path; each arrow is the event that takes it::

    new ──JobRequested──▶ requested ──JobSubmitting──▶ submitting ──JobSubmitted──▶ running
                              ▲                            │                          │
                              └──JobRetryScheduled─────────┘            JobSucceeded  │  JobFailed
                                                                      ┌───────────────┴─────────┐
                                                                      ▼                         ▼
              delivered ◀─ResultDelivered─ delivering ◀─captured─ succeeded ─capture_rejected─▶ late
                                                                                              failed

``requested``, ``running`` and ``submitting`` may also end in ``failed``
(``JobFailed``, recorded with ``VoidAsked``). ``delivered``, ``failed`` and
``late`` are **terminal**: nothing takes a job out of them. ``succeeded``
and ``delivering`` have their result and can no longer fail.

The rules the fold keeps:

* ``submissions`` counts ``JobSubmitting`` and ``task_id`` is set once, by
  ``JobSubmitted``;
* ``capture_asked`` and ``void_asked`` are each set once, and never both;
* ``hold`` is the ledger's last answer (``pending`` until one comes);
* ``late`` is set by ``JobLate`` (recorded once), whose ``late_results`` are never delivered.

:class:`JobState` is a frozen msgspec Struct, so a snapshot is
``msgspec.json.encode(state)``; new fields get defaults.
"""

from __future__ import annotations

from typing import Final

import msgspec

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
    UploadedFiles,
    VoidAsked,
)
from trt_actors.events.session import Files, Param

__all__ = [
    "DELIVERED",
    "DELIVERING",
    "FAILED",
    "LATE",
    "NEW",
    "REQUESTED",
    "RUNNING",
    "STREAM_PREFIX",
    "SUBMITTING",
    "SUCCEEDED",
    "TERMINAL",
    "JobState",
    "evolve",
    "job_stream",
]

STREAM_PREFIX: Final = "job:"
"""Every job stream's name starts so: ``job:<job_id>``, the job id being the confirmation id."""

NEW: Final = "new"
REQUESTED: Final = "requested"
SUBMITTING: Final = "submitting"
RUNNING: Final = "running"
SUCCEEDED: Final = "succeeded"
DELIVERING: Final = "delivering"
DELIVERED: Final = "delivered"
FAILED: Final = "failed"
LATE: Final = "late"

TERMINAL: Final = frozenset({DELIVERED, FAILED, LATE})
"""The statuses a job never leaves."""


def job_stream(job_id: str) -> str:
    """The stream whose fold is the job ``job_id``."""
    return f"{STREAM_PREFIX}{job_id}"


class JobState(msgspec.Struct, frozen=True):
    """Everything one job knows (see the module docstring for its path and rules).

    ``next_at`` is when the shell should act next: upload or submit again
    after a retryable error, or poll the running task. ``attempts`` counts the
    retryable failures of the current call in a row; ``polls`` the answers
    that the task still runs.
    """

    status: str = NEW
    job_id: str = ""
    user_id: int = 0
    chat_id: int = 0
    model_id: str = ""
    category: str = ""
    params: tuple[Param, ...] = ()
    files: tuple[Files, ...] = ()
    credits: int = 0
    hold_expires_at: float = 0.0
    deadline_at: float = 0.0
    requested_at: float = 0.0
    message_id: int | None = None
    language: str = ""
    uploads: tuple[UploadedFiles, ...] = ()
    submissions: int = 0
    submitted_at: float = 0.0
    task_id: str = ""
    recovered: bool = False
    task_state: str = ""
    polls: int = 0
    attempts: int = 0
    next_at: float = 0.0
    result_urls: tuple[str, ...] = ()
    failure: str = ""
    kie_balance_empty: bool = False
    capture_asked: bool = False
    void_asked: bool = False
    hold: str = "pending"
    delivered_message_ids: tuple[int, ...] = ()
    late_results: tuple[str, ...] = ()
    late: bool = False

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL

    @property
    def needs_uploads(self) -> bool:
        """True while the order has photos that are not on KIE's upload host yet."""
        return bool(self.files) and not self.uploads


def evolve(state: JobState, event: Event) -> JobState:
    """The state after ``event``; other streams' events change nothing."""
    replace = msgspec.structs.replace
    match event:
        case JobRequested():
            return replace(
                state,
                status=REQUESTED,
                job_id=event.job_id,
                user_id=event.user_id,
                chat_id=event.chat_id,
                model_id=event.model_id,
                category=event.category,
                params=event.params,
                files=event.files,
                credits=event.credits,
                hold_expires_at=event.hold_expires_at,
                deadline_at=event.deadline_at,
                requested_at=event.requested_at,
                message_id=event.message_id,
                language=event.language,
                next_at=event.requested_at,
            )
        case JobFilesUploaded(files=files):
            return replace(state, uploads=files, attempts=0)
        case JobSubmitting(attempt=attempt):
            return replace(state, status=SUBMITTING, submissions=attempt)
        case JobSubmitted(task_id=task_id, at=at, recovered=recovered):
            return replace(
                state, status=RUNNING, task_id=task_id, submitted_at=at, recovered=recovered, attempts=0, next_at=at
            )
        case JobPolled(state=task_state, next_poll_at=next_poll_at):
            return replace(state, task_state=task_state, polls=state.polls + 1, attempts=0, next_at=next_poll_at)
        case JobRetryScheduled(call=call, attempt=attempt, retry_at=retry_at):
            status = REQUESTED if call == "createTask" else state.status
            return replace(state, status=status, attempts=attempt, next_at=retry_at)
        case JobSucceeded(result_urls=result_urls):
            return replace(state, status=SUCCEEDED, task_state="success", result_urls=result_urls)
        case JobFailed(reason=reason, kie_balance_empty=empty):
            return replace(state, status=FAILED, failure=reason, kie_balance_empty=empty)
        case CaptureAsked():
            return replace(state, capture_asked=True)
        case VoidAsked():
            return replace(state, void_asked=True)
        case HoldSettled(outcome=outcome):
            if outcome == "captured" and state.status == SUCCEEDED:
                return replace(state, hold=outcome, status=DELIVERING)
            if outcome in ("capture_rejected", "voided") and state.status == SUCCEEDED:
                return replace(state, hold=outcome, status=LATE)
            return replace(state, hold=outcome)
        case ResultDelivered(message_ids=message_ids):
            return replace(state, status=DELIVERED, delivered_message_ids=message_ids)
        case JobLate(result_urls=result_urls):
            return replace(state, late=True, late_results=result_urls)
    return state
