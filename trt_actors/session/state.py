"""The state of one chat's session, and how each event changes it (a pure fold).

:class:`SessionState` is a frozen msgspec Struct, so a snapshot is just
``msgspec.json.encode(state)``. A snapshot is a cache: new fields get
defaults and unknown ones are ignored, and a snapshot that still does not
decode is dropped and the state rebuilt from the stream. :func:`evolve` is the fold; it needs nothing
but the event (no registry), so a session rebuilds the same way whatever the
catalogue says today.

``nonce`` counts the session's domain events. Every rendered button carries
the nonce of the state it was drawn from; a tap with another nonce is stale.
Rejections (``CallbackRejected``, ``MessageRejected``, ``PaymentRejected``),
re-renders, a payment recorded (``TopUpPaid``), the ledger's
``BalanceSeen``, the job runner's ``JobSeen``, a promo code's answer
(``PromoAnswered``) and a friend who joined (``FriendJoined``) change no
screen, so they leave the nonce (and every button on screen) as it was.

What a session remembers of money is bounded: the last orders it asked the
ledger to hold (:data:`REQUESTS_KEPT`), the invoices it offered
(:data:`INVOICES_KEPT`), the Stars charges it turned into credits and the
ledger operations it has heard of (:data:`CHARGES_KEPT`,
:data:`REPORTS_KEPT`), and the entries the balance screen lists
(:data:`ENTRIES_KEPT`).
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
    DraftRestored,
    DraftResumed,
    DraftStarted,
    DraftStepBack,
    Files,
    GenerationRequested,
    ImageAdded,
    ImagesCompleted,
    InvoiceRequested,
    FriendJoined,
    InputBlocked,
    InputThrottled,
    ModelsSeen,
    JobSeen,
    LanguageChosen,
    MessageRejected,
    Param,
    ParameterSet,
    ParameterSkipped,
    ParamValue,
    PaymentRejected,
    PromoAnswered,
    ScreenOpened,
    SessionStarted,
    TopUpPaid,
)

__all__ = [
    "ACCEPTED_KEPT",
    "CHARGES_KEPT",
    "ENTRIES_KEPT",
    "FREE_USES_KEPT",
    "INVOICES_KEPT",
    "OFFERED_KEPT",
    "REPORTS_KEPT",
    "REQUESTS_KEPT",
    "Draft",
    "DraftImage",
    "Entry",
    "FreeUse",
    "Invoice",
    "Offer",
    "Request",
    "SessionState",
    "evolve",
]

OFFERED_KEPT: Final = 8
"""How many recent confirmation ids a session remembers as offered."""

ACCEPTED_KEPT: Final = 32
"""How many recent confirmation ids a session remembers as accepted (a double tap is refused)."""

REQUESTS_KEPT: Final = 10
"""How many confirmed orders a session remembers (to edit their message when the ledger answers)."""

INVOICES_KEPT: Final = 20
"""How many offered invoices a session remembers; a payment for an older one is recorded, not credited."""

CHARGES_KEPT: Final = 64
"""How many credited Stars charge ids a session remembers (a repeated one is refused)."""

REPORTS_KEPT: Final = 64
"""How many ledger operations (event type and id) a session remembers hearing of (a repeat records nothing)."""

ENTRIES_KEPT: Final = 10
"""How many ledger entries the balance screen lists."""

FREE_USES_KEPT: Final = 32
"""How many free-tier orders a session remembers (more than a day's ``FREE_PER_DAY`` can be)."""


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
    """The confirmation on screen: its id, the quote behind it, and when it was drawn."""

    confirmation_id: str
    credits: int
    rule: str
    registry_version: str
    offered_at: float = 0.0
    free_day: str = ""


class Request(msgspec.Struct, frozen=True):
    """A confirmed order whose price the ledger was asked to hold (``GenerationRequested``).

    ``status`` follows the ledger's reports: ``requested``, then ``placed``
    or ``rejected``, then ``captured`` or ``voided``. ``message_id`` is the
    confirmation message the answer edits; ``draft`` the order as it was
    confirmed, brought back if the ledger refuses it (or the user asks for it
    again). ``job`` follows the job runner's news (``JobSeen``): ``""`` until
    the first, then ``queued``, ``generating``, ``delivering``, ``done`` or
    ``failed`` (``reason`` why); ``at`` is when the job was requested,
    ``ended`` when it delivered or failed, ``shown`` the elapsed seconds the
    progress message shows, ``results`` how many files it made; ``rule`` and
    ``registry_version`` the price entry that priced it ("why this price");
    ``expires_at`` the hold's expiry it asked for, which dates the Confirm
    (``RATE_GENERATIONS``; 0 in states kept before it was); ``free_day`` the
    day a free-tier order counts on ("" for one paid in credits).
    """

    confirmation_id: str
    model_id: str
    credits: int
    message_id: int | None = None
    draft: Draft | None = None
    status: str = "requested"
    job: str = ""
    reason: str = ""
    at: float = 0.0
    shown: int = 0
    results: int = 0
    rule: str = ""
    registry_version: str = ""
    ended: float = 0.0
    expires_at: float = 0.0
    free_day: str = ""

    @property
    def running(self) -> bool:
        """Still to end: its price is (about to be) held and its job has neither delivered nor failed."""
        return self.status in ("requested", "placed", "captured") and self.job not in ("done", "failed")


class Invoice(msgspec.Struct, frozen=True):
    """A Stars invoice the session asked for; ``charge_id`` is the payment that paid it ("" until one does)."""

    topup_id: str
    stars: int
    credits: int
    charge_id: str = ""


class Entry(msgspec.Struct, frozen=True):
    """One ledger entry, as the balance screen lists it (the fields of its ``BalanceSeen``)."""

    event: str
    operation_id: str
    change: int
    amount: int = 0
    reason: str = ""
    model_id: str = ""
    params: tuple[Param, ...] = ()
    stars: int = 0


class FreeUse(msgspec.Struct, frozen=True):
    """A free-tier order that counts on ``day``: asked for, and neither voided nor refused (except as used up)."""

    hold_id: str
    day: str


class SessionState(msgspec.Struct, frozen=True):
    """Everything a session remembers about its chat.

    ``screen`` is where the user is: ``none`` (nothing yet), ``menu``,
    ``category`` (``category``, ``page``), ``model`` (``model_id``),
    ``wizard`` (the draft's current step, or its confirmation when ``offer``
    is set), ``coming`` (confirmed: the order's price is being held, see
    ``requests``), ``balance``, ``topup``, ``history``, ``help``,
    ``language``, ``debug``, ``promo`` (asking for a promo code),
    ``invite`` (the invitation link).
    ``confirmed`` is the last order accepted (shown on the ``coming`` screen).
    ``language`` is empty until the session starts or the user chooses one.
    ``balance`` (credits to spend) and ``held`` (reserved for orders in
    flight) are the ledger's last report (``BalanceSeen``); 0 until one comes;
    ``entries`` are the last entries it reported, oldest first, and
    ``reported`` the keys (``event:operation_id``) of the last reports.
    ``invoices`` are the Stars invoices offered, ``charges`` the Stars
    charges already turned into credits. ``free_uses`` are the free-tier
    orders that count (:mod:`trt_actors.free_tier`), oldest first.
    ``friends_invited`` counts who started the bot with the user's invitation
    link, ``friends_paid`` those whose first top-up paid the user a referral
    bonus, ``referral_earned`` the credits those bonuses came to.
    ``blocked_told`` is set once a blocked user got their one answer, and
    cleared by the next screen drawn for anything else (after an unblock).
    ``disabled`` are the models an admin switched off (``ModelsSeen``);
    ``free_granted`` the free generations given on top of the daily ones
    (a referral bonus, ``FreeGranted``).
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
    requests: tuple[Request, ...] = ()
    invoices: tuple[Invoice, ...] = ()
    charges: tuple[str, ...] = ()
    reported: tuple[str, ...] = ()
    entries: tuple[Entry, ...] = ()
    free_uses: tuple[FreeUse, ...] = ()
    friends_invited: int = 0
    friends_paid: int = 0
    referral_earned: int = 0
    blocked_told: bool = False
    disabled: tuple[str, ...] = ()
    free_granted: int = 0

    def free_days(self) -> list[str]:
        """The days the free-tier orders that count were ordered on (see :mod:`trt_actors.free_tier`)."""
        return [use.day for use in self.free_uses]

    def request(self, confirmation_id: str) -> Request | None:
        """The remembered order confirmed as ``confirmation_id``, or None."""
        for request in reversed(self.requests):
            if request.confirmation_id == confirmation_id:
                return request
        return None

    def invoice(self, topup_id: str) -> Invoice | None:
        """The remembered invoice of ``topup_id``, or None."""
        for invoice in reversed(self.invoices):
            if invoice.topup_id == topup_id:
                return invoice
        return None


def report_key(event: str, operation_id: str) -> str:
    """How a session remembers that it heard of a ledger operation: ``HoldPlaced:3f2a9c1b0d``."""
    return f"{event}:{operation_id}"


_STATUS_OF_REPORT: Final = {
    "HoldPlaced": "placed", "HoldRejected": "rejected", "HoldCaptured": "captured", "HoldVoided": "voided",
}
_NOT_ENTRIES: Final = frozenset({"HoldRejected", "RefundRejected"})
_JOB_OF_EVENT: Final = {
    "JobRequested": "queued", "JobSubmitted": "generating", "JobPolled": "generating", "JobSucceeded": "delivering",
    "ResultDelivered": "done", "JobFailed": "failed",
}
_JOB_ORDER: Final = ("", "queued", "generating", "delivering", "done", "failed")


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
            confirmation_id=confirmation_id, credits=credits, rule=rule, registry_version=version, offered_at=at
        ):
            offer = Offer(confirmation_id=confirmation_id, credits=credits, rule=rule, registry_version=version,
                          offered_at=at, free_day=event.free_day)
            offered = (*state.offered, confirmation_id)[-OFFERED_KEPT:]
            return msgspec.structs.replace(state, screen="wizard", offer=offer, offered=offered)
        case GenerationRequested(confirmation_id=confirmation_id, model_id=model_id, credits=credits,
                                 message_id=message_id, quote=quote, expires_at=expires_at, free_day=free_day):
            on_offer = state.offer is not None and state.offer.confirmation_id == confirmation_id
            asked = Request(confirmation_id=confirmation_id, model_id=model_id, credits=credits,
                            message_id=message_id, draft=state.draft if on_offer else None, rule=quote.rule,
                            registry_version=quote.registry_version, expires_at=expires_at, free_day=free_day)
            free_uses = state.free_uses
            if free_day:
                free_uses = (*free_uses, FreeUse(hold_id=confirmation_id, day=free_day))[-FREE_USES_KEPT:]
            return msgspec.structs.replace(state, requests=(*state.requests, asked)[-REQUESTS_KEPT:],
                                           free_uses=free_uses)
        case DraftRestored(confirmation_id=confirmation_id):
            refused = state.request(confirmation_id)
            if refused is None or refused.draft is None:
                return state
            return msgspec.structs.replace(state, draft=refused.draft, offer=None, model_id=refused.model_id)
        case InvoiceRequested(topup_id=topup_id, stars=stars, credits=credits):
            invoice = Invoice(topup_id=topup_id, stars=stars, credits=credits)
            return msgspec.structs.replace(state, invoices=(*state.invoices, invoice)[-INVOICES_KEPT:])
        case ConfirmationAccepted(confirmation_id=confirmation_id):
            accepted = (*state.accepted, confirmation_id)[-ACCEPTED_KEPT:]
            confirmed = state.offer if state.offer and state.offer.confirmation_id == confirmation_id else None
            return msgspec.structs.replace(
                state, screen="coming", draft=None, offer=None, accepted=accepted, confirmed=confirmed
            )
    if state.draft is not None:
        return _draft_event(state, state.draft, event)
    return state


def _balance_seen(state: SessionState, seen: BalanceSeen) -> SessionState:
    """The ledger's report: the balance, and (in reports that name their entry) the entry and the order's status."""
    after = msgspec.structs.replace(state, balance=seen.available, held=seen.held)
    if not seen.event:
        return after
    reported = (*state.reported, report_key(seen.event, seen.operation_id))[-REPORTS_KEPT:]
    entries = state.entries
    if seen.event not in _NOT_ENTRIES:
        entry = Entry(event=seen.event, operation_id=seen.operation_id, change=seen.change, amount=seen.amount,
                      reason=seen.reason, model_id=seen.model_id, params=seen.params, stars=seen.stars)
        entries = (*entries, entry)[-ENTRIES_KEPT:]
    requests = state.requests
    status = _STATUS_OF_REPORT.get(seen.event)
    if status is not None:
        requests = tuple(msgspec.structs.replace(request, status=status)
                         if request.confirmation_id == seen.operation_id else request for request in requests)
    free_uses = state.free_uses
    if seen.event == "HoldVoided" or (seen.event == "HoldRejected" and seen.reason != "free_used_up"):
        free_uses = tuple(use for use in free_uses if use.hold_id != seen.operation_id)  # given back
    after = msgspec.structs.replace(after, reported=reported, entries=entries, requests=requests, free_uses=free_uses)
    if seen.event == "FreeGranted":
        after = msgspec.structs.replace(after, free_granted=state.free_granted + seen.amount)
    if seen.event == "Credited" and seen.reason == "referral" and seen.operation_id.endswith(":inviter"):
        after = msgspec.structs.replace(after, friends_paid=state.friends_paid + 1,
                                        referral_earned=state.referral_earned + seen.amount)
    return after


def _job_seen(state: SessionState, seen: JobSeen) -> SessionState:
    """The job's news on its order: its progress (which never goes back), and the elapsed time shown."""
    status = _JOB_OF_EVENT.get(seen.event, "")

    def moved(request: Request) -> Request:
        job = status if _JOB_ORDER.index(status) > _JOB_ORDER.index(request.job) else request.job
        return msgspec.structs.replace(
            request, job=job, reason=seen.reason or request.reason, at=request.at or seen.at,
            shown=max(request.shown, int(seen.elapsed)) if seen.event == "JobPolled" else request.shown,
            results=seen.results or request.results,
            ended=seen.at + seen.elapsed if seen.event in ("ResultDelivered", "JobFailed") else request.ended,
        )

    requests = tuple(moved(request) if request.confirmation_id == seen.job_id else request
                     for request in state.requests)
    if seen.event == "JobPolled":  # progress is judged by the elapsed time shown, not remembered as a report
        return msgspec.structs.replace(state, requests=requests)
    reported = (*state.reported, report_key(seen.event, seen.job_id))[-REPORTS_KEPT:]
    return msgspec.structs.replace(state, requests=requests, reported=reported)


def _paid(state: SessionState, paid: TopUpPaid) -> SessionState:
    invoices = tuple(msgspec.structs.replace(invoice, charge_id=paid.charge_id)
                     if invoice.topup_id == paid.topup_id else invoice for invoice in state.invoices)
    charges = (*state.charges, paid.charge_id)[-CHARGES_KEPT:]
    return msgspec.structs.replace(state, invoices=invoices, charges=charges)


def evolve(state: SessionState, event: Event) -> SessionState:
    """The state after ``event``. Events a session does not care about leave it as it was.

    A ``UiRendered`` remembers its ``cid`` (the part of the dispatch id before
    the last ``/``) for ``/debug``; a ``BalanceSeen`` replaces the balance
    (and adds its entry); a ``TopUpPaid`` marks its invoice paid; verdicts on
    taps, messages and payments change nothing. None of them moves the nonce.
    """
    match event:
        case UiRendered(dispatch_id=dispatch_id, screen=screen):
            return msgspec.structs.replace(state, last_cid=dispatch_id.rpartition("/")[0],
                                           blocked_told=state.blocked_told and screen == "blocked")
        case ModelsSeen(disabled=disabled):
            return msgspec.structs.replace(state, disabled=disabled)
        case InputBlocked(notified=notified):
            return msgspec.structs.replace(state, blocked_told=state.blocked_told or notified)
        case BalanceSeen():
            return _balance_seen(state, event)
        case JobSeen():
            return _job_seen(state, event)
        case TopUpPaid():
            return _paid(state, event)
        case PromoAnswered(operation_id=operation_id):
            return msgspec.structs.replace(
                state, reported=(*state.reported, report_key("PromoAnswered", operation_id))[-REPORTS_KEPT:])
        case FriendJoined(friend_id=friend_id):
            return msgspec.structs.replace(
                state, friends_invited=state.friends_invited + 1,
                reported=(*state.reported, report_key("FriendJoined", str(friend_id)))[-REPORTS_KEPT:])
        case CallbackAccepted() | CallbackRejected() | MessageRejected() | PaymentRejected() | InputThrottled():
            return state
    if not isinstance(event, SESSION_EVENTS):
        return state
    after = _domain(state, event)
    return msgspec.structs.replace(after, nonce=state.nonce + 1)
