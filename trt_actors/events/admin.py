"""Events of the admin desk (stream ``admin:<admin_id>``): what an admin looked at, asked for, and was told.

The desk is one stream per admin (one writer each). Its events are of three kinds:

* **what the admin saw**, with the read-model result that was shown
  recorded in the event itself (``AdminLookedUp`` carries the whole
  :class:`UserProfile`, ``StatsShown`` the whole :class:`AdminStats`,
  ``BroadcastProgressShown`` the counts), so a replay has every input;
* **what the admin asked for**, each naming the admin (``admin_id``): an
  adjustment (``AdjustmentAsked``), a refund (``RefundAsked``), a block or
  an unblock (``UserBlocked``, ``UserUnblocked``), a model switched on or off
  (``ModelSwitched``), a promo code (``PromoCreateAsked``), a broadcast
  (``BroadcastPreviewed``, then ``BroadcastAsked`` or ``BroadcastDropped``).
  Blocks and model switches take effect through read models
  (:class:`trt_actors.admin.views.BlockList`, :class:`trt_actors.admin.views.ModelSwitches`);
  the others are carried out by durable reactors
  (:mod:`trt_actors.actors.admin_desk`), whose commands are caused by these
  events;
* **what came of it**: ``AdminActionReported`` (the ledger's, the promo
  codes' or the broadcasts' answer, handed back by the reactor that asked),
  and ``AdminInputRejected`` for input the desk refused (an adjustment
  without a reason, a refund of an unknown or spent payment, a broadcast in
  invalid HTML, ...): nothing else happens, and the reason is a stable code.

The desk's prompts (``AdminPrompted``) say what the admin's next plain text
answers; the screens themselves are ``UiRendered`` events on the same stream.
"""

from __future__ import annotations

from typing import Final, TypeAlias, get_args

import msgspec

from trt_actors.events.base import Event

__all__ = [
    "ADMIN_EVENTS",
    "ADMIN_STREAM_PREFIX",
    "AdjustmentAsked",
    "AdminActionReported",
    "AdminEvent",
    "AdminInputRejected",
    "AdminLookedUp",
    "AdminPrompted",
    "AdminStats",
    "BroadcastAsked",
    "BroadcastCounts",
    "BroadcastDropped",
    "BroadcastPreviewed",
    "BroadcastProgressShown",
    "JobLine",
    "LedgerLine",
    "ModelCount",
    "PaymentLine",
    "ModelSwitched",
    "PromoCreateAsked",
    "RefundAsked",
    "StatsShown",
    "UserBlocked",
    "UserProfile",
    "UserUnblocked",
    "admin_stream",
]

ADMIN_STREAM_PREFIX: Final = "admin:"
"""Every admin desk's stream starts so: ``admin:<admin_id>``."""


def admin_stream(admin_id: int) -> str:
    """The stream of ``admin_id``'s desk."""
    return f"{ADMIN_STREAM_PREFIX}{admin_id}"


class _Record(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, omit_defaults=True, gc=False):
    pass


class LedgerLine(_Record, frozen=True):
    """One ledger event as a lookup shows it: its type, the credits it moved (signed), and the id it names."""

    type: str
    change: int
    operation_id: str
    ts: float
    detail: str = ""


class JobLine(_Record, frozen=True):
    """One order of the user: its job id, model, price and how it stands (``running``, ``succeeded``, ``failed``)."""

    job_id: str
    model_id: str
    credits: int
    status: str


class PaymentLine(_Record, frozen=True):
    """One Stars top-up: its ledger credit id (what a refund names), Stars and credits, and ``refunded`` credits."""

    credit_id: str
    stars: int
    credits: int
    charge_id: str
    refunded: int = 0


class UserProfile(_Record, frozen=True):
    """A user as the desk's lookup read them from the log (the read model's result, recorded as it was shown).

    ``found`` is false for a user the bot never heard of (then nothing else is set).
    """

    user_id: int
    found: bool
    username: str = ""
    first_name: str = ""
    available: int = 0
    held: int = 0
    pending_holds: int = 0
    blocked: bool = False
    entries: tuple[LedgerLine, ...] = ()
    jobs: tuple[JobLine, ...] = ()
    payments: tuple[PaymentLine, ...] = ()


class ModelCount(_Record, frozen=True):
    """Orders of one model: how many jobs were opened, and how many of them failed."""

    model_id: str
    jobs: int
    failed: int


class AdminStats(_Record, frozen=True):
    """The bot's figures at ``at`` (the stats read model's result). ``kie_credits`` is None when KIE did not say.

    ``active_day``/``active_week``: users with an update in the last 24 hours / 7 days.
    """

    at: float
    users: int
    active_day: int
    active_week: int
    topups: int
    topup_stars: int
    topup_credits: int
    spent: int
    refunds: int
    refunded_credits: int
    adjusted: int
    models: tuple[ModelCount, ...] = ()
    kie_credits: float | None = None


class BroadcastCounts(_Record, frozen=True):
    """How far a broadcast got when the admin asked (``finished``: every copy has its outcome)."""

    recipients: int
    queued: int
    delivered: int
    failed: int
    unreachable: int
    finished: bool


class AdminPrompted(Event, frozen=True):
    """The desk asks the admin for text: ``prompt`` says what the next plain message answers (``lookup``,
    ``adjust``, ``block``, ``model``, ``promo``, ``broadcast``; ``""`` closes the prompt), ``user_id`` whom
    it is about (0: nobody yet)."""

    prompt: str
    user_id: int = 0
    language: str = ""


class AdminLookedUp(Event, frozen=True):
    """Admin ``admin_id`` looked up ``target`` (as typed: an id or ``@username``) and saw ``profile``."""

    admin_id: int
    target: str
    profile: UserProfile


class StatsShown(Event, frozen=True):
    """Admin ``admin_id`` looked at the bot's figures."""

    admin_id: int
    stats: AdminStats


class AdjustmentAsked(Event, frozen=True):
    """Admin ``admin_id`` asked to change ``user_id``'s balance by ``amount`` credits (positive: a credit,
    negative: a debit) because of ``reason``. The ledger's operation id is ``adjustment_id``."""

    admin_id: int
    user_id: int
    amount: int
    reason: str
    adjustment_id: str


class RefundAsked(Event, frozen=True):
    """Admin ``admin_id`` asked to refund ``user_id``'s Stars top-up ``credit_id`` (``amount`` credits, the
    whole top-up) under the refund id ``refund_id``."""

    admin_id: int
    user_id: int
    credit_id: str
    amount: int
    refund_id: str


class UserBlocked(Event, frozen=True):
    """Admin ``admin_id`` blocked ``user_id`` because of ``reason``: the bot serves them no more."""

    admin_id: int
    user_id: int
    reason: str


class UserUnblocked(Event, frozen=True):
    """Admin ``admin_id`` unblocked ``user_id`` (``reason`` may be empty)."""

    admin_id: int
    user_id: int
    reason: str = ""


class ModelSwitched(Event, frozen=True):
    """Admin ``admin_id`` switched model ``model_id`` on (``enabled``) or off for everyone: the sessions stop
    (or start again) offering it, each recording the change the first time it meets it (``ModelsSeen``)."""

    admin_id: int
    model_id: str
    enabled: bool


class PromoCreateAsked(Event, frozen=True):
    """Admin ``admin_id`` asked for promo code ``code``: ``credits`` for each of ``max_uses`` users, until
    ``expires_at``. The promo codes decide (``PromoCreated`` or ``PromoCreateRefused``)."""

    admin_id: int
    code: str
    credits: int
    max_uses: int
    expires_at: float


class BroadcastPreviewed(Event, frozen=True):
    """Admin ``admin_id`` wrote broadcast ``broadcast_id`` (valid Telegram HTML) and sees it before sending."""

    admin_id: int
    broadcast_id: str
    text: str


class BroadcastAsked(Event, frozen=True):
    """Admin ``admin_id`` confirmed broadcast ``broadcast_id`` of ``text`` to every user."""

    admin_id: int
    broadcast_id: str
    text: str


class BroadcastDropped(Event, frozen=True):
    """Admin ``admin_id`` dropped the previewed broadcast ``broadcast_id``: nothing was sent."""

    admin_id: int
    broadcast_id: str


class BroadcastProgressShown(Event, frozen=True):
    """Admin ``admin_id`` looked at how far broadcast ``broadcast_id`` got (``counts``; None: never started)."""

    admin_id: int
    broadcast_id: str
    counts: BroadcastCounts | None = None


class AdminActionReported(Event, frozen=True):
    """What came of an admin's request, as the actor that carried it out recorded it.

    ``action`` is ``adjustment``, ``refund``, ``promo`` or ``broadcast``; ``operation_id`` the request's id
    (adjustment id, refund id, code, broadcast id); ``outcome`` the recorded answer (``Credited``,
    ``Debited``, ``DebitRejected``, ``RefundReserved``, ``RefundRejected``, ``PromoCreated``,
    ``PromoCreateRefused``, ``BroadcastStarted``, ``BroadcastRefused``, ``BroadcastFinished``), ``detail``
    its reason or counts, and ``available`` the user's balance after it when it moved credits (else -1).
    """

    admin_id: int
    action: str
    operation_id: str
    outcome: str
    detail: str = ""
    available: int = -1


class AdminInputRejected(Event, frozen=True):
    """The desk refused what admin ``admin_id`` sent, and nothing happened.

    ``reason_code``: ``no_reason`` (an adjustment or a block without a reason), ``bad_amount``,
    ``unknown_user``, ``unknown_payment`` (no such Stars top-up of that user), ``refunded`` (refunded
    already), ``spent`` (the top-up's credits are spent), ``insufficient`` (a debit past the balance),
    ``bad_html`` (a broadcast Telegram would refuse), ``unknown_model``, ``bad_code``, ``bad_promo``,
    ``malformed`` (a command the desk cannot read), ``stale`` (a button of a screen gone by),
    ``unknown_command``, ``no_prompt`` (text when nothing was asked). ``detail`` says what was refused.
    """

    admin_id: int
    reason_code: str
    detail: str = ""


AdminEvent: TypeAlias = (
    AdminPrompted
    | AdminLookedUp
    | StatsShown
    | AdjustmentAsked
    | RefundAsked
    | UserBlocked
    | UserUnblocked
    | ModelSwitched
    | PromoCreateAsked
    | BroadcastPreviewed
    | BroadcastAsked
    | BroadcastDropped
    | BroadcastProgressShown
    | AdminActionReported
    | AdminInputRejected
)
"""Any event of the desk's own vocabulary (its screens are ``UiRendered``). Works with ``isinstance``."""

ADMIN_EVENTS: tuple[type[Event], ...] = get_args(AdminEvent)
"""Every admin desk event type; registered in :data:`trt_actors.events.ALL_EVENTS`."""
