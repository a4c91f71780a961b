"""What a passive instance says to a user during a deploy: never silence, and nothing recorded or charged.

In webhook mode the proxy in front of the bots may send an update to the
instance that stands by. That instance cannot write (it does not hold the
lease), so it takes nothing: it answers at once and Telegram forgets the
update. :class:`PassiveWebhook` answers

* a **tap**: the spinner stops with "⏳ Updating…", and a message offers
  "🔄 Tap again", a button that carries the tap's own data: once an instance
  is active, that tap runs the declined action (if its screen is still the
  current one; otherwise the session says so and shows where the user is);
* a **message**: "⏳ Updating… send it again in a moment", with "🔄 Refresh"
  (which redraws the current screen once an instance is active).

Each declined update is kept (at most :data:`KEPT`) and recorded as
``PassiveRejected`` when this instance becomes the active one; the webhook's
secret is checked as the receiver checks it. Texts follow the user's
Telegram language (Russian or English).

Example::

    passive = PassiveWebhook(tg, secret=settings.webhook_secret)
    server = BotServer(passive=passive.handle)
"""

from __future__ import annotations

import hmac
import logging
from collections import deque
from typing import Final

import msgspec

from trt_actors.events.updates import PassiveRejected
from trt_actors.http import Request, Response
from trt_actors.secret import Secret
from trt_actors.session.callback_data import Refresh, encode
from trt_actors.telegram import InlineKeyboardButton, InlineKeyboardMarkup, TelegramClient, TelegramError

__all__ = ["KEPT", "PassiveWebhook"]

log = logging.getLogger(__name__)

KEPT: Final = 10_000
"""How many declined updates a passive instance remembers, to record them once it is active."""

_SECRET_HEADER: Final = "x-telegram-bot-api-secret-token"

_TEXTS: Final = {
    "ru": {
        "toast": "⏳ Сервис обновляется, это несколько секунд…",
        "tap": "⏳ Бот обновляется. Через мгновение нажмите «🔄 Ещё раз» — действие выполнится.",
        "message": "⏳ Бот обновляется. Через мгновение отправьте сообщение ещё раз или нажмите «🔄 Обновить».",
        "again": "🔄 Ещё раз",
        "refresh": "🔄 Обновить",
    },
    "en": {
        "toast": "⏳ Updating, back in a few seconds…",
        "tap": "⏳ The bot is updating. Tap «🔄 Tap again» in a moment and it will be done.",
        "message": "⏳ The bot is updating. Send your message again in a moment, or tap «🔄 Refresh».",
        "again": "🔄 Tap again",
        "refresh": "🔄 Refresh",
    },
}


class _User(msgspec.Struct):
    id: int
    language_code: str | None = None


class _Chat(msgspec.Struct):
    id: int


class _Message(msgspec.Struct):
    chat: _Chat
    sender: _User | None = msgspec.field(default=None, name="from")


class _Callback(msgspec.Struct):
    id: str
    sender: _User = msgspec.field(name="from")
    data: str | None = None
    message: _Message | None = None


class _Update(msgspec.Struct):
    update_id: int
    message: _Message | None = None
    callback_query: _Callback | None = None


class PassiveWebhook:
    """The webhook of an instance that stands by (see the module docstring)."""

    def __init__(self, tg: TelegramClient, *, secret: Secret, instance: str = "") -> None:
        self._tg = tg
        self._secret = secret
        self.instance = instance
        self.declined: deque[tuple[int, int | None, PassiveRejected]] = deque(maxlen=KEPT)  # chat, user, what
        self.answered = 0

    async def handle(self, request: Request) -> Response:
        """``POST /telegram/webhook`` while passive: answer the user at once, take nothing."""
        expected = self._secret.reveal().encode()
        if not expected or not hmac.compare_digest(request.headers.get(_SECRET_HEADER, "").encode(), expected):
            return Response.text("unauthorized", 401)
        try:
            update = msgspec.json.decode(request.body, type=_Update)
        except (msgspec.DecodeError, msgspec.ValidationError):
            return Response.text("not a Telegram update", 400)
        try:
            if update.callback_query is not None:
                await self._tap(update.update_id, update.callback_query)
            elif update.message is not None:
                await self._message(update.update_id, update.message)
        except TelegramError as error:  # the user's answer failed; Telegram must not resend into a passive bot
            log.warning("a passive answer to update %d failed: %s", update.update_id, error)
        return Response.text("declined: this instance is passive")

    async def _tap(self, update_id: int, tap: _Callback) -> None:
        texts = _texts(tap.sender.language_code)
        await self._tg.answer_callback_query(tap.id, text=texts["toast"])
        chat = tap.message.chat.id if tap.message is not None else tap.sender.id
        data = tap.data or encode(0, Refresh())
        button = InlineKeyboardButton(text=texts["again"], callback_data=data)
        await self._tg.send_message(chat, texts["tap"], reply_markup=InlineKeyboardMarkup(inline_keyboard=((button,),)))
        self._decline(update_id, chat, tap.sender.id, "callback_query", data)

    async def _message(self, update_id: int, message: _Message) -> None:
        texts = _texts(message.sender.language_code if message.sender is not None else None)
        button = InlineKeyboardButton(text=texts["refresh"], callback_data=encode(0, Refresh()))
        await self._tg.send_message(message.chat.id, texts["message"],
                                    reply_markup=InlineKeyboardMarkup(inline_keyboard=((button,),)))
        self._decline(update_id, message.chat.id, message.sender.id if message.sender else None, "message", "")

    def _decline(self, update_id: int, chat: int, user: int | None, kind: str, data: str) -> None:
        self.answered += 1
        self.declined.append((chat, user, PassiveRejected(update_id=update_id, kind=kind, data=data[:64],
                                                          instance=self.instance)))


def _texts(language_code: str | None) -> dict[str, str]:
    """Russian by default, English for an English-speaking Telegram client (as the sessions choose)."""
    return _TEXTS["en" if (language_code or "").lower().startswith("en") else "ru"]
