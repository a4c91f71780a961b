"""The checks on every log an end-to-end test writes: the books close, and every chain replays identically.

:func:`books_close` reads a closed log (a file or a PostgreSQL URL) read-only and runs the same audit
as ``python main.py audit``; the e2e fixtures call it after every test, so a
credit that moves without its cause, or a hold left unresolved past its
expiry, fails whichever test made it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from eventlog import RecordedEvent, open_log
from registry import Registry
from trt_actors.app import decider_for, recorded_bot_username
from trt_actors.config import Settings
from trt_actors.events import CODEC
from trt_actors.events.jobs import JobFailed, ResultDelivered
from trt_actors.events.ledger import HoldCaptured, HoldVoided
from trt_actors.ledger.audit import audit
from trt_actors.replay import chains, replay_chain

from .stores import log_exists

__all__ = ["Ending", "books_close", "ending", "read_log", "replays_identical"]


async def read_log(db: str | Path) -> list[RecordedEvent]:
    """Every event of the log at ``db`` (a file or a URL), in order (read-only)."""
    async with open_log(db, codec=CODEC, readonly=True) as log:
        events: list[RecordedEvent] = []
        while page := await log.read_from(events[-1].seq + 1 if events else 1, 5000):
            events.extend(page)
        return events


async def books_close(db: str | Path) -> list[str]:
    """The audit's violations on ``db`` as lines (empty when every check passes, or there is no log)."""
    if not log_exists(db):
        return []
    report = audit(await read_log(db), now=time.time())
    return [violation.line() for violation in report.violations]


async def replays_identical(db: str | Path, settings: Settings, registry: Registry) -> list[str]:
    """Every chain of ``db`` replayed (``python main.py replay --all``) with the deciders and configuration the
    bot ran with: the divergences as lines (empty: none, or there is no log)."""
    if not log_exists(db):
        return []
    async with open_log(db, codec=CODEC, readonly=True) as log:
        decider = decider_for(settings, registry, await recorded_bot_username(log))
        lines: list[str] = []
        for cid in await chains(log):
            result = await replay_chain(log, cid, decider=decider, welcome_credits=settings.welcome_credits,
                                        deadlines=settings.job_deadlines, referral_bonus=settings.referral_bonus,
                                        referral_free=settings.referral_bonus_free)
            lines.extend(divergence.line() for divergence in result.divergences)
        return lines


@dataclass(frozen=True)
class Ending:
    """How an order ended in the log: its job's deliveries and failures, its hold's captures and voids."""

    delivered: list[RecordedEvent]
    failed: list[RecordedEvent]
    captured: list[RecordedEvent]
    voided: list[RecordedEvent]

    @property
    def charged(self) -> bool:
        """Delivered and captured, once each, and nothing else."""
        return len(self.delivered) == len(self.captured) == 1 and not self.failed and not self.voided

    @property
    def refunded(self) -> bool:
        """Failed and voided, once each, and nothing else."""
        return len(self.failed) == len(self.voided) == 1 and not self.delivered and not self.captured

    def line(self, job_id: str) -> str:
        return (f"job {job_id}: delivered {len(self.delivered)}, failed {len(self.failed)}, "
                f"captured {len(self.captured)}, voided {len(self.voided)}")


def ending(events: list[RecordedEvent], job_id: str) -> Ending:
    """How the order ``job_id`` (its confirmation id, which is also its job's and its hold's id) ended."""
    stream = f"job:{job_id}"
    return Ending(
        delivered=[r for r in events if r.stream == stream and isinstance(r.event, ResultDelivered)],
        failed=[r for r in events if r.stream == stream and isinstance(r.event, JobFailed)],
        captured=[r for r in events if isinstance(r.event, HoldCaptured) and r.event.hold_id == job_id],
        voided=[r for r in events if isinstance(r.event, HoldVoided) and r.event.hold_id == job_id],
    )
