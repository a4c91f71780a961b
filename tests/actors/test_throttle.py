"""Rate budgets on a virtual clock: per chat, global, and 429 pauses."""

from __future__ import annotations

import pytest
import trio
import trio.testing

from trt_actors.actors.throttle import Throttle, TokenBucket


def test_token_bucket_refills_at_its_rate() -> None:
    bucket = TokenBucket(rate=2.0, burst=2, now=0.0)
    bucket.take(0.0)
    bucket.take(0.0)
    assert bucket.wait_needed(0.0) == pytest.approx(0.5)
    assert bucket.wait_needed(0.5) == 0.0


async def test_one_chat_gets_its_burst_then_one_per_second(autojump_clock: trio.testing.MockClock) -> None:
    throttle = Throttle(per_chat_rate=1.0, per_chat_burst=3, global_rate=30.0)
    start = trio.current_time()
    times = []
    for _ in range(6):
        await throttle.wait_turn(1)
        times.append(trio.current_time() - start)
    assert times == pytest.approx([0, 0, 0, 1, 2, 3])


async def test_the_global_budget_spans_chats(autojump_clock: trio.testing.MockClock) -> None:
    throttle = Throttle(per_chat_rate=1.0, per_chat_burst=1, global_rate=10.0, global_burst=5)
    start = trio.current_time()
    for chat in range(15):
        await throttle.wait_turn(chat)
    assert trio.current_time() - start == pytest.approx(1.0)


async def test_pauses_hold_one_chat_or_everything(autojump_clock: trio.testing.MockClock) -> None:
    throttle = Throttle(per_chat_rate=100.0, per_chat_burst=10, global_rate=100.0)
    start = trio.current_time()
    throttle.pause_chat(1, 5.0)
    await throttle.wait_turn(2)
    assert trio.current_time() - start == pytest.approx(0)
    assert throttle.paused(1) and throttle.statistics().paused_chats == 1
    await throttle.wait_turn(1)
    assert trio.current_time() - start == pytest.approx(5.0)
    throttle.pause_all(2.0)
    await throttle.wait_turn(3)
    assert trio.current_time() - start == pytest.approx(7.0)


async def test_idle_chats_are_forgotten(autojump_clock: trio.testing.MockClock) -> None:
    throttle = Throttle(per_chat_rate=1.0, per_chat_burst=2)
    await throttle.wait_turn(1)
    await trio.sleep(5)
    throttle.forget_idle()
    assert throttle.statistics().chats_tracked == 0


async def test_a_chats_turn_is_one_sender_at_a_time_and_a_429_inside_it_holds_the_next(
    autojump_clock: trio.testing.MockClock,
) -> None:
    """The outbox and the job runner share a chat: the second sender waits for the first's call and then for the
    pause the first one's 429 ordered; other chats are not held; the locks go once nobody sends."""
    throttle = Throttle(per_chat_rate=100.0, per_chat_burst=10, global_rate=100.0)
    start = trio.current_time()
    sent: list[tuple[str, float]] = []

    async def first() -> None:
        async with throttle.turn(1):
            await trio.sleep(0.3)  # the call is slow; Telegram answers 429, retry after 2
            throttle.pause_chat(1, 2.0)

    async def second(name: str, chat: int) -> None:
        await trio.sleep(0.1)  # asks while the first call is out
        async with throttle.turn(chat):
            sent.append((name, trio.current_time() - start))

    async with trio.open_nursery() as nursery:
        nursery.start_soon(first)
        nursery.start_soon(second, "same chat", 1)
        nursery.start_soon(second, "other chat", 2)
    assert [name for name, _ in sent] == ["other chat", "same chat"]
    assert [at for _, at in sent] == pytest.approx([0.1, 2.3])
    assert throttle._locks == {}
