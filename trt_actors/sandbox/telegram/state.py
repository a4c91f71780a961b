"""Everything one emulated bot holds, in one place, and the facts every method needs.

A :class:`BotState` ties together the update queue, the webhook, the chats,
the files, the callback queries, the Stars ledger and the fault rules of one
bot token. Method handlers (``messaging``, ``dispatch``) receive it with the
:class:`Call` they serve.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import httpx

from trt_actors.sandbox.clock import Clock
from trt_actors.sandbox.telegram.callbacks import CallbackRegistry
from trt_actors.sandbox.telegram.chats import Chat, ChatStore
from trt_actors.sandbox.telegram.errors import BotApiError
from trt_actors.sandbox.telegram.faults import Faults
from trt_actors.sandbox.telegram.files import FileStore
from trt_actors.sandbox.telegram.payments import Payments
from trt_actors.sandbox.telegram.request import Upload
from trt_actors.sandbox.telegram.spec import BotApiSpec
from trt_actors.sandbox.telegram.updates import UpdateQueue
from trt_actors.sandbox.telegram.webhook import Webhook

__all__ = ["BotState", "Call"]


@dataclass(frozen=True)
class Call:
    """One validated Bot API call: canonical method name, typed parameters, and extra upload parts."""

    method: str
    params: dict[str, Any]
    uploads: dict[str, Upload] = field(default_factory=dict)


@dataclass
class BotState:
    token: str
    clock: Clock
    spec: BotApiSpec
    http: httpx.AsyncClient
    queue: UpdateQueue
    webhook: Webhook
    chats: ChatStore
    files: FileStore
    callbacks: CallbackRegistry
    payments: Payments
    faults: Faults
    bot_user: dict[str, Any]
    commands: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # by language_code ("" = default)

    @property
    def bot_sender(self) -> dict[str, Any]:
        """The bot as the ``from`` of its messages (a plain ``User``, without getMe's extra fields)."""
        return {key: self.bot_user[key] for key in ("id", "is_bot", "first_name", "username")}

    def now(self) -> int:
        """Telegram dates are whole Unix seconds."""
        return math.floor(self.clock.now())

    def chat_for(self, chat_id: Any) -> Chat:
        """The private chat ``chat_id`` names, or 400 ``chat not found``; 403 if the user blocked the bot."""
        chat = self.chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise BotApiError.bad_request("chat not found")
        if self.faults.is_blocked(chat.id):
            raise BotApiError.forbidden("bot was blocked by the user")
        return chat
