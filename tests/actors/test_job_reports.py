"""The job's news reaches the chat even when the reactor hears a JobRequested before the runner folded it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from eventlog import NewEvent, SQLiteEventLog
from trt_actors.actors.job_reactions import JobReports
from trt_actors.events.jobs import JobRequested
from trt_actors.jobs import JobState, job_stream
from trt_actors.runtime import CommandMeta, Executed
from trt_actors.session.commands import JobReported


class _Unfolded:
    """A runner whose live shell has not yet folded the JobRequested it just committed (the race)."""

    async def state(self, job_id: str) -> JobState:
        return JobState()


async def test_a_job_requested_heard_before_the_runner_folded_it_still_reaches_the_chat(log: SQLiteEventLog) -> None:
    requested = JobRequested(job_id="j1", user_id=7, chat_id=7, model_id="z-image", category="text_to_image",
                             params=(), files=(), credits=8, hold_expires_at=2e9, deadline_at=2e9, requested_at=1e9,
                             message_id=100)
    await log.append([NewEvent(event_id="j1/0", stream=job_stream("j1"), event=requested, cid="c1", ts=1e9, chat_id=7,
                               user_id=7)])
    heard: list[JobReported] = []

    async def session(command: JobReported, meta: CommandMeta) -> Executed:
        heard.append(command)
        return Executed(events=(), version=0)

    run: Callable[[JobReported, CommandMeta], Awaitable[Executed]] = session
    reports = JobReports(log, _Unfolded(), run)  # type: ignore[arg-type]
    (recorded,) = await log.read_stream(job_stream("j1"))
    await reports._handle(7, [recorded])
    assert [(c.event, c.job_id, c.credits, c.message_id) for c in heard] == [("JobRequested", "j1", 8, 100)]
