"""The session's pure decider: one chat's conversation, from ``/start`` to the order and its payment.

``decide(state, command)`` returns the events one command causes and never
raises for anything a user can send: bad input is an answer (a notice and the
current screen), not an exception. Every command from the user ends in
exactly one ``UiRendered``, the message the user sees, with dispatch id
``f"{cid}/0"``, except a Stars payment that credits (``TopUpPaid``: the
ledger's receipt follows) and an update the rate limit turned away
(``Throttled``: ``InputThrottled``, and a notice only for the first of a
burst) and an update from a user an admin blocked (``Blocked``:
``InputBlocked``, and one polite answer, the first); a ledger report ends in at most one (see :mod:`.ledger_reports`):

* text and photos get a **new** message; a button press **edits** the
  message that carried the button (``edit_message_id``); see :mod:`.taps`
  for how a press is judged (``CallbackAccepted`` or ``CallbackRejected``);
* the very first command of a chat starts the session (``SessionStarted``);
* a user's command carries the models an admin switched off (``disabled``);
  when that differs from what the session knew, it records ``ModelsSeen``
  first, and from then on neither lists nor confirms them;
* slash commands work anywhere: ``/start [payload]`` (``/start topup`` opens the top-up), ``/menu``, ``/help``,
  ``/lang [ru|en]``, ``/balance``, ``/topup``, ``/history``, ``/debug``,
  ``/cancel``, also as ``/help@botname``; text in the wizard answers the step on screen;
* Confirm asks the ledger to hold the price (``GenerationRequested``, see
  :mod:`.orders`), and the ledger's reports (``LedgerReported``) become the
  balance the session shows (``BalanceSeen``) and messages about orders and
  top-ups (:mod:`.ledger_reports`); the job runner's reports (``JobReported``)
  become the order's progress and, on failure, a message with "Try again"
  (:mod:`.job_reports`); a user with ``max_jobs`` orders running, or past
  ``generations`` confirmed in its window, is told to wait instead of
  confirming another;
* ``/promo CODE`` (or the code typed on the promo screen) asks for a promo
  code (``PromoEntered``, for a code :func:`trt_actors.promo.normalise_code`
  accepts); its answer comes back as ``PromoReported`` (``PromoAnswered``: a
  refusal is said, a redemption is said by the ledger's credit); ``/invite``
  shows the invitation link, and a friend who joined through it comes back as
  ``FriendReported`` (``FriendJoined``, counted on that screen);
* ``/history`` lists the last orders; a finished one can be sent again
  (``ResultResendRequested``) or repeated through a new confirmation;
* a package tap asks for a Stars invoice and a ``successful_payment`` is
  matched against it (``TopUpPaid`` or ``PaymentRejected``, see :mod:`.payments`);
* a photo answers a photo step; its caption answers the next step too when
  that step asks for text (a photo captioned "make it snowy");
* a message the session cannot use records ``MessageRejected`` (before the
  screen, which shows why) with one of these reason codes:

  ============================  =====================================================
  ``unsupported_kind``          a sticker, voice, ... (``detail``: the kind)
  ``unknown_text``              text outside the wizard that is no command
  ``unknown_command``           ``/nope`` (``detail``: the command)
  ``unknown_model``             text or photo for a draft whose model left the menu
  ``awaiting_confirmation``     text on the confirmation screen
  ``no_open_step``              text when every step is answered but there is no price
  ``photo_expected``            text on a photo step
  ``media_expected``            text on an audio or video step
  ``not_a_choice``              typed text that matches no button of the step
  ``empty_text``                a blank answer
  ``text_too_long``             more characters than the step allows
  ``text_too_short``            fewer characters than the step needs
  ``value_not_allowed``         a text the field's own rules refuse
  ``not_a_number``              a number step answered with something else
  ``not_an_integer``            a fraction where a whole number is needed
  ``out_of_range``              a number outside the step's range
  ``photo_not_expected``        a photo where no photo step is on screen
  ``caption_not_used``          a photo was taken, but no text step took its caption
  ``bad_promo_code``            a promo code that cannot be one (odd characters, too
                                long or short): nothing is asked of the promo codes
  ============================  =====================================================

  ``detail`` names the wizard parameter for the step's refusals
  (``caption:<name>`` when it was a photo's caption), else what is on screen.

When ``decide`` raises (a bug), :meth:`SessionDecider.crashed` gives the
answer the runtime sends instead: "something went wrong" (see :mod:`.crash`).

Time and ids come only from the command (the confirmation id and the top-up
id are hashes of the ``cid``; a hold expires at the tap's ``ts`` plus
:data:`HOLD_SECONDS`), so the same commands always give the same events::

    decider = SessionDecider(load_valid_registry())
    state = decider.initial_state()
    command = TextReceived(chat_id=1, user_id=1, cid="c1", update_id=1, ts=0.0, text="/start")
    events = decider.decide(state, command)
    state = fold(decider, state, events)     # trt_actors.runtime.decider.fold

The registry should be a validated one (:func:`registry.load_valid_registry`);
an unvalidated one degrades (unpriced models are listed unsorted and cannot be
confirmed) but does not crash the session.
"""

from __future__ import annotations

import math
import re
from typing import Final

from registry import Registry
from trt_actors.events import Event
from trt_actors.events.session import (
    DraftDiscarded,
    FriendJoined,
    ImageAdded,
    InputBlocked,
    ModelsSeen,
    ImagesCompleted,
    InputThrottled,
    LanguageChosen,
    ParameterSet,
    ParamValue,
)
from trt_actors.session.commands import (
    Blocked,
    ButtonPressed,
    FriendReported,
    JobReported,
    LedgerReported,
    PaymentReceived,
    PhotoReceived,
    PromoReported,
    SessionCommand,
    USER_COMMANDS,
    TextReceived,
    Throttled,
    Unsupported,
    well_formed,
)
from trt_actors.session.crash import crash_answer
from trt_actors.session.job_reports import job_report
from trt_actors.session.ledger_reports import report
from trt_actors.session.orders import HOLD_SECONDS
from trt_actors.session.payments import pay
from trt_actors.session.state import SessionState, evolve
from trt_actors.session.taps import press
from trt_actors.session.texts import LANGUAGES, Texts
from trt_actors.stars import TOPUP_START
from trt_actors.free_tier import FreeTier
from trt_actors.invitations import Invitations
from trt_actors.session.promos import enter_code, promo_report
from trt_actors.session.screens import blocked_notice
from trt_actors.session.state import report_key
from trt_actors.limits import Rate
from trt_actors.support import Support
from trt_actors.session.turn import Turn, confirmation_id
from trt_actors.session.wizard import Problem, choices, current_field, image_limits, parse_number, parse_text
from trt_actors.stars import DEFAULT_PACKAGES, StarsPackage

__all__ = ["HOLD_SECONDS", "MESSAGE_REJECTIONS", "SCREEN_COMMANDS", "SessionDecider", "confirmation_id"]

MESSAGE_REJECTIONS: Final = frozenset({
    "unsupported_kind", "unknown_text", "unknown_command", "unknown_model", "awaiting_confirmation",
    "no_open_step", "photo_expected", "media_expected", "not_a_choice", "empty_text", "text_too_long",
    "text_too_short", "value_not_allowed", "not_a_number", "not_an_integer", "out_of_range",
    "photo_not_expected", "caption_not_used", "bad_promo_code",
})
"""Every ``MessageRejected.reason_code`` the session records (the table in the module docstring)."""

SCREEN_COMMANDS: Final = {
    "menu": "menu",
    "help": "help",
    "lang": "language",
    "language": "language",
    "balance": "balance",
    "topup": "topup",
    "history": "history",
    "debug": "debug",
    "invite": "invite",
}
"""Slash commands that open a screen (``/start`` and ``/cancel`` do a little more)."""

_COMMAND: Final = re.compile(r"/([A-Za-z0-9_]{1,32})(?:@[A-Za-z0-9_]{1,64})?(?:\s+(.*))?", re.DOTALL)


class SessionDecider:
    """The decider of one chat's session (see the module docstring); shares nothing but the registry and packages.

    ``packages`` are the Telegram Stars packages the top-up screen offers
    (``STARS_PACKAGES``); a tap on one no longer among them is refused.
    ``max_jobs`` is how many orders a user may have running at once
    (``MAX_JOBS_PER_USER``); a Confirm past it is refused with a notice.
    ``support`` is what ``/help`` offers besides its FAQ (``SUPPORT_CONTACT``,
    ``TERMS_URL``, ``PRIVACY_URL``). ``generations`` limits the orders a user
    may confirm in a window (``RATE_GENERATIONS``; None: no limit). ``free``
    is the free tier (``FREE_PER_DAY``, ``TIMEZONE``; see :mod:`trt_actors.free_tier`); ``invitations`` the
    bot's username and ``REFERRAL_BONUS`` the "Invite friends" screen shows.
    """

    __slots__ = ("free", "generations", "invitations", "max_jobs", "packages", "registry", "support")

    def __init__(self, registry: Registry, packages: tuple[StarsPackage, ...] = DEFAULT_PACKAGES, *,
                 max_jobs: int = 3, support: Support = Support(), generations: Rate | None = None,
                 free: FreeTier = FreeTier(), invitations: Invitations = Invitations()) -> None:
        self.registry = registry
        self.packages = packages
        self.max_jobs = max_jobs
        self.support = support
        self.generations = generations
        self.free = free
        self.invitations = invitations

    def initial_state(self) -> SessionState:
        return SessionState()

    def evolve(self, state: SessionState, event: Event) -> SessionState:
        return evolve(state, event)

    def decide(self, state: SessionState, command: SessionCommand) -> list[Event]:
        """The events ``command`` causes in ``state``; a user's command ends with one ``UiRendered``."""
        command = well_formed(command)
        turn = Turn(self.registry, self.packages, state, command, max_jobs=self.max_jobs, support=self.support,
                    generations=self.generations, free=self.free, invitations=self.invitations)
        if isinstance(command, USER_COMMANDS) and command.disabled != state.disabled:
            turn.record(ModelsSeen(disabled=command.disabled))  # an admin switched models on or off meanwhile
        match command:
            case TextReceived(text=text):
                return _text(turn, text)
            case PhotoReceived():
                return _photo(turn, command)
            case ButtonPressed():
                return press(turn, command)
            case Unsupported(kind=kind):
                turn.start()
                turn.refuse(Problem("notice.unsupported", "unsupported_kind", (("kind", turn.texts.kind(kind)),)),
                            detail=kind)
                return turn.show()
            case PaymentReceived():
                return pay(turn, command)
            case LedgerReported():
                return report(turn, command)
            case JobReported():
                return job_report(turn, command)
            case PromoReported():
                return promo_report(turn, command)
            case FriendReported(friend_id=friend_id):
                if report_key("FriendJoined", str(friend_id)) in turn.state.reported:
                    return []
                turn.record(FriendJoined(friend_id=friend_id))
                return turn.events  # counted on the "Invite friends" screen; the user asked nothing
            case Blocked(kind=kind):
                notify = not state.blocked_told
                turn.record(InputBlocked(kind=kind, notified=notify))
                if not notify:
                    return turn.events  # one polite answer, then nothing
                return turn.show(draw=blocked_notice)
            case Throttled(kind=kind, retry_at=retry_at, notify=notify):
                turn.record(InputThrottled(kind=kind, retry_at=retry_at, notified=notify))
                if not notify:
                    return turn.events  # one answer per burst: the rest are recorded, not answered
                turn.say(f"notice.throttled_{kind}", seconds=max(1, math.ceil(retry_at - command.ts)))
                return turn.show()

    def crashed(self, state: SessionState, command: SessionCommand) -> list[Event]:
        """The answer when :meth:`decide` raised: "something went wrong", as a new message. Never raises.

        The runtime records the crash (``ActorCrashed``) and appends these
        events instead of the ones ``decide`` failed to make. They depend on
        nothing but the user's language and fixed texts, so the state that
        broke ``decide`` cannot break them (see :mod:`.crash`). A ledger
        report gets no answer: the user asked nothing (and its ``cid``'s
        first screen is already taken by the update that asked).
        """
        if isinstance(command, LedgerReported | JobReported | PromoReported | FriendReported):
            return []
        return crash_answer(state, command, registry_version=_version_of(self.registry))


def _version_of(registry: Registry) -> str:
    try:
        version = registry.version
    except Exception:  # noqa: BLE001 - the crash answer must not fail on a broken registry
        return ""
    return version if isinstance(version, str) else ""


def _text(turn: Turn, text: str) -> list[Event]:
    parsed = _COMMAND.fullmatch(text.strip())
    if parsed is not None:
        return _slash(turn, parsed[1].lower(), (parsed[2] or "").strip())
    turn.start()
    state = turn.state
    draft = state.draft
    if state.screen == "promo":
        return enter_code(turn, text)
    if state.screen == "wizard" and draft is not None:
        model = turn.model(draft.model_id)
        if model is None:
            turn.reject("unknown_model", detail=draft.model_id)
            turn.say("notice.model_gone")
            turn.open("menu")
            return turn.show()
        field = current_field(model, draft)
        if field is None:
            if state.offer is not None:
                turn.refuse(Problem("notice.confirm_first", "awaiting_confirmation"))
            else:
                turn.refuse(Problem("notice.use_buttons", "no_open_step"))
            return turn.show()
        answer: ParamValue | Problem
        match field.ask:
            case "text":
                answer = parse_text(field, text)
            case "number":
                answer = parse_number(field, text)
            case "buttons" | "yes_no":
                answer = _typed_choice(turn.texts, field.name, choices(field), text)
            case "image" | "images":
                answer = Problem("notice.send_photo", "photo_expected")
            case _:
                answer = Problem("notice.unknown_text", "media_expected")
        if isinstance(answer, Problem):
            turn.refuse(answer, detail=field.name)
            return turn.show()
        turn.record(ParameterSet(name=field.name, value=answer))
        turn.advance()
        return turn.show()
    turn.refuse(Problem("notice.unknown_text", "unknown_text"))
    turn.open("menu")
    return turn.show()


def _typed_choice(texts: Texts, name: str, offered: tuple[ParamValue, ...], text: str) -> ParamValue | Problem:
    """A value typed instead of tapped ("16:9", "yes"), matched against the buttons' labels."""
    typed = text.strip().casefold()
    for value in offered:
        if typed in (texts.value(name, value).casefold(), str(value).casefold()):
            return value
    return Problem("notice.use_buttons", "not_a_choice")


def _slash(turn: Turn, name: str, argument: str) -> list[Event]:
    if name == "start":
        turn.start(argument)
        turn.open("topup" if argument == TOPUP_START else "menu")  # the link a forwarded invoice shows
        return turn.show()
    turn.start()
    if name == "cancel":
        if turn.state.draft is not None:
            turn.record(DraftDiscarded(reason="cancelled"))
            turn.say("notice.cancelled")
        turn.open("menu")
    elif name == "promo" and argument:
        return enter_code(turn, argument)
    elif name == "promo":
        turn.open("promo")
    elif name in ("lang", "language") and argument.lower() in LANGUAGES:
        if argument.lower() != turn.state.language:
            turn.record(LanguageChosen(language=argument.lower()))
        turn.say("notice.language")
        turn.open("menu")
    elif name in SCREEN_COMMANDS:
        turn.open(SCREEN_COMMANDS[name])
    else:
        turn.refuse(Problem("notice.unknown_command", "unknown_command", (("command", f"/{name}"),)),
                    detail=f"/{name}")
        if turn.state.screen != "wizard":
            turn.open("menu")
    return turn.show()


def _photo(turn: Turn, photo: PhotoReceived) -> list[Event]:
    turn.start()
    state = turn.state
    draft = state.draft
    model = turn.model(draft.model_id) if draft is not None else None
    field = current_field(model, draft) if model is not None and draft is not None else None
    if state.screen == "wizard" and draft is not None and model is None:
        turn.reject("unknown_model", detail=draft.model_id)
        turn.say("notice.model_gone")
        turn.open("menu")
        return turn.show()
    if state.screen != "wizard" or draft is None or field is None or field.ask not in ("image", "images"):
        on_screen = field.name if state.screen == "wizard" and field is not None else state.screen
        turn.refuse(Problem("notice.photo_unexpected", "photo_not_expected"), detail=on_screen)
        return turn.show()
    _, most = image_limits(field)
    turn.record(ImageAdded(name=field.name, file_id=photo.file_id, file_unique_id=photo.file_unique_id,
                           width=photo.width, height=photo.height))
    count = len(draft.images_of(field.name)) + 1
    if count < most:
        _caption_not_used(turn, photo.caption, field.name)
        return turn.show()
    turn.record(ImagesCompleted(name=field.name))
    turn.say("notice.photo_received", count=count)
    _caption(turn, photo.caption, field.name)
    turn.advance()
    return turn.show()


def _caption(turn: Turn, caption: str | None, image_field: str) -> None:
    """A caption on the photo that completed its step answers the next step if that asks for text."""
    draft = turn.state.draft
    model = turn.model(draft.model_id) if draft is not None else None
    field = current_field(model, draft) if model is not None and draft is not None else None
    if not caption or field is None or field.ask != "text":
        _caption_not_used(turn, caption, image_field)
        return
    answer = parse_text(field, caption)
    if isinstance(answer, Problem):
        turn.refuse(answer, detail=f"caption:{field.name}")
        return
    turn.record(ParameterSet(name=field.name, value=answer))


def _caption_not_used(turn: Turn, caption: str | None, image_field: str) -> None:
    """A caption no text step takes is recorded as unused; the photo itself was taken, so nothing is said."""
    if caption and caption.strip():
        turn.reject("caption_not_used", detail=f"caption:{image_field}")
