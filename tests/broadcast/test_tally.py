"""The broadcast's fold: who is queued next, how each copy ended, and when it is finished."""

from __future__ import annotations

from trt_actors.broadcast import Outcome, Tally, outcome_of
from trt_actors.events import DispatchFailed, DispatchOk
from trt_actors.events.broadcast import (
    BroadcastFinished,
    BroadcastQueued,
    BroadcastStarted,
    broadcast_dispatch_id,
)

STARTED = BroadcastStarted(broadcast_id="b1", admin_id=7, text="<b>hi</b>", recipients=(5, 3, 9, 1))


def ok(user: int, broadcast: str = "b1") -> DispatchOk:
    return DispatchOk(dispatch_id=broadcast_dispatch_id(broadcast, user), method="sendMessage", attempts=1)


def failed(user: int, code: int | None, *, final: bool = True) -> DispatchFailed:
    return DispatchFailed(dispatch_id=broadcast_dispatch_id("b1", user), method="sendMessage", attempts=1,
                          error_code=code, description="no", final=final)


def test_outcomes_are_delivered_unreachable_failed_or_still_pending() -> None:
    assert outcome_of(ok(5)) is Outcome.DELIVERED
    assert outcome_of(failed(5, 403)) is Outcome.UNREACHABLE
    assert outcome_of(failed(5, 400)) is Outcome.FAILED
    assert outcome_of(failed(5, None)) is Outcome.FAILED
    assert outcome_of(failed(5, 429, final=False)) is None
    assert outcome_of(STARTED) is None


def test_queues_in_the_recorded_order_and_never_twice() -> None:
    tally = Tally(STARTED)
    assert tally.unqueued(3) == [5, 3, 9]
    for user in (5, 9):
        assert tally.apply(BroadcastQueued(broadcast_id="b1", recipient=user))
    assert not tally.apply(BroadcastQueued(broadcast_id="b1", recipient=5))  # a repeat changes nothing
    assert not tally.apply(BroadcastQueued(broadcast_id="other", recipient=3))  # another broadcast's
    assert tally.unqueued(10) == [3, 1]
    assert tally.progress().queued == 2


def test_counts_the_first_final_outcome_of_each_copy_and_finishes_once_all_ended() -> None:
    tally = Tally(STARTED, started_at=100.0)
    for user in STARTED.recipients:
        tally.apply(BroadcastQueued(broadcast_id="b1", recipient=user))
    assert not tally.apply(failed(5, 429, final=False))
    assert tally.apply(ok(5))
    assert not tally.apply(ok(5))  # an at-least-once repeat
    assert not tally.apply(ok(2))  # not a recipient
    assert not tally.apply(ok(3, broadcast="b2"))
    tally.apply(failed(3, 403))
    tally.apply(failed(9, 400))
    assert tally.finish() is None and not tally.complete
    progress = tally.progress()
    assert (progress.delivered, progress.unreachable, progress.failed, progress.pending, progress.done) == (1, 1, 1, 1, False)
    tally.apply(ok(1))
    finished = tally.finish()
    assert finished == BroadcastFinished(broadcast_id="b1", recipients=4, delivered=2, failed=1, unreachable=1)
    tally.apply(finished)
    assert tally.finish() is None  # recorded: not decided again
    done = tally.progress()
    assert done.done and done.pending == 0 and done.started_at == 100.0 and done.admin_id == 7


def test_a_recorded_end_gives_its_counts_without_the_outcomes() -> None:
    tally = Tally(STARTED)
    tally.apply(BroadcastFinished(broadcast_id="b1", recipients=4, delivered=3, failed=0, unreachable=1))
    progress = tally.progress()
    assert (progress.queued, progress.delivered, progress.unreachable, progress.done) == (4, 3, 1, True)


def test_a_broadcast_to_nobody_is_complete_at_once() -> None:
    tally = Tally(BroadcastStarted(broadcast_id="b0", admin_id=7, text="hi", recipients=()))
    assert tally.unqueued(10) == []
    assert tally.finish() == BroadcastFinished(broadcast_id="b0", recipients=0, delivered=0, failed=0, unreachable=0)
