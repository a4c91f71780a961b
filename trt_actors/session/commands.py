"""What a chat's session is told: one command per understood update, and one per ledger event about its user.

Commands are frozen, tagged msgspec Structs sharing the fields of
:class:`SessionCommand`'s members: the chat, the user, the update's ``cid``
and ``update_id``, the time (``ts``, from the update: the decider never reads
a clock), Telegram's ``language_code`` and the user's first name: all of
it read from the recorded update; ``disabled``, on a user's command, the
models an admin has switched off (the sessions' view when the update came; the
session records it as ``ModelsSeen`` when it changes, so replay finds it).
:class:`LedgerReported` is the one command
that comes from the log instead (the ledger's event, ``update_id`` 0); the
balance a session shows comes only from it, through the session's own
``BalanceSeen``. Decode a command from bytes with :data:`COMMAND_DECODER`::

    command = TextReceived(chat_id=1, user_id=1, cid="c1", update_id=7, ts=0.0, text="/start ref_42")
    assert COMMAND_DECODER.decode(msgspec.json.encode(command)) == command
"""

from __future__ import annotations

import re
from typing import Final, TypeAlias

import msgspec

__all__ = [
    "COMMAND_DECODER",
    "USER_COMMANDS",
    "ButtonPressed",
    "JobReported",
    "LedgerReported",
    "PaymentReceived",
    "PhotoReceived",
    "PromoReported",
    "FriendReported",
    "SessionCommand",
    "TextReceived",
    "Throttled",
    "Blocked",
    "blocked",
    "Unsupported",
    "throttled",
    "valid_unicode",
    "well_formed",
]


class _Command(msgspec.Struct, frozen=True, kw_only=True, tag_field="type", forbid_unknown_fields=True):
    chat_id: int
    user_id: int
    cid: str
    update_id: int
    ts: float
    language_code: str | None = None
    first_name: str = ""
    disabled: tuple[str, ...] = ()


class TextReceived(_Command, frozen=True, kw_only=True, tag=True):
    """A text message, slash commands included (``/start payload``, ``/help@our_bot``)."""

    text: str


class PhotoReceived(_Command, frozen=True, kw_only=True, tag=True):
    """A photo (its largest size); ``caption`` if the user wrote one."""

    file_id: str
    file_unique_id: str
    width: int
    height: int
    caption: str | None = None


class ButtonPressed(_Command, frozen=True, kw_only=True, tag=True):
    """A tap on an inline button (the receiver has already answered the callback query).

    ``message_id`` is the message that carried the button, or None when
    Telegram no longer says (an inaccessible message); ``editable`` is false
    when that message has no text to edit into a screen (a result's photo,
    video or voice message): the answer then comes as a new message.
    """

    callback_query_id: str
    data: str
    message_id: int | None
    editable: bool = True


class Unsupported(_Command, frozen=True, kw_only=True, tag=True):
    """A message of a kind the bot does not read (``sticker``, ``voice``, ``video``, ...)."""

    kind: str


class Throttled(_Command, frozen=True, kw_only=True, tag=True):
    """An update over the user's rate limit (``kind``: ``messages`` or ``taps``), in place of its own command.

    The sessions' limiter decided it (:class:`trt_actors.limits.RateLimiter`);
    the session records it and, when ``notify`` (the first refusal of a
    burst), tells the user to try again at ``retry_at``.
    """

    kind: str
    retry_at: float
    notify: bool


class Blocked(_Command, frozen=True, kw_only=True, tag=True):
    """An update from a user an admin blocked, in place of its own command (``kind``: ``messages`` or ``taps``).

    The session records it (``InputBlocked``) and answers the first one
    politely, then nothing until the user is unblocked.
    """

    kind: str


class PaymentReceived(_Command, frozen=True, kw_only=True, tag=True):
    """A message with successful_payment in the chat (a Stars payment went through)."""

    currency: str
    total_amount: int
    invoice_payload: str
    telegram_payment_charge_id: str
    provider_payment_charge_id: str = ""


class LedgerReported(_Command, frozen=True, kw_only=True, tag=True):
    """The ledger recorded one of its events about this user (update_id is 0: it comes from the log, not an update).

    ``event`` is the ledger event's type (``HoldPlaced``, ``HoldRejected``,
    ``HoldCaptured``, ``HoldVoided``, ``Credited``, ``RefundReserved``,
    ``RefundRejected``, ``RefundCompleted``, ``RefundFailed``);
    ``operation_id`` its hold, credit or refund id; ``amount`` what it is
    about (the hold, the capture, the void, the credit, the refund);
    ``available`` and ``held`` the balance after it. ``reason`` is a
    rejection's, a void's or a credit's reason (``topup``, ``welcome``,
    ``referral``, ``adjustment``); ``model_id`` a hold's model; ``stars`` a
    top-up's Stars.
    """

    event: str
    operation_id: str
    amount: int
    available: int
    held: int
    reason: str = ""
    model_id: str = ""
    stars: int = 0


class JobReported(_Command, frozen=True, kw_only=True, tag=True):
    """The job runner recorded one of its events about this chat's job (update_id is 0: it comes from the log).

    ``event`` is the job event's type: ``JobRequested`` (queued),
    ``JobSubmitted`` (KIE took it: generating), ``JobPolled`` (still
    generating; ``elapsed`` seconds since the job was requested),
    ``JobSucceeded`` (delivering), ``ResultDelivered`` (done; ``message_ids``
    are the result's messages), ``JobFailed`` (``reason`` is one of
    :data:`trt_actors.events.jobs.FAILURE_REASONS`; the hold is voided, so
    the credits are back) or ``JobLate`` (a result that will not be
    delivered). ``job_id`` is the confirmation id; ``message_id`` the
    confirmation message that shows the progress; ``credits`` the price held.
    """

    event: str
    job_id: str
    model_id: str
    credits: int
    message_id: int | None = None
    elapsed: float = 0.0
    reason: str = ""
    message_ids: tuple[int, ...] = ()
    result_count: int = 0


class PromoReported(_Command, frozen=True, kw_only=True, tag=True):
    """The promo code the user entered was decided (update_id is 0: it comes from the log).

    ``outcome`` is ``redeemed`` (``credits``; the ledger's credit follows) or
    ``refused`` (``reason``: ``unknown``, ``expired``, ``used_up``,
    ``already_redeemed``); ``operation_id`` is the decision's event id.
    """

    code: str
    outcome: str
    operation_id: str
    reason: str = ""
    credits: int = 0


class FriendReported(_Command, frozen=True, kw_only=True, tag=True):
    """Someone (``friend_id``) started the bot with this user's invitation link (update_id is 0: from the log)."""

    friend_id: int


SessionCommand: TypeAlias = (
    TextReceived | PhotoReceived | ButtonPressed | Unsupported | PaymentReceived | LedgerReported | JobReported
    | Throttled | PromoReported | FriendReported | Blocked
)
"""Everything a session accepts."""

USER_COMMANDS: Final = (TextReceived, PhotoReceived, ButtonPressed, Unsupported, PaymentReceived)
"""The commands a user's update becomes as it is (they carry ``disabled``, the models switched off)."""

COMMAND_DECODER: msgspec.json.Decoder[SessionCommand] = msgspec.json.Decoder(SessionCommand)
"""One reusable JSON decoder for the :data:`SessionCommand` union."""


_SURROGATE = re.compile("[\ud800-\udfff]")


def well_formed(command: SessionCommand) -> SessionCommand:
    """``command`` with every string made valid Unicode: a lone surrogate becomes U+FFFD (replacement).

    JSON (and so Telegram) can carry lone surrogates that UTF-8, and so the
    event log, cannot; the decider cleans them where they enter.
    """
    changes: dict[str, str] = {}
    for name in command.__struct_fields__:
        value = getattr(command, name)
        if isinstance(value, str) and not value.isascii():
            cleaned = valid_unicode(value)
            if cleaned != value:
                changes[name] = cleaned
    return msgspec.structs.replace(command, **changes) if changes else command


def valid_unicode(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD, so it can be written as UTF-8."""
    return _SURROGATE.sub("\ufffd", text)


def blocked(command: SessionCommand, *, kind: str) -> Blocked:
    """``command`` (a user's) from a blocked user: its common fields, and what it was."""
    return Blocked(chat_id=command.chat_id, user_id=command.user_id, cid=command.cid, update_id=command.update_id,
                   ts=command.ts, language_code=command.language_code, first_name=command.first_name, kind=kind)


def throttled(command: SessionCommand, *, kind: str, retry_at: float, notify: bool) -> Throttled:
    """``command`` (a user's) turned away by the rate limit: its common fields, and the limiter's verdict."""
    return Throttled(chat_id=command.chat_id, user_id=command.user_id, cid=command.cid, update_id=command.update_id,
                     ts=command.ts, language_code=command.language_code, first_name=command.first_name, kind=kind,
                     retry_at=retry_at, notify=notify)
