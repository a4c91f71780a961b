"""The Bot API objects the bot reads, as frozen msgspec Structs.

Only the fields the bot uses are declared; everything else Telegram sends is
ignored, so a new Bot API version never breaks decoding (these Structs must
never set ``forbid_unknown_fields``). The JSON field ``from`` is ``from_``.
Optional fields default to ``None`` and are omitted again when encoded, so a
Struct round-trips to the JSON Telegram expects.

Example::

    update = msgspec.json.decode(body, type=Update)
    if update.message and update.message.text == "/start":
        print(update.message.from_.first_name if update.message.from_ else "someone")
"""

from __future__ import annotations

import msgspec

__all__ = [
    "Animation",
    "Audio",
    "CallbackQuery",
    "Chat",
    "ChatMember",
    "ChatMemberUpdated",
    "Document",
    "File",
    "InlineKeyboardButton",
    "InlineKeyboardMarkup",
    "Invoice",
    "Message",
    "MessageEntity",
    "OrderInfo",
    "PhotoSize",
    "PreCheckoutQuery",
    "RefundedPayment",
    "StarTransaction",
    "StarTransactions",
    "SuccessfulPayment",
    "TransactionPartner",
    "Update",
    "User",
    "Video",
    "Voice",
    "WebhookInfo",
]


class _Object(msgspec.Struct, frozen=True, omit_defaults=True):
    """Common base: immutable, lenient to unknown fields, ``None`` fields left out when encoded."""


class User(_Object, frozen=True):
    id: int
    is_bot: bool
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_premium: bool | None = None


class Chat(_Object, frozen=True):
    id: int
    type: str
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None


class MessageEntity(_Object, frozen=True):
    type: str
    offset: int
    length: int
    url: str | None = None
    user: User | None = None
    language: str | None = None
    custom_emoji_id: str | None = None


class PhotoSize(_Object, frozen=True):
    file_id: str
    file_unique_id: str
    width: int
    height: int
    file_size: int | None = None


class Document(_Object, frozen=True):
    file_id: str
    file_unique_id: str
    thumbnail: PhotoSize | None = None
    file_name: str | None = None
    mime_type: str | None = None
    file_size: int | None = None


class Video(_Object, frozen=True):
    file_id: str
    file_unique_id: str
    width: int
    height: int
    duration: int
    thumbnail: PhotoSize | None = None
    file_name: str | None = None
    mime_type: str | None = None
    file_size: int | None = None


class Animation(_Object, frozen=True):
    file_id: str
    file_unique_id: str
    width: int
    height: int
    duration: int
    file_name: str | None = None
    mime_type: str | None = None
    file_size: int | None = None


class Audio(_Object, frozen=True):
    file_id: str
    file_unique_id: str
    duration: int
    performer: str | None = None
    title: str | None = None
    file_name: str | None = None
    mime_type: str | None = None
    file_size: int | None = None


class Voice(_Object, frozen=True):
    file_id: str
    file_unique_id: str
    duration: int
    mime_type: str | None = None
    file_size: int | None = None


class File(_Object, frozen=True):
    """A file ready to download with :meth:`TelegramClient.download_file` (link valid >= 1 h)."""

    file_id: str
    file_unique_id: str
    file_size: int | None = None
    file_path: str | None = None


class InlineKeyboardButton(_Object, frozen=True):
    """One button. Set exactly one action: ``callback_data`` (1-64 bytes), ``url`` or ``pay``."""

    text: str
    callback_data: str | None = None
    url: str | None = None
    pay: bool | None = None
    style: str | None = None
    icon_custom_emoji_id: str | None = None


class InlineKeyboardMarkup(_Object, frozen=True):
    """Rows of buttons under a message.

    >>> InlineKeyboardMarkup(((InlineKeyboardButton("Yes", callback_data="y"),),))
    InlineKeyboardMarkup(inline_keyboard=((InlineKeyboardButton(text='Yes', callback_data='y', ...),),))
    """

    inline_keyboard: tuple[tuple[InlineKeyboardButton, ...], ...]


class Invoice(_Object, frozen=True):
    title: str
    description: str
    start_parameter: str
    currency: str
    total_amount: int


class OrderInfo(_Object, frozen=True):
    name: str | None = None
    phone_number: str | None = None
    email: str | None = None


class SuccessfulPayment(_Object, frozen=True):
    """A completed Stars payment. Credit idempotently, keyed by ``telegram_payment_charge_id``."""

    currency: str
    total_amount: int
    invoice_payload: str
    telegram_payment_charge_id: str
    provider_payment_charge_id: str
    subscription_expiration_date: int | None = None
    is_recurring: bool | None = None
    is_first_recurring: bool | None = None


class RefundedPayment(_Object, frozen=True):
    currency: str
    total_amount: int
    invoice_payload: str
    telegram_payment_charge_id: str
    provider_payment_charge_id: str | None = None


class Message(_Object, frozen=True):
    """A message. An inaccessible message (``CallbackQuery.message`` for an old one) has ``date == 0``."""

    message_id: int
    date: int
    chat: Chat
    from_: User | None = msgspec.field(default=None, name="from")
    sender_chat: Chat | None = None
    message_thread_id: int | None = None
    reply_to_message: Message | None = None
    edit_date: int | None = None
    media_group_id: str | None = None
    text: str | None = None
    entities: tuple[MessageEntity, ...] | None = None
    caption: str | None = None
    caption_entities: tuple[MessageEntity, ...] | None = None
    photo: tuple[PhotoSize, ...] | None = None
    video: Video | None = None
    animation: Animation | None = None
    audio: Audio | None = None
    voice: Voice | None = None
    document: Document | None = None
    invoice: Invoice | None = None
    successful_payment: SuccessfulPayment | None = None
    refunded_payment: RefundedPayment | None = None
    migrate_to_chat_id: int | None = None
    reply_markup: InlineKeyboardMarkup | None = None

    @property
    def is_accessible(self) -> bool:
        """False for an ``InaccessibleMessage`` (Telegram marks those with ``date == 0``)."""
        return self.date != 0


class CallbackQuery(_Object, frozen=True):
    """A button press. Answer it at once with ``answer_callback_query(id)``."""

    id: str
    from_: User = msgspec.field(name="from")
    chat_instance: str
    message: Message | None = None
    inline_message_id: str | None = None
    data: str | None = None
    game_short_name: str | None = None


class PreCheckoutQuery(_Object, frozen=True):
    """The user tapped Pay. Answer with ``answer_pre_checkout_query`` within 10 s."""

    id: str
    from_: User = msgspec.field(name="from")
    currency: str
    total_amount: int
    invoice_payload: str
    shipping_option_id: str | None = None
    order_info: OrderInfo | None = None


class ChatMember(_Object, frozen=True):
    """A member's status (``member``, ``kicked``, ...). Only the fields common to every kind."""

    status: str
    user: User


class ChatMemberUpdated(_Object, frozen=True):
    """``my_chat_member``: e.g. the user blocked (``kicked``) or unblocked (``member``) the bot."""

    chat: Chat
    from_: User = msgspec.field(name="from")
    date: int
    old_chat_member: ChatMember
    new_chat_member: ChatMember


class Update(_Object, frozen=True):
    """One incoming update; at most one of the optional fields is set. ``update_id`` dedupes."""

    update_id: int
    message: Message | None = None
    edited_message: Message | None = None
    channel_post: Message | None = None
    edited_channel_post: Message | None = None
    callback_query: CallbackQuery | None = None
    pre_checkout_query: PreCheckoutQuery | None = None
    my_chat_member: ChatMemberUpdated | None = None
    chat_member: ChatMemberUpdated | None = None


class WebhookInfo(_Object, frozen=True):
    url: str
    has_custom_certificate: bool
    pending_update_count: int
    ip_address: str | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None
    last_synchronization_error_date: int | None = None
    max_connections: int | None = None
    allowed_updates: tuple[str, ...] | None = None


class TransactionPartner(_Object, frozen=True):
    """Who is on the other side of a Stars transaction; ``type`` says which kind (``user``, ...)."""

    type: str
    user: User | None = None
    invoice_payload: str | None = None


class StarTransaction(_Object, frozen=True):
    """For an incoming payment ``id == telegram_payment_charge_id``; a refund reuses that id."""

    id: str
    amount: int
    date: int
    nanostar_amount: int | None = None
    source: TransactionPartner | None = None
    receiver: TransactionPartner | None = None


class StarTransactions(_Object, frozen=True):
    transactions: tuple[StarTransaction, ...]
