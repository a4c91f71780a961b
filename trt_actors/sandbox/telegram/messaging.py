"""The Bot API methods that put messages into chats and change them.

``sendMessage``, ``sendPhoto``/``sendVideo``/``sendAudio``/``sendDocument``/
``sendAnimation``/``sendVoice``, ``sendMediaGroup``, ``sendDice``,
``sendLocation``, ``editMessageText``,
``editMessageCaption``, ``editMessageReplyMarkup``, ``deleteMessage(s)``,
``sendChatAction`` and ``getFile``. Each takes a :class:`BotState` and a
validated :class:`Call` and returns the method's result or raises
:class:`BotApiError` with Telegram's wording.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from trt_actors.sandbox.telegram.chats import Chat, StoredMessage
from trt_actors.sandbox.telegram.errors import BotApiError
from trt_actors.sandbox.telegram.files import StoredFile
from trt_actors.sandbox.telegram.state import BotState, Call
from trt_actors.sandbox.telegram.validation import check_caption, check_reply_markup, check_text

__all__ = ["MESSAGING_METHODS", "deliver", "message_json"]

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same "
    "as a current content and reply markup of the message"
)
CHAT_ACTIONS = frozenset({
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note",
})
MEDIA_METHODS = {
    "sendPhoto": "photo",
    "sendVideo": "video",
    "sendAudio": "audio",
    "sendDocument": "document",
    "sendAnimation": "animation",
    "sendVoice": "voice",
}


def message_json(state: BotState, chat: Chat, message: StoredMessage) -> dict[str, Any]:
    """The Telegram ``Message`` object of ``message`` in ``chat``, from the bot or from the chat's user."""
    return message.to_json(chat.as_chat(), state.bot_sender if message.from_bot else chat.user)


def _reply_to(state: BotState, chat: Chat, params: dict[str, Any]) -> dict[str, Any] | None:
    reply = params.get("reply_parameters")
    message_id = reply.get("message_id") if isinstance(reply, dict) else None
    if message_id is None:
        return None
    target = chat.messages.get(message_id)
    if target is None or target.deleted:
        if isinstance(reply, dict) and reply.get("allow_sending_without_reply"):
            return None
        raise BotApiError.bad_request("message to be replied not found")
    return message_json(state, chat, target)


def _markup_body(params: dict[str, Any]) -> dict[str, Any]:
    markup = check_reply_markup(params.get("reply_markup"))
    return {"reply_markup": markup} if markup and "inline_keyboard" in markup else {}


def deliver(state: BotState, chat: Chat, body: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """Add the bot's new message ``body`` to ``chat`` (replying as ``params`` ask); return its ``Message`` object."""
    reply = _reply_to(state, chat, params)
    if reply is not None:
        body["reply_to_message"] = reply
    message = chat.add(state.now(), from_bot=True, body=body, parse_mode=params.get("parse_mode"))
    chat.actions.clear()
    return message_json(state, chat, message)


async def send_message(state: BotState, call: Call) -> Any:
    params = call.params
    chat = state.chat_for(params["chat_id"])
    text, entities = check_text(params["text"], params.get("parse_mode"), params.get("entities"))
    body: dict[str, Any] = {"text": text}
    if entities:
        body["entities"] = entities
    body.update(_markup_body(params))
    return deliver(state, chat, body, params)


def _media_body(kind: str, stored: StoredFile, caption: str | None, entities: list[dict[str, Any]]) -> dict[str, Any]:
    body: dict[str, Any] = {kind: stored.as_photo() if kind == "photo" else stored.as_media()}
    if caption:
        body["caption"] = caption
    if entities:
        body["caption_entities"] = entities
    return body


async def send_media(state: BotState, call: Call) -> Any:
    params = call.params
    kind = MEDIA_METHODS[call.method]
    chat = state.chat_for(params["chat_id"])
    caption, entities = check_caption(params.get("caption"), params.get("parse_mode"), params.get("caption_entities"))
    markup = _markup_body(params)
    stored = await state.files.resolve(kind, params[kind], call.uploads, state.http)
    body = _media_body(kind, stored, caption, entities)
    if params.get("has_spoiler"):
        body["has_media_spoiler"] = True
    body.update(markup)
    return deliver(state, chat, body, params)


async def send_media_group(state: BotState, call: Call) -> Any:
    params = call.params
    chat = state.chat_for(params["chat_id"])
    media: list[dict[str, Any]] = params["media"]
    if not 2 <= len(media) <= 10:
        raise BotApiError.bad_request("media group must include 2-10 items")
    kinds = {item.get("type") for item in media}
    if not kinds <= {"photo", "video", "document", "audio", "live_photo"}:
        raise BotApiError.bad_request("media group can include only photos, videos, documents and audio files")
    if ("document" in kinds or "audio" in kinds) and len(kinds) > 1:
        raise BotApiError.bad_request("documents and audio files can be only grouped in an album with messages of the same type")
    prepared: list[dict[str, Any]] = []
    for item in media:
        kind = "photo" if item["type"] == "live_photo" else item["type"]
        caption, entities = check_caption(item.get("caption"), item.get("parse_mode"), item.get("caption_entities"))
        stored = await state.files.resolve(kind, item.get("media"), call.uploads, state.http)
        prepared.append(_media_body(kind, stored, caption, entities))
    group_id = f"1{chat.id:012d}{chat.next_message_id:06d}"
    results = []
    for body in prepared:
        body["media_group_id"] = group_id
        results.append(deliver(state, chat, body, params))
    return results


DICE = {"🎲": 6, "🎯": 6, "🎳": 6, "🏀": 5, "⚽": 5, "🎰": 64}
"""The emoji ``sendDice`` takes and the highest value each can show."""
LIVE_PERIOD_FOREVER = 0x7FFFFFFF


async def send_dice(state: BotState, call: Call) -> Any:
    """A dice roll; its value is a function of the chat and the message id, so a run repeats."""
    params = call.params
    chat = state.chat_for(params["chat_id"])
    emoji = params.get("emoji", "🎲")
    if emoji not in DICE:
        raise BotApiError.bad_request("DICE_EMOJI_INVALID")
    value = 1 + (chat.id * 7919 + chat.next_message_id * 104_729) % DICE[emoji]
    body: dict[str, Any] = {"dice": {"emoji": emoji, "value": value}}
    body.update(_markup_body(params))
    return deliver(state, chat, body, params)


async def send_location(state: BotState, call: Call) -> Any:
    params = call.params
    chat = state.chat_for(params["chat_id"])
    latitude, longitude = params["latitude"], params["longitude"]
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise BotApiError.bad_request("wrong latitude or longitude specified")
    location: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
    live_period = params.get("live_period")
    if live_period is not None:
        if not (60 <= live_period <= 86_400 or live_period == LIVE_PERIOD_FOREVER):
            raise BotApiError.bad_request("wrong live period specified")
        location["live_period"] = live_period
    for name in ("horizontal_accuracy", "heading", "proximity_alert_radius"):
        if name in params:
            location[name] = params[name]
    body: dict[str, Any] = {"location": location}
    body.update(_markup_body(params))
    return deliver(state, chat, body, params)


def _editable(state: BotState, params: dict[str, Any]) -> tuple[Chat, StoredMessage]:
    if params.get("inline_message_id") is not None:
        raise BotApiError.bad_request("MESSAGE_ID_INVALID")
    if params.get("chat_id") is None:
        raise BotApiError.bad_request("chat_id is empty")
    if params.get("message_id") is None:
        raise BotApiError.bad_request("message identifier is not specified")
    chat = state.chat_for(params["chat_id"])
    message = chat.messages.get(params["message_id"])
    if message is None or message.deleted:
        raise BotApiError.bad_request("message to edit not found")
    if not message.from_bot:
        raise BotApiError.bad_request("message can't be edited")
    return chat, message


def _apply_edit(state: BotState, chat: Chat, message: StoredMessage, changes: dict[str, Any], removed: tuple[str, ...]) -> dict[str, Any]:
    new_body = {key: value for key, value in message.body.items() if key not in removed}
    new_body.update(changes)
    candidate = StoredMessage(message.message_id, message.date, True, new_body)
    if candidate.content == message.content:
        raise BotApiError.bad_request(NOT_MODIFIED)
    message.history.append(message.version())
    message.body = new_body
    message.edit_date = state.now()
    chat.touch()
    return message_json(state, chat, message)


async def edit_message_text(state: BotState, call: Call) -> Any:
    params = call.params
    chat, message = _editable(state, params)
    if "text" not in message.body:
        raise BotApiError.bad_request("there is no text in the message to edit")
    text, entities = check_text(params["text"], params.get("parse_mode"), params.get("entities"))
    changes: dict[str, Any] = {"text": text}
    if entities:
        changes["entities"] = entities
    changes.update(_markup_body(params))
    message.parse_mode = params.get("parse_mode")
    return _apply_edit(state, chat, message, changes, ("text", "entities", "reply_markup"))


async def edit_message_caption(state: BotState, call: Call) -> Any:
    params = call.params
    chat, message = _editable(state, params)
    if message.kind not in ("photo", "video", "audio", "document", "animation", "voice"):
        raise BotApiError.bad_request("there is no caption in the message to edit")
    caption, entities = check_caption(params.get("caption"), params.get("parse_mode"), params.get("caption_entities"))
    changes: dict[str, Any] = {}
    if caption:
        changes["caption"] = caption
    if entities:
        changes["caption_entities"] = entities
    changes.update(_markup_body(params))
    return _apply_edit(state, chat, message, changes, ("caption", "caption_entities", "reply_markup"))


async def edit_message_reply_markup(state: BotState, call: Call) -> Any:
    chat, message = _editable(state, call.params)
    return _apply_edit(state, chat, message, _markup_body(call.params), ("reply_markup",))


async def delete_message(state: BotState, call: Call) -> Any:
    chat = state.chat_for(call.params["chat_id"])
    message = chat.messages.get(call.params["message_id"])
    if message is None or message.deleted:
        raise BotApiError.bad_request("message to delete not found")
    message.deleted = True
    chat.touch()
    return True


async def delete_messages(state: BotState, call: Call) -> Any:
    chat = state.chat_for(call.params["chat_id"])
    ids: list[int] = call.params["message_ids"]
    if not 1 <= len(ids) <= 100:
        raise BotApiError.bad_request("message_ids must contain 1-100 identifiers")
    for message_id in ids:
        message = chat.messages.get(message_id)
        if message is not None:
            message.deleted = True
    chat.touch()
    return True


async def send_chat_action(state: BotState, call: Call) -> Any:
    chat = state.chat_for(call.params["chat_id"])
    action = call.params["action"]
    if action not in CHAT_ACTIONS:
        raise BotApiError.bad_request("wrong parameter action in request")
    chat.actions.append((state.clock.now(), action))
    chat.touch()
    return True


async def get_file(state: BotState, call: Call) -> Any:
    stored = state.files.get(call.params["file_id"])
    if stored is None:
        raise BotApiError.bad_request("invalid file_id")
    return stored.as_file()


Handler = Callable[[BotState, Call], Awaitable[Any]]

MESSAGING_METHODS: dict[str, Handler] = {
    "sendMessage": send_message,
    **{method: send_media for method in MEDIA_METHODS},
    "sendMediaGroup": send_media_group,
    "sendDice": send_dice,
    "sendLocation": send_location,
    "editMessageText": edit_message_text,
    "editMessageCaption": edit_message_caption,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "deleteMessage": delete_message,
    "deleteMessages": delete_messages,
    "sendChatAction": send_chat_action,
    "getFile": get_file,
}
