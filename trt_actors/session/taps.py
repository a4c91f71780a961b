"""Inline-button taps: decode, judge against the state, act, and answer by editing the tapped message.

A tap is refused (``CallbackRejected``, the current screen drawn again, no
other event) when its data is not ours (:mod:`.callback_data` says why), when
it confirms an order already confirmed (``already_confirmed``), when it was
drawn for another state (``stale_screen``: its nonce is not the state's), or
when it does not fit the screen on show (``not_your_step``,
``unknown_category``, ``unknown_model``, ``bad_value``,
``unknown_confirmation``: a Confirm for another confirmation than the one on
screen). A few refusals lead on instead of redrawing: a confirmation too old
(``confirmation_expired``) or repriced (``price_changed``) is offered again
(see :mod:`.orders`), and a package no longer sold (``package_gone``) shows
the packages again. Navigation taps (menu, category, model card, balance,
top-up, a package, help, ...) work from any screen; wizard taps only on their step.

Two taps name an order of :attr:`SessionState.requests` themselves: "🔁 Try
again" / "🔁 Repeat" (``Repeat``) brings its draft back and offers it again
under a new confirmation at today's price, and works from however old a
message (it sits on a failure message the user may read much later, so its
nonce is not checked); "📤 Send again" (``Resend``) records
``ResultResendRequested`` for a delivered order, and the job runner sends its
result again. An order the session no longer remembers, or one not
delivered, is refused (``unknown_order``, ``not_resendable``). "🔄 Refresh"
(``Refresh``, the button a passive instance sends during a deploy) draws the
screen the user is on, from any message. "💡 Why this price" (``WhyPrice``,
in /history and on a finished order) draws, in the tapped message, the
order's quote (model, the values that set the price, the rule, the registry
version), its hold and its charge or refund, with dates.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from trt_actors.events import CallbackAccepted, CallbackRejected, Event
from trt_actors.events.session import (
    DraftDiscarded,
    DraftResumed,
    DraftStarted,
    DraftStepBack,
    ImagesCompleted,
    DraftRestored,
    LanguageChosen,
    ParameterSet,
    ParameterSkipped,
    ResultResendRequested,
)
from trt_actors.session.callback_data import (
    Action,
    BadCallbackData,
    BuyPackage,
    CancelDraft,
    ChooseLanguage,
    ChooseValue,
    Confirm,
    FinishImages,
    GoBack,
    OpenBalance,
    OpenCategory,
    OpenHelp,
    OpenHistory,
    OpenInvite,
    OpenPromo,
    OpenLanguages,
    OpenMenu,
    OpenModel,
    OpenTopUp,
    Refresh,
    Repeat,
    Resend,
    ResumeDraft,
    WhyPrice,
    SkipRest,
    SkipStep,
    StartDraft,
    TurnPage,
    action_name,
    decode,
)
from trt_actors.session.canvas import Canvas, Rendered
from trt_actors.session.commands import ButtonPressed
from trt_actors.session.money_screens import why_price
from trt_actors.session.orders import confirm
from trt_actors.session.payments import buy
from trt_actors.session.screens import PAGE_SIZE, listed, model_page
from trt_actors.session.turn import Refused, Turn
from trt_actors.session.wizard import can_skip, choices, current_field, image_limits, steps_of

__all__ = ["REJECTED_DATA_CHARS", "press"]

REJECTED_DATA_CHARS: Final = 128
"""How much of a rejected tap's data ``CallbackRejected`` keeps (forged data can be long)."""

_NOTICE_OF_REASON: Final = {
    "stale_screen": "notice.stale",
    "already_confirmed": "notice.already_confirmed",
    "unknown_confirmation": "notice.unknown_confirmation",
}


def press(turn: Turn, command: ButtonPressed) -> list[Event]:
    """Judge a tap (``CallbackAccepted`` or ``CallbackRejected`` first), act on it, and show the screen."""
    turn.start()
    before, recorded = turn.state, len(turn.events)
    try:
        tap = decode(command.data)
        if isinstance(tap.action, Confirm) and tap.action.confirmation_id in turn.state.accepted:
            raise Refused("already_confirmed")
        if tap.nonce != turn.state.nonce and not isinstance(tap.action, Repeat | Refresh | WhyPrice):
            raise Refused("stale_screen")
        if isinstance(tap.action, WhyPrice):
            draw = _why(turn, tap.action.job_id)
        else:
            draw = None
            _act(turn, tap.action, command.message_id)
    except (BadCallbackData, Refused) as refusal:
        reason = refusal.reason_code
        leads_on = isinstance(refusal, Refused) and refusal.keep
        if not leads_on:
            turn.state = before
            del turn.events[recorded:]
        turn.events.insert(recorded, CallbackRejected(reason_code=reason, data=command.data[:REJECTED_DATA_CHARS]))
        if isinstance(refusal, Refused) and refusal.notice:
            turn.say(refusal.notice, **refusal.args_of_notice)
        else:
            turn.say(_NOTICE_OF_REASON.get(reason, "notice.rejected"))
        return turn.show(edit=_editable(command))
    turn.events.insert(recorded, CallbackAccepted(action=action_name(tap.action)))
    return turn.show(edit=_editable(command), draw=draw)


def _editable(command: ButtonPressed) -> int | None:
    """The tapped message, to draw the answer into; None (a new message) when it has no text to edit."""
    return command.message_id if command.editable else None


def _act(turn: Turn, action: Action, message_id: int | None) -> None:
    state = turn.state
    match action:
        case OpenMenu():
            turn.open("menu")
        case OpenHelp():
            turn.open("help")
        case OpenBalance():
            turn.open("balance")
        case OpenTopUp():
            turn.open("topup")
        case BuyPackage():
            buy(turn, action)
        case OpenHistory():
            turn.open("history")
        case OpenPromo():
            turn.open("promo")
        case OpenInvite():
            turn.open("invite")
        case OpenLanguages():
            turn.open("language")
        case ChooseLanguage(language=language):
            if language != state.language:
                turn.record(LanguageChosen(language=language))
            turn.say("notice.language")
            turn.open("menu")
        case OpenCategory(category=category):
            if category not in turn.registry.categories():
                raise Refused("unknown_category")
            turn.open("category", category=category)
        case TurnPage(page=page):
            if state.screen != "category":
                raise Refused("not_your_step")
            if page * PAGE_SIZE >= max(len(listed(turn.registry, state.category)), 1):
                raise Refused("bad_value")
            turn.open("category", category=state.category, page=page)
        case OpenModel(model_id=model_id):
            model = turn.model(model_id)
            if model is None:
                raise Refused("unknown_model")
            page = model_page(listed(turn.registry, model.category), model.id)
            turn.open("model", category=model.category, page=page, model_id=model.id)
        case StartDraft():
            if state.screen != "model":
                raise Refused("not_your_step")
            if turn.model(state.model_id) is None:
                raise Refused("unknown_model")
            if state.draft is not None:
                turn.record(DraftDiscarded(reason="replaced"))
            turn.record(DraftStarted(model_id=state.model_id))
            turn.advance()
        case ResumeDraft():
            if state.draft is None:
                raise Refused("not_your_step")
            if turn.model(state.draft.model_id) is None:
                raise Refused("unknown_model")
            turn.record(DraftResumed(model_id=state.draft.model_id))
            turn.advance()
        case GoBack():
            _back(turn)
        case Refresh():
            pass  # the screen the user is on, drawn again below
        case Repeat(job_id=job_id):
            _repeat(turn, job_id)
        case Resend(job_id=job_id):
            request = state.request(job_id)
            if request is None or request.job != "done":
                raise Refused("not_resendable", notice="notice.not_resendable")
            turn.record(ResultResendRequested(job_id=job_id))
            turn.say("notice.resending")
        case CancelDraft():
            if state.draft is not None:
                turn.record(DraftDiscarded(reason="cancelled"))
                turn.say("notice.cancelled")
            turn.open("menu")
        case _:
            _answer(turn, action, message_id)


def _answer(turn: Turn, action: Action, message_id: int | None) -> None:
    """The wizard's buttons: a value, skip, skip the rest, enough photos, confirm."""
    model, draft = turn.wizard_model()
    field = current_field(model, draft)
    if isinstance(action, Confirm):
        offer = turn.state.offer
        if offer is None or offer.confirmation_id != action.confirmation_id:
            raise Refused("unknown_confirmation")
        confirm(turn, model, draft, offer, message_id)
        return
    if field is None:
        raise Refused("not_your_step")
    photos = len(draft.images_of(field.name))
    match action:
        case ChooseValue(index=index):
            if field.ask not in ("buttons", "yes_no"):
                raise Refused("not_your_step")
            offered = choices(field)
            if index >= len(offered):
                raise Refused("bad_value")
            turn.record(ParameterSet(name=field.name, value=offered[index]))
        case SkipStep():
            if not can_skip(field) or photos:
                raise Refused("not_your_step")
            turn.record(ParameterSkipped(name=field.name))
        case SkipRest():
            rest = steps_of(model)[draft.step:]
            if photos or len(rest) < 2 or not all(can_skip(later) for later in rest):
                raise Refused("not_your_step")
            turn.record(*(ParameterSkipped(name=later.name) for later in rest))
        case FinishImages():
            fewest, _ = image_limits(field)
            if field.ask not in ("image", "images") or photos < max(fewest, 1):
                raise Refused("not_your_step")
            turn.record(ImagesCompleted(name=field.name))
        case _:
            raise Refused("not_your_step")
    turn.advance()


def _why(turn: Turn, job_id: str) -> Callable[[Canvas], Rendered]:
    """"Why this price": the order's quote, hold and charge or refund, drawn in the tapped message."""
    request = turn.state.request(job_id)
    if request is None:
        raise Refused("unknown_order", notice="notice.unknown_order")
    return lambda canvas: why_price(canvas, request)


def _repeat(turn: Turn, job_id: str) -> None:
    """The order ``job_id`` again: its draft back on screen, offered anew if every step is still answered."""
    state = turn.state
    request = state.request(job_id)
    if request is None or request.draft is None:
        raise Refused("unknown_order", notice="notice.unknown_order")
    if turn.model(request.model_id) is None:
        raise Refused("unknown_model", notice="notice.model_gone")
    if state.draft is not None:
        turn.record(DraftDiscarded(reason="replaced"))
    turn.record(DraftRestored(confirmation_id=job_id), DraftResumed(model_id=request.model_id))
    turn.say("notice.repeat")
    turn.advance()


def _back(turn: Turn) -> None:
    state = turn.state
    match state.screen:
        case "category":
            turn.open("menu")
        case "model":
            model = turn.model(state.model_id)
            if model is None:
                turn.open("menu")
                return
            page = model_page(listed(turn.registry, model.category), model.id)
            turn.open("category", category=model.category, page=page)
        case "wizard":
            model, draft = turn.wizard_model()
            steps = steps_of(model)
            if draft.step == 0 or not steps:
                turn.record(DraftDiscarded(reason="back"))
                page = model_page(listed(turn.registry, model.category), model.id)
                turn.open("model", category=model.category, page=page, model_id=model.id)
                return
            clear = [steps[min(draft.step, len(steps)) - 1].name]
            if draft.step < len(steps) and draft.images_of(steps[draft.step].name):
                clear.append(steps[draft.step].name)
            turn.record(DraftStepBack(clear=tuple(clear)))
        case _:
            turn.open("menu")
