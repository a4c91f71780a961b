"""The state of one chat's session, and how each event changes it (a pure fold).

:class:`SessionState` is a frozen msgspec Struct, so a snapshot is just
``msgspec.json.encode(state)``. A snapshot is a cache: new fields get
defaults and unknown ones are ignored, and a snapshot that still does not
decode is dropped and the state rebuilt from the stream. :func:`evolve` is the fold; it needs nothing
but the event (no registry), so a session rebuilds the same way whatever the
catalogue says today.

``nonce`` counts the session's domain events. Every rendered button carries
the nonce of the state it was drawn from; a tap with another nonce is stale.
Rejections (``CallbackRejected``, ``MessageRejected``), re-renders and the
ledger's ``BalanceSeen`` change no screen, so they leave the nonce (and every
button on screen) as it was.
"""

from __future__ import annotations

from typing import Final

import msgspec

from trt_actors.events import CallbackAccepted, CallbackRejected, Event, UiRendered
from trt_actors.events.session import (
    SESSION_EVENTS,
    BalanceSeen,
    ConfirmationAccepted,
    ConfirmationOffered,
    DraftDiscarded,
    DraftResumed,
    DraftStarted,
    DraftStepBack,
    ImageAdded,
    ImagesCompleted,
    Files,
    LanguageChosen,
    MessageRejected,
    Param,
    ParameterSet,
    ParameterSkipped,
    ParamValue,
    ScreenOpened,
    SessionStarted,
)

__all__ = [
    "ACCEPTED_KEPT",
    "OFFERED_KEPT",
    "Draft",
    "DraftImage",
    "Offer",
    "SessionState",
    "evolve",
]

OFFERED_KEPT: Final = 8
"""How many recent confirmation ids a session remembers as offered."""

ACCEPTED_KEPT: Final = 32
"""How many recent confirmation ids a session remembers as accepted (a double tap is refused)."""


class DraftImage(msgspec.Struct, frozen=True):
    """One photo the user sent for image field ``name``."""

    name: str
    file_id: str
    file_unique_id: str
    width: int = 0
    height: int = 0


class Draft(msgspec.Struct, frozen=True):
    """An order being put together: the model, the answers so far, and the step reached.

    ``step`` counts the wizard steps answered (or skipped); the steps
    themselves come from the model (:func:`trt_actors.session.wizard.steps_of`).
    """

    model_id: str
    step: int = 0
    params: tuple[Param, ...] = ()
    images: tuple[DraftImage, ...] = ()

    def value(self, name: str) -> ParamValue | None:
        """The answer given for ``name``, or None."""
        for param in self.params:
            if param.name == name:
                return param.value
        return None

    def images_of(self, name: str) -> tuple[DraftImage, ...]:
        """The photos sent for image field ``name``, in order."""
        return tuple(image for image in self.images if image.name == name)

    def files(self) -> tuple[Files, ...]:
        """Telegram file ids per image field, fields in the order their first photo came."""
        names = tuple(dict.fromkeys(image.name for image in self.images))
        return tuple(Files(name=name, file_ids=tuple(image.file_id for image in self.images_of(name)))
                     for name in names)


class Offer(msgspec.Struct, frozen=True):
    """The confirmation on screen: its id and the quote behind it."""

    confirmation_id: str
    credits: int
    rule: str
    registry_version: str


class SessionState(msgspec.Struct, frozen=True):
    """Everything a session remembers about its chat.

    ``screen`` is where the user is: ``none`` (nothing yet), ``menu``,
    ``category`` (``category``, ``page``), ``model`` (``model_id``),
    ``wizard`` (the draft's current step, or its confirmation when ``offer``
    is set), ``coming`` (confirmed; generation arrives in a later version),
    ``balance``, ``history``, ``help``, ``language``, ``debug``.
    ``confirmed`` is the last order accepted (shown on the ``coming`` screen).
    ``language`` is empty until the session starts or the user chooses one.
    ``balance`` (credits to spend) and ``held`` (reserved for orders in
    flight) are the ledger's last report (``BalanceSeen``); 0 until one comes.
    """

    started: bool = False
    language: str = ""
    start_payload: str = ""
    referrer: int = 0
    screen: str = "none"
    category: str = ""
    page: int = 0
    model_id: str = ""
    nonce: int = 0
    draft: Draft | None = None
    offer: Offer | None = None
    offered: tuple[str, ...] = ()
    accepted: tuple[str, ...] = ()
    confirmed: Offer | None = None
    last_cid: str = ""
    balance: int = 0
    held: int = 0


def _without(params: tuple[Param, ...], names: tuple[str, ...]) -> tuple[Param, ...]:
    return tuple(param for param in params if param.name not in names)


def _draft_event(state: SessionState, draft: Draft, event: Event) -> SessionState:
    match event:
        case ParameterSet(name=name, value=value):
            params = (*_without(draft.params, (name,)), Param(name=name, value=value))
            return msgspec.structs.replace(
                state, draft=msgspec.structs.replace(draft, params=params, step=draft.step + 1)
            )
        case ParameterSkipped(name=name):
            params = _without(draft.params, (name,))
            return msgspec.structs.replace(
                state, draft=msgspec.structs.replace(draft, params=params, step=draft.step + 1)
            )
        case ImageAdded(name=name, file_id=file_id, file_unique_id=unique, width=width, height=height):
            image = DraftImage(name=name, file_id=file_id, file_unique_id=unique, width=width, height=height)
            return msgspec.structs.replace(state, draft=msgspec.structs.replace(draft, images=(*draft.images, image)))
        case ImagesCompleted():
            return msgspec.structs.replace(state, draft=msgspec.structs.replace(draft, step=draft.step + 1))
        case DraftStepBack(clear=clear):
            back = msgspec.structs.replace(
                draft,
                step=max(draft.step - 1, 0),
                params=_without(draft.params, clear),
                images=tuple(image for image in draft.images if image.name not in clear),
            )
            return msgspec.structs.replace(state, draft=back, offer=None, screen="wizard")
    return state


def _domain(state: SessionState, event: Event) -> SessionState:
    match event:
        case SessionStarted(language=language, start_payload=payload, referrer=referrer):
            return msgspec.structs.replace(
                state,
                started=True,
                language=state.language or language,
                start_payload=payload,
                referrer=referrer,
            )
        case LanguageChosen(language=language):
            return msgspec.structs.replace(state, language=language)
        case ScreenOpened(screen=screen, category=category, page=page, model_id=model_id):
            return msgspec.structs.replace(
                state,
                screen=screen,
                category=category or state.category,
                page=page,
                model_id=model_id or state.model_id,
                offer=None,
            )
        case DraftStarted(model_id=model_id):
            return msgspec.structs.replace(
                state, screen="wizard", model_id=model_id, draft=Draft(model_id=model_id), offer=None
            )
        case DraftResumed(model_id=model_id):
            return msgspec.structs.replace(state, screen="wizard", model_id=model_id)
        case DraftDiscarded():
            return msgspec.structs.replace(state, draft=None, offer=None)
        case ConfirmationOffered(
            confirmation_id=confirmation_id, credits=credits, rule=rule, registry_version=version
        ):
            offer = Offer(confirmation_id=confirmation_id, credits=credits, rule=rule, registry_version=version)
            offered = (*state.offered, confirmation_id)[-OFFERED_KEPT:]
            return msgspec.structs.replace(state, screen="wizard", offer=offer, offered=offered)
        case ConfirmationAccepted(confirmation_id=confirmation_id):
            accepted = (*state.accepted, confirmation_id)[-ACCEPTED_KEPT:]
            confirmed = state.offer if state.offer and state.offer.confirmation_id == confirmation_id else None
            return msgspec.structs.replace(
                state, screen="coming", draft=None, offer=None, accepted=accepted, confirmed=confirmed
            )
    if state.draft is not None:
        return _draft_event(state, state.draft, event)
    return state


def evolve(state: SessionState, event: Event) -> SessionState:
    """The state after ``event``. Events a session does not care about leave it as it was.

    A ``UiRendered`` remembers its ``cid`` (the part of the dispatch id before
    the last ``/``) for ``/debug``; a ``BalanceSeen`` replaces the balance;
    verdicts on taps and messages change nothing. None of them moves the nonce.
    """
    match event:
        case UiRendered(dispatch_id=dispatch_id):
            return msgspec.structs.replace(state, last_cid=dispatch_id.rpartition("/")[0])
        case BalanceSeen(available=available, held=held):
            return msgspec.structs.replace(state, balance=available, held=held)
        case CallbackAccepted() | CallbackRejected() | MessageRejected():
            return state
    if not isinstance(event, SESSION_EVENTS):
        return state
    after = _domain(state, event)
    return msgspec.structs.replace(after, nonce=state.nonce + 1)
