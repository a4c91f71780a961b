"""The event-sourced shell on a real log: persist-then-act, optimistic concurrency, idempotency, snapshots."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import msgspec
import pytest
import trio

from eventlog import EventLogClosed, Snapshot, SQLiteEventLog, VersionConflict
from tests.runtime.counter import CODEC, ActLog, Count, CounterDecider, Increment, Incremented, Reset, ResetCount
from trt_actors.events import ActorCrashed, Event
from trt_actors.runtime.decider import CommandRejected
from trt_actors.runtime import (
    Actor,
    ActorFailed,
    ActorRef,
    CommandMeta,
    Crashed,
    Decided,
    EventSourced,
    Refused,
    Region,
    SourcedMessage,
    execute,
    inspect,
    run_command,
    spawn,
)

Counter = ActorRef[SourcedMessage[Increment | ResetCount, Count]]


def meta(command_id: str, ts: float = 1_700_000_000.0) -> CommandMeta:
    return CommandMeta(command_id=command_id, cid=f"cid-{command_id}", ts=ts, chat_id=7, user_id=70)


def shell(
    log: SQLiteEventLog,
    act: ActLog | None = None,
    *,
    snapshot_every: int = 100,
    remember: int = 1000,
    max_conflicts: int = 5,
) -> EventSourced[Count, Increment | ResetCount]:
    return EventSourced(
        CounterDecider(),
        log,
        "counter:7",
        act=act,
        snapshot_every=snapshot_every,
        remember=remember,
        max_conflicts=max_conflicts,
    )


async def test_a_command_is_appended_folded_then_acted_on(log: SQLiteEventLog) -> None:
    seen_in_log: list[int] = []

    async def act(state: Count, events: object) -> None:
        # Persist-then-act: by now the events are committed and readable by anyone.
        seen_in_log.append(await log.stream_version("counter:7"))

    async with trio.open_nursery() as nursery:
        counter: Counter = spawn(nursery, "counter:7", EventSourced(CounterDecider(), log, "counter:7", act=act))
        done = await execute(counter, Increment(by=2), meta("update:1"), timeout=None)
        [recorded] = done.events
        assert (recorded.event_id, recorded.version, recorded.cid, recorded.chat_id) == (
            "counter:7/update:1/0", 1, "cid-update:1", 7,
        )  # fmt: skip
        assert recorded.event == Incremented(by=2, total=2)
        assert (done.version, done.duplicate) == (1, False)
        await execute(counter, Increment(by=3), meta("update:2"), timeout=None)
        current = await inspect(counter, timeout=None)
        assert (current.state, current.version) == (Count(total=5, increments=2), 2)
        assert seen_in_log == [1, 2]
        [stored] = await log.read_cid("cid-update:1")
        assert stored == recorded
        nursery.cancel_scope.cancel()


async def test_a_version_conflict_decides_again_and_act_never_sees_the_stale_decision(log: SQLiteEventLog) -> None:
    first_acts, second_acts = ActLog(), ActLog()
    async with trio.open_nursery() as nursery:
        first: Counter = spawn(nursery, "first", shell(log, first_acts))
        second: Counter = spawn(nursery, "second", shell(log, second_acts))
        assert (await inspect(second, timeout=None)).version == 0  # both recovered at version 0
        await execute(first, Increment(by=1), meta("a"), timeout=None)

        done = await execute(second, Increment(by=1), meta("b"), timeout=None)
        # second decided total=1 at version 0; the append was refused; it read version 1 and decided total=2.
        assert [e.event for e in done.events] == [Incremented(by=1, total=2)]
        assert second_acts.totals == [2]
        assert first_acts.totals == [1]
        current = await inspect(second, timeout=None)
        assert (current.state.total, current.statistics.conflicts) == (2, 1)
        assert [r.event for r in await log.read_stream("counter:7")] == [
            Incremented(by=1, total=1),
            Incremented(by=1, total=2),
        ]
        nursery.cancel_scope.cancel()


async def test_too_many_conflicts_fail_the_ask_without_acting(log: SQLiteEventLog) -> None:
    acts = ActLog()
    async with trio.open_nursery() as nursery:
        first: Counter = spawn(nursery, "first", shell(log))
        stale: Counter = spawn(nursery, "stale", shell(log, acts, max_conflicts=0))
        await inspect(stale, timeout=None)
        await execute(first, Increment(by=1), meta("a"), timeout=None)
        with pytest.raises(VersionConflict, match="is at version 1, not the expected 0"):
            await execute(stale, Increment(by=1), meta("b"), timeout=None)
        assert acts.calls == []
        assert (await inspect(stale, timeout=None)).state.total == 1  # it caught up all the same
        nursery.cancel_scope.cancel()


async def test_a_failed_append_is_never_folded_nor_acted_on(tmp_path: Path) -> None:
    acts = ActLog()

    async def host(*, task_status: trio.TaskStatus[Counter]) -> None:
        with pytest.RaisesGroup(EventLogClosed):  # unsupervised: the crash ends the actor's nursery
            async with trio.open_nursery() as actors:
                task_status.started(spawn(actors, "counter:7", shell(log, acts)))
                await trio.sleep_forever()

    async with SQLiteEventLog.open(tmp_path / "closing.sqlite3", codec=CODEC) as log:
        async with trio.open_nursery() as nursery:
            counter: Counter = await nursery.start(host)
            await execute(counter, Increment(by=1), meta("a"), timeout=None)
            await log.aclose()
            with pytest.raises(ActorFailed, match="crashed while handling the message: EventLogClosed") as info:
                await execute(counter, Increment(by=1), meta("b"), timeout=None)
    assert isinstance(info.value.error, EventLogClosed)
    assert acts.totals == [1]  # only the committed event was acted on


async def test_running_a_command_again_appends_nothing(log: SQLiteEventLog) -> None:
    acts = ActLog()
    async with trio.open_nursery() as nursery:
        counter: Counter = spawn(nursery, "counter:7", shell(log, acts))
        first = await execute(counter, Increment(by=5), meta("update:9"), timeout=None)
        again = await execute(counter, Increment(by=5), meta("update:9"), timeout=None)
        assert (first.duplicate, again.duplicate, again.events, again.version) == (False, True, (), 1)
        assert acts.totals == [5]
        nursery.cancel_scope.cancel()

    # After a crash: a fresh instance, rebuilt from the log, still knows the command.
    async with trio.open_nursery() as nursery:
        rebuilt: Counter = spawn(nursery, "counter:7", shell(log, acts))
        assert (await execute(rebuilt, Increment(by=5), meta("update:9"), timeout=None)).duplicate
        nursery.cancel_scope.cancel()

    # Beyond the shell's memory, the log's dedupe on event ids still holds.
    async with trio.open_nursery() as nursery:
        forgetful: Counter = spawn(nursery, "counter:7", shell(log, acts, remember=0))
        done = await execute(forgetful, Increment(by=5), meta("update:9"), timeout=None)
        assert (done.duplicate, done.version) == (True, 1)
        current = await inspect(forgetful, timeout=None)
        assert (current.state.total, current.statistics.duplicates) == (5, 1)
        nursery.cancel_scope.cancel()

    assert await log.stream_version("counter:7") == 1
    assert acts.totals == [5]


async def test_a_rejected_command_reaches_the_asker_and_changes_nothing(log: SQLiteEventLog) -> None:
    async with trio.open_nursery() as nursery:
        counter: Counter = spawn(nursery, "counter:7", shell(log))
        with pytest.raises(CommandRejected, match="an increment must be positive, not -1"):
            await execute(counter, Increment(by=-1), meta("bad"), timeout=None)
        nothing = await execute(counter, ResetCount(), meta("noop"), timeout=None)
        assert (nothing.events, nothing.version) == ((), 0)
        stats = (await inspect(counter, timeout=None)).statistics
        assert (stats.commands, stats.rejections, stats.appended, stats.version) == (2, 1, 0, 0)
        nursery.cancel_scope.cancel()


async def test_recovery_uses_the_snapshot_and_the_events_after_it(log: SQLiteEventLog) -> None:
    async with trio.open_nursery() as nursery:
        counter: Counter = spawn(nursery, "counter:7", shell(log, snapshot_every=3))
        for n in range(7):
            await execute(counter, Increment(by=1), meta(f"u{n}"), timeout=None)
        stats = (await inspect(counter, timeout=None)).statistics
        assert (stats.snapshots, stats.snapshot_version, stats.appended) == (2, 6, 7)
        nursery.cancel_scope.cancel()

    snapshot = await log.load_snapshot("counter:7")
    assert snapshot is not None and snapshot.version == 6
    async with trio.open_nursery() as nursery:
        rebuilt: Counter = spawn(nursery, "counter:7", shell(log, snapshot_every=3))
        current = await inspect(rebuilt, timeout=None)
        assert current.state == Count(total=7, increments=7)
        assert (current.version, current.statistics.recovered_from, current.statistics.replayed) == (7, 6, 1)
        # Commands folded before the snapshot are still recognised as duplicates.
        assert (await execute(rebuilt, Increment(by=1), meta("u0"), timeout=None)).duplicate
        nursery.cancel_scope.cancel()


async def test_an_unreadable_snapshot_falls_back_to_a_full_replay(log: SQLiteEventLog) -> None:
    async with trio.open_nursery() as nursery:
        counter: Counter = spawn(nursery, "counter:7", shell(log, snapshot_every=2))
        for n in range(3):
            await execute(counter, Increment(by=2), meta(f"u{n}"), timeout=None)
        nursery.cancel_scope.cancel()

    await log.save_snapshot(Snapshot(stream="counter:7", version=3, state=b'{"not": "a snapshot"}', ts=0.0))
    async with trio.open_nursery() as nursery:
        rebuilt: Counter = spawn(nursery, "counter:7", shell(log))
        current = await inspect(rebuilt, timeout=None)
        assert (current.state.total, current.statistics.recovered_from, current.statistics.replayed) == (6, None, 3)
        nursery.cancel_scope.cancel()


async def test_the_recovered_hook_sees_the_rebuilt_state_before_any_message(log: SQLiteEventLog) -> None:
    async with trio.open_nursery() as nursery:
        counter: Counter = spawn(nursery, "counter:7", shell(log))
        await execute(counter, Increment(by=4), meta("a"), timeout=None)
        nursery.cancel_scope.cancel()

    resumed: list[Count] = []

    async def recovered(state: Count) -> None:
        resumed.append(state)

    async with trio.open_nursery() as nursery:
        counter = spawn(nursery, "counter:7", EventSourced(CounterDecider(), log, "counter:7", recovered=recovered))
        assert (await inspect(counter, timeout=None)).state == Count(total=4, increments=1)
        nursery.cancel_scope.cancel()
    assert resumed == [Count(total=4, increments=1)]


async def test_a_failing_act_crashes_the_actor_after_the_commit(log: SQLiteEventLog) -> None:
    async def act(state: Count, events: object) -> None:
        if state.total == 2:
            raise ConnectionError("the outbox is gone")

    def factory(chat: int) -> Actor[SourcedMessage[Increment | ResetCount, Count]]:
        return EventSourced(CounterDecider(), log, f"counter:{chat}", act=act)

    async with Region.open("counters", factory) as region:
        await execute(region.ref(7), Increment(by=1), meta("a"), timeout=None)
        with pytest.raises(ActorFailed, match="ConnectionError: the outbox is gone"):
            await execute(region.ref(7), Increment(by=1), meta("b"), timeout=None)
        # The events were committed before act ran: the rebuilt child has them, and "b" is not run twice.
        assert (await execute(region.ref(7), Increment(by=1), meta("b"), timeout=None)).duplicate
        assert (await inspect(region.ref(7), timeout=None)).state.total == 2
        assert region.statistics().crashes == 1


class BuggyDecider(CounterDecider):
    """Raises a bug (not a refusal) on ``Increment(by=13)``."""

    def decide(self, state: Count, command: Increment | ResetCount) -> Sequence[Event]:
        if isinstance(command, Increment) and command.by == 13:
            raise ZeroDivisionError("unlucky")
        return super().decide(state, command)


def apology(state: Count, command: Increment | ResetCount) -> list[Event]:
    return [Reset()]


def broken_fallback(state: Count, command: Increment | ResetCount) -> list[Event]:
    raise RuntimeError("the fallback is broken too")


async def test_a_bug_in_decide_is_recorded_under_the_commands_cid_with_the_fallback_answer(
    log: SQLiteEventLog, expected_bugs: list[str]
) -> None:
    async with trio.open_nursery() as nursery:
        counter: Counter = spawn(nursery, "counter:7", EventSourced(BuggyDecider(), log, "counter:7", fallback=apology))
        await execute(counter, Increment(by=2), meta("one"), timeout=None)
        done = await execute(counter, Increment(by=13), meta("bug"), timeout=None)
        assert done.crashed == "ZeroDivisionError: unlucky"
        crash, answer = (r.event for r in done.events)
        assert isinstance(crash, ActorCrashed) and (crash.actor, crash.command) == ("counter:7", "Increment")
        assert isinstance(answer, Reset)
        assert [r.cid for r in done.events] == ["cid-bug", "cid-bug"]
        again = await execute(counter, Increment(by=13), meta("bug"), timeout=None)
        assert again.duplicate  # recorded once, like any decision
        stats = (await inspect(counter, timeout=None)).statistics
        assert (stats.crashes, stats.rejections) == (1, 0)
        nursery.cancel_scope.cancel()
    assert [r.type for r in await log.read_cid("cid-bug")] == ["ActorCrashed", "Reset"]
    assert len(expected_bugs) == 1 and "cid-bug" in expected_bugs[0]


async def test_a_fallback_that_fails_too_still_leaves_the_crash_on_record(
    log: SQLiteEventLog, expected_bugs: list[str]
) -> None:
    async with trio.open_nursery() as nursery:
        counter: Counter = spawn(
            nursery, "counter:7", EventSourced(BuggyDecider(), log, "counter:7", fallback=broken_fallback)
        )
        done = await execute(counter, Increment(by=13), meta("bug"), timeout=None)
        first, second = (r.event for r in done.events)
        assert isinstance(first, ActorCrashed) and first.error_type == "ZeroDivisionError"
        assert isinstance(second, ActorCrashed) and "fallback" in second.error and second.crashes == 2
        nursery.cancel_scope.cancel()
    assert expected_bugs


def test_run_command_is_pure_and_names_events_by_stream_and_command() -> None:
    decider = CounterDecider()
    outcome = run_command(decider, Count(total=4), Increment(by=3), meta("x"), stream="counter:9")
    assert isinstance(outcome, Decided)
    assert outcome == run_command(decider, Count(total=4), Increment(by=3), meta("x"), stream="counter:9")
    [event] = outcome.events
    assert event.event_id == "counter:9/x/0" and event.event == Incremented(by=3, total=7) and event.cid == "cid-x"
    refused = run_command(decider, Count(), Increment(by=0), meta("y"), stream="counter:9")
    assert isinstance(refused, Refused) and "positive" in str(refused.error)
    crashed = run_command(BuggyDecider(), Count(), Increment(by=13), meta("z"), stream="counter:9")
    assert isinstance(crashed, Crashed) and [e.event_id for e in crashed.events] == ["counter:9/z/0"]


async def test_the_command_ids_kept_in_a_snapshot_are_bounded(log: SQLiteEventLog) -> None:
    async with trio.open_nursery() as nursery:
        counter: Counter = spawn(nursery, "counter:7", EventSourced(CounterDecider(), log, "counter:7", snapshot_every=10))
        for n in range(200):
            await execute(counter, Increment(by=1), meta(f"c{n}"), timeout=None)
        nursery.cancel_scope.cancel()
    snapshot = await log.load_snapshot("counter:7")
    assert snapshot is not None and snapshot.version == 200
    body = msgspec.json.decode(snapshot.state)
    assert len(body["commands"]) == 64 and body["commands"][-1] == "counter:7/c199"
    async with trio.open_nursery() as nursery:  # an old command beyond that memory is still a duplicate
        counter = spawn(nursery, "counter:7", EventSourced(CounterDecider(), log, "counter:7"))
        again = await execute(counter, Increment(by=1), meta("c3"), timeout=None)
        assert again.duplicate and (await inspect(counter, timeout=None)).state.total == 200
        nursery.cancel_scope.cancel()
