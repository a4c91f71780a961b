"""getUpdates: offset confirmation, negative offsets, limit, long polling on the emulator clock,
allowed_updates, and the three 409 conflict rules."""

from __future__ import annotations

import trio

from trt_actors.sandbox.clock import VirtualClock
from trt_actors.sandbox.telegram import TelegramEmulator

from .conftest import Api

WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
)
POLL_CONFLICT = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"


async def test_offset_confirms_everything_below_it(emu: TelegramEmulator, api: Api) -> None:
    ann = emu.user(1001, "Ann")
    for text in ("one", "two", "three"):
        await ann.send_text(text)
    first = await api.ok("getUpdates")
    assert [u["message"]["text"] for u in first] == ["one", "two", "three"]
    ids = [u["update_id"] for u in first]
    assert ids == list(range(ids[0], ids[0] + 3))  # sequential
    again = await api.ok("getUpdates")  # nothing confirmed yet: redelivered
    assert [u["update_id"] for u in again] == ids
    rest = await api.ok("getUpdates", offset=ids[1])
    assert [u["update_id"] for u in rest] == ids[1:]
    assert await api.ok("getUpdates", offset=ids[2] + 1) == []
    assert emu.pending_updates == 0


async def test_limit_and_negative_offset(emu: TelegramEmulator, api: Api) -> None:
    ann = emu.user(1001, "Ann")
    for index in range(5):
        await ann.send_text(f"m{index}")
    assert [u["message"]["text"] for u in await api.ok("getUpdates", limit=2)] == ["m0", "m1"]
    last_two = await api.ok("getUpdates", offset=-2)
    assert [u["message"]["text"] for u in last_two] == ["m3", "m4"]
    assert [u["message"]["text"] for u in await api.ok("getUpdates")] == ["m3", "m4"]  # earlier ones forgotten


async def test_long_poll_returns_empty_after_timeout_on_emulator_clock(
    emu: TelegramEmulator, api: Api, clock: VirtualClock
) -> None:
    result: list[object] = []
    async with trio.open_nursery() as nursery:

        async def poll() -> None:
            result.append(await api.ok("getUpdates", timeout=30))

        nursery.start_soon(poll)
        await emu.wait_polling()
        await clock.advance(29)
        assert result == []
        await clock.advance(1)
    assert result == [[]]


async def test_long_poll_wakes_on_first_update(emu: TelegramEmulator, api: Api) -> None:
    ann = emu.user(1001, "Ann")
    result: list[list[dict[str, object]]] = []
    async with trio.open_nursery() as nursery:

        async def poll() -> None:
            result.append(await api.ok("getUpdates", timeout=50))

        nursery.start_soon(poll)
        await emu.wait_polling()
        await ann.send_text("hello")
    assert [u["message"]["text"] for u in result[0]] == ["hello"]  # type: ignore[index]


async def test_allowed_updates_filters_and_persists(emu: TelegramEmulator, api: Api) -> None:
    ann = emu.user(1001, "Ann")
    sent = await api.ok("sendMessage", chat_id=1001, text="menu",
                        reply_markup={"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]})
    await ann.send_text("first")
    await ann.tap(sent["message_id"], "a")
    only_callbacks = await api.ok("getUpdates", allowed_updates=["callback_query"])
    assert [list(u)[1] for u in only_callbacks] == ["callback_query"]
    await ann.send_text("second")
    assert await api.ok("getUpdates") == only_callbacks  # setting kept when omitted
    emu.inject_update({"message_reaction": {"chat": {"id": 1001}}})
    everything = await api.ok("getUpdates", offset=only_callbacks[-1]["update_id"] + 1, allowed_updates=[])
    assert [u["message"]["text"] for u in everything] == ["second"]  # reactions excluded by default


async def test_getupdates_conflicts_with_webhook(emu: TelegramEmulator, api: Api) -> None:
    await api.ok("setWebhook", url="http://127.0.0.1:9/hook")
    assert await api.fails("getUpdates", 409) == WEBHOOK_CONFLICT
    await api.ok("deleteWebhook")
    assert await api.ok("getUpdates") == []


async def test_second_poller_ends_the_older_poll(emu: TelegramEmulator, api: Api, clock: VirtualClock) -> None:
    older: list[str] = []
    async with trio.open_nursery() as nursery:

        async def first() -> None:
            older.append(await api.fails("getUpdates", 409, timeout=30))

        nursery.start_soon(first)
        await emu.wait_polling()
        emu.user(1001, "Ann")
        newer = await api.ok("getUpdates", timeout=0)
    assert older == [POLL_CONFLICT]
    assert newer == []


async def test_set_webhook_ends_a_poll_in_flight(emu: TelegramEmulator, api: Api) -> None:
    ended: list[str] = []
    async with trio.open_nursery() as nursery:

        async def poll() -> None:
            ended.append(await api.fails("getUpdates", 409, timeout=30))

        nursery.start_soon(poll)
        await emu.wait_polling()
        assert await api.ok("setWebhook", url="http://127.0.0.1:9/hook") is True
    assert ended == ["Conflict: terminated by setWebhook request"]


async def test_unfetched_updates_expire_after_24_hours(emu: TelegramEmulator, api: Api, clock: VirtualClock) -> None:
    ann = emu.user(1001, "Ann")
    await ann.send_text("old")
    await clock.advance(23 * 3600)
    await ann.send_text("recent")
    await clock.advance(3600 + 1)
    assert [u["message"]["text"] for u in await api.ok("getUpdates")] == ["recent"]
