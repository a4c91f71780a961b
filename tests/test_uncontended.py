"""``held`` and ``next_item``: no scheduling round when nothing is in the way, trio's waiting when something is."""

from __future__ import annotations

import pytest
import trio
import trio.testing

from trt_actors.uncontended import held, next_item


class _Steps(trio.abc.Instrument):
    """Counts how often each task is resumed by the scheduler."""

    def __init__(self) -> None:
        self.steps: dict[trio.lowlevel.Task, int] = {}

    def before_task_step(self, task: trio.lowlevel.Task) -> None:
        self.steps[task] = self.steps.get(task, 0) + 1


async def _steps_of(body: object) -> int:
    """How many times the current task was rescheduled while awaiting ``body``."""
    steps = _Steps()
    me = trio.lowlevel.current_task()
    trio.lowlevel.add_instrument(steps)
    try:
        await body  # type: ignore[misc]
    finally:
        trio.lowlevel.remove_instrument(steps)
    return steps.steps.get(me, 0)


async def test_a_free_lock_and_a_free_token_are_taken_without_a_trip_through_the_scheduler() -> None:
    lock, limiter = trio.Lock(), trio.CapacityLimiter(2)

    async def with_held() -> None:
        async with held(lock), held(limiter):
            assert lock.locked() and limiter.borrowed_tokens == 1

    async def with_trio() -> None:
        async with lock, limiter:
            pass

    assert await _steps_of(with_held()) == 0
    assert not lock.locked() and limiter.borrowed_tokens == 0
    assert await _steps_of(with_trio()) == 2  # what it saves: trio yields once per acquire, free or not


async def test_a_held_lock_is_waited_for_and_handed_to_the_longest_waiter_first() -> None:
    lock = trio.Lock()
    order: list[str] = []

    async def take(name: str) -> None:
        async with held(lock):
            order.append(name)
            await trio.sleep(0.01)

    async with trio.open_nursery() as nursery:
        await lock.acquire()
        nursery.start_soon(take, "first waiter")
        await trio.testing.wait_all_tasks_blocked()
        nursery.start_soon(take, "second waiter")
        await trio.testing.wait_all_tasks_blocked()
        lock.release()
        nursery.start_soon(take, "newcomer")  # arrives after the release: the waiters were handed the lock first
    assert order == ["first waiter", "second waiter", "newcomer"]


async def test_a_limiter_at_capacity_is_waited_for() -> None:
    limiter = trio.CapacityLimiter(1)
    inside = 0
    most = 0

    async def use() -> None:
        nonlocal inside, most
        async with held(limiter):
            inside += 1
            most = max(most, inside)
            await trio.sleep(0.005)
            inside -= 1

    async with trio.open_nursery() as nursery:
        for _ in range(5):
            nursery.start_soon(use)
    assert most == 1 and limiter.borrowed_tokens == 0


async def test_a_lock_is_released_when_the_block_raises() -> None:
    lock = trio.Lock()
    with pytest.raises(ValueError):
        async with held(lock):
            raise ValueError("inside")
    assert not lock.locked()


async def test_next_item_takes_a_waiting_item_at_once_waits_for_the_next_and_ends_with_the_channel() -> None:
    send, receive = trio.open_memory_channel[int](10)
    send.send_nowait(1)
    assert await _steps_of(next_item(receive)) == 0

    async def later() -> None:
        await trio.sleep(0.01)
        await send.send(2)
        await send.aclose()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(later)
        assert await next_item(receive) == 2
        with pytest.raises(trio.EndOfChannel):
            await next_item(receive)
