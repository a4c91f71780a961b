"""The bans a 429 announces: the chaos run checks that the bot honours every one."""

from __future__ import annotations

from trt_actors.sandbox.clock import VirtualClock
from trt_actors.sandbox.telegram import TelegramEmulator

from .conftest import Api


async def test_calls_inside_an_announced_ban_are_counted_and_refused_when_enforced(
    emu: TelegramEmulator, api: Api, clock: VirtualClock
) -> None:
    emu.user(1001, "Ann")
    emu.user(1002, "Bob")
    emu.faults.rate_limit("sendMessage", every=1, retry_after=3)
    assert (await api.call("sendMessage", chat_id=1001, text="a")).status == 429
    emu.faults.clear()
    assert (await api.call("sendMessage", chat_id=1002, text="b")).status == 200  # the ban is Ann's chat's
    assert emu.faults.ban_violations == 0
    assert (await api.call("sendMessage", chat_id=1001, text="c")).status == 200  # not enforced: only counted
    assert emu.faults.ban_violations == 1
    emu.faults.enforce_bans()
    rule = emu.faults.rate_limit("getUpdates", every=1, retry_after=2)
    assert (await api.call("getUpdates")).status == 429
    emu.faults.remove(rule)
    refused = await api.call("getUpdates")
    assert (refused.status, refused.body["parameters"]) == (429, {"retry_after": 2})
    assert emu.faults.ban_violations == 2
    await clock.advance(2)
    assert (await api.call("getUpdates")).status == 200
    assert (await api.call("sendMessage", chat_id=1001, text="d")).status == 429  # Ann's 3 s are not over
    await clock.advance(1)
    assert (await api.call("sendMessage", chat_id=1001, text="e")).status == 200
    assert emu.faults.ban_violations == 3
    assert [m.text for m in emu.user(1001).messages()] == ["c", "e"]
