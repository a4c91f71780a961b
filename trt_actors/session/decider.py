"""The session's pure decider: one chat's conversation, from ``/start`` to the confirmed order.

``decide(state, command)`` returns the events one command causes and never
raises for anything a user can send: bad input is an answer (a notice and the
current screen), not an exception. Every command ends in exactly one
``UiRendered``, the message the user sees, with dispatch id ``f"{cid}/0"``:

* text and photos get a **new** message; a button press **edits** the
  message that carried the button (``edit_message_id``); see :mod:`.taps`
  for how a press is judged (``CallbackAccepted`` or ``CallbackRejected``);
* the very first command of a chat starts the session (``SessionStarted``);
* slash commands work anywhere: ``/start [payload]``, ``/menu``, ``/help``,
  ``/lang [ru|en]``, ``/balance``, ``/history``, ``/debug``, ``/cancel``, also
  as ``/help@botname``; text in the wizard answers the step on screen;
* a photo answers a photo step; its caption answers the next step too when
  that step asks for text (a photo captioned "make it snowy").

Time and ids come only from the command (the confirmation id is a hash of the
``cid``), so the same commands always give the same events::

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

import re
from typing import Final

from registry import Registry
from trt_actors.events import Event
from trt_actors.events.session import (
    DraftDiscarded,
    ImageAdded,
    ImagesCompleted,
    LanguageChosen,
    ParameterSet,
    ParamValue,
)
from trt_actors.session.commands import (
    ButtonPressed,
    PhotoReceived,
    SessionCommand,
    TextReceived,
    Unsupported,
    well_formed,
)
from trt_actors.session.state import SessionState, evolve
from trt_actors.session.taps import press
from trt_actors.session.texts import LANGUAGES, Texts
from trt_actors.session.turn import Turn, confirmation_id
from trt_actors.session.wizard import Problem, choices, current_field, image_limits, parse_number, parse_text

__all__ = ["SCREEN_COMMANDS", "SessionDecider", "confirmation_id"]

SCREEN_COMMANDS: Final = {
    "menu": "menu",
    "help": "help",
    "lang": "language",
    "language": "language",
    "balance": "balance",
    "history": "history",
    "debug": "debug",
}
"""Slash commands that open a screen (``/start`` and ``/cancel`` do a little more)."""

_COMMAND: Final = re.compile(r"/([A-Za-z0-9_]{1,32})(?:@[A-Za-z0-9_]{1,64})?(?:\s+(.*))?", re.DOTALL)


class SessionDecider:
    """The decider of one chat's session (see the module docstring); shares nothing but the registry."""

    __slots__ = ("registry",)

    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def initial_state(self) -> SessionState:
        return SessionState()

    def evolve(self, state: SessionState, event: Event) -> SessionState:
        return evolve(state, event)

    def decide(self, state: SessionState, command: SessionCommand) -> list[Event]:
        """The events ``command`` causes in ``state``; always ends with one ``UiRendered``."""
        command = well_formed(command)
        turn = Turn(self.registry, state, command)
        match command:
            case TextReceived(text=text):
                return _text(turn, text)
            case PhotoReceived():
                return _photo(turn, command)
            case ButtonPressed():
                return press(turn, command)
            case Unsupported(kind=kind):
                turn.start()
                turn.say("notice.unsupported", kind=turn.texts.kind(kind))
                return turn.show()


def _text(turn: Turn, text: str) -> list[Event]:
    parsed = _COMMAND.fullmatch(text.strip())
    if parsed is not None:
        return _slash(turn, parsed[1].lower(), (parsed[2] or "").strip())
    turn.start()
    state = turn.state
    if state.screen == "wizard" and state.draft is not None and (model := turn.model(state.draft.model_id)):
        field = current_field(model, state.draft)
        if field is None:
            turn.say("notice.confirm_first" if state.offer is not None else "notice.use_buttons")
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
                answer = Problem("notice.send_photo")
            case _:
                answer = Problem("notice.unknown_text")
        if isinstance(answer, Problem):
            turn.say(answer.key, **dict(answer.args))
            return turn.show()
        turn.record(ParameterSet(name=field.name, value=answer))
        turn.advance()
        return turn.show()
    turn.say("notice.unknown_text")
    turn.open("menu")
    return turn.show()


def _typed_choice(texts: Texts, name: str, offered: tuple[ParamValue, ...], text: str) -> ParamValue | Problem:
    """A value typed instead of tapped ("16:9", "yes"), matched against the buttons' labels."""
    typed = text.strip().casefold()
    for value in offered:
        if typed in (texts.value(name, value).casefold(), str(value).casefold()):
            return value
    return Problem("notice.use_buttons")


def _slash(turn: Turn, name: str, argument: str) -> list[Event]:
    if name == "start":
        turn.start(argument)
        turn.open("menu")
        return turn.show()
    turn.start()
    if name == "cancel":
        if turn.state.draft is not None:
            turn.record(DraftDiscarded(reason="cancelled"))
            turn.say("notice.cancelled")
        turn.open("menu")
    elif name in ("lang", "language") and argument.lower() in LANGUAGES:
        if argument.lower() != turn.state.language:
            turn.record(LanguageChosen(language=argument.lower()))
        turn.say("notice.language")
        turn.open("menu")
    elif name in SCREEN_COMMANDS:
        turn.open(SCREEN_COMMANDS[name])
    else:
        turn.say("notice.unknown_command", command=f"/{name}")
        if turn.state.screen != "wizard":
            turn.open("menu")
    return turn.show()


def _photo(turn: Turn, photo: PhotoReceived) -> list[Event]:
    turn.start()
    state = turn.state
    model = turn.model(state.draft.model_id) if state.draft is not None else None
    field = current_field(model, state.draft) if model is not None and state.draft is not None else None
    if state.screen != "wizard" or field is None or field.ask not in ("image", "images"):
        turn.say("notice.photo_unexpected")
        return turn.show()
    assert state.draft is not None
    _, most = image_limits(field)
    turn.record(ImageAdded(name=field.name, file_id=photo.file_id, file_unique_id=photo.file_unique_id,
                           width=photo.width, height=photo.height))
    count = len(state.draft.images_of(field.name)) + 1
    if count >= most:
        turn.record(ImagesCompleted(name=field.name))
        turn.say("notice.photo_received", count=count)
        _caption(turn, photo.caption)
        turn.advance()
    return turn.show()


def _caption(turn: Turn, caption: str | None) -> None:
    """A caption on the photo that completed its step answers the next step if that asks for text."""
    draft = turn.state.draft
    model = turn.model(draft.model_id) if draft is not None else None
    field = current_field(model, draft) if model is not None and draft is not None else None
    if not caption or field is None or field.ask != "text":
        return
    answer = parse_text(field, caption)
    if isinstance(answer, Problem):
        turn.say(answer.key, **dict(answer.args))
        return
    turn.record(ParameterSet(name=field.name, value=answer))
