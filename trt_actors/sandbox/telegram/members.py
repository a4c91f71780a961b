"""Who is in a chat, and how they look: ``getChatMember`` and ``getUserProfilePhotos``.

Only private chats exist, so a chat has two members, its user and the bot,
both ``"member"``; anyone else is ``user not found``. Simulated users have no
profile photos: ``getUserProfilePhotos`` answers an empty list for a known user
(or the bot).
"""

from __future__ import annotations

from typing import Any

from trt_actors.sandbox.telegram.errors import BotApiError
from trt_actors.sandbox.telegram.messaging import Handler
from trt_actors.sandbox.telegram.state import BotState, Call

__all__ = ["MEMBER_METHODS"]


def _known_user(state: BotState, user_id: int) -> dict[str, Any]:
    if user_id == state.bot_user["id"]:
        return state.bot_sender
    chat = state.chats.get(user_id)
    if chat is None:
        raise BotApiError.bad_request("user not found")
    return dict(chat.user)


async def get_chat_member(state: BotState, call: Call) -> Any:
    chat_id = call.params["chat_id"]
    chat = state.chats.get(chat_id) if isinstance(chat_id, int) else None
    if chat is None:
        raise BotApiError.bad_request("chat not found")
    user_id = call.params["user_id"]
    if user_id not in (chat.id, state.bot_user["id"]):
        raise BotApiError.bad_request("user not found")
    return {"status": "member", "user": _known_user(state, user_id)}


async def get_user_profile_photos(state: BotState, call: Call) -> Any:
    _known_user(state, call.params["user_id"])
    if not 1 <= call.params.get("limit", 100) <= 100:
        raise BotApiError.bad_request("limit must be between 1 and 100")
    return {"total_count": 0, "photos": []}


MEMBER_METHODS: dict[str, Handler] = {
    "getChatMember": get_chat_member,
    "getUserProfilePhotos": get_user_profile_photos,
}
