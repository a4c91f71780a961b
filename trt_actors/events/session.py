"""Events of a chat's session: where the user is, and what they are ordering.

The session's state (:class:`trt_actors.session.state.SessionState`) is a
pure fold of these events (plus the screens it rendered, whose dispatch ids
remember the last ``cid``). Every event names a fact in the conversation:

* the session began (``SessionStarted``) and its language (``LanguageChosen``);
* the user moved to a screen (``ScreenOpened``);
* the parameter wizard: ``DraftStarted`` for a model, then one answer per step
  (``ParameterSet``, ``ParameterSkipped``, ``ImageAdded`` + ``ImagesCompleted``),
  ``DraftStepBack`` to undo the last answer, ``DraftResumed`` after a detour,
  ``DraftDiscarded`` when it ends without an order;
* the price shown (``ConfirmationOffered``, with the registry's rule and
  version, so an auditor can see what the user agreed to) and the tap that
  accepted it (``ConfirmationAccepted``; at most once per confirmation id),
  recorded together with what the ledger is asked to hold for it
  (``GenerationRequested``); the draft of an order the ledger refused comes
  back (``DraftRestored``) so that it can be confirmed again after a top-up;
* Telegram Stars: an invoice the user asked for (``InvoiceRequested``), a
  payment that matched one (``TopUpPaid``, which the ledger credits once) or
  did not (``PaymentRejected``);
* a message the session could not use (``MessageRejected``, the twin of
  :class:`~trt_actors.events.CallbackRejected` for taps);
* what the ledger reported (``BalanceSeen``): the only source of the
  balance, and of the ledger entries, that a session shows.

``MessageRejected``, ``PaymentRejected`` and ``BalanceSeen`` change no
screen, so they leave the state's nonce (and every button on screen) as it was.

Parameter values are JSON scalars (``str | int | float | bool``) kept in
tuples of :class:`Param` pairs, never dicts, so the events stay immutable
(see the rules in :mod:`trt_actors.events.base`).
"""

from __future__ import annotations

from typing import TypeAlias

import msgspec

# The ledger's events import Param from here; a module import (resolved when the
# annotation is first read, not now) keeps that circle harmless.
import trt_actors.events.ledger as ledger_events
from trt_actors.events.base import Event

__all__ = [
    "SESSION_EVENTS",
    "BalanceSeen",
    "ConfirmationAccepted",
    "ConfirmationOffered",
    "DraftDiscarded",
    "DraftRestored",
    "DraftResumed",
    "DraftStarted",
    "DraftStepBack",
    "Files",
    "GenerationRequested",
    "ImageAdded",
    "ImagesCompleted",
    "InputThrottled",
    "PromoAnswered",
    "FriendJoined",
    "InputBlocked",
    "ModelsSeen",
    "InvoiceRequested",
    "JobSeen",
    "LanguageChosen",
    "MessageRejected",
    "Param",
    "ParameterSet",
    "ParameterSkipped",
    "ParamValue",
    "PaymentRejected",
    "ResultResendRequested",
    "ScreenOpened",
    "SessionStarted",
    "TopUpPaid",
]

ParamValue: TypeAlias = str | int | float | bool
"""The value of one scalar input parameter, as KIE's ``input`` object takes it."""


class Param(msgspec.Struct, frozen=True, array_like=True, forbid_unknown_fields=True, gc=False):
    """One answer: parameter ``name`` has ``value``. Encoded as a pair: ``["prompt", "a cat"]``."""

    name: str
    value: ParamValue


class Files(msgspec.Struct, frozen=True, array_like=True, forbid_unknown_fields=True, gc=False):
    """The Telegram file ids sent for image field ``name``, in order: ``["image_urls", ["AgAD..."]]``."""

    name: str
    file_ids: tuple[str, ...]


class SessionStarted(Event, frozen=True):
    """The first thing a chat did (``/start``, or any message or tap on an empty stream).

    ``language`` is the one guessed from Telegram's ``language_code``;
    ``start_payload`` is the deep-link payload of ``/start`` (checked: at most
    64 characters of ``A-Za-z0-9_-``); ``referrer`` the user id from a
    ``ref_<id>`` payload, or 0.
    """

    language: str
    start_payload: str = ""
    referrer: int = 0


class LanguageChosen(Event, frozen=True):
    """The user picked the bot's language (``ru`` or ``en``)."""

    language: str


class ScreenOpened(Event, frozen=True):
    """The user moved to a screen outside the wizard.

    ``screen`` is one of ``menu category model balance topup history help
    language debug``; ``category``/``page`` are set for a category list, ``model_id``
    for a model card. A draft in progress survives: the menu offers to continue it.
    """

    screen: str
    category: str = ""
    page: int = 0
    model_id: str = ""


class DraftStarted(Event, frozen=True):
    """The parameter wizard began for ``model_id``, at its first step."""

    model_id: str


class ParameterSet(Event, frozen=True):
    """The user answered the current step with ``value``; the wizard moves on."""

    name: str
    value: ParamValue


class ParameterSkipped(Event, frozen=True):
    """The user skipped the current (optional) step; KIE gets its default, or nothing."""

    name: str


class ImageAdded(Event, frozen=True):
    """A photo arrived for the image field ``name`` (Telegram's file ids and size)."""

    name: str
    file_id: str
    file_unique_id: str
    width: int = 0
    height: int = 0


class ImagesCompleted(Event, frozen=True):
    """The image field ``name`` has all its photos; the wizard moves on."""

    name: str


class DraftStepBack(Event, frozen=True):
    """The wizard went one step back, forgetting the answers to the fields in ``clear``."""

    clear: tuple[str, ...] = ()


class DraftResumed(Event, frozen=True):
    """The user came back to the draft they left for another screen."""

    model_id: str


class DraftDiscarded(Event, frozen=True):
    """The draft ended without an order: ``cancelled``, ``back``, ``replaced`` or ``model_gone``."""

    reason: str


class ConfirmationOffered(Event, frozen=True):
    """The confirmation screen: this order at this price, offered under ``confirmation_id``.

    ``params`` are the answers (defaults are not repeated: KIE's input builder
    adds them); ``files`` the Telegram file ids per image field; ``credits``,
    ``rule`` and ``registry_version`` come from the registry's quote;
    ``balance`` is the balance shown beside it; ``offered_at`` the time of the
    update that drew it (0 in events written before it was recorded: such a
    confirmation counts as expired). ``free_day`` is set when the order is
    offered free (the free tier: ``credits`` is 0, and the day it counts on).
    """

    confirmation_id: str
    model_id: str
    params: tuple[Param, ...]
    credits: int
    rule: str
    registry_version: str
    files: tuple[Files, ...] = ()
    balance: int = 0
    offered_at: float = 0.0
    free_day: str = ""


class ConfirmationAccepted(Event, frozen=True):
    """The user tapped "confirm" for ``confirmation_id`` (recorded once; a second tap is rejected)."""

    confirmation_id: str
    model_id: str = ""
    credits: int = 0


class GenerationRequested(Event, frozen=True):
    """The confirmed order, as the ledger is asked to hold its price (recorded with ``ConfirmationAccepted``).

    The ledger reacts by placing a hold whose id **is** ``confirmation_id``
    (so a double tap or a redelivered update holds once) for ``credits``,
    until ``expires_at`` (the tap's time plus the session's ``HOLD_SECONDS``).
    ``quote`` is what priced it, re-read from the registry at the tap and
    equal in price to the confirmation the user saw; ``params`` and ``files``
    are the order itself; ``message_id`` the confirmation message, which the
    ledger's answer edits (None when Telegram did not say); ``language`` the
    user's, in which the job's result is captioned ("" in events written
    before it was recorded). A free-tier order holds 0 ``credits`` and names
    ``free_day``, the day it counts on, and ``free_per_day``, the free
    generations a day allows (the quote still says what it would cost).
    """

    confirmation_id: str
    model_id: str
    params: tuple[Param, ...]
    files: tuple[Files, ...]
    credits: int
    quote: ledger_events.Quote
    expires_at: float
    message_id: int | None
    language: str = ""
    free_day: str = ""
    free_per_day: int = 0


class DraftRestored(Event, frozen=True):
    """The ledger could not hold the price of ``confirmation_id``: its draft is back, ready to confirm again."""

    confirmation_id: str


class InvoiceRequested(Event, frozen=True):
    """The user chose a Stars package: send an invoice (``sendInvoice`` in ``XTR``) for it.

    ``topup_id`` names this top-up (derived from the tap's ``cid``);
    ``payload`` is :func:`trt_actors.stars.invoice_payload` of it and the
    package; ``title`` and ``description`` are in the user's language, plain
    text within Telegram's limits (32 and 255 characters).
    """

    topup_id: str
    stars: int
    credits: int
    payload: str
    title: str
    description: str


class TopUpPaid(Event, frozen=True):
    """A Stars payment matched a top-up this session offered: the ledger credits ``credits`` once, keyed by ``charge_id``.

    ``charge_id`` is Telegram's ``telegram_payment_charge_id`` (what a refund needs).
    """

    topup_id: str
    charge_id: str
    stars: int
    credits: int


class PaymentRejected(Event, frozen=True):
    """A ``successful_payment`` that credits nothing; the user was told that support will sort it out.

    ``reason_code`` (stable): ``wrong_currency``, ``unknown_payload`` (not a
    payload of ours), ``unknown_topup`` (no top-up this session offered, or
    one it no longer remembers), ``payload_mismatch`` (the payload's package
    is not the one offered under its id), ``amount_mismatch`` (the Stars paid
    are not the package's), ``no_charge_id``, ``already_credited`` (this charge
    id was seen before) or ``topup_already_paid`` (another charge paid it).
    ``charge_id`` is Telegram's, so support can find (and refund) the payment;
    ``detail`` says what was paid (``250 XTR``, the payload up to 128 characters).
    """

    reason_code: str
    charge_id: str
    detail: str = ""


class MessageRejected(Event, frozen=True):
    """A message the session could not use; the user was told why and nothing else changed.

    ``reason_code`` is stable and machine-readable (the list is in
    :mod:`trt_actors.session.decider`). ``detail`` adds what the code alone
    does not say: the message kind (``sticker``), the unknown command
    (``/frobnicate``), or the wizard parameter whose answer was refused
    (``prompt``; ``caption:prompt`` when it was a photo's caption). It never
    repeats the user's text: the ``UpdateReceived`` of the same ``cid`` holds that.
    """

    reason_code: str
    detail: str = ""


class BalanceSeen(Event, frozen=True):
    """The ledger reported the user's credits: ``available`` to spend, and ``held`` for orders in flight.

    The other fields describe the ledger entry reported (empty in events
    written before they were recorded): ``event`` (the ledger event's type,
    such as ``HoldPlaced`` or ``Credited``) and ``operation_id`` (its hold,
    credit or refund id); ``change``, the entry's signed effect on
    ``available`` (a hold placed: minus its amount; a capture: plus what it
    released; a void, a credit, a failed refund: plus the amount; a refund
    reserved: minus it; a rejection or a completed refund: 0); ``amount``,
    the ledger's own amount (the hold, the capture, the credit, the refund);
    ``reason`` (why credits came in, a void's or a rejection's reason);
    ``model_id``, ``params`` (the values its price depends on) and ``stars``
    when known.
    """

    available: int
    held: int = 0
    event: str = ""
    operation_id: str = ""
    change: int = 0
    amount: int = 0
    reason: str = ""
    model_id: str = ""
    params: tuple[Param, ...] = ()
    stars: int = 0


class JobSeen(Event, frozen=True):
    """The job runner's news about the order ``job_id`` (its confirmation id), as the session heard it.

    ``event`` is the job event's type (``JobRequested``, ``JobSubmitted``,
    ``JobPolled``, ``JobSucceeded``, ``ResultDelivered``, ``JobFailed``);
    ``at`` when it was recorded, ``elapsed`` seconds since the job was
    requested; ``reason`` why it failed; ``results`` how many files it made;
    ``message_ids`` the messages that delivered them. Like ``BalanceSeen`` it
    changes no screen, so it leaves the nonce (and every button) as it was.
    """

    job_id: str
    event: str
    at: float = 0.0
    elapsed: float = 0.0
    reason: str = ""
    results: int = 0
    message_ids: tuple[int, ...] = ()


class ResultResendRequested(Event, frozen=True):
    """The user asked (from /history) for the result of ``job_id`` again; the job runner resends its recorded URLs."""

    job_id: str


class InputThrottled(Event, frozen=True):
    """A message or a tap (``kind``: ``messages`` or ``taps``) over the user's rate limit: nothing was done with it.

    ``retry_at`` is when the next one is taken; ``notified`` whether the user
    was told so (the first refusal of a burst is answered, the rest only
    recorded). Like ``BalanceSeen`` it changes no screen.
    """

    kind: str
    retry_at: float
    notified: bool = False


class ModelsSeen(Event, frozen=True):
    """The models an admin has switched off, as the session first met them on a user's update (``disabled``,
    sorted): from here on it neither lists nor confirms them. Like ``BalanceSeen`` it changes no screen."""

    disabled: tuple[str, ...] = ()


class InputBlocked(Event, frozen=True):
    """A message or a tap (``kind``) from a user an admin blocked: nothing was done with it. ``notified`` says
    whether it got the one polite answer (the first after the block does). Like ``BalanceSeen`` it changes no
    screen."""

    kind: str
    notified: bool = False


class PromoAnswered(Event, frozen=True):
    """The promo code ``code`` the user entered was ``redeemed`` (for ``credits``) or ``refused`` (``reason``:
    ``unknown``, ``expired``, ``used_up``, ``already_redeemed``), as the session heard it; ``operation_id``
    names the promo's decision. Like ``BalanceSeen`` it changes no screen."""

    code: str
    outcome: str
    operation_id: str
    reason: str = ""
    credits: int = 0


class FriendJoined(Event, frozen=True):
    """Someone opened the bot with this user's invitation link for the first time (``friend_id``), as heard."""

    friend_id: int


SESSION_EVENTS: tuple[type[Event], ...] = (
    SessionStarted,
    LanguageChosen,
    ScreenOpened,
    DraftStarted,
    ParameterSet,
    ParameterSkipped,
    ImageAdded,
    ImagesCompleted,
    DraftStepBack,
    DraftResumed,
    DraftDiscarded,
    ConfirmationOffered,
    ConfirmationAccepted,
    MessageRejected,
    BalanceSeen,
    GenerationRequested,
    DraftRestored,
    InvoiceRequested,
    TopUpPaid,
    PaymentRejected,
    JobSeen,
    ResultResendRequested,
    InputThrottled,
    PromoAnswered,
    FriendJoined,
    InputBlocked,
    ModelsSeen,
)
"""Every session event type; the lead registers them in :data:`trt_actors.events.ALL_EVENTS`."""
