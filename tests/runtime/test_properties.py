"""Properties of routing and supervision on virtual time, over generated workloads and policies.

One virtual clock serves every generated example (a fixture is not reset
between them); each example measures time from its own start.
"""

from __future__ import annotations

import itertools

import msgspec
import pytest
import trio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from trio.testing import MockClock

from trt_actors.runtime import Actor, ChildEscalated, Region, RestartPolicy, Supervisor


class Work(msgspec.Struct, frozen=True):
    sender: int
    n: int
    busy: float


class Recorder(Actor[Work]):
    def __init__(self, key: int, handled: list[tuple[int, int, int]]) -> None:
        self.key = key
        self.handled = handled

    async def receive(self, message: Work) -> None:
        await trio.sleep(message.busy)
        self.handled.append((self.key, message.sender, message.n))


operation = st.tuples(
    st.integers(min_value=0, max_value=4),  # key
    st.sampled_from([0.0, 0.0, 0.5, 3.0, 12.0]),  # pause before sending
    st.sampled_from([0.0, 0.0, 1.0, 4.0]),  # how long the child is busy with it
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    senders=st.lists(st.lists(operation, max_size=15), min_size=1, max_size=3),
    max_live=st.one_of(st.none(), st.integers(min_value=1, max_value=3)),
    capacity=st.integers(min_value=1, max_value=3),
)
async def test_every_message_is_handled_once_and_in_order_through_passivation_and_eviction(
    autojump_clock: MockClock,
    senders: list[list[tuple[int, float, float]]],
    max_live: int | None,
    capacity: int,
) -> None:
    handled: list[tuple[int, int, int]] = []

    def factory(key: int) -> Recorder:
        return Recorder(key, handled)

    async def send_all(region: Region[int, Work], sender: int, operations: list[tuple[int, float, float]]) -> None:
        for n, (key, pause, busy) in enumerate(operations):
            await trio.sleep(pause)
            await region.tell(key, Work(sender, n, busy))
            assert max_live is None or region.statistics().live <= max_live

    async with Region.open("work", factory, idle_timeout=10.0, max_live=max_live, capacity=capacity) as region:
        async with trio.open_nursery() as nursery:
            for sender, operations in enumerate(senders):
                nursery.start_soon(send_all, region, sender, operations)
        await trio.sleep(100.0)  # everything finishes, every child idles out
        stats = region.statistics()
        assert (stats.live, stats.leaving, stats.queued) == (0, 0, 0)
        assert stats.activations == stats.passivations + stats.evictions  # every child left one way or the other

    sent = sorted((key, sender, n) for sender, ops in enumerate(senders) for n, (key, _, _) in enumerate(ops))
    assert sorted(handled) == sent  # each exactly once, none lost
    for key, sender in itertools.product(range(5), range(len(senders))):
        ours = [n for k, s, n in handled if (k, s) == (key, sender)]
        assert ours == sorted(ours)  # in the order each sender sent them


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    base=st.sampled_from([0.0, 0.1, 0.5, 1.0, 2.0]),
    factor=st.sampled_from([1.0, 1.5, 2.0, 3.0]),
    cap=st.sampled_from([0.5, 1.0, 5.0, 60.0]),
    max_restarts=st.integers(min_value=0, max_value=6),
)
async def test_a_child_that_always_crashes_starts_on_the_policy_schedule_then_escalates(
    autojump_clock: MockClock, base: float, factor: float, cap: float, max_restarts: int
) -> None:
    policy = RestartPolicy(base=base, factor=factor, cap=cap, max_restarts=max_restarts, window=1e9)
    starts: list[float] = []

    class Doomed(Actor[object]):
        async def started(self) -> None:
            starts.append(trio.current_time())
            raise OSError("no disk")

    began = trio.current_time()
    with pytest.raises(ChildEscalated) as info:
        async with Supervisor.open("root", policy=policy) as root:
            root.spawn("doomed", Doomed)
            await trio.sleep_forever()
    expected = list(itertools.accumulate(policy.schedule(), initial=began))
    assert starts == pytest.approx(expected)
    assert info.value.crashes == max_restarts + 1
