"""What a session does when the job runner reports a step of one of its orders. Pure.

Every new report is recorded as ``JobSeen`` (so what the session shows is a
recorded input); a report heard before (the reactor may deliver twice) records
nothing, and so does a ``JobPolled`` less than :data:`PROGRESS_STEP` seconds
after the elapsed time on screen. The order's message, the confirmation the
user tapped, follows the job in place:

=====================  ==================================================================
``JobRequested``       "queued"
``JobSubmitted``       "generating…"
``JobPolled``          "generating… 1:15" (every :data:`PROGRESS_STEP` seconds at most)
``JobSucceeded``       "ready, sending…"
``ResultDelivered``    "done, N credits charged" (the result itself is the job runner's)
``JobFailed``          "not made, credits back", and a **new** message that says what
                       happened in words, that the credits are back, and offers
                       "🔁 Try again" (the same order, confirmed anew at today's price)
=====================  ==================================================================

The progress message has no buttons: the user goes on with ``/menu`` (a new
message) while the job runs, and the result comes as its own messages. Like
a ledger report, a job report never starts a session and never moves the
screen the user is on.
"""

from __future__ import annotations

from typing import Final

from trt_actors.events import Event
from trt_actors.events.session import JobSeen
from trt_actors.session.callback_data import OpenHistory, OpenMenu, Repeat, WhyPrice
from trt_actors.session.canvas import Canvas, Rendered
from trt_actors.session.commands import JobReported
from trt_actors.session.money_screens import failure_reason, order_name
from trt_actors.session.state import Request, report_key
from trt_actors.session.turn import Turn

__all__ = ["PROGRESS_STEP", "REPORTED_EVENTS", "failed", "job_report", "progress"]

PROGRESS_STEP: Final = 15
"""Seconds between two redraws of "generating… m:ss" (each one is an edit, and Telegram counts them)."""

REPORTED_EVENTS: Final = ("JobRequested", "JobSubmitted", "JobPolled", "JobSucceeded", "ResultDelivered", "JobFailed")
"""The job events a session hears of."""

_PROGRESS_KEYS: Final = {
    "JobRequested": "job.queued", "JobSubmitted": "job.generating", "JobPolled": "job.generating",
    "JobSucceeded": "job.delivering", "ResultDelivered": "job.done", "JobFailed": "job.failed",
}
def job_report(turn: Turn, command: JobReported) -> list[Event]:
    """Record the report (``JobSeen``) and redraw the order's message; a failure also gets its own message."""
    state = turn.state
    if command.event not in _PROGRESS_KEYS:
        return []
    before = state.request(command.job_id)
    if command.event == "JobPolled":
        if before is not None and (before.job not in ("", "queued", "generating")
                                   or int(command.elapsed) < before.shown + PROGRESS_STEP):
            return []
    elif report_key(command.event, command.job_id) in state.reported:
        return []
    turn.record(JobSeen(job_id=command.job_id, event=command.event, at=command.ts - command.elapsed,
                        elapsed=command.elapsed, reason=command.reason, results=command.result_count,
                        message_ids=command.message_ids))
    request = turn.state.request(command.job_id) or Request(
        confirmation_id=command.job_id, model_id=command.model_id, credits=command.credits)
    key = _PROGRESS_KEYS[command.event]
    if command.message_id is not None:
        turn.show(edit=command.message_id, draw=lambda canvas: progress(canvas, request, key, command.elapsed))
    if command.event == "JobFailed":
        turn.show(draw=lambda canvas: failed(canvas, request))
    return turn.events


def _elapsed(seconds: float) -> str:
    whole = max(int(seconds), 0)
    return f"{whole // 60}:{whole % 60:02d}"


def progress(canvas: Canvas, request: Request, key: str, elapsed: float) -> Rendered:
    """The order's message while its job runs, and when it ended."""
    texts = canvas.texts
    text = canvas.say(key, model=order_name(canvas, request.model_id),
                      price=texts.price(request.credits, free=bool(request.free_day)),
                      elapsed=_elapsed(elapsed), reason=failure_reason(canvas, request.reason),
                      code=request.confirmation_id)
    rows = ((canvas.labelled("btn.why_short", WhyPrice(job_id=request.confirmation_id)),
             canvas.labelled("btn.history", OpenHistory()), canvas.labelled("btn.menu", OpenMenu())),) \
        if key in ("job.done", "job.failed") else ()
    return Rendered(key, text, rows)


def failed(canvas: Canvas, request: Request) -> Rendered:
    """A job that failed: what happened in words, that the credits are back, and "Try again"."""
    texts = canvas.texts
    text = canvas.say("job.failed_note", model=order_name(canvas, request.model_id),
                      price=texts.price(request.credits, free=bool(request.free_day)),
                      reason=failure_reason(canvas, request.reason),
                      code=request.confirmation_id)
    retry = (canvas.labelled("btn.retry", Repeat(job_id=request.confirmation_id)),) if request.draft else ()
    rows = tuple(row for row in (retry, (canvas.labelled("btn.menu", OpenMenu()),)) if row)
    return Rendered("job.failed_note", text, rows)

