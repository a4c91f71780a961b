"""The bot SIGKILLed at each point of a job and restarted: every order ends delivered-and-charged or
refunded-and-told, never both, never charged twice, never a second KIE task; the audit passes.

The suite runs one seed per point (every point on SQLite, two on PostgreSQL);
``python -m bench.job_crash`` runs many.
"""

from __future__ import annotations

import pytest

from tests.e2e.books import read_log
from tests.e2e.job_crash import POINTS, crash_run, judge
from trt_actors.events.jobs import JobFailed


# Every point on SQLite; on PostgreSQL two (5-7 s each): a createTask cut off, and a delivery after the capture.
@pytest.mark.parametrize(("log_target", "point"), [("sqlite", point) for point in sorted(POINTS)] + [
    ("postgresql", "submitting"), ("postgresql", "delivering")], indirect=["log_target"])
async def test_a_sigkill_at_any_point_of_a_job_loses_nothing_and_doubles_nothing(log_target: str, point: str) -> None:
    outcome = await crash_run(log_target, point, seed=sorted(POINTS).index(point) + 1)
    assert await judge(outcome) == [], (point, outcome.killed_after, outcome.chats)
    if point == "submitting":  # the job whose createTask was cut off is voided, never sent again
        reasons = [r.event.reason for r in await read_log(outcome.db) if isinstance(r.event, JobFailed)]
        assert "unsubmitted" in reasons
