"""Inline-button data: typed actions to compact strings and back, within Telegram's 64 bytes.

The wire form is ``1.<nonce>.<verb>[.<arg>]``: the format version, the
session nonce in base 36 (which rendering of the chat drew the button), a
short verb and at most one argument. Everything else a tap needs (which
step, which model card, which draft) is in the session's state, so a button
never has to carry more than an index or an id::

    data = encode(7, OpenModel(model_id="z-image"))      # "1.7.o.z-image"
    assert decode(data) == Tap(nonce=7, action=OpenModel(model_id="z-image"))

:func:`decode` trusts nothing: whatever a client sends, it returns a
:class:`Tap` or raises :class:`BadCallbackData` whose ``reason_code`` is one
of ``oversized``, ``malformed``, ``unknown_version`` or ``unknown_action``.
Whether a well-formed tap makes sense *now* is the decider's question.
"""

from __future__ import annotations

import functools

import re
from typing import Final, TypeAlias

import msgspec

__all__ = [
    "MAX_BYTES",
    "VERSION",
    "Action",
    "BadCallbackData",
    "BuyPackage",
    "ChooseLanguage",
    "ChooseValue",
    "Confirm",
    "FinishImages",
    "GoBack",
    "CancelDraft",
    "OpenBalance",
    "OpenCategory",
    "OpenHelp",
    "OpenHistory",
    "OpenLanguages",
    "OpenMenu",
    "OpenInvite",
    "OpenModel",
    "OpenPromo",
    "OpenTopUp",
    "Refresh",
    "Repeat",
    "Resend",
    "ResumeDraft",
    "WhyPrice",
    "SkipRest",
    "SkipStep",
    "StartDraft",
    "Tap",
    "TurnPage",
    "action_name",
    "decode",
    "encode",
]

VERSION: Final = "1"
MAX_BYTES: Final = 64
"""Telegram's limit for ``callback_data``, in bytes of UTF-8."""


class BadCallbackData(ValueError):
    """Button data that is not ours (forged, from another version, or garbled).

    ``reason_code`` is what :class:`trt_actors.events.CallbackRejected` records.
    """

    def __init__(self, reason_code: str, detail: str) -> None:
        super().__init__(f"{reason_code}: {detail}")
        self.reason_code = reason_code


class _Action(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    pass


class OpenMenu(_Action, frozen=True, tag="menu"):
    """The main menu."""


class OpenHelp(_Action, frozen=True, tag="help"):
    """The help screen."""


class OpenBalance(_Action, frozen=True, tag="balance"):
    """The balance screen."""


class OpenHistory(_Action, frozen=True, tag="history"):
    """The history of generations."""


class OpenPromo(_Action, frozen=True, tag="promo"):
    """The promo-code screen: it asks for a code."""


class OpenInvite(_Action, frozen=True, tag="invite"):
    """The "Invite friends" screen: the user's invitation link and what it earned."""


class OpenTopUp(_Action, frozen=True, tag="topup"):
    """The Telegram Stars packages."""


class BuyPackage(_Action, frozen=True, tag="buy_package"):
    """Ask for an invoice: ``stars`` for ``credits`` (both, so a package changed since is recognised)."""

    stars: int
    credits: int


class OpenLanguages(_Action, frozen=True, tag="languages"):
    """The language picker."""


class ChooseLanguage(_Action, frozen=True, tag="choose_language"):
    """Switch the bot to ``language`` (``ru`` or ``en``)."""

    language: str


class OpenCategory(_Action, frozen=True, tag="open_category"):
    """The model list of ``category`` (its first page)."""

    category: str


class TurnPage(_Action, frozen=True, tag="turn_page"):
    """Page ``page`` (from 0) of the category on screen."""

    page: int


class OpenModel(_Action, frozen=True, tag="open_model"):
    """The card of model ``model_id``."""

    model_id: str


class StartDraft(_Action, frozen=True, tag="start_draft"):
    """Start the wizard for the model whose card is on screen."""


class ResumeDraft(_Action, frozen=True, tag="resume_draft"):
    """Go back to the draft left for another screen."""


class ChooseValue(_Action, frozen=True, tag="choose_value"):
    """Answer the current step with its ``index``-th offered value."""

    index: int


class SkipStep(_Action, frozen=True, tag="skip_step"):
    """Skip the current step (use the default)."""


class SkipRest(_Action, frozen=True, tag="skip_rest"):
    """Use the defaults for every remaining (optional) step."""


class FinishImages(_Action, frozen=True, tag="finish_images"):
    """Enough photos: go to the next step."""


class GoBack(_Action, frozen=True, tag="go_back"):
    """One screen or one step back."""


class CancelDraft(_Action, frozen=True, tag="cancel_draft"):
    """Drop the draft and go to the main menu."""


class Confirm(_Action, frozen=True, tag="confirm"):
    """Accept the confirmation ``confirmation_id`` on screen."""

    confirmation_id: str


class Refresh(_Action, frozen=True, tag="refresh"):
    """Draw the screen the user is on again (the button a passive instance sends during a deploy)."""


class Repeat(_Action, frozen=True, tag="repeat"):
    """The order ``job_id`` again, with the same parameters, through a new confirmation ("Try again" too)."""

    job_id: str


class Resend(_Action, frozen=True, tag="resend"):
    """Send the result of the finished order ``job_id`` again."""

    job_id: str


class WhyPrice(_Action, frozen=True, tag="why_price"):
    """Explain the price of the order ``job_id``: its quote, the hold, the charge or the refund, with dates."""

    job_id: str


Action: TypeAlias = (
    OpenMenu
    | OpenHelp
    | OpenBalance
    | OpenHistory
    | OpenTopUp
    | BuyPackage
    | OpenLanguages
    | ChooseLanguage
    | OpenCategory
    | TurnPage
    | OpenModel
    | StartDraft
    | ResumeDraft
    | ChooseValue
    | SkipStep
    | SkipRest
    | FinishImages
    | GoBack
    | CancelDraft
    | Confirm
    | Refresh
    | Repeat
    | Resend
    | WhyPrice
    | OpenPromo
    | OpenInvite
)
"""Every action a button can carry."""


class Tap(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Decoded button data: the nonce of the screen that drew it and its action."""

    nonce: int
    action: Action


def action_name(action: Action) -> str:
    """The action's name, as :class:`trt_actors.events.CallbackAccepted` records it."""
    tag = action.__struct_config__.tag
    assert isinstance(tag, str)
    return tag


_BARE: Final[dict[str, Action]] = {
    "m": OpenMenu(),
    "h": OpenHelp(),
    "b": OpenBalance(),
    "y": OpenHistory(),
    "t": OpenTopUp(),
    "l": OpenLanguages(),
    "go": StartDraft(),
    "w": ResumeDraft(),
    "s": SkipStep(),
    "r": SkipRest(),
    "d": FinishImages(),
    "k": GoBack(),
    "x": CancelDraft(),
    "rf": Refresh(),
    "pr": OpenPromo(),
    "iv": OpenInvite(),
}
_VERB_OF: Final[dict[type[_Action], str]] = {type(action): verb for verb, action in _BARE.items()}
_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/:+-]{0,59}")
_CATEGORY: Final = re.compile(r"[a-z][a-z0-9_]{0,39}")
_NUMBER: Final = re.compile(r"0|[1-9][0-9]{0,3}")
_NONCE: Final = re.compile(r"0|[1-9a-z][0-9a-z]{0,11}")
_CONFIRMATION: Final = re.compile(r"[0-9a-z]{4,16}")
_PACKAGE: Final = re.compile(r"([1-9][0-9]{0,6})-([1-9][0-9]{0,8})")
LANGUAGES: Final = ("ru", "en")


@functools.lru_cache(maxsize=4096)
def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    if number == 0:
        return "0"
    out = []
    while number:
        number, digit = divmod(number, 36)
        out.append(digits[digit])
    return "".join(reversed(out))


def _verb_and_arg(action: Action) -> tuple[str, str | None]:
    match action:
        case ChooseLanguage(language=language):
            return "lg", language
        case OpenCategory(category=category):
            return "c", category
        case TurnPage(page=page):
            return "p", str(page)
        case OpenModel(model_id=model_id):
            return "o", model_id
        case ChooseValue(index=index):
            return "v", str(index)
        case Confirm(confirmation_id=confirmation_id):
            return "ok", confirmation_id
        case BuyPackage(stars=stars, credits=credits):
            return "tp", f"{stars}-{credits}"
        case Repeat(job_id=job_id):
            return "re", job_id
        case Resend(job_id=job_id):
            return "rs", job_id
        case WhyPrice(job_id=job_id):
            return "wp", job_id
    return _VERB_OF[type(action)], None


def encode(nonce: int, action: Action) -> str:
    """The button data for ``action`` drawn at ``nonce``. Raises ValueError past 64 bytes.

    Raising here is a bug in the registry or the screens (an id too long for a
    button), never the user's doing; the property tests walk every model.
    """
    if nonce < 0:
        raise ValueError(f"a nonce is never negative, not {nonce}")
    data = f"{VERSION}.{_base36(nonce)}.{_wire(action)}"
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"button data {data!r} is {len(data.encode())} bytes, over Telegram's {MAX_BYTES}")
    return data


@functools.lru_cache(maxsize=8192)
def _wire(action: Action) -> str:
    """The action's part of the button data, checked once per action to survive its own decoding.

    The nonce is plain base 36 and cannot break the round trip, so the check
    does not need to run again for every screen that draws the same button.
    """
    verb, arg = _verb_and_arg(action)
    tail = verb if arg is None else f"{verb}.{arg}"
    probe = f"{VERSION}.0.{tail}"
    if len(probe.encode()) <= MAX_BYTES and decode(probe) != Tap(nonce=0, action=action):  # too long: encode says so
        raise ValueError(f"{action!r} does not survive its own wire form {tail!r}")
    return tail


def _parsed(verb: str, arg: str) -> Action:
    match verb:
        case "lg" if arg in LANGUAGES:
            return ChooseLanguage(language=arg)
        case "c" if _CATEGORY.fullmatch(arg):
            return OpenCategory(category=arg)
        case "p" if _NUMBER.fullmatch(arg):
            return TurnPage(page=int(arg))
        case "o" if _ID.fullmatch(arg):
            return OpenModel(model_id=arg)
        case "v" if _NUMBER.fullmatch(arg):
            return ChooseValue(index=int(arg))
        case "ok" if _CONFIRMATION.fullmatch(arg):
            return Confirm(confirmation_id=arg)
        case "tp" if (package := _PACKAGE.fullmatch(arg)) is not None:
            return BuyPackage(stars=int(package[1]), credits=int(package[2]))
        case "re" if _CONFIRMATION.fullmatch(arg):
            return Repeat(job_id=arg)
        case "rs" if _CONFIRMATION.fullmatch(arg):
            return Resend(job_id=arg)
        case "wp" if _CONFIRMATION.fullmatch(arg):
            return WhyPrice(job_id=arg)
        case "lg" | "c" | "p" | "o" | "v" | "ok" | "tp" | "re" | "rs" | "wp":
            raise BadCallbackData("malformed", f"{arg!r} is not a valid argument of {verb!r}")
    raise BadCallbackData("unknown_action", f"no action {verb!r} takes an argument")


def decode(data: str) -> Tap:
    """The tap that ``data`` stands for; :class:`BadCallbackData` if it is not one of ours."""
    if len(data.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise BadCallbackData("oversized", f"{len(data.encode('utf-8', 'surrogatepass'))} bytes")
    if not data.isascii():
        raise BadCallbackData("malformed", "not ASCII")
    version, _, rest = data.partition(".")
    if version != VERSION:
        if version.isdigit() and rest:
            raise BadCallbackData("unknown_version", f"format {version!r}")
        raise BadCallbackData("malformed", "no version")
    nonce_text, _, rest = rest.partition(".")
    if not _NONCE.fullmatch(nonce_text):
        raise BadCallbackData("malformed", "no nonce")
    verb, dot, arg = rest.partition(".")
    if not dot:
        action = _BARE.get(verb)
        if action is None:
            raise BadCallbackData("unknown_action", f"no action {verb!r}")
        return Tap(nonce=int(nonce_text, 36), action=action)
    return Tap(nonce=int(nonce_text, 36), action=_parsed(verb, arg))
