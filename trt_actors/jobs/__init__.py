"""The KIE job runner's pure core: one job per confirmation, from a placed hold to a delivered result or a void.

A job (stream ``job:<job_id>``, the job id being the confirmation id that
named its hold) is requested from a placed hold, uploads the user's photos,
records ``JobSubmitting`` before it calls ``createTask``, follows its task by
polls and callbacks, and ends exactly one way: its hold captured and its
result delivered, or its hold voided with a reason the session words. The
events are in :mod:`trt_actors.events.jobs`; the shell that runs this
decider over the log, calls KIE and delivers is not written yet.

Example::

    decider = JobDecider()
    state = decider.initial_state()
    for event in decider.decide(state, Tick(job_id="c1", now=0.0)):   # raises: the job was never requested
        ...

Modules: :mod:`.commands` (what may be asked), :mod:`.state` (the fold and
its path), :mod:`.decider` (the rules, the backoff schedule), :mod:`.payload`
(the ``createTask`` input built from the registry).
"""

from __future__ import annotations

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
    TaskReport,
    Tick,
    report_of,
)
from trt_actors.jobs.decider import (
    POLL_WINDOWS,
    RETRY_WINDOWS,
    JobDecider,
    failure_reason,
    poll_delay,
    retry_delay,
    retryable,
)
from trt_actors.jobs.payload import PayloadError, costliest_params, default_params, kie_input
from trt_actors.jobs.state import STREAM_PREFIX, TERMINAL, JobState, job_stream

__all__ = [
    "CALLS",
    "HOLD_OUTCOMES",
    "POLL_WINDOWS",
    "REPORT_SOURCES",
    "RETRY_WINDOWS",
    "STREAM_PREFIX",
    "TERMINAL",
    "JobCommand",
    "JobDecider",
    "JobState",
    "PayloadError",
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
    "costliest_params",
    "default_params",
    "failure_reason",
    "job_stream",
    "kie_input",
    "poll_delay",
    "report_of",
    "retry_delay",
    "retryable",
]
