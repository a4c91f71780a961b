"""A whole release's log (the demo's chains, committed) still decodes, appends, traces, shows, audits and replays
today."""

from __future__ import annotations

from pathlib import Path

from eventlog import SQLiteEventLog
from eventlog.trace import render_trace
from registry import load_valid_registry
from tests.fixtures.release_log import RELEASE_LOG, events
from trt_actors.events import CODEC
from trt_actors.events.session import GenerationRequested
from trt_actors.events.jobs import JobFailed, ResultDelivered
from trt_actors.ledger.audit import audit
from trt_actors.replay import replay_chain
from trt_actors.session import SessionDecider
from trt_actors.show_chat import conversation, render


async def test_the_release_log_reads_as_it_did_when_it_was_written(tmp_path: Path) -> None:
    recorded = events()
    assert len(recorded) == len(RELEASE_LOG.read_text(encoding="utf-8").splitlines()) > 400
    assert {type(e.event).__name__ for e in recorded} >= {"UpdateReceived", "UiRendered", "HoldCaptured",
                                                         "HoldVoided", "Credited", "JobSucceeded", "LeaseAcquired"}
    async with SQLiteEventLog.open(tmp_path / "old.sqlite3", codec=CODEC) as log:
        for new in recorded:  # one by one, in order, as the release wrote them
            await log.append([new])
        everything = await log.read_from(1, limit=100_000)
        assert [r.event for r in everything] == [e.event for e in recorded]
        # The books of that release still close, as of a moment inside it.
        books = audit(everything, now=max(r.ts for r in everything))
        assert books.passed, [v.line() for v in books.violations]
        # Each order's chain traces from its update to the capture or the refund.
        for order in (r for r in everything if isinstance(r.event, GenerationRequested)):
            chain = await log.read_cid(order.cid)
            text = render_trace(chain)
            ended = {type(r.event) for r in chain} & {ResultDelivered, JobFailed}
            assert text.startswith(f"cid {order.cid}") and ("HoldRejected" in text or ended), text[:300]
        # A chat still shows as its user saw it.
        chat = next(r.chat_id for r in everything if isinstance(r.event, ResultDelivered))
        assert chat is not None and "[result of order" in render(await conversation(log, chat))


async def test_the_release_log_replays_and_only_its_screens_differ_from_what_today_would_draw(tmp_path: Path) -> None:
    """Its money and its jobs decide today exactly as they did; its screens were drawn with older texts (and
    before "Why this price" was offered), which replay shows as differences of ``UiRendered`` alone."""
    async with SQLiteEventLog.open(tmp_path / "old.sqlite3", codec=CODEC) as log:
        await log.append(events())
        updates = await log.read_from(1, limit=100_000, types=["UpdateReceived"])
        decider = SessionDecider(load_valid_registry())
        decisions = skipped = 0
        differ: set[tuple[str, str]] = set()
        for cid in dict.fromkeys(r.cid for r in updates):
            result = await replay_chain(log, cid, decider=decider)
            decisions, skipped = decisions + result.decisions, skipped + result.skipped
            differ |= {(d.event, d.field) for d in result.divergences}
    assert decisions >= 100 and skipped <= 5  # the jobs' polls of that release recorded no jitter yet
    assert differ <= {("UiRendered", "texts_version"), ("UiRendered", "buttons"), ("UiRendered", "text")}, differ
