"""The per-chat message store: every message in a private chat, the bot's and the user's.

Message ids are per chat and shared by both sides, as in Telegram's private
chats. A :class:`StoredMessage` keeps the Telegram ``Message`` fields (text,
entities, caption, photo, reply_markup, ...) in ``body`` plus its edit history,
so edits can be refused when nothing changed and a user can read every version.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

import trio

from trt_actors.sandbox.telegram.records import (
    BotMessage,
    Button,
    ChatMessage,
    Entity,
    Invoice,
    Keyboard,
    MessageKind,
    MessageVersion,
)

__all__ = ["Chat", "ChatStore", "StoredMessage", "keyboard_of"]

_MEDIA_KINDS: tuple[MessageKind, ...] = ("photo", "video", "audio", "document", "animation", "voice", "sticker")


def keyboard_of(markup: dict[str, Any] | None) -> Keyboard:
    """An inline keyboard as rows of :class:`Button` (empty for no or non-inline markup)."""
    if not markup or "inline_keyboard" not in markup:
        return ()
    return tuple(
        tuple(
            Button(
                text=button.get("text", ""),
                callback_data=button.get("callback_data"),
                url=button.get("url"),
                pay=bool(button.get("pay", False)),
            )
            for button in row
        )
        for row in markup["inline_keyboard"]
    )


@dataclass
class StoredMessage:
    message_id: int
    date: int
    from_bot: bool
    body: dict[str, Any]
    history: list[MessageVersion] = field(default_factory=list)
    deleted: bool = False
    edit_date: int | None = None
    parse_mode: str | None = None

    @property
    def kind(self) -> MessageKind:
        if "text" in self.body:
            return "text"
        if "invoice" in self.body:
            return "invoice"
        for kind in _MEDIA_KINDS:
            if kind in self.body:
                return kind
        if "dice" in self.body:
            return "dice"
        if "location" in self.body:
            return "location"
        if "successful_payment" in self.body or "refunded_payment" in self.body:
            return "service"
        return "other"

    @property
    def content(self) -> tuple[str | None, list[Any], str | None, list[Any], Any]:
        """What an edit compares: text, entities, caption, caption entities and markup."""
        return (
            self.body.get("text"),
            self.body.get("entities", []),
            self.body.get("caption"),
            self.body.get("caption_entities", []),
            self.body.get("reply_markup"),
        )

    def version(self) -> MessageVersion:
        return MessageVersion(
            text=self.body.get("text"),
            caption=self.body.get("caption"),
            buttons=keyboard_of(self.body.get("reply_markup")),
            date=self.edit_date or self.date,
        )

    def file_id(self) -> str | None:
        media = self.body.get(self.kind) if self.kind in _MEDIA_KINDS else None
        if isinstance(media, list) and media:
            return cast(str, media[-1]["file_id"])
        if isinstance(media, dict):
            return cast(str, media["file_id"])
        return None

    def invoice(self) -> Invoice | None:
        invoice = self.body.get("invoice")
        if not invoice:
            return None
        return Invoice(
            title=invoice["title"],
            description=invoice["description"],
            payload=self.body.get("_payload", ""),
            currency=invoice["currency"],
            total_amount=invoice["total_amount"],
        )

    def chat_message(self) -> ChatMessage:
        """This message as a chat client draws it, whoever sent it."""
        entities = self.body.get("entities") if "text" in self.body else self.body.get("caption_entities")
        service = next((key for key in ("successful_payment", "refunded_payment") if key in self.body), None)
        return ChatMessage(
            message_id=self.message_id,
            from_bot=self.from_bot,
            kind=self.kind,
            date=self.date,
            text=self.body.get("text"),
            caption=self.body.get("caption"),
            entities=tuple(
                Entity(type=str(e["type"]), offset=int(e["offset"]), length=int(e["length"]), url=e.get("url"),
                       language=e.get("language"))
                for e in entities or ()
            ),
            buttons=keyboard_of(self.body.get("reply_markup")),
            file_id=self.file_id(),
            invoice=self.invoice(),
            edit_date=self.edit_date,
            deleted=self.deleted,
            service=service,
            stars=int(self.body[service]["total_amount"]) if service else 0,
        )

    def record(self) -> BotMessage:
        return BotMessage(
            message_id=self.message_id,
            kind=self.kind,
            date=self.date,
            text=self.body.get("text"),
            caption=self.body.get("caption"),
            buttons=keyboard_of(self.body.get("reply_markup")),
            file_id=self.file_id(),
            media_group_id=self.body.get("media_group_id"),
            invoice=self.invoice(),
            edits=tuple(self.history),
            edit_date=self.edit_date,
            deleted=self.deleted,
            parse_mode=self.parse_mode,
            reply_to=self.body["reply_to_message"]["message_id"] if "reply_to_message" in self.body else None,
        )

    def to_json(self, chat: dict[str, Any], sender: dict[str, Any]) -> dict[str, Any]:
        """The Telegram ``Message`` object for this message."""
        message: dict[str, Any] = {"message_id": self.message_id, "from": sender, "chat": chat, "date": self.date}
        if self.edit_date is not None:
            message["edit_date"] = self.edit_date
        message.update({key: value for key, value in self.body.items() if not key.startswith("_")})
        return message


@dataclass
class Chat:
    """A private chat between the bot and one user (chat id == user id)."""

    user: dict[str, Any]
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    next_message_id: int = 1
    actions: list[tuple[float, str]] = field(default_factory=list)
    changed: trio.Event = field(default_factory=trio.Event)

    @property
    def id(self) -> int:
        return cast(int, self.user["id"])

    def as_chat(self) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.user["first_name"]}
        for key in ("last_name", "username"):
            if key in self.user:
                chat[key] = self.user[key]
        return chat

    def add(self, date: int, from_bot: bool, body: dict[str, Any], parse_mode: str | None = None) -> StoredMessage:
        message = StoredMessage(self.next_message_id, date, from_bot, body, parse_mode=parse_mode)
        self.messages[message.message_id] = message
        self.next_message_id += 1
        self.touch()
        return message

    def touch(self) -> None:
        """Wake everyone waiting for this chat to change."""
        self.changed.set()
        self.changed = trio.Event()

    def bot_messages(self) -> list[BotMessage]:
        return [message.record() for message in self.messages.values() if message.from_bot]


class ChatStore:
    """All private chats of the bot, by chat id."""

    def __init__(self) -> None:
        self._chats: dict[int, Chat] = {}

    def open(self, user: dict[str, Any]) -> Chat:
        chat = self._chats.get(user["id"])
        if chat is None:
            chat = self._chats[user["id"]] = Chat(user)
        return chat

    def get(self, chat_id: int) -> Chat | None:
        return self._chats.get(chat_id)

    def __iter__(self) -> Any:
        return iter(self._chats.values())
