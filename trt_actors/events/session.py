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
  accepted it (``ConfirmationAccepted``; at most once per confirmation id);
* a message the session could not use (``MessageRejected``, the twin of
  :class:`~trt_actors.events.CallbackRejected` for taps);
* the balance the ledger reported (``BalanceSeen``): the only source of the
  balance a session shows.

``MessageRejected`` and ``BalanceSeen`` change no screen, so they leave the
state's nonce (and every button on screen) as it was.

Parameter values are JSON scalars (``str | int | float | bool``) kept in
tuples of :class:`Param` pairs, never dicts, so the events stay immutable
(see the rules in :mod:`trt_actors.events.base`).
"""

from __future__ import annotations

from typing import TypeAlias

import msgspec

from trt_actors.events.base import Event

__all__ = [
    "SESSION_EVENTS",
    "BalanceSeen",
    "ConfirmationAccepted",
    "ConfirmationOffered",
    "DraftDiscarded",
    "DraftResumed",
    "DraftStarted",
    "DraftStepBack",
    "Files",
    "ImageAdded",
    "ImagesCompleted",
    "LanguageChosen",
    "MessageRejected",
    "Param",
    "ParameterSet",
    "ParameterSkipped",
    "ParamValue",
    "ScreenOpened",
    "SessionStarted",
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

    ``screen`` is one of ``menu category model balance history help language
    debug``; ``category``/``page`` are set for a category list, ``model_id``
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
    ``balance`` is the balance shown beside it.
    """

    confirmation_id: str
    model_id: str
    params: tuple[Param, ...]
    credits: int
    rule: str
    registry_version: str
    files: tuple[Files, ...] = ()
    balance: int = 0


class ConfirmationAccepted(Event, frozen=True):
    """The user tapped "confirm" for ``confirmation_id`` (recorded once; a second tap is rejected)."""

    confirmation_id: str
    model_id: str = ""
    credits: int = 0


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
    """The ledger reported the user's credits: ``available`` to spend, and ``held`` for orders in flight."""

    available: int
    held: int = 0


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
)
"""Every session event type; the lead registers them in :data:`trt_actors.events.ALL_EVENTS`."""
