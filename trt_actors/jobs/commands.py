"""What may be asked of a job: one frozen command per thing that happened to it, each naming the job.

Time enters as ``now`` (a recorded clock reading) and randomness as
``jitter`` (a number in [0, 1] drawn by the shell); the decider reads neither
a clock nor a random source. KIE's, the ledger's and Telegram's answers enter
as fields and are copied into the events.

* :class:`RequestJob` opens the job from a placed hold;
* :class:`RecordUploads` records the KIE URLs of the user's photos;
* :class:`Submit` decides to call ``createTask`` (``JobSubmitting``, committed
  before the call); :class:`RecordCreated` records the task id it answered;
* :class:`RecordReport` records what KIE says of the task (a recordInfo
  answer, after a poll or a callback: :func:`report_of` reads the client's
  :class:`~trt_actors.kie.TaskInfo`);
* :class:`RecordKieError` records a KIE call that failed;
* :class:`Recover` resolves a job a restart found in ``submitting``;
* :class:`Tick` checks the deadline;
* :class:`RecordHoldOutcome` records the ledger's answer to the capture or void;
* :class:`RecordDelivery` records that the result reached the chat.

Example::

    command = RequestJob(job_id=placed.hold_id, user_id=42, chat_id=42, model_id="nano-banana-pro",
                         category="text_to_image", params=requested.params, files=requested.files,
                         credits=placed.amount, hold_expires_at=placed.expires_at,
                         deadline_at=now + deadlines["text_to_image"], now=now)
"""

from __future__ import annotations

from typing import Final, TypeAlias

import msgspec

from trt_actors.events.jobs import UploadedFiles
from trt_actors.events.session import Files, Param
from trt_actors.kie.task import TaskInfo

__all__ = [
    "CALLS",
    "HOLD_OUTCOMES",
    "REPORT_SOURCES",
    "JobCommand",
    "RecordCreated",
    "RecordDelivery",
    "RecordHoldOutcome",
    "RecordKieError",
    "RecordReport",
    "RecordUploads",
    "Recover",
    "RequestJob",
    "Submit",
    "TaskReport",
    "Tick",
    "report_of",
]

CALLS: Final = frozenset({"upload", "createTask", "recordInfo"})
"""The KIE calls a job makes, as :class:`RecordKieError` names them."""

HOLD_OUTCOMES: Final = frozenset({"captured", "voided", "capture_rejected", "void_rejected"})
"""What the ledger may answer to a job's capture or void."""

REPORT_SOURCES: Final = frozenset({"poll", "callback"})
"""What made the shell ask KIE: its own poll, or a callback (a hint, confirmed by recordInfo)."""


class TaskReport(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """What KIE said of a task, as much as the job needs: its state (a :class:`~trt_actors.kie.TaskState` value),
    the result URLs of a success, the code and message of a failure."""

    task_id: str
    state: str
    result_urls: tuple[str, ...] = ()
    fail_code: str = ""
    fail_msg: str = ""
    source: str = "poll"


def report_of(info: TaskInfo, source: str = "poll") -> TaskReport:
    """The client's reading of a recordInfo answer, as a job records it."""
    return TaskReport(
        task_id=info.task_id,
        state=info.state.value,
        result_urls=info.result_urls,
        fail_code=info.fail_code or "",
        fail_msg=info.fail_msg or "",
        source=source,
    )


class _Command(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    job_id: str


class RequestJob(_Command, frozen=True, kw_only=True):
    """Open the job for the placed hold ``job_id`` (the confirmation id). A second request records nothing.

    ``deadline_at`` is ``now`` plus the category's deadline (configuration);
    the job keeps the earlier of it and ``hold_expires_at``.
    """

    user_id: int
    chat_id: int
    model_id: str
    category: str
    params: tuple[Param, ...]
    files: tuple[Files, ...]
    credits: int
    hold_expires_at: float
    deadline_at: float
    now: float
    message_id: int | None = None
    language: str = ""


class RecordUploads(_Command, frozen=True, kw_only=True):
    """KIE's upload host took every photo of the order: their URLs, field by field, in the order's order."""

    files: tuple[UploadedFiles, ...]
    now: float


class Submit(_Command, frozen=True, kw_only=True):
    """Call ``createTask`` now (a slot of the rate limit is free): recorded first as ``JobSubmitting``."""

    now: float


class RecordCreated(_Command, frozen=True, kw_only=True):
    """``createTask`` answered with ``task_id``."""

    task_id: str
    now: float


class RecordReport(_Command, frozen=True, kw_only=True):
    """KIE's recordInfo answer about the job's task; ``jitter`` in [0, 1] places the next poll in its window."""

    report: TaskReport
    now: float
    jitter: float


class RecordKieError(_Command, frozen=True, kw_only=True):
    """A KIE ``call`` (one of :data:`CALLS`) failed with ``code`` (KIE's code or HTTP status; 0: the network).

    A createTask whose request may have reached KIE is no error to retry (a
    retry could start a second task): send :class:`Recover` instead. One that
    never connected (``sent`` False, code 0) reached nothing and is retried.
    """

    call: str
    code: int
    message: str
    now: float
    jitter: float
    sent: bool = True


class Recover(_Command, frozen=True, kw_only=True):
    """After a restart (or a createTask whose answer was lost): resolve a job left in ``submitting``.

    ``found_task_id`` is the task the shell found for this job at KIE, or
    empty: then the job is voided, never submitted a second time.
    """

    now: float
    found_task_id: str = ""


class Tick(_Command, frozen=True, kw_only=True):
    """The clock read ``now``: a job past its deadline that has no result fails."""

    now: float


class RecordHoldOutcome(_Command, frozen=True, kw_only=True):
    """The ledger's answer to the job's capture or void: ``outcome`` is one of :data:`HOLD_OUTCOMES`."""

    outcome: str
    now: float
    reason: str = ""


class RecordDelivery(_Command, frozen=True, kw_only=True):
    """The result reached the chat: Telegram's ``message_ids`` of the messages sent."""

    message_ids: tuple[int, ...]
    now: float


JobCommand: TypeAlias = (
    RequestJob
    | RecordUploads
    | Submit
    | RecordCreated
    | RecordReport
    | RecordKieError
    | Recover
    | Tick
    | RecordHoldOutcome
    | RecordDelivery
)
