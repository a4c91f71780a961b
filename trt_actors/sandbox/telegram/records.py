"""What a simulated user sees, as immutable typed records.

:meth:`TelegramUser.messages` returns :class:`BotMessage` records: one per
message the bot sent to that chat, in order, with its current text or caption,
its inline keyboard as rows of :class:`Button`, every earlier version in
``edits`` and a ``deleted`` flag. Other records describe callback answers,
payments, received requests and counts.

Example::

    menu = user.messages()[-1]
    assert menu.text == "Choose a model"
    await user.tap(menu.message_id, menu.callback_data("Images"))
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec

__all__ = [
    "BotMessage",
    "Button",
    "CallbackAnswer",
    "CallbackStatistics",
    "ChatMessage",
    "Entity",
    "Invoice",
    "MessageVersion",
    "PaymentOutcome",
    "ReceivedRequest",
    "StarTransactionRecord",
]

MessageKind = Literal[
    "text", "photo", "video", "audio", "document", "animation", "voice", "sticker", "invoice", "dice", "location",
    "service", "other",
]


class Button(msgspec.Struct, frozen=True):
    """One inline keyboard button: its label and its action (``callback_data``, ``url`` or ``pay``)."""

    text: str
    callback_data: str | None = None
    url: str | None = None
    pay: bool = False


Keyboard = tuple[tuple[Button, ...], ...]


class MessageVersion(msgspec.Struct, frozen=True):
    """A message's content as it was before an edit (``date`` is when that version was made)."""

    text: str | None
    caption: str | None
    buttons: Keyboard
    date: int


class Invoice(msgspec.Struct, frozen=True):
    """The invoice of an invoice message, with the bot's private ``payload``."""

    title: str
    description: str
    payload: str
    currency: str
    total_amount: int


class BotMessage(msgspec.Struct, frozen=True):
    """A message the bot sent to a chat, as the chat shows it now."""

    message_id: int
    kind: MessageKind
    date: int
    text: str | None = None
    caption: str | None = None
    buttons: Keyboard = ()
    file_id: str | None = None
    media_group_id: str | None = None
    invoice: Invoice | None = None
    edits: tuple[MessageVersion, ...] = ()
    edit_date: int | None = None
    deleted: bool = False
    parse_mode: str | None = None
    reply_to: int | None = None
    """The id of the message this one replies to, if it is a reply."""

    @property
    def body(self) -> str | None:
        """The text, or the caption for media."""
        return self.text if self.text is not None else self.caption

    @property
    def button_texts(self) -> list[str]:
        return [button.text for row in self.buttons for button in row]

    def button(self, text: str) -> Button:
        """The button labelled ``text`` (exact match first, then substring); KeyError if none."""
        flat = [button for row in self.buttons for button in row]
        for button in flat:
            if button.text == text:
                return button
        for button in flat:
            if text in button.text:
                return button
        raise KeyError(f"message {self.message_id} has no button {text!r}; it has {self.button_texts}")

    def callback_data(self, text: str) -> str:
        """The ``callback_data`` of the button labelled ``text``."""
        data = self.button(text).callback_data
        if data is None:
            raise KeyError(f"button {text!r} of message {self.message_id} has no callback_data")
        return data


class Entity(msgspec.Struct, frozen=True):
    """A formatting entity of a text or caption (offsets and lengths in UTF-16 code units, as Telegram counts)."""

    type: str
    offset: int
    length: int
    url: str | None = None
    language: str | None = None


class ChatMessage(msgspec.Struct, frozen=True):
    """A message of either side of a chat as it looks now, with its formatting: what a chat client draws.

    ``entities`` belong to ``text`` or, for media, to ``caption``; ``service``
    is ``"successful_payment"`` or ``"refunded_payment"`` for those service
    messages, with ``stars`` the amount.
    """

    message_id: int
    from_bot: bool
    kind: MessageKind
    date: int
    text: str | None = None
    caption: str | None = None
    entities: tuple[Entity, ...] = ()
    buttons: Keyboard = ()
    file_id: str | None = None
    invoice: Invoice | None = None
    edit_date: int | None = None
    deleted: bool = False
    service: str | None = None
    stars: int = 0


class CallbackAnswer(msgspec.Struct, frozen=True):
    """How the bot answered a tap (``answerCallbackQuery``)."""

    text: str | None
    show_alert: bool
    url: str | None
    answered_at: float


class CallbackStatistics(msgspec.Struct, frozen=True):
    """Counts of callback queries: answered in time, still unanswered, expired unanswered, late or repeated answers."""

    total: int
    answered: int
    unanswered: int
    expired: int
    rejected_answers: int


class PaymentOutcome(msgspec.Struct, frozen=True):
    """The end of a simulated payment.

    ``status`` is ``"paid"`` (a ``successful_payment`` message followed), ``"declined"``
    (the bot answered ``ok=false``; ``error_message`` says why) or ``"timeout"`` (no
    answer within 10 s, Telegram's BOT_PRECHECKOUT_TIMEOUT).
    """

    status: Literal["paid", "declined", "timeout"]
    pre_checkout_query_id: str
    telegram_payment_charge_id: str | None = None
    error_message: str | None = None


class StarTransactionRecord(msgspec.Struct, frozen=True):
    """One Stars movement: a payment in (``amount`` > 0 from ``user_id``) or a refund out."""

    id: str
    user_id: int
    amount: int
    date: int
    refund: bool
    payload: str


class ReceivedRequest(msgspec.Struct, frozen=True):
    """One Bot API call the emulator received, for assertions (uploads appear as ``<upload name, N bytes>``)."""

    method: str
    params: dict[str, Any]
    at: float
    status: int
