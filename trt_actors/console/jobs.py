"""Jobs by model and state, and the failures with what they gave back, read from the job and ledger events.

A job's state is where its stream got to: ``requested``, ``submitted`` (KIE
has its task), ``succeeded``, ``delivered`` (the result reached the chat) or
``failed``. A failure lists its reason, KIE's code and message, and the
credits the void gave back.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from eventlog import RecordedEvent
from trt_actors.console.markup import Html, el, join, moment
from trt_actors.console.search import href
from trt_actors.events.jobs import (
    JobFailed,
    JobRequested,
    JobSubmitted,
    JobSucceeded,
    ResultDelivered,
)
from trt_actors.events.ledger import HoldVoided

__all__ = ["JOB_EVENTS_READ", "STATES", "jobs_page"]

STATES = ("requested", "submitted", "succeeded", "delivered", "failed")
JOB_EVENTS_READ = (JobRequested, JobSubmitted, JobSucceeded, JobFailed, ResultDelivered, HoldVoided)
"""The event types :func:`jobs_page` needs (read them with :func:`~trt_actors.console.reads.every`)."""


@dataclass
class _Job:
    requested: RecordedEvent
    model_id: str
    state: str = "requested"
    task_id: str = ""
    failed: JobFailed | None = None
    returned: int | None = None


def jobs_page(events: list[RecordedEvent]) -> tuple[str, Html]:
    """The title and body: counts by model and state, then every failure (newest first)."""
    jobs: dict[str, _Job] = {}
    for recorded in events:
        event = recorded.event
        job = jobs.get(recorded.stream.removeprefix("job:"))
        match event:
            case JobRequested(job_id=job_id, model_id=model_id):
                jobs[job_id] = _Job(recorded, model_id)
            case JobSubmitted(task_id=task_id) if job is not None:
                job.state, job.task_id = "submitted", task_id
            case JobSucceeded() if job is not None:
                job.state = "succeeded"
            case ResultDelivered() if job is not None:
                job.state = "delivered"
            case JobFailed() if job is not None:
                job.state, job.failed = "failed", event
            case HoldVoided(hold_id=hold_id, amount=amount) if hold_id in jobs:
                jobs[hold_id].returned = amount
    counts: dict[str, Counter[str]] = {}
    for job in jobs.values():
        counts.setdefault(job.model_id, Counter())[job.state] += 1
    header = el("tr", el("th", "model"), [el("th", state) for state in STATES], el("th", "all"))
    rows = [el("tr", el("td", model), [el("td", {"class": "n"}, count[state] or "") for state in STATES],
               el("td", {"class": "n"}, sum(count.values())))
            for model, count in sorted(counts.items())]
    failures = [job for job in jobs.values() if job.failed is not None]
    failed_rows = [el(
        "tr",
        el("td", moment(job.requested.ts)),
        el("td", el("a", {"href": href("trace", cid=job.requested.cid)}, job.requested.stream.removeprefix("job:"))),
        el("td", el("a", {"href": href("user", id=job.requested.user_id or 0)}, job.requested.user_id)),
        el("td", job.model_id), el("td", job.task_id or "—"),
        el("td", job.failed.reason), el("td", job.failed.code), el("td", job.failed.message),
        el("td", {"class": "n"}, job.returned if job.returned is not None else "not yet"),
    ) for job in reversed(failures) if job.failed is not None]
    failed_header = el("tr", [el("th", label) for label in (
        "requested (UTC)", "job", "user", "model", "KIE task", "reason", "code", "message", "credits given back")])
    return "Jobs", join(
        el("h2", "By model and state"),
        el("table", {"id": "jobs"}, header, rows) if rows else el("p", "No job was ever requested."),
        el("h2", f"Failures ({len(failures)})"),
        el("table", {"id": "failures"}, failed_header, failed_rows) if failed_rows else el("p", "No job failed."),
    )
