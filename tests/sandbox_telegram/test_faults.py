"""Fault injection: 429 with parameters.retry_after (every N-th call or a time window), 5xx, blocks, delays."""

from __future__ import annotations

import trio

from trt_actors.sandbox.clock import VirtualClock
from trt_actors.sandbox.telegram import TelegramEmulator

from .conftest import Api


async def test_every_third_call_is_rate_limited(emu: TelegramEmulator, api: Api) -> None:
    emu.user(1001, "Ann")
    emu.faults.rate_limit("sendMessage", every=3, retry_after=2)
    statuses = []
    for index in range(6):
        answer = await api.call("sendMessage", chat_id=1001, text=f"m{index}")
        statuses.append(answer.status)
        if answer.status == 429:
            assert answer.body == {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 2",
                "parameters": {"retry_after": 2},
            }
    assert statuses == [200, 200, 429, 200, 200, 429]
    assert [m.text for m in emu.user(1001).messages()] == ["m0", "m1", "m3", "m4"]
    assert (await api.call("getMe")).status == 200  # other methods unaffected
    assert emu.statistics().faults_injected == 2


async def test_rate_limit_window_on_the_emulator_clock(emu: TelegramEmulator, api: Api, clock: VirtualClock) -> None:
    emu.faults.rate_limit(seconds=30)  # every method
    answer = await api.call("getUpdates")
    assert answer.status == 429 and answer.body["parameters"] == {"retry_after": 30}
    await clock.advance(25)
    assert (await api.call("getMe")).body["parameters"] == {"retry_after": 5}
    await clock.advance(5)
    assert (await api.call("getMe")).status == 200


async def test_server_errors_limited_times(emu: TelegramEmulator, api: Api) -> None:
    rule = emu.faults.server_error("getMe", status=502, times=2)
    first = await api.call("getme")
    assert (first.status, first.body) == (502, {"ok": False, "error_code": 502, "description": "Bad Gateway"})
    assert (await api.call("getMe")).status == 502
    assert (await api.call("getMe")).status == 200
    emu.faults.remove(rule)
    emu.faults.server_error(status=500, every=2)
    assert [(await api.call("getMe")).status for _ in range(4)] == [200, 500, 200, 500]
    emu.faults.clear()
    assert (await api.call("getMe")).status == 200


async def test_delay_holds_the_answer_on_the_emulator_clock(emu: TelegramEmulator, api: Api, clock: VirtualClock) -> None:
    emu.faults.delay("getMe", 3.0)
    done: list[float] = []
    async with trio.open_nursery() as nursery:

        async def call() -> None:
            await api.ok("getMe")
            done.append(clock.now())

        start = clock.now()
        nursery.start_soon(call)
        await trio.testing.wait_all_tasks_blocked()
        while clock.sleepers == 0:
            await trio.testing.wait_all_tasks_blocked()
        await clock.advance(2.9)
        assert done == []
        await clock.advance(0.1)
    assert done == [start + 3.0]


async def test_block_a_user(emu: TelegramEmulator, api: Api) -> None:
    emu.user(1001, "Ann")
    emu.user(1002, "Bob")
    emu.faults.block(1001)
    assert await api.fails("sendMessage", 403, chat_id=1001, text="x") == "Forbidden: bot was blocked by the user"
    assert await api.fails("sendChatAction", 403, chat_id=1001, action="typing") == "Forbidden: bot was blocked by the user"
    await api.ok("sendMessage", chat_id=1002, text="x")


async def test_flood_control_per_chat_with_burst(emu: TelegramEmulator, api: Api, clock: VirtualClock) -> None:
    emu.user(1001, "Ann")
    emu.user(1002, "Bob")
    emu.faults.flood_control(per_chat_per_second=1.0, per_chat_burst=3)
    statuses = [(await api.call("sendMessage", chat_id=1001, text="x")).status for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    flooded = await api.call("sendMessage", chat_id=1001, text="x")
    assert flooded.body["parameters"] == {"retry_after": 1}
    assert (await api.call("sendMessage", chat_id=1002, text="x")).status == 200  # another chat is not limited
    assert (await api.call("sendChatAction", chat_id=1001, action="typing")).status == 200  # not a message
    await clock.advance(1)
    assert (await api.call("sendMessage", chat_id=1001, text="x")).status == 200
    assert (await api.call("sendMessage", chat_id=1001, text="x")).status == 429
