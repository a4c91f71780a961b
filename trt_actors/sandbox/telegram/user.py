"""A simulated Telegram user: what tests and the demo do on the other side of the chat.

The user writes to the bot (each action queues an update the bot receives by
``getUpdates`` or webhook), taps inline buttons, pays invoices, and reads back
everything the bot sent to the chat as :class:`BotMessage` records.

Example::

    user = emu.user(1001, "Ann", language_code="ru")
    await user.send_text("/start")
    [menu] = await user.wait_messages(1)
    tap = await user.tap_button("Images")
    answer = await tap.wait_answered()
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import trio

from trt_actors.sandbox.telegram.callbacks import Tap
from trt_actors.sandbox.telegram.auto_entities import detect_entities
from trt_actors.sandbox.telegram.chats import Chat
from trt_actors.sandbox.telegram.records import BotMessage, CallbackStatistics, ChatMessage, PaymentOutcome
from trt_actors.sandbox.telegram.state import BotState

__all__ = ["TelegramUser"]

class TelegramUser:
    """One user in a private chat with the bot (chat id == user id)."""

    def __init__(self, state: BotState, chat: Chat) -> None:
        self._state = state
        self._chat = chat

    @property
    def id(self) -> int:
        return self._chat.id

    @property
    def chat_id(self) -> int:
        return self._chat.id

    @property
    def as_user(self) -> dict[str, Any]:
        """The Telegram ``User`` object of this user."""
        return dict(self._chat.user)

    # -- writing to the bot ---------------------------------------------------

    def _post(self, body: dict[str, Any]) -> int:
        message = self._chat.add(self._state.now(), from_bot=False, body=body)
        self._state.queue.push("message", message.to_json(self._chat.as_chat(), self._chat.user))
        return message.message_id

    async def send_text(self, text: str) -> int:
        """Send a text message (``/commands``, links, mentions get their entities); return its message_id."""
        body: dict[str, Any] = {"text": text}
        entities = detect_entities(text)
        if entities:
            body["entities"] = entities
        await trio.lowlevel.checkpoint()
        return self._post(body)

    async def send_command(self, command: str, argument: str = "") -> int:
        """Send ``/command argument`` (the leading slash is optional)."""
        text = "/" + command.lstrip("/") + (f" {argument}" if argument else "")
        return await self.send_text(text)

    async def send_photo(self, data: bytes, caption: str | None = None) -> int:
        """Send a photo (JPEG, PNG, GIF or WebP bytes); its ``file_id`` works with ``getFile`` and file download."""
        stored = self._state.files.add("photo", data, mime_type="image/jpeg")  # images say their own type
        body: dict[str, Any] = {"photo": stored.as_photo()}
        body.update(self._caption(caption))
        await trio.lowlevel.checkpoint()
        return self._post(body)

    async def send_document(
        self, data: bytes, file_name: str = "file.bin", mime_type: str = "application/octet-stream", caption: str | None = None
    ) -> int:
        """Send a file as a document."""
        stored = self._state.files.add("document", data, file_name=file_name, mime_type=mime_type)
        body: dict[str, Any] = {"document": stored.as_media()}
        body.update(self._caption(caption))
        await trio.lowlevel.checkpoint()
        return self._post(body)

    @staticmethod
    def _caption(caption: str | None) -> dict[str, Any]:
        if not caption:
            return {}
        entities = detect_entities(caption)
        return {"caption": caption, "caption_entities": entities} if entities else {"caption": caption}

    async def tap(self, message_id: int, callback_data: str, *, forge: bool = False) -> Tap:
        """Tap the button with ``callback_data`` on the bot's message ``message_id``.

        Queues a ``callback_query`` update and returns a :class:`Tap` to await the
        answer. The button must exist unless ``forge=True`` (to test forged data).
        """
        message = self._chat.messages.get(message_id)
        if not forge:
            if message is None or not message.from_bot or message.deleted:
                raise LookupError(f"the bot has no message {message_id} in chat {self.id}")
            datas = [button.callback_data for row in message.record().buttons for button in row]
            if callback_data not in datas:
                raise LookupError(f"message {message_id} has no button with callback_data {callback_data!r}")
        tap = self._state.callbacks.create(self.id, message_id, callback_data)
        query: dict[str, Any] = {
            "id": tap.query_id,
            "from": self._chat.user,
            "chat_instance": f"{-4_000_000_000_000 - self.id}",
            "data": callback_data,
        }
        if message is not None and message.from_bot and not message.deleted:
            query["message"] = message.to_json(self._chat.as_chat(), self._state.bot_sender)
        else:
            query["message"] = {"chat": self._chat.as_chat(), "message_id": message_id, "date": 0}
        self._state.queue.push("callback_query", query)
        await trio.lowlevel.checkpoint()
        return tap

    async def tap_button(self, text: str, message_id: int | None = None) -> Tap:
        """Tap the button labelled ``text`` on ``message_id`` (default: the newest bot message that has it)."""
        candidates = [m for m in self.messages() if not m.deleted]
        if message_id is not None:
            candidates = [m for m in candidates if m.message_id == message_id]
        for message in reversed(candidates):
            try:
                data = message.callback_data(text)
            except KeyError:
                continue
            return await self.tap(message.message_id, data)
        raise LookupError(f"no message in chat {self.id} has a callback button {text!r}")

    async def pay(self, message_id: int | None = None) -> PaymentOutcome:
        """Pay the invoice ``message_id`` (default: the newest invoice) and wait for the outcome.

        Waits up to 10 s of emulator time for ``answerPreCheckoutQuery``.
        """
        invoices = [m for m in self._chat.messages.values() if m.from_bot and "invoice" in m.body and not m.deleted]
        if message_id is not None:
            invoices = [m for m in invoices if m.message_id == message_id]
        if not invoices:
            raise LookupError(f"no invoice to pay in chat {self.id}")
        return await self._state.payments.pay(self._chat.user, self._chat, invoices[-1])

    # -- reading what the bot did ---------------------------------------------

    def messages(self, *, include_deleted: bool = True) -> list[BotMessage]:
        """Every message the bot sent to this chat, in order, as it looks now."""
        records = self._chat.bot_messages()
        return records if include_deleted else [record for record in records if not record.deleted]

    def conversation(self) -> list[ChatMessage]:
        """Every message of the chat, the user's and the bot's, in order, with formatting: what a client draws."""
        return [message.chat_message() for message in self._chat.messages.values()]

    def file(self, file_id: str) -> tuple[bytes, str]:
        """The bytes and MIME type of a file of this chat (a photo's, a voice's...); KeyError if unknown."""
        stored = self._state.files.get(file_id)
        if stored is None:
            raise KeyError(f"no file {file_id!r}")
        return stored.data, stored.mime_type or "application/octet-stream"

    async def wait_changed(self) -> None:
        """Return at the next change of the chat: a message of either side, an edit, a deletion."""
        await self._chat.changed.wait()

    def last_message(self) -> BotMessage:
        """The newest message the bot sent (IndexError if none)."""
        return self.messages()[-1]

    def message(self, message_id: int) -> BotMessage:
        for record in self.messages():
            if record.message_id == message_id:
                return record
        raise KeyError(f"the bot sent no message {message_id} to chat {self.id}")

    def chat_actions(self) -> list[str]:
        """Chat actions (``typing``, ``upload_photo``, ...) the bot showed since its last message."""
        return [action for _, action in self._chat.actions]

    def callback_statistics(self) -> CallbackStatistics:
        """How many of this user's taps were answered, unanswered, expired."""
        return self._state.callbacks.statistics(self.id)

    async def wait_until(self, condition: Callable[[list[BotMessage]], bool]) -> list[BotMessage]:
        """Wait until ``condition(messages)`` holds; return the messages. Wrap in ``trio.fail_after``."""
        while True:
            changed = self._chat.changed
            records = self.messages()
            if condition(records):
                return records
            await changed.wait()

    async def wait_messages(self, count: int) -> list[BotMessage]:
        """Wait until the bot has sent at least ``count`` messages to this chat."""
        return await self.wait_until(lambda records: len(records) >= count)

    # -- the user's side of the relationship ----------------------------------

    def block_bot(self) -> None:
        """Block the bot: its sends to this chat fail with 403."""
        self._state.faults.block(self.id)

    def unblock_bot(self) -> None:
        self._state.faults.unblock(self.id)

    def __repr__(self) -> str:
        return f"TelegramUser({self.id}, {self._chat.user['first_name']!r})"
