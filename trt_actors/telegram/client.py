"""The typed Bot API client: one coroutine per method the bot uses.

Each method's signature *is* its parameter table: the arguments go out under
their own names (the Bot API's snake_case names), ``None`` ones are left out.
:meth:`TelegramClient.methods` lists every Bot API method and parameter the
client can send, and a test checks that list against the published Bot API
spec. Methods not covered here stay reachable through ``tg.api.call(name, params)``.
(The module is long because the Bot API is wide: each method is a short,
typed signature and one line that calls the seam.)

Long polls: ``get_updates(timeout=30)`` waits up to 30 s on the server, so
the HTTP deadline for that call is the poll timeout plus ``long_poll_margin``.
A long poll holds one of the ``max_connections`` slots while it waits: size
the pool for the sends you want in flight plus one.

Example::

    async with TelegramClient(settings.telegram_api_base, settings.telegram_bot_token) as tg:
        me = await tg.get_me()
        for update in await tg.get_updates(offset=0, timeout=30):
            if update.message:
                await tg.send_message(update.message.chat.id, f"Hello from {me.first_name}")
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any, Protocol, TypeVar

import msgspec

from trt_actors.secret import Secret
from trt_actors.telegram.api import DEFAULT_MAX_CONNECTIONS, DEFAULT_TIMEOUT, BotAPI, HTTPBotAPI
from trt_actors.telegram.inputs import (
    InputFile,
    InputMedia,
    LabeledPrice,
    LinkPreviewOptions,
    ReplyParameters,
)
from trt_actors.telegram.transport import Transport
from trt_actors.telegram.types import (
    File,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    StarTransactions,
    Update,
    User,
    WebhookInfo,
)

__all__ = ["MethodSignature", "TelegramClient", "TelegramSettings"]

_F = TypeVar("_F", bound=Callable[..., Any])
_T = TypeVar("_T")

_USER = msgspec.json.Decoder(User)
_UPDATES = msgspec.json.Decoder(list[Update])
_BOOL = msgspec.json.Decoder(bool)
_WEBHOOK_INFO = msgspec.json.Decoder(WebhookInfo)
_MESSAGE = msgspec.json.Decoder(Message)
_MESSAGE_OR_TRUE = msgspec.json.Decoder(Message | bool)
_MESSAGES = msgspec.json.Decoder(list[Message])
_FILE = msgspec.json.Decoder(File)
_STAR_TRANSACTIONS = msgspec.json.Decoder(StarTransactions)


class TelegramSettings(Protocol):
    """What :meth:`TelegramClient.from_settings` reads; the application's ``Settings`` has both."""

    @property
    def telegram_api_base(self) -> str: ...

    @property
    def telegram_bot_token(self) -> Secret | str: ...


class MethodSignature(msgspec.Struct, frozen=True):
    """A Bot API method the client can call: its name, parameters, and which have no default."""

    name: str
    python_name: str
    params: tuple[str, ...]
    required: tuple[str, ...]


def bot_method(name: str) -> Callable[[_F], _F]:
    """Mark a client coroutine as the Bot API method ``name`` (for :meth:`TelegramClient.methods`)."""

    def mark(function: _F) -> _F:
        function.__bot_api_method__ = name  # type: ignore[attr-defined]
        return function

    return mark


def _params(arguments: dict[str, Any]) -> dict[str, object]:
    """A method's arguments (``locals()`` on entry) as its Bot API parameters."""
    return {name: value for name, value in arguments.items() if name != "self"}


class TelegramClient:
    """Typed Bot API calls over a :class:`~trt_actors.telegram.api.BotAPI` seam.

    ``TelegramClient(api_base, token)`` talks HTTP; ``wrap`` adds layers
    (each a ``BotAPI -> BotAPI`` callable, innermost first);
    :meth:`over` puts the client on any ``BotAPI`` (a fake, a recorder).
    """

    long_poll_margin = 10.0

    def __init__(
        self,
        api_base: str,
        token: Secret | str,
        *,
        transport: Transport | None = None,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        timeout: float = DEFAULT_TIMEOUT,
        wrap: Sequence[Callable[[BotAPI], BotAPI]] = (),
    ) -> None:
        api: BotAPI = HTTPBotAPI(
            api_base, token, transport=transport, max_connections=max_connections, timeout=timeout
        )
        for layer in wrap:
            api = layer(api)
        self.api = api

    @classmethod
    def over(cls, api: BotAPI) -> TelegramClient:
        """A client whose calls go to ``api``."""
        client = cls.__new__(cls)
        client.api = api
        return client

    @classmethod
    def from_settings(cls, settings: TelegramSettings, **options: Any) -> TelegramClient:
        """``TelegramClient(settings.telegram_api_base, settings.telegram_bot_token, **options)``."""
        return cls(settings.telegram_api_base, settings.telegram_bot_token, **options)

    def __repr__(self) -> str:
        return f"TelegramClient({self.api!r})"

    async def __aenter__(self) -> TelegramClient:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.api.aclose()

    @classmethod
    def methods(cls) -> tuple[MethodSignature, ...]:
        """Every Bot API method this client calls, with the parameter names it sends."""
        return _method_table(cls)  # type: ignore[arg-type]

    async def _call(
        self, method: str, params: dict[str, object], decoder: msgspec.json.Decoder[_T], timeout: float | None = None
    ) -> _T:
        return decoder.decode(await self.api.call(method, params, timeout=timeout))

    # Receiving updates

    @bot_method("getMe")
    async def get_me(self) -> User:
        """The bot itself; a cheap check that the token works."""
        return await self._call("getMe", {}, _USER)

    @bot_method("getUpdates")
    async def get_updates(
        self,
        offset: int | None = None,
        limit: int | None = None,
        timeout: int | None = None,
        allowed_updates: Sequence[str] | None = None,
    ) -> list[Update]:
        """Long-poll for updates. Calling with ``offset=N`` confirms every update below N."""
        params = _params(locals())
        return await self._call("getUpdates", params, _UPDATES, (timeout or 0) + self.long_poll_margin)

    @bot_method("setWebhook")
    async def set_webhook(
        self,
        url: str,
        *,
        secret_token: Secret | str | None = None,
        allowed_updates: Sequence[str] | None = None,
        drop_pending_updates: bool | None = None,
        max_connections: int | None = None,
        ip_address: str | None = None,
        certificate: InputFile | None = None,
    ) -> bool:
        """Deliver updates to ``url``; Telegram sends ``secret_token`` in ``X-Telegram-Bot-Api-Secret-Token``."""
        return await self._call("setWebhook", _params(locals()), _BOOL)

    @bot_method("deleteWebhook")
    async def delete_webhook(self, *, drop_pending_updates: bool | None = None) -> bool:
        """Stop webhook delivery so ``get_updates`` works again; pending updates stay unless dropped."""
        return await self._call("deleteWebhook", _params(locals()), _BOOL)

    @bot_method("getWebhookInfo")
    async def get_webhook_info(self) -> WebhookInfo:
        """The webhook's URL (empty when polling), pending update count and last delivery error."""
        return await self._call("getWebhookInfo", {}, _WEBHOOK_INFO)

    # Messages

    @bot_method("sendMessage")
    async def send_message(
        self,
        chat_id: int | str,
        text: str,
        *,
        parse_mode: str | None = None,
        entities: Sequence[MessageEntity] | None = None,
        link_preview_options: LinkPreviewOptions | None = None,
        reply_markup: InlineKeyboardMarkup | None = None,
        reply_parameters: ReplyParameters | None = None,
        disable_notification: bool | None = None,
        protect_content: bool | None = None,
        allow_paid_broadcast: bool | None = None,
        message_thread_id: int | None = None,
    ) -> Message:
        """Send text (1-4096 characters after entity parsing)."""
        return await self._call("sendMessage", _params(locals()), _MESSAGE)

    @bot_method("editMessageText")
    async def edit_message_text(
        self,
        text: str,
        *,
        chat_id: int | str | None = None,
        message_id: int | None = None,
        inline_message_id: str | None = None,
        parse_mode: str | None = None,
        entities: Sequence[MessageEntity] | None = None,
        link_preview_options: LinkPreviewOptions | None = None,
        reply_markup: InlineKeyboardMarkup | None = None,
    ) -> Message | bool:
        """Edit a message's text: the edited Message, or True for inline messages.

        Raises :class:`~trt_actors.telegram.errors.MessageNotModified` when nothing changes.
        """
        return await self._call("editMessageText", _params(locals()), _MESSAGE_OR_TRUE)

    @bot_method("editMessageReplyMarkup")
    async def edit_message_reply_markup(
        self,
        *,
        chat_id: int | str | None = None,
        message_id: int | None = None,
        inline_message_id: str | None = None,
        reply_markup: InlineKeyboardMarkup | None = None,
    ) -> Message | bool:
        """Replace (or, with ``reply_markup=None``, remove) a message's buttons."""
        return await self._call("editMessageReplyMarkup", _params(locals()), _MESSAGE_OR_TRUE)

    @bot_method("deleteMessage")
    async def delete_message(self, chat_id: int | str, message_id: int) -> bool:
        """Delete a message (the bot's own, or any in groups where it is an admin)."""
        return await self._call("deleteMessage", _params(locals()), _BOOL)

    @bot_method("answerCallbackQuery")
    async def answer_callback_query(
        self,
        callback_query_id: str,
        *,
        text: str | None = None,
        show_alert: bool | None = None,
        url: str | None = None,
        cache_time: int | None = None,
    ) -> bool:
        """Stop the button's spinner. Do it first: after ~10-15 s Telegram answers QueryTooOld."""
        return await self._call("answerCallbackQuery", _params(locals()), _BOOL)

    @bot_method("sendChatAction")
    async def send_chat_action(
        self, chat_id: int | str, action: str, *, message_thread_id: int | None = None
    ) -> bool:
        """Show ``typing``, ``upload_photo``, ... for about 5 s; repeat every ~4 s during long work."""
        return await self._call("sendChatAction", _params(locals()), _BOOL)

    # Media: each takes a file_id or URL (str), or an InputFile to upload

    @bot_method("sendPhoto")
    async def send_photo(
        self,
        chat_id: int | str,
        photo: str | InputFile,
        *,
        caption: str | None = None,
        parse_mode: str | None = None,
        caption_entities: Sequence[MessageEntity] | None = None,
        show_caption_above_media: bool | None = None,
        has_spoiler: bool | None = None,
        reply_markup: InlineKeyboardMarkup | None = None,
        reply_parameters: ReplyParameters | None = None,
        disable_notification: bool | None = None,
        protect_content: bool | None = None,
        message_thread_id: int | None = None,
    ) -> Message:
        """Send a photo: a file_id, an HTTP URL (Telegram fetches up to 5 MB) or an InputFile (up to 10 MB)."""
        return await self._call("sendPhoto", _params(locals()), _MESSAGE)

    @bot_method("sendVideo")
    async def send_video(
        self,
        chat_id: int | str,
        video: str | InputFile,
        *,
        caption: str | None = None,
        parse_mode: str | None = None,
        caption_entities: Sequence[MessageEntity] | None = None,
        duration: int | None = None,
        width: int | None = None,
        height: int | None = None,
        thumbnail: str | InputFile | None = None,
        supports_streaming: bool | None = None,
        has_spoiler: bool | None = None,
        reply_markup: InlineKeyboardMarkup | None = None,
        reply_parameters: ReplyParameters | None = None,
        disable_notification: bool | None = None,
        protect_content: bool | None = None,
        message_thread_id: int | None = None,
    ) -> Message:
        """Send a video: a file_id, an HTTP URL (up to 20 MB) or an InputFile (up to 50 MB)."""
        return await self._call("sendVideo", _params(locals()), _MESSAGE)

    @bot_method("sendAudio")
    async def send_audio(
        self,
        chat_id: int | str,
        audio: str | InputFile,
        *,
        caption: str | None = None,
        parse_mode: str | None = None,
        caption_entities: Sequence[MessageEntity] | None = None,
        duration: int | None = None,
        performer: str | None = None,
        title: str | None = None,
        thumbnail: str | InputFile | None = None,
        reply_markup: InlineKeyboardMarkup | None = None,
        reply_parameters: ReplyParameters | None = None,
        disable_notification: bool | None = None,
        protect_content: bool | None = None,
        message_thread_id: int | None = None,
    ) -> Message:
        """Send audio to show in the music player: a file_id, an HTTP URL or an InputFile."""
        return await self._call("sendAudio", _params(locals()), _MESSAGE)

    @bot_method("sendVoice")
    async def send_voice(
        self,
        chat_id: int | str,
        voice: str | InputFile,
        *,
        caption: str | None = None,
        parse_mode: str | None = None,
        caption_entities: Sequence[MessageEntity] | None = None,
        duration: int | None = None,
        reply_markup: InlineKeyboardMarkup | None = None,
        reply_parameters: ReplyParameters | None = None,
        disable_notification: bool | None = None,
        protect_content: bool | None = None,
        message_thread_id: int | None = None,
    ) -> Message:
        """Send a playable voice message (OGG/OPUS, MP3 or M4A): a file_id, an HTTP URL or an InputFile (50 MB)."""
        return await self._call("sendVoice", _params(locals()), _MESSAGE)

    @bot_method("sendDocument")
    async def send_document(
        self,
        chat_id: int | str,
        document: str | InputFile,
        *,
        caption: str | None = None,
        parse_mode: str | None = None,
        caption_entities: Sequence[MessageEntity] | None = None,
        thumbnail: str | InputFile | None = None,
        disable_content_type_detection: bool | None = None,
        reply_markup: InlineKeyboardMarkup | None = None,
        reply_parameters: ReplyParameters | None = None,
        disable_notification: bool | None = None,
        protect_content: bool | None = None,
        message_thread_id: int | None = None,
    ) -> Message:
        """Send a file as a document; by URL only GIF, PDF and ZIP work, so upload anything else."""
        return await self._call("sendDocument", _params(locals()), _MESSAGE)

    @bot_method("sendMediaGroup")
    async def send_media_group(
        self,
        chat_id: int | str,
        media: Sequence[InputMedia],
        *,
        reply_parameters: ReplyParameters | None = None,
        disable_notification: bool | None = None,
        protect_content: bool | None = None,
        message_thread_id: int | None = None,
    ) -> list[Message]:
        """Send an album of 2-10 items (photos and videos mix; documents and audio only with their kind)."""
        return await self._call("sendMediaGroup", _params(locals()), _MESSAGES)

    # Files

    @bot_method("getFile")
    async def get_file(self, file_id: str) -> File:
        """Prepare a file (up to 20 MB) for :meth:`download_file`."""
        return await self._call("getFile", _params(locals()), _FILE)

    async def download_file(self, file: File | str, *, timeout: float | None = None) -> bytes:
        """The bytes of a file, given the :class:`File` from :meth:`get_file` or its ``file_path``."""
        path = file if isinstance(file, str) else file.file_path
        if not path:
            raise ValueError("this File has no file_path: call get_file(file_id) first")
        return await self.api.download(path, timeout=timeout)

    # Payments in Telegram Stars

    @bot_method("sendInvoice")
    async def send_invoice(
        self,
        chat_id: int | str,
        title: str,
        description: str,
        payload: str,
        prices: Sequence[LabeledPrice],
        *,
        currency: str = "XTR",
        provider_token: str | None = None,
        start_parameter: str | None = None,
        photo_url: str | None = None,
        photo_size: int | None = None,
        photo_width: int | None = None,
        photo_height: int | None = None,
        reply_markup: InlineKeyboardMarkup | None = None,
        reply_parameters: ReplyParameters | None = None,
        disable_notification: bool | None = None,
        protect_content: bool | None = None,
        message_thread_id: int | None = None,
    ) -> Message:
        """Send an invoice; for Stars keep ``currency="XTR"`` and exactly one price."""
        return await self._call("sendInvoice", _params(locals()), _MESSAGE)

    @bot_method("answerPreCheckoutQuery")
    async def answer_pre_checkout_query(
        self, pre_checkout_query_id: str, ok: bool, *, error_message: str | None = None
    ) -> bool:
        """Accept or refuse a payment; must happen within 10 s of the query."""
        return await self._call("answerPreCheckoutQuery", _params(locals()), _BOOL)

    @bot_method("refundStarPayment")
    async def refund_star_payment(self, user_id: int, telegram_payment_charge_id: str) -> bool:
        """Return a Stars payment to the user; a second refund of one charge is a BadRequest."""
        return await self._call("refundStarPayment", _params(locals()), _BOOL)

    @bot_method("getStarTransactions")
    async def get_star_transactions(self, *, offset: int | None = None, limit: int | None = None) -> StarTransactions:
        """The bot's Stars transactions, oldest first."""
        return await self._call("getStarTransactions", _params(locals()), _STAR_TRANSACTIONS)


@functools.cache
def _method_table(cls: type[TelegramClient]) -> tuple[MethodSignature, ...]:
    table: list[MethodSignature] = []
    for python_name, function in inspect.getmembers(cls, inspect.iscoroutinefunction):
        name = getattr(function, "__bot_api_method__", None)
        if name is None:
            continue
        parameters = list(inspect.signature(function).parameters.values())[1:]
        table.append(
            MethodSignature(
                name=name,
                python_name=python_name,
                params=tuple(p.name for p in parameters),
                required=tuple(p.name for p in parameters if p.default is inspect.Parameter.empty),
            )
        )
    return tuple(sorted(table, key=lambda m: m.name))
