"""``forwardMessage`` and ``copyMessage``: a message of one private chat sent again by the bot.

Only private chats exist, so ``from_chat_id`` names a simulated user's chat
(the bot may read it even if that user blocked it) and ``chat_id`` the chat
that gets the new message (which must not have blocked the bot).

* A forward keeps the content and says where it came from: ``forward_origin``
  names the original sender and date (a forward of a forward keeps the first
  origin). It answers the new ``Message``.
* A copy keeps the content without a link to the original, may take a new
  caption (``caption``, ``parse_mode``, ``caption_entities``) and a keyboard
  of its own, and answers only the new ``MessageId``.

The original's inline keyboard is carried by neither. Service messages
(payments, refunds) can be neither forwarded nor copied; invoices can be
forwarded but not copied, as in Telegram.
"""

from __future__ import annotations

from typing import Any

from trt_actors.sandbox.telegram.chats import Chat, StoredMessage
from trt_actors.sandbox.telegram.errors import BotApiError
from trt_actors.sandbox.telegram.messaging import Handler, deliver
from trt_actors.sandbox.telegram.state import BotState, Call
from trt_actors.sandbox.telegram.validation import check_caption, check_reply_markup

__all__ = ["FORWARDING_METHODS"]

_CARRIED = frozenset({
    "text", "entities", "link_preview_options", "photo", "video", "audio", "document", "animation", "voice",
    "sticker", "caption", "caption_entities", "has_media_spoiler", "dice", "location", "invoice", "_payload",
})
"""The parts of a message that a forward or a copy takes along."""
_PAST = {"forward": "forwarded", "copy": "copied"}


def _original(state: BotState, params: dict[str, Any], verb: str) -> tuple[Chat, StoredMessage]:
    source_id = params["from_chat_id"]
    source = state.chats.get(source_id) if isinstance(source_id, int) else None
    if source is None:
        raise BotApiError.bad_request("chat not found")
    message = source.messages.get(params["message_id"])
    if message is None or message.deleted:
        raise BotApiError.bad_request(f"message to {verb} not found")
    if message.kind == "service" or (verb == "copy" and message.kind == "invoice"):
        raise BotApiError.bad_request(f"message can't be {_PAST[verb]}")
    return source, message


def _content(message: StoredMessage) -> dict[str, Any]:
    return {key: value for key, value in message.body.items() if key in _CARRIED}


async def forward_message(state: BotState, call: Call) -> Any:
    params = call.params
    source, original = _original(state, params, "forward")
    chat = state.chat_for(params["chat_id"])
    sender = state.bot_sender if original.from_bot else source.user
    origin = original.body.get("forward_origin") or {"type": "user", "sender_user": sender, "date": original.date}
    body = {**_content(original), "forward_origin": origin}
    return deliver(state, chat, body, {})


async def copy_message(state: BotState, call: Call) -> Any:
    params = call.params
    _, original = _original(state, params, "copy")
    chat = state.chat_for(params["chat_id"])
    body = _content(original)
    if "caption" in params and original.kind not in ("text", "dice", "location", "invoice"):
        caption, entities = check_caption(params["caption"], params.get("parse_mode"), params.get("caption_entities"))
        body.pop("caption", None)
        body.pop("caption_entities", None)
        if caption:
            body["caption"] = caption
        if entities:
            body["caption_entities"] = entities
    markup = check_reply_markup(params.get("reply_markup"))
    if markup and "inline_keyboard" in markup:
        body["reply_markup"] = markup
    copied = deliver(state, chat, body, params)
    return {"message_id": copied["message_id"]}


FORWARDING_METHODS: dict[str, Handler] = {
    "forwardMessage": forward_message,
    "copyMessage": copy_message,
}
