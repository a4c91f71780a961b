"""The Telegram Bot API client: typed calls over one seam, two HTTP transports, a small error tree.

Layers, bottom up (one module each):

* :mod:`~trt_actors.telegram.transport` - the HTTP seam; :mod:`~trt_actors.telegram.http11`
  (the default: lean HTTP/1.1 on trio) and :mod:`~trt_actors.telegram.httpx_transport` implement it.
* :mod:`~trt_actors.telegram.wire` and :mod:`~trt_actors.telegram.multipart` - parameters to bodies,
  envelopes to results or errors.
* :mod:`~trt_actors.telegram.api` - :class:`BotAPI`, the seam every call goes through (wrap it for
  retries, rate limits, tracing, fakes), and :class:`HTTPBotAPI`.
* :mod:`~trt_actors.telegram.client` - :class:`TelegramClient`, one typed coroutine per method.
* :mod:`~trt_actors.telegram.types` / :mod:`~trt_actors.telegram.inputs` - what we read / what we send.
* :mod:`~trt_actors.telegram.errors` - the error tree, documented in its module docstring.

Example::

    from trt_actors.telegram import TelegramClient, InlineKeyboardButton, InlineKeyboardMarkup

    async with TelegramClient(settings.telegram_api_base, settings.telegram_bot_token) as tg:
        keyboard = InlineKeyboardMarkup(((InlineKeyboardButton("Go", callback_data="go"),),))
        await tg.send_message(chat_id, "Ready?", reply_markup=keyboard)
"""

from trt_actors.telegram.api import BotAPI, BotAPIStatistics, HTTPBotAPI
from trt_actors.telegram.client import MethodSignature, TelegramClient, TelegramSettings
from trt_actors.telegram.errors import (
    BadRequest,
    BotBlocked,
    ChatMigrated,
    Conflict,
    Forbidden,
    MessageNotModified,
    NotFound,
    QueryTooOld,
    ServerError,
    TelegramAPIError,
    TelegramError,
    TelegramNetworkError,
    TooManyRequests,
    Unauthorized,
    UnexpectedResponse,
)
from trt_actors.telegram.http11 import HTTP11Transport
from trt_actors.telegram.httpx_transport import HttpxTransport
from trt_actors.telegram.inputs import (
    InputFile,
    InputMedia,
    InputMediaAudio,
    InputMediaDocument,
    InputMediaPhoto,
    InputMediaVideo,
    LabeledPrice,
    LinkPreviewOptions,
    ReplyParameters,
)
from trt_actors.telegram.transport import HTTPRequest, HTTPResponse, Transport
from trt_actors.telegram.types import (
    Animation,
    Audio,
    CallbackQuery,
    Chat,
    ChatMember,
    ChatMemberUpdated,
    Document,
    File,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Invoice,
    Message,
    MessageEntity,
    OrderInfo,
    PhotoSize,
    PreCheckoutQuery,
    RefundedPayment,
    StarTransaction,
    StarTransactions,
    SuccessfulPayment,
    TransactionPartner,
    Update,
    User,
    Video,
    Voice,
    WebhookInfo,
)

__all__ = [
    "Animation",
    "Audio",
    "BadRequest",
    "BotAPI",
    "BotAPIStatistics",
    "BotBlocked",
    "CallbackQuery",
    "Chat",
    "ChatMember",
    "ChatMemberUpdated",
    "ChatMigrated",
    "Conflict",
    "Document",
    "File",
    "Forbidden",
    "HTTP11Transport",
    "HTTPBotAPI",
    "HTTPRequest",
    "HTTPResponse",
    "HttpxTransport",
    "InlineKeyboardButton",
    "InlineKeyboardMarkup",
    "InputFile",
    "InputMedia",
    "InputMediaAudio",
    "InputMediaDocument",
    "InputMediaPhoto",
    "InputMediaVideo",
    "Invoice",
    "LabeledPrice",
    "LinkPreviewOptions",
    "Message",
    "MessageEntity",
    "MessageNotModified",
    "MethodSignature",
    "NotFound",
    "OrderInfo",
    "PhotoSize",
    "PreCheckoutQuery",
    "QueryTooOld",
    "RefundedPayment",
    "ReplyParameters",
    "ServerError",
    "StarTransaction",
    "StarTransactions",
    "SuccessfulPayment",
    "TelegramAPIError",
    "TelegramClient",
    "TelegramError",
    "TelegramNetworkError",
    "TelegramSettings",
    "TooManyRequests",
    "TransactionPartner",
    "Transport",
    "Unauthorized",
    "UnexpectedResponse",
    "Update",
    "User",
    "Video",
    "Voice",
    "WebhookInfo",
]
