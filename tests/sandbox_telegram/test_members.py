"""getChatMember and getUserProfilePhotos in private chats; sendDice and sendLocation."""

from __future__ import annotations

from trt_actors.sandbox.telegram import TelegramEmulator

from .conftest import TOKEN, Api

BOT_ID = int(TOKEN.split(":")[0])


async def test_a_private_chat_has_its_user_and_the_bot(emu: TelegramEmulator, api: Api) -> None:
    emu.user(1001, "Ann", username="ann_k")
    emu.user(1002, "Bob")
    member = await api.ok("getChatMember", chat_id=1001, user_id=1001)
    assert member["status"] == "member" and member["user"]["username"] == "ann_k"
    assert (await api.ok("getChatMember", chat_id=1001, user_id=BOT_ID))["user"]["is_bot"] is True
    assert await api.fails("getChatMember", chat_id=1001, user_id=1002) == "Bad Request: user not found"
    assert await api.fails("getChatMember", chat_id=5, user_id=5) == "Bad Request: chat not found"


async def test_simulated_users_have_no_profile_photos(emu: TelegramEmulator, api: Api) -> None:
    emu.user(1001, "Ann")
    assert await api.ok("getUserProfilePhotos", user_id=1001) == {"total_count": 0, "photos": []}
    assert await api.fails("getUserProfilePhotos", user_id=5) == "Bad Request: user not found"
    assert await api.fails("getUserProfilePhotos", user_id=1001, limit=101) == \
        "Bad Request: limit must be between 1 and 100"


async def test_dice_values_stay_in_range_and_repeat(emu: TelegramEmulator, api: Api) -> None:
    ann = emu.user(1001, "Ann")
    rolls = [(await api.ok("sendDice", chat_id=1001))["dice"] for _ in range(12)]
    assert {roll["emoji"] for roll in rolls} == {"🎲"} and {roll["value"] for roll in rolls} <= set(range(1, 7))
    assert len({roll["value"] for roll in rolls}) > 1
    slot = (await api.ok("sendDice", chat_id=1001, emoji="🎰"))["dice"]
    assert 1 <= slot["value"] <= 64 and ann.last_message().kind == "dice"
    assert await api.fails("sendDice", chat_id=1001, emoji="🐍") == "Bad Request: DICE_EMOJI_INVALID"


async def test_locations_are_checked_and_stored(emu: TelegramEmulator, api: Api) -> None:
    ann = emu.user(1001, "Ann")
    sent = await api.ok("sendLocation", chat_id=1001, latitude="52.52", longitude=13.405, live_period=60)
    assert sent["location"] == {"latitude": 52.52, "longitude": 13.405, "live_period": 60}
    assert ann.last_message().kind == "location"
    assert await api.fails("sendLocation", chat_id=1001, latitude=91, longitude=0) == \
        "Bad Request: wrong latitude or longitude specified"
    assert await api.fails("sendLocation", chat_id=1001, latitude=0, longitude=0, live_period=30) == \
        "Bad Request: wrong live period specified"
