"""Supervision on virtual time: restart with backoff, escalation after the limit, crash records in the log."""

from __future__ import annotations

import msgspec
import pytest
import trio
from trio.testing import MockClock

from eventlog import SQLiteEventLog
from trt_actors.events import ActorCrashed, ActorEscalated, ActorRestarted
from trt_actors.runtime import (
    SYSTEM_STREAM,
    Actor,
    ActorFailed,
    ActorStopped,
    ChildEscalated,
    JournalStatistics,
    Reply,
    RestartPolicy,
    Supervisor,
    SystemJournal,
)


class Flaky(Actor[object]):
    """Crashes as soon as it starts, noting the (virtual) time of each start."""

    def __init__(self, starts: list[float]) -> None:
        self.starts = starts

    async def started(self) -> None:
        self.starts.append(trio.current_time())
        raise ConnectionError(f"start #{len(self.starts)} failed")


class Add(msgspec.Struct, frozen=True):
    n: int


class Total(msgspec.Struct, frozen=True):
    reply: Reply[int]


class Poison(msgspec.Struct, frozen=True):
    reply: Reply[int]


class Nap(msgspec.Struct, frozen=True):
    reply: Reply[None]


class Adder(Actor[Add | Total | Poison | Nap]):
    async def started(self) -> None:
        self.total = 0

    async def receive(self, message: Add | Total | Poison | Nap) -> None:
        match message:
            case Nap():
                await trio.sleep_forever()
            case Add(n=n):
                self.total += n
            case Total(reply=reply):
                reply.send(self.total)
            case Poison():
                raise ValueError("poisoned")


POLICY = RestartPolicy(base=1.0, factor=2.0, cap=3.0, max_restarts=3, window=60.0)


def test_the_policy_schedule_is_exponential_and_capped() -> None:
    assert POLICY.schedule() == (1.0, 2.0, 3.0)
    assert RestartPolicy().schedule() == (0.5, 1.0, 2.0, 4.0, 8.0)
    with pytest.raises(ValueError, match="factor >= 1"):
        RestartPolicy(factor=0.5)


async def test_restarts_follow_the_backoff_then_escalate_and_are_recorded(
    autojump_clock: MockClock, log: SQLiteEventLog
) -> None:
    starts: list[float] = []
    journal = SystemJournal(log, run="run1", clock=lambda: 1_700_000_000.0)
    with pytest.raises(ChildEscalated) as info:
        async with Supervisor.open("root", journal=journal, policy=POLICY) as root:
            root.spawn("flaky", lambda: Flaky(starts))
            await trio.sleep_forever()

    assert starts == [0.0, 1.0, 3.0, 6.0]  # pauses of 1, 2, then 3 (capped), then it gives up
    assert trio.current_time() == 6.0
    escalated = info.value
    assert (escalated.actor, escalated.crashes) == ("flaky", 4)
    assert str(escalated) == (
        "'flaky' crashed 4 times, more than its restart policy allows; "
        "its supervisor gave up (last error: ConnectionError: start #4 failed)"
    )
    assert isinstance(escalated.__cause__, ConnectionError)

    recorded = await log.read_stream(SYSTEM_STREAM)
    assert [r.type for r in recorded] == [
        "ActorCrashed", "ActorRestarted", "ActorCrashed", "ActorRestarted", "ActorCrashed", "ActorRestarted",
        "ActorEscalated",
    ]  # fmt: skip
    assert {r.cid for r in recorded} == {"actor:flaky"}
    assert [r.event_id for r in recorded] == [f"system:run1:{n}" for n in range(1, 8)]
    crashes = [r.event for r in recorded if isinstance(r.event, ActorCrashed)]
    assert [(c.crashes, c.restart_in, c.error_type) for c in crashes] == [
        (1, 1.0, "ConnectionError"),
        (2, 2.0, "ConnectionError"),
        (3, 3.0, "ConnectionError"),
    ]
    assert [r.event.crashes for r in recorded if isinstance(r.event, ActorRestarted)] == [1, 2, 3]
    last = recorded[-1].event
    assert isinstance(last, ActorEscalated)
    assert (last.crashes, last.error) == (4, "start #4 failed")
    assert journal.statistics() == JournalStatistics(run="run1", recorded=7, failed=0)


async def test_a_child_that_stays_up_longer_than_the_window_starts_again_from_base(
    autojump_clock: MockClock,
) -> None:
    starts: list[float] = []

    class CrashesAfter(Actor[object]):
        async def started(self) -> None:
            starts.append(trio.current_time())
            await trio.sleep(100.0)  # longer than the window
            raise ConnectionError("dropped")

    policy = RestartPolicy(base=1.0, factor=2.0, cap=30.0, max_restarts=1, window=60.0)
    async with Supervisor.open("root", policy=policy) as root:
        root.spawn("steady", CrashesAfter)
        await trio.sleep(500.0)
        stats = root.statistics()
    assert starts == [0.0, 101.0, 202.0, 303.0, 404.0]  # always the base pause, never escalated
    assert (stats.crashes, stats.restarts, stats.escalations) == (4, 4, 0)


async def test_the_mailbox_survives_a_restart_and_only_the_poison_message_is_lost(
    autojump_clock: MockClock,
) -> None:
    async with Supervisor.open("root", policy=POLICY) as root:
        adder = root.spawn("adder", Adder, capacity=8)
        await adder.tell(Add(10))
        with pytest.raises(ActorFailed, match="'adder' crashed while handling the message: ValueError: poisoned"):
            await adder.ask(Poison, timeout=None)
        await adder.tell(Add(5))  # queued while the supervisor waits out the backoff
        await trio.testing.wait_all_tasks_blocked()
        stats = root.statistics()
        [child] = stats.per_child
        assert (child.state, child.crashes, child.restarts) == ("backing-off", 1, 0)
        assert child.mailbox is not None and child.mailbox.depth == 1
        assert (stats.backing_off, stats.running) == (1, 0)

        assert await adder.ask(Total, timeout=None) == 5  # a fresh instance: its state started over
        assert trio.current_time() == 1.0
        stats = root.statistics()
        assert (stats.children, stats.running, stats.crashes, stats.restarts, stats.escalations) == (1, 1, 1, 1, 0)
        assert stats.per_child[0].crashes_in_window == 1
        await trio.sleep(60.0)
        assert root.statistics().per_child[0].crashes_in_window == 0  # the crash has left the window


async def test_escalation_stops_the_siblings_and_fails_their_pending_asks(autojump_clock: MockClock) -> None:
    starts: list[float] = []
    stopped: list[str] = []

    async def ask(make: type[Nap] | type[Total]) -> None:
        try:
            await adder.ask(make, timeout=None)
        except ActorStopped as exc:
            stopped.append(f"{make.__name__}: {exc}")

    async with trio.open_nursery() as askers:
        with pytest.raises(ChildEscalated, match="'flaky' crashed 2 times"):
            async with Supervisor.open("root") as root:
                adder = root.spawn("adder", Adder, capacity=4)
                askers.start_soon(ask, Nap)  # the sibling is busy with this one...
                await trio.testing.wait_all_tasks_blocked()
                askers.start_soon(ask, Total)  # ...and this one waits in its mailbox
                root.spawn("flaky", lambda: Flaky(starts), policy=RestartPolicy(base=5.0, max_restarts=1))
                await trio.sleep_forever()
    assert starts == [0.0, 5.0]
    assert sorted(stopped) == [
        "Nap: 'adder' is not running, so it did not handle the message",
        "Total: 'adder' is not running, so it did not handle the message",
    ]


async def test_stop_lets_an_actor_finish_its_queue_and_it_is_not_restarted() -> None:
    answers: list[int] = []

    async def ask_total() -> None:
        answers.append(await adder.ask(Total, timeout=None))

    async with Supervisor.open("root") as root, trio.open_nursery() as askers:
        adder = root.spawn("adder", Adder)
        for n in range(3):
            adder.tell_nowait(Add(n))
        askers.start_soon(ask_total)
        await trio.testing.wait_all_tasks_blocked()
        root.stop("adder")
        await root.wait_stopped("adder")
        assert answers == [3]
        [child] = root.statistics().per_child
        assert (child.state, child.restarts) == ("stopped", 0)
        with pytest.raises(ActorStopped):
            await adder.tell(Add(1))
        with pytest.raises(ValueError, match="already has a child named 'adder'"):
            root.spawn("adder", Adder)


async def test_a_lone_error_in_the_block_comes_out_unwrapped() -> None:
    with pytest.raises(KeyError):
        async with Supervisor.open("root"):
            raise KeyError("mine")


async def test_a_plain_task_is_restarted_until_it_returns(autojump_clock: MockClock) -> None:
    attempts: list[float] = []

    async def poll() -> None:
        attempts.append(trio.current_time())
        if len(attempts) < 3:
            raise TimeoutError("the API did not answer")

    async with Supervisor.open("root", policy=POLICY) as root:
        root.start("poller", poll)
        await root.wait_stopped("poller")
        [child] = root.statistics().per_child
    assert attempts == [0.0, 1.0, 3.0]
    assert (child.state, child.crashes, child.restarts, child.mailbox) == ("stopped", 2, 2, None)
    with pytest.raises(ValueError, match="'poller' is a plain task"):
        root.stop("poller")
    with pytest.raises(RuntimeError, match="the supervisor 'root' has stopped; it cannot start 'late'"):
        root.start("late", poll)


async def test_an_escalation_is_a_crash_of_the_subtree_for_the_parent(autojump_clock: MockClock) -> None:
    starts: list[float] = []

    async def subtree() -> None:
        async with Supervisor.open("workers", policy=RestartPolicy(base=1.0, max_restarts=1)) as workers:
            workers.spawn("flaky", lambda: Flaky(starts))
            await trio.sleep_forever()

    with pytest.raises(ChildEscalated) as info:
        async with Supervisor.open("root", policy=RestartPolicy(base=10.0, max_restarts=1)) as root:
            root.start("workers", subtree)
            await trio.sleep_forever()
    # The subtree gives up after 1 s; the root restarts it 10 s later; it gives up again; the root escalates.
    assert starts == [0.0, 1.0, 11.0, 12.0]
    assert info.value.actor == "workers"
    assert isinstance(info.value.error, ChildEscalated) and info.value.error.actor == "flaky"
