"""Events of one KIE job (stream ``job:<job_id>``; the job id is the confirmation id that named its hold).

A job goes one way or the other, and its events say which:

* **started**: ``JobRequested`` (the order, from a placed hold, with its
  deadline), ``JobFilesUploaded`` (the KIE URLs of the user's photos), then
  ``JobSubmitting``, committed **before** ``createTask`` is called
  (persist-then-act), and ``JobSubmitted`` with KIE's task id;
* **waiting**: ``JobPolled`` for each answer that the task still runs, with the
  time of the next poll; ``JobRetryScheduled`` for each KIE call that failed
  in a way worth retrying (429, 455, 5xx), with the time of the next attempt;
* **success**: ``JobSucceeded`` (the result URLs) and ``CaptureAsked`` in the
  same batch, then the ledger's answer (``HoldSettled``) and
  ``ResultDelivered``;
* **failure**: ``JobFailed`` (a stable ``reason`` the session words) and
  ``VoidAsked`` in the same batch, then the ledger's answer (``HoldSettled``);
* a result that will not be delivered (it came after the job had failed, or
  the ledger had voided the hold first): ``JobLate``, for admins.

A job asks its hold to be captured or voided exactly once, never both.

**Inputs and decisions.** KIE's answers (``JobFilesUploaded``,
``JobSubmitted``, ``JobPolled``, ``JobSucceeded``, the KIE part of
``JobFailed`` and ``JobRetryScheduled``), the ledger's (``HoldSettled``) and
Telegram's (``ResultDelivered``) enter as fields of commands; each event
copies the answer and adds what was decided from it (``next_poll_at``,
``retry_at``, ``reason``). None is marked ``recorded_input``: a replay rebuilds
the command from the answer fields and compares the decided ones.

All of these are decisions of :class:`trt_actors.jobs.JobDecider`.
"""

from __future__ import annotations

from typing import TypeAlias, get_args

import msgspec

from eventlog import STREAM_ITEM
from trt_actors.events.base import Event
from trt_actors.events.session import Files, Param

__all__ = [
    "FAILURE_REASONS",
    "JOB_EVENTS",
    "CaptureAsked",
    "HoldSettled",
    "JobEvent",
    "JobFailed",
    "JobFilesUploaded",
    "JobLate",
    "JobPolled",
    "JobRequested",
    "JobRetryScheduled",
    "JobSubmitted",
    "JobSubmitting",
    "JobSucceeded",
    "ResultDelivered",
    "UploadedFiles",
    "VoidAsked",
]

FAILURE_REASONS: tuple[str, ...] = (
    "generation_failed",
    "rejected_input",
    "model_disabled",
    "kie_balance_empty",
    "kie_unavailable",
    "task_lost",
    "empty_result",
    "deadline",
    "unsubmitted",
)
"""Why a job failed, as ``JobFailed.reason`` and ``VoidAsked.reason`` say it.

``generation_failed``: KIE's task ended in ``fail``, or 501. ``rejected_input``:
KIE refused the request or a photo (422, 400). ``model_disabled``: 505.
``kie_balance_empty``: 402, our KIE account is empty (admins are alerted).
``kie_unavailable``: KIE refused our key or sub-key (401, 433) or answered a
code we do not know. ``task_lost``: recordInfo no longer knows the task.
``empty_result``: ``success`` without a result URL. ``deadline``: the
category's deadline passed. ``unsubmitted``: a restart found the job between
``JobSubmitting`` and ``JobSubmitted`` and no task was found, so it is voided
rather than submitted a second time.
"""


class UploadedFiles(msgspec.Struct, frozen=True, array_like=True, forbid_unknown_fields=True, gc=False):
    """The KIE URLs of the photos sent for image field ``name``, in order: ``["image_urls", ["https://..."]]``."""

    name: str
    urls: tuple[str, ...]


class JobRequested(Event, frozen=True):
    """A job for the placed hold ``job_id``: the order the user confirmed, and until when it may run.

    ``params`` and ``files`` are as on ``GenerationRequested`` (files are
    Telegram file ids, uploaded to KIE next); ``credits`` is what the hold
    reserved and a success captures. ``deadline_at`` is the category's
    deadline, never later than ``hold_expires_at`` (a job does not outlive its
    hold); ``message_id`` is the confirmation message that shows progress;
    ``language`` the user's, for the result's caption.
    """

    job_id: str
    user_id: int
    chat_id: int
    model_id: str
    category: str
    params: tuple[Param, ...]
    files: tuple[Files, ...]
    credits: int
    hold_expires_at: float
    deadline_at: float
    requested_at: float
    message_id: int | None = None
    language: str = ""

    def opened_item(self) -> str:
        """An unfinished job is an open item (``job:<job_id>``, its stream) that a restart resumes."""
        return f"job:{self.job_id}"


class JobFilesUploaded(Event, frozen=True):
    """Every photo of the order is on KIE's upload host; ``files`` are their URLs, field by field."""

    files: tuple[UploadedFiles, ...]


class JobSubmitting(Event, frozen=True):
    """``createTask`` is about to be called (attempt ``attempt``, from 1). Committed before the call."""

    attempt: int
    at: float


class JobSubmitted(Event, frozen=True):
    """KIE created task ``task_id``. ``recovered``: found after a restart, not answered by createTask."""

    task_id: str
    at: float
    recovered: bool = False


class JobPolled(Event, frozen=True):
    """KIE says the task still runs (``state``: waiting, queuing or generating); ask again at ``next_poll_at``.

    ``source`` is ``poll`` or ``callback`` (a callback confirmed by recordInfo); ``jitter`` the draw in [0, 1]
    that placed ``next_poll_at`` in its window (recorded so that ``replay`` decides the same; None in older logs).
    """

    task_id: str
    state: str
    next_poll_at: float
    at: float
    source: str = "poll"
    jitter: float | None = None


class JobRetryScheduled(Event, frozen=True):
    """A KIE call (``call``: upload, createTask or recordInfo) failed with a retryable ``code``: try again at ``retry_at``.

    ``attempt`` counts the failures of this call in a row; ``code`` 0 is a
    network failure. A createTask retried here was not created (429 is not
    queued), so the job goes back to waiting for its submission. ``jitter`` is
    the draw that placed ``retry_at`` (None in older logs); ``sent`` false: the
    request never left (a createTask that cannot have reached KIE).
    """

    call: str
    code: int
    message: str
    attempt: int
    retry_at: float
    at: float
    jitter: float | None = None
    sent: bool = True


class JobSucceeded(Event, frozen=True):
    """Task ``task_id`` succeeded with ``result_urls``; recorded with ``CaptureAsked``."""

    task_id: str
    result_urls: tuple[str, ...]
    at: float
    source: str = "poll"


class JobFailed(Event, frozen=True):
    """The job ended without a result: ``reason`` is one of :data:`FAILURE_REASONS`; recorded with ``VoidAsked``.

    ``code`` and ``message`` are KIE's (an API code, or the task's
    ``failCode``) when KIE said why. ``kie_balance_empty`` flags a 402: our KIE
    account needs a top-up, and admins are to be alerted.
    """

    reason: str
    at: float
    code: str = ""
    message: str = ""
    kie_balance_empty: bool = False

    def closed_item(self) -> str:
        return STREAM_ITEM


class CaptureAsked(Event, frozen=True):
    """The ledger is asked to capture ``amount`` of the hold ``hold_id`` (the job id) of ``user_id``."""

    hold_id: str
    user_id: int
    amount: int


class VoidAsked(Event, frozen=True):
    """The ledger is asked to void the hold ``hold_id`` of ``user_id``; ``reason`` is the job's failure reason."""

    hold_id: str
    user_id: int
    reason: str


class HoldSettled(Event, frozen=True):
    """The ledger answered: ``outcome`` is ``captured``, ``voided``, ``capture_rejected`` or ``void_rejected``.

    ``reason`` is the ledger's rejection reason (``voided``, ``unknown_hold``,
    ...), or the void's reason.
    """

    outcome: str
    reason: str = ""


class ResultDelivered(Event, frozen=True):
    """The result reached the chat (``message_ids`` of the messages sent). The job is done."""

    message_ids: tuple[int, ...]
    at: float

    def closed_item(self) -> str:
        return STREAM_ITEM


class JobLate(Event, frozen=True):
    """A result that will not be delivered: it came after the hold was voided (``reason``). For admins."""

    task_id: str
    result_urls: tuple[str, ...]
    reason: str
    at: float

    def closed_item(self) -> str:
        return STREAM_ITEM


JobEvent: TypeAlias = (
    JobRequested
    | JobFilesUploaded
    | JobSubmitting
    | JobSubmitted
    | JobPolled
    | JobRetryScheduled
    | JobSucceeded
    | JobFailed
    | CaptureAsked
    | VoidAsked
    | HoldSettled
    | ResultDelivered
    | JobLate
)
"""Any event of a job's stream. Works with ``isinstance``."""

JOB_EVENTS: tuple[type[Event], ...] = get_args(JobEvent)
"""Every job event type; registered in :data:`trt_actors.events.ALL_EVENTS`."""
