"""A local Telegram Bot API emulator: a real HTTP server on loopback, simulated users, fault injection.

Example::

    from trt_actors.sandbox.telegram import TelegramEmulator

    async with TelegramEmulator.serve(token="123456:TEST-token") as emu:
        ann = emu.user(1001, "Ann", language_code="ru")
        await ann.send_text("/start")          # the bot gets it via getUpdates or its webhook
        ...                                     # run the bot against emu.api_base
        print(ann.messages())                   # what the bot sent, as BotMessage records

Modules: ``emulator`` (entry point), ``server`` (routes and envelope), ``dispatch``,
``messaging``, ``forwarding`` and ``members`` (the methods), ``honoured`` (deprecated
parameters Telegram still takes), ``validation``/``markup``/``markdown``/``spec``
(checks against the Bot API spec in ``botapi.json``), ``auto_entities`` (links and
mentions found in plain text), ``updates`` and ``webhook`` (delivery), ``chats``,
``files``, ``callbacks``, ``payments`` (state), ``faults``, ``user`` and ``records``
(the test-facing API).
"""

from trt_actors.sandbox.telegram.callbacks import Tap
from trt_actors.sandbox.telegram.emulator import EmulatorStatistics, TelegramEmulator
from trt_actors.sandbox.telegram.errors import BotApiError
from trt_actors.sandbox.telegram.faults import Delay, DuplicateWebhook, Faults, FloodControl, RateLimit, ServerError
from trt_actors.sandbox.telegram.markup import MarkupError, parse_html
from trt_actors.sandbox.telegram.records import (
    BotMessage,
    Button,
    CallbackAnswer,
    CallbackStatistics,
    ChatMessage,
    Entity,
    Invoice,
    MessageVersion,
    PaymentOutcome,
    ReceivedRequest,
    StarTransactionRecord,
)
from trt_actors.sandbox.telegram.user import TelegramUser
from trt_actors.sandbox.telegram.webhook import WebhookPolicy

__all__ = [
    "BotApiError",
    "BotMessage",
    "Button",
    "CallbackAnswer",
    "CallbackStatistics",
    "ChatMessage",
    "Delay",
    "DuplicateWebhook",
    "EmulatorStatistics",
    "Entity",
    "Faults",
    "FloodControl",
    "Invoice",
    "MarkupError",
    "MessageVersion",
    "PaymentOutcome",
    "RateLimit",
    "ReceivedRequest",
    "ServerError",
    "StarTransactionRecord",
    "Tap",
    "TelegramEmulator",
    "TelegramUser",
    "WebhookPolicy",
    "parse_html",
]
